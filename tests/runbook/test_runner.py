"""`aksegress run` executes the notebooks with papermill and keeps a record a pipeline can read."""

import json
from pathlib import Path

import pytest

from tests.runbook.conftest import aksegress

pytestmark = pytest.mark.slow


def _record(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def _only_run(project: Path, env: str = "local") -> Path:
    runs = [p for p in (project / "outputs" / env).iterdir() if (p / "run.json").exists()]
    assert len(runs) == 1
    return runs[0]


def test_a_first_run_passes_steps_00_and_01_with_every_peering_connected(project):
    done = aksegress("run", "--env", "local", "--to", "01", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    record = _record(_only_run(project))
    assert [(s["name"], s["status"]) for s in record["steps"]] == [("00-prerequisites", "passed"), ("01-hub-and-spokes", "passed")]
    peerings = [c for c in record["steps"][1]["checks"] if c["name"].endswith("connected, forwarded traffic allowed")]
    assert len(peerings) == 6 and all(c["ok"] for c in peerings)
    assert all("peeringState=Connected" in c["detail"] and "allowForwardedTraffic=True" in c["detail"] for c in peerings)
    assert {"run_id", "environment", "params_sha256", "commit", "started", "finished", "status", "arm", "steps"} <= set(record)
    assert (_only_run(project) / "01-hub-and-spokes.ipynb").exists()


def test_a_second_run_plans_no_change_and_the_emulator_counts_no_write(emulator, tmp_path, project):
    first = aksegress("run", "--params", "params/local.yaml", "--to", "01", "--connection-file", str(tmp_path / "arm.json"),
                      "--output", str(tmp_path / "run1"), cwd=project)
    assert first.returncode == 0, first.stdout + first.stderr
    before = emulator.counters()
    second = aksegress("run", "--params", "params/local.yaml", "--to", "01", "--connection-file", str(tmp_path / "arm.json"),
                       "--output", str(tmp_path / "run2"), cwd=project)
    assert second.returncode == 0, second.stdout + second.stderr
    after = emulator.counters()
    assert after["writes"] == before["writes"]
    record = _record(tmp_path / "run2")
    assert [s["changes"]["planned"] for s in record["steps"]] == [0, 0]
    assert record["arm"]["writes"] == 0 and record["arm"]["reads"] > 0


def test_plan_only_writes_nothing_and_exits_2_when_there_is_drift(emulator, tmp_path, project):
    done = aksegress("run", "--params", "params/local.yaml", "--to", "01", "--plan", "--connection-file", str(tmp_path / "arm.json"),
                     "--output", str(tmp_path / "plan"), cwd=project)
    assert done.returncode == 2, done.stdout + done.stderr
    assert emulator.counters()["writes"] == 0
    assert _record(tmp_path / "plan")["steps"][0]["changes"]["planned"] == 4


def test_a_failing_step_stops_the_run_and_names_the_notebook_and_cell(emulator, tmp_path, project):
    from tests.emulator.conftest import raw_request

    fault = {"method": "PUT", "type": "Microsoft.Network/virtualNetworks", "code": "InternalServerError", "message": "Injected.", "times": 50}
    assert raw_request(emulator.connection, "POST", "/_emulator/faults", body=fault).status == 204
    done = aksegress("run", "--params", "params/local.yaml", "--connection-file", str(tmp_path / "arm.json"),
                     "--output", str(tmp_path / "failed"), cwd=project)
    assert done.returncode == 1
    assert "FAILED in 01-hub-and-spokes.ipynb, cell [" in done.stdout
    assert "InternalServerError" in done.stdout
    record = _record(tmp_path / "failed")
    assert record["status"] == "failed"
    assert [s["status"] for s in record["steps"]][:2] == ["passed", "failed"]
    assert all(s["status"] == "not-run" for s in record["steps"][2:])


def test_an_unconfirmed_teardown_prints_its_plan_and_exits_3_and_the_next_is_no_resume(emulator, tmp_path, project):
    made = aksegress("run", "--params", "params/local.yaml", "--to", "00", "--connection-file", str(tmp_path / "arm.json"),
                     "--output", str(tmp_path / "made"), cwd=project)
    assert made.returncode == 0, made.stdout + made.stderr
    first = aksegress("teardown", "--params", "params/local.yaml", "--connection-file", str(tmp_path / "arm.json"), cwd=project)
    assert first.returncode == 3, first.stdout + first.stderr
    assert "would delete resource group rg-spoke1" in first.stdout and "not confirmed" in first.stdout and "Next:" in first.stdout
    assert emulator.counters()["writes"] == 4
    second = aksegress("teardown", "--params", "params/local.yaml", "--connection-file", str(tmp_path / "arm.json"), cwd=project)
    assert second.returncode == 3 and "resuming" not in second.stdout


def _failed_record(project: Path, run_id: str, world: dict) -> None:
    from aksegress.steps import all_steps

    folder = project / "outputs" / "local" / run_id
    folder.mkdir(parents=True)
    steps = [{"name": s.key, "notebook": s.notebook, "status": "failed" if s.key.startswith("00") else "not-run"} for s in all_steps()[:1]]
    (folder / "run.json").write_text(json.dumps({"run_id": run_id, "status": "failed", "plan_only": False, "world": world, "steps": steps}))


def test_a_run_resumes_only_a_failed_run_of_the_same_world(emulator, tmp_path, project, local_params):
    same = {"tenant": local_params.tenant_id.lower(), "subscriptions": sorted(s.lower() for s in local_params.subscription_ids()),
            "emulator_client": emulator.connection.client_id}
    _failed_record(project, "20260101T000000Z", same)
    _failed_record(project, "20260102T000000Z", {**same, "emulator_client": "another-emulator-state"})
    done = aksegress("run", "--params", "params/local.yaml", "--to", "00", "--connection-file", str(tmp_path / "arm.json"), cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resuming run 20260101T000000Z" in done.stdout and "20260102T000000Z" not in done.stdout
