"""Run the notebooks of a step range in order with papermill, and keep each run as a record.

Every run writes ``outputs/<env>/<run-id>/``: the executed notebooks and ``run.json``. Against the
emulator target with no running emulator named, the runner starts one on the environment's own state
file, so the next run meets the same world. The notebooks' kernels are told the run's project root
($AKSEGRESS_ROOT), so what they keep on this machine (SSH keys, kubeconfigs) lands under that root too.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import socket
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aksegress.connection import CONNECTION_ENV
from aksegress.errors import AksegressError, WaitingForHubOwners
from aksegress.layout import ROOT_ENV
from aksegress.layout import run_dir as run_folder
from aksegress.params import load_params
from aksegress.plan_files import KNOWN_AFTER_APPLY
from aksegress.provenance import source_of
from aksegress.record import read_records
from aksegress.steps import all_steps, find_step
from aksegress.steps.spec import StepSpec

PASSED, FAILED, NOT_RUN = "passed", "failed", "not-run"
DRIFT, NO_DRIFT, NOT_CONFIRMED = "drift", "no drift", "not confirmed"
WAITING = WaitingForHubOwners.status
"""A step needs writes in an existing hub that only its owners may make; the run stops with a change request."""
EXIT_OK, EXIT_FAILED, EXIT_DRIFT, EXIT_NOT_CONFIRMED, EXIT_WAITING = 0, 1, 2, 3, 4


@dataclass
class RunOutcome:
    run_dir: Path
    record: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        status = self.record["status"]
        if status == DRIFT:
            return EXIT_DRIFT
        if status == NOT_CONFIRMED:
            return EXIT_NOT_CONFIRMED
        if status == WAITING:
            return EXIT_WAITING
        return EXIT_OK if status in (PASSED, NO_DRIFT) else EXIT_FAILED


def select_steps(from_step: str | None, to_step: str | None) -> list[StepSpec]:
    """The steps from ``from_step`` to ``to_step``, inclusive; an empty or reversed range is an error naming both."""
    steps = all_steps()
    start = steps.index(find_step(from_step)) if from_step else 0
    end = steps.index(find_step(to_step)) if to_step else len(steps) - 1
    if end < start:
        raise AksegressError(f"the step range is empty: --from {steps[start].key} comes after --to {steps[end].key}",
                          hint=f"swap them (--from {steps[end].key} --to {steps[start].key}) or drop one")
    return steps[start:end + 1]


def run(params_file: Path, *, root: Path, connection_file: str | None = None, from_step: str | None = None,
        to_step: str | None = None, plan_only: bool = False, output: Path | None = None, echo=print,
        steps: list[StepSpec] | None = None, extra_parameters: dict | None = None) -> RunOutcome:
    """Execute the selected steps' notebooks; stop at the first failure."""
    params = load_params(params_file)
    steps = steps or select_steps(from_step, to_step)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = Path(output) if output else run_folder(params.environment, run_id, root)
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "run_id": run_id, "environment": params.environment, "target": params.target,
        "params_file": str(params_file), "params_sha256": hashlib.sha256(Path(params_file).read_bytes()).hexdigest(),
        "resumes": None, **source_of(root, [s.notebook for s in steps]), "user": getpass.getuser(), "host": socket.gethostname(),
        "started": _now(), "finished": None, "status": "running", "plan_only": plan_only,
        "arm": _no_calls(),
        "steps": [_step_entry(s) for s in steps],
    }
    from aksegress.report import PageRenderer, document_run

    with PageRenderer() as pages:
        with ExitStack() as stack:
            connection_path = connection_file or os.environ.get(CONNECTION_ENV)
            if not connection_path and params.target == "emulator":
                from aksegress.emulator_target import environment_emulator

                emulator = stack.enter_context(environment_emulator(params, root))
                connection_path = str(emulator.connection_path)
                echo(f"emulator: {emulator.connection.endpoint} (state {emulator.state_path})")
            from aksegress.acting_identity import who_acted, world_of
            from aksegress.connect import read_connection

            connection = read_connection(connection_path) if params.target == "emulator" and connection_path else None
            record["world"], record["azure_identity"] = world_of(params, connection), who_acted(params, connection)
            record["resumes"] = resumes = unfinished_run(run_dir.parent, steps, record["world"])
            write_record(run_dir, record)
            if resumes:
                echo(f"resuming run {resumes}: finished steps will plan no change, the rest continue")
            env_before = {name: os.environ.get(name) for name in (CONNECTION_ENV, ROOT_ENV)}
            if connection_path:
                os.environ[CONNECTION_ENV] = str(Path(connection_path).resolve())
            os.environ[ROOT_ENV] = str(Path(root).absolute())
            try:
                record["status"] = _run_steps(steps, record, params_file, run_dir, root, plan_only, echo, extra_parameters or {},
                                              pages)
                if plan_only and record["status"] == PASSED:
                    record["status"] = DRIFT if any(s["changes"]["planned"] for s in record["steps"]) else NO_DRIFT
            finally:
                for name, value in env_before.items():
                    _restore_env(name, value)
        record["finished"] = _now()
        write_record(run_dir, record)
        if plan_only:
            from aksegress.plan_files import plan_summary_lines, write_plan_files

            write_plan_files(run_dir, record)
            for line in plan_summary_lines(record):
                echo(line)
        document_run(run_dir, connection_file=connection_path, pages=pages)
    arm = record["arm"]
    echo(f"run {run_id}: {record['status']}; ARM reads {arm['reads']}, writes {arm['writes']}, actions {arm['actions']}, "
         f"retries {arm['retries']}; record in {run_dir}")
    return RunOutcome(run_dir, record)


