"""What a whole run costs in Azure time: the minutes it waits, the one-at-a-time sum, and the critical path.

Runs `aksegress run` (params/local.yaml) against an emulator under the `azure-timed` latency profile, where each
operation lasts its type's Azure time (docs/arm-wire-format.md §5.1), scaled down; then reads back every operation
the emulator ran. Modelled time: the Azure minutes during which at least one operation the run waited for was
running. Sum: every operation one after the other, as the write-up's procedure runs them (the gateway included).
Critical path: the longest chain of operations through the desired state's dependencies, which no order can beat
(a run command comes after the writes that finished before it and after the VM's previous command).
At 1/600 a millisecond the client spends between starts is 0.6 Azure seconds, so on a loaded machine the modelled
figure moves by a few minutes from run to run; the sum and the critical path do not depend on the client's pace.
Prints figures; asserts nothing. Run: .venv/bin/python bench/azure_time_bench.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from functools import cache
from pathlib import Path

from aksegress.emulator import start_emulator
from aksegress.emulator.handler import PROFILES
from aksegress.params import load_params
from aksegress.runbook import Runbook
from aksegress.steps import all_steps

ROOT = Path(__file__).resolve().parents[1]
AKSEGRESS = str(Path(sys.executable).with_name("aksegress"))
PROFILE = PROFILES["azure-timed"]
PARAMS = ROOT / "params" / "local.yaml"


def covered(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of (start, end) intervals."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def desired_graph(runbook: Runbook) -> tuple[dict[str, set[str]], set[str]]:
    """Every desired resource's dependencies (lower-cased ids, merged over steps) and the ids not waited for."""
    depends: dict[str, set[str]] = defaultdict(set)
    unawaited = set()
    for spec in all_steps():
        for d in spec.desired(runbook.params, runbook.facts):
            depends[d.id.lower()].update(x.lower() for x in d.depends_on)
            if not d.wait:
                unawaited.add(d.id.lower())
    return depends, unawaited


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="aksegress-azure-time-"))
    params = load_params(PARAMS)
    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json",
                        latency_profile=PROFILE.name) as emulator:
        started = time.perf_counter()
        subprocess.run([AKSEGRESS, "run", "--params", str(PARAMS), "--connection-file", str(folder / "arm.json"),
                        "--output", str(folder / "run")], cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - started
        depends, unawaited = desired_graph(Runbook.open(params_file=str(PARAMS), connection_file=str(folder / "arm.json")))
        operations = [op for op in emulator.store.operations() if op.kind != "refused"]

    def minutes(op) -> float:
        return (op.ready_at - op.started) / PROFILE.scale / 60

    own = defaultdict(float)  # node -> Azure minutes of its operations
    previous_command: dict[str, str] = {}
    for op in operations:
        if op.kind != "action":
            own[op.resource_key] += minutes(op)
            continue
        # A run command probes the estate the writes before it built, and a VM runs one command at a time.
        node = f"{op.resource_key}#{op.id}"
        own[node] = minutes(op)
        depends[node] = {o.resource_key for o in operations
                        if o.kind != "action" and o.ready_at <= op.started and o.resource_key not in unawaited}
        depends[node] |= {previous_command[op.resource_key]} if op.resource_key in previous_command else set()
        previous_command[op.resource_key] = node

    @cache
    def finish(node: str) -> float:
        return own.get(node, 0.0) + max((finish(d) for d in depends.get(node, ())), default=0.0)

    waited = [op for op in operations if op.resource_key not in unawaited]
    modelled = covered([(op.started, op.ready_at) for op in waited]) / PROFILE.scale / 60
    one_at_a_time = sum(minutes(op) for op in operations)
    critical = max(finish(n) for n in own if n not in unawaited)
    longest = sorted(((minutes(op), op.resource_key.rsplit("/", 1)[-1]) for op in operations), reverse=True)[:4]
    print(f"profile {PROFILE.name}: 1 Azure minute = {60 * PROFILE.scale:.2f} s; whole run {wall:.1f} s wall")
    print(f"operations: {len(operations)} ({len(waited)} waited for); longest: "
          + ", ".join(f"{name} {m:.1f} min" for m, name in longest))
    for key in sorted(unawaited):
        print(f"not waited for: {key.rsplit('/', 1)[-1]} {own.get(key, 0.0):.1f} min (runs on after the run; not in the figures below)")
    print(f"one at a time (the write-up's way, every operation awaited in turn): {one_at_a_time:.1f} Azure min")
    print(f"modelled Azure time of the run (minutes with a waited-for operation running): {modelled:.1f} Azure min")
    print(f"critical path of the waited-for operations: {critical:.1f} Azure min")
    print(f"one-at-a-time/modelled ratio: {one_at_a_time / modelled:.2f}")
    print(f"modelled/critical ratio: {modelled / critical:.2f}")


if __name__ == "__main__":
    main()
