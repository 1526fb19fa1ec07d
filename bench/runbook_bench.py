"""What a whole run costs against the emulator, against papermill's own floor: the same notebooks executed one after
another in fresh kernels that import what the runbook imports and do nothing else. Then the first run, the re-run,
and a first run of a 30-spoke params file, with their ARM calls.

Prints figures and ratios only; nothing here asserts a timing. Run: .venv/bin/python bench/runbook_bench.py [--spokes 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

from aksegress.emulator import start_emulator
from aksegress.params import load_params
from aksegress.steps import all_steps

ROOT = Path(__file__).resolve().parents[1]
AKSEGRESS = str(Path(sys.executable).with_name("aksegress"))
FLOOR_IMPORTS = ("import pandas\nimport azure.identity, azure.mgmt.network, azure.mgmt.resource, azure.mgmt.privatedns, "
                 "azure.mgmt.containerservice, azure.mgmt.compute, azure.mgmt.authorization\nimport aksegress.notebook")


def floor_seconds(folder: Path) -> float:
    """Papermill executing each step's notebook reduced to its parameters cell and the runbook's imports."""
    import papermill

    notebooks = []
    for spec in all_steps():
        nb = nbformat.read(str(ROOT / "notebooks" / spec.notebook), as_version=4)
        parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        nb.cells = [parameters, nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
        path = folder / spec.notebook
        nbformat.write(nb, str(path))
        notebooks.append(path)
    started = time.perf_counter()
    for path in notebooks:
        papermill.execute_notebook(str(path), str(path.with_suffix(".out.ipynb")), kernel_name="python3",
                                   progress_bar=False, cwd=str(ROOT / "notebooks"), extra_arguments=["--IPKernelApp.log_level=ERROR"])
    return time.perf_counter() - started


def timed_run(params_file: Path, connection: Path, output: Path, emulator) -> tuple[float, dict, int]:
    """Wall time, run.json and requests the emulator served for one `aksegress run`, in a project root of the bench's own."""
    project = output.parent / "project"
    if not project.exists():
        project.mkdir()
        for name in ("params", "notebooks"):
            (project / name).symlink_to(ROOT / name)
    before = _served(emulator)
    started = time.perf_counter()
    subprocess.run([AKSEGRESS, "run", "--params", str(params_file), "--connection-file", str(connection), "--output", str(output)],
                   cwd=project, check=True, capture_output=True, env={**os.environ, "AKSEGRESS_ROOT": str(project)})
    return time.perf_counter() - started, json.loads((output / "run.json").read_text()), _served(emulator) - before


def spokes_params(count: int, folder: Path) -> Path:
    """params/local.yaml with ``count`` spokes, each like spoke3 in its own /16, spread over the three spoke subscriptions."""
    doc = yaml.safe_load((ROOT / "params" / "local.yaml").read_text())
    model = doc["spokes"]["spoke3"]
    subscriptions = [s["subscription_id"] for s in doc["spokes"].values()]
    doc["environment"] = f"bench{count}"
    doc["spokes"] = {}
    for n in range(1, count + 1):
        spoke = json.loads(json.dumps(model).replace("spoke3", f"spoke{n}").replace("10.3.", f"10.{n}."))
        spoke["subscription_id"] = subscriptions[(n - 1) % len(subscriptions)]
        doc["spokes"][f"spoke{n}"] = spoke
    path = folder / f"bench{count}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _served(emulator) -> int:
    c = emulator.counters()
    return sum(c.get(k, 0) for k in ("reads", "writes", "actions", "polls"))


def _line(label: str, seconds: float, record: dict, requests: int, floor: float) -> str:
    arm = record["arm"]
    return (f"{label:<14}: {seconds:6.1f} s  {seconds / floor:4.2f}x floor  reads {arm['reads']:5}  writes {arm['writes']:4}  "
            f"actions {arm['actions']:3}  requests {requests:5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spokes", type=int, default=30, help="spokes of the generated params file (0: skip that run)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aksegress-bench-"))
    (folder / "floor").mkdir()
    floor = floor_seconds(folder / "floor")
    local = ROOT / "params" / "local.yaml"
    params = load_params(local)
    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json") as emulator:
        first_s, first, first_requests = timed_run(local, folder / "arm.json", folder / "first", emulator)
        second_s, second, second_requests = timed_run(local, folder / "arm.json", folder / "second", emulator)
    print(f"floor         : {floor:6.1f} s  ({len(all_steps())} notebooks, papermill, bare kernels with the runbook's imports)")
    print(_line("first run", first_s, first, first_requests, floor))
    print(_line("re-run", second_s, second, second_requests, floor))
    print(f"re-run / first run: time {second_s / first_s:.2f}, reads {second['arm']['reads'] / max(first['arm']['reads'], 1):.2f}")
    slowest = sorted(first["steps"], key=lambda s: -s["duration_s"])[:3]
    print("slowest steps (first run): " + ", ".join(f"{s['name']} {s['duration_s']:.1f}s" for s in slowest))
    if args.spokes:
        big = spokes_params(args.spokes, folder)
        big_params = load_params(big)
        with start_emulator(folder / "big.db", big_params.tenant_id, big_params.subscription_ids(),
                            connection_file=folder / "big.json") as emulator:
            big_s, big_record, big_requests = timed_run(big, folder / "big.json", folder / "big", emulator)
        spokes = len(params.spokes)
        print(_line(f"{args.spokes} spokes", big_s, big_record, big_requests, floor))
        print(f"{args.spokes} spokes / {spokes} spokes (x{args.spokes / spokes:.0f} spokes): time {big_s / first_s:.2f}, "
              f"reads {big_record['arm']['reads'] / max(first['arm']['reads'], 1):.2f} (linear would be {args.spokes / spokes:.0f})")


if __name__ == "__main__":
    main()
