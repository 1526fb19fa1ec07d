"""How much a whole run costs against the emulator: wall time and ARM calls, first run against re-run.

Prints figures and ratios only; nothing here asserts a timing. Run: .venv/bin/python bench/runbook_bench.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aksegress.emulator import start_emulator
from aksegress.params import load_params

ROOT = Path(__file__).resolve().parents[1]
AKSEGRESS = str(Path(sys.executable).with_name("aksegress"))


def timed_run(connection: Path, output: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    subprocess.run([AKSEGRESS, "run", "--params", "params/local.yaml", "--connection-file", str(connection), "--output", str(output)],
                   cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started, json.loads((output / "run.json").read_text())


def main() -> None:
    params = load_params(ROOT / "params" / "local.yaml")
    folder = Path(tempfile.mkdtemp(prefix="aksegress-bench-"))
    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json") as emulator:
        first_s, first = timed_run(folder / "arm.json", folder / "first")
        second_s, second = timed_run(folder / "arm.json", folder / "second")
        served = emulator.counters()
    checks = sum(len(s["checks"]) for s in first["steps"])
    print(f"first run : {first_s:6.1f} s  reads {first['arm']['reads']:5}  writes {first['arm']['writes']:3}  actions {first['arm']['actions']:3}")
    print(f"re-run    : {second_s:6.1f} s  reads {second['arm']['reads']:5}  writes {second['arm']['writes']:3}  actions {second['arm']['actions']:3}")
    print(f"re-run / first run time: {second_s / first_s:.2f}")
    print(f"emulator served: reads {served['reads']}, writes {served['writes']}, actions {served['actions']}, polls {served['polls']}")
    slowest = sorted(first["steps"], key=lambda s: -s["duration_s"])[:3]
    print("slowest steps (first run): " + ", ".join(f"{s['name']} {s['duration_s']:.1f}s" for s in slowest))
    print(f"checks per run: {checks}")


if __name__ == "__main__":
    main()
