"""Replay the contract recordings (tests/contract) against fresh emulators and print how close it answers to real ARM.

Per recording, per ARM type and overall: requests scored, status-class match %, exact status %, and the share of
the real responses' JSON key paths the emulator returned. Requests marked `changed` or `outside` are counted apart.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.contract.replay import Score, replay_all, score  # noqa: E402


def _row(label: str, s) -> str:
    return f"{label:58} {s.requests:5} {s.class_pct:7.1f} {s.exact_pct:7.1f} {s.coverage_pct:7.1f}"


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    results = replay_all(argv or None)
    elapsed = time.perf_counter() - started
    everything = [o for outcomes in results.values() for o in outcomes]
    header = f"{'':58} {'reqs':>5} {'class%':>7} {'exact%':>7} {'keys%':>7}"
    print("per recording\n" + header)
    for name, outcomes in results.items():
        print(_row(name, score(outcomes).get("all", Score())))
    print("\nper ARM type\n" + header)
    for arm_type, s in sorted(score(everything, by=lambda o: o.arm_type).items()):
        print(_row(arm_type, s))
    changed = sum(1 for o in everything if o.changed)
    outside = sum(1 for o in everything if o.outside)
    print(f"\nrecordings: {len(results)}   requests: {len(everything)}   scored: {score(everything)['all'].requests}   "
          f"marked changed since recording: {changed}   outside the emulated surface (not sent): {outside}   "
          f"replay time: {elapsed:.1f} s")
    total = score(everything)["all"]
    print(f"overall: status class {total.class_pct:.1f} %, exact status {total.exact_pct:.1f} %, key paths {total.coverage_pct:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