def _run_steps(steps, record, params_file, run_dir, root, plan_only, echo, extra, pages) -> str:
    from aksegress.kernels import KernelsAhead

    with KernelsAhead(str(root / "notebooks"), ["--IPKernelApp.log_level=ERROR"]) as kernels:
        return _run_notebooks(kernels, steps, record, params_file, run_dir, root, plan_only, echo, extra, pages)


def _run_notebooks(kernels, steps, record, params_file, run_dir, root, plan_only, echo, extra, pages) -> str:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from aksegress.kernels import ENGINE
    from aksegress.notebook_template import parameter_names
    from aksegress.report import page_note, page_title

    for index, (spec, entry) in enumerate(zip(steps, record["steps"])):
        echo(f"[{index + 1}/{len(steps)}] {spec.key}: {spec.title} ...")
        started = time.monotonic()
        out_path = run_dir / spec.notebook
        kernel = kernels.take(more=index + 1 < len(steps))
        try:
            papermill.execute_notebook(
                str(root / "notebooks" / spec.notebook), str(out_path),
                parameters={"env": record["environment"], "params_file": str(Path(params_file).resolve()), "plan_only": plan_only,
                            "run_dir": str(run_dir.resolve()), **{k: v for k, v in extra.items() if k in parameter_names(spec.number)}},
                kernel_name="python3", progress_bar=False, cwd=str(root / "notebooks"), engine_name=ENGINE, km=kernel,
            )
            entry["status"] = PASSED
        except PapermillExecutionError as exc:
            entry["status"] = FAILED
            entry["error"] = {"cell": exc.exec_count, "cell_index": exc.cell_index, "ename": exc.ename, "evalue": _first_line(exc.evalue),
                              "next": _next_line(exc.evalue)}
            if exc.ename == "TeardownNotConfirmed":
                entry["status"] = NOT_CONFIRMED
            if exc.ename == "WaitingForHubOwners":
                entry["status"] = WAITING
            if plan_only and exc.ename == "MissingFact" and _created_by_this_plan(record["steps"][:index], entry["error"]):
                entry["status"] = KNOWN_AFTER_APPLY
        finally:
            kernels.finish(kernel)
        entry["duration_s"] = round(time.monotonic() - started, 2)
        if out_path.exists():
            pages.render(out_path, page_title(entry, record), page_note(entry))
        _merge_records(entry, out_path)
        _add_calls(record["arm"], entry["arm"])
        write_record(run_dir, record)
        if entry["status"] == NOT_CONFIRMED:
            for change in entry["changes"].get("plan", []):
                echo(f"    would {change['action']} {change.get('type') or ''} {change.get('name') or change['id']}")
            for note in entry.get("notes", []):
                echo(f"    would keep {note.removeprefix('kept: ')}" if note.startswith("kept: ") else f"    {note}")
            echo(f"    not confirmed: {entry['error']['evalue']}; nothing was deleted")
            if entry["error"]["next"]:
                echo(f"    {entry['error']['next']}")
            return NOT_CONFIRMED
        if entry["status"] == WAITING:
            echo(f"    {WAITING}: {entry['error']['evalue']}")
            if entry["error"]["next"]:
                echo(f"    {entry['error']['next']}")
            return WAITING
        if entry["status"] == KNOWN_AFTER_APPLY:
            echo(f"    {KNOWN_AFTER_APPLY}: {entry['error']['evalue']}; this plan creates it in "
                 f"{entry['error']['next'].removeprefix('Next: run step ').removesuffix(' first')}, so this step is planned once that is applied")
            continue
        if entry["status"] == FAILED:
            err = entry["error"]
            echo(f"    FAILED in {spec.notebook}, cell [{err['cell']}]: {err['ename']}: {err['evalue']}")
            if err["next"]:
                echo(f"    {err['next']}")
            echo(f"    the executed notebook is {out_path}")
            return FAILED
        echo(f"    passed in {entry['duration_s']}s: {entry['changes']['planned']} change(s) planned, {entry['changes']['applied']} applied, "
             f"{sum(c['ok'] for c in entry['checks'])}/{len(entry['checks'])} checks")
        if entry.get("probes_reused"):
            echo(f"    {len(entry['probes_reused'])} probe result(s) reused from run "
                 f"{', '.join(sorted({r['run'] for r in entry['probes_reused']}))}: nothing they depend on changed (--fresh-probes probes again)")
    return PASSED


def unfinished_run(env_dir: Path, steps: list[StepSpec], world: dict | None = None) -> str | None:
    """The newest earlier run of these steps on the same world (tenant, subscriptions, emulator state) that failed
    or was killed, which this run completes."""
    runs = sorted((p for p in env_dir.glob("*/run.json")), key=lambda p: p.parent.name, reverse=True) if env_dir.is_dir() else []
    for path in runs:
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if [s["name"] for s in record.get("steps", [])] != [s.key for s in steps] or record.get("plan_only"):
            continue
        if record.get("status") == NOT_CONFIRMED or (world is not None and record.get("world") != world):
            continue
        return record["run_id"] if record.get("status") != PASSED else None
    return None


def _created_by_this_plan(earlier: list[dict], error: dict) -> bool:
    """Whether a missing fact is missing only because nothing was applied: it says a resource "is absent", and the step
    it names ("Next: run step K first") is earlier in this plan and plans creating that resource by name (or is itself
    known after apply). A resource in a bad state, or one no earlier step creates, still fails the plan."""
    named = re.fullmatch(r"Next: run step (\S+) first", error.get("next") or "")
    absent = re.fullmatch(r"\S+ (\S+) .*is absent", error.get("evalue") or "")
    if not (named and absent):
        return False
    step = next((s for s in earlier if s["name"] == named.group(1)), None)
    if step is None or step["status"] not in (PASSED, KNOWN_AFTER_APPLY):
        return False
    return step["status"] == KNOWN_AFTER_APPLY or any(c.get("action") == "create" and c.get("name") == absent.group(1)
                                                     for c in step["changes"].get("plan", []))


def write_record(run_dir: Path, record: dict) -> None:
    """Write run.json whole or not at all, after every step, so a killed run still leaves its record."""
    tmp = run_dir / "run.json.tmp"
    tmp.write_text(json.dumps(record, indent=2))
    tmp.replace(run_dir / "run.json")


def _merge_records(entry: dict, notebook: Path) -> None:
    if not notebook.exists():
        return
    for rec in read_records(notebook):
        entry["changes"]["planned"] += rec["changes"]["planned"]
        entry["changes"]["applied"] += rec["changes"]["applied"]
        entry["changes"].setdefault("plan", []).extend(rec["changes"].get("plan", []))
        entry.setdefault("notes", []).extend(rec.get("notes") or [])
        if rec.get("probes_reused"):
            entry.setdefault("probes_reused", []).extend(rec["probes_reused"])
        if rec.get("impact"):
            entry["impact"] = rec["impact"]
        if rec.get("change_request"):
            entry["change_request"] = Path(rec["change_request"]).name
        entry["checks"] += rec["checks"]
        _add_calls(entry["arm"], rec["arm"])


def _step_entry(spec: StepSpec) -> dict:
    return {"name": spec.key, "notebook": spec.notebook, "status": NOT_RUN, "duration_s": 0.0,
            "changes": {"planned": 0, "applied": 0}, "checks": [], "arm": _no_calls()}


def _no_calls() -> dict:
    return {"reads": 0, "writes": 0, "actions": 0, "retries": 0}


def _add_calls(total: dict, more: dict) -> None:
    for key in ("reads", "writes", "actions", "retries"):
        total[key] = total.get(key, 0) + more.get(key, 0)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _next_line(text: str) -> str:
    """The library's "Next: ..." line of an error, ANSI colour codes removed; '' when it gives none."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text or "")
    return next((line.strip() for line in plain.splitlines() if line.strip().startswith("Next:")), "")


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
