"""What production does to a run: faults on every kind of request, and the runner killed mid-step."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from aksegress.emulator import start_emulator
from aksegress.params import load_params
from tests.emulator.conftest import raw_request
from tests.runbook.conftest import AKSEGRESS, REPO, fingerprint, run_all, world_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture
def fresh(tmp_path):
    params = load_params(REPO / "params" / "local.yaml")
    with start_emulator(tmp_path / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=tmp_path / "arm.json") as emulator:
        yield emulator, tmp_path


def test_with_a_tenth_of_requests_faulted_including_conflicts_one_run_converges_to_the_clean_state(fresh, clean_world):
    emulator, folder = fresh
    raw_request(emulator.connection, "POST", "/_emulator/chaos", body={"rate": 0.1, "seed": 2026})
    raw_request(emulator.connection, "POST", "/_emulator/faults", body={  # besides chaos's own random 409s, two certain ones
        "method": "PUT", "type": "Microsoft.Network/virtualNetworks", "code": "AnotherOperationInProgress", "times": 2,
        "message": "Another operation on this or dependent resource is in progress. Retry the request after it completes."})
    done = run_all(folder / "arm.json", folder / "run")
    dealt = raw_request(emulator.connection, "GET", "/_emulator/chaos").body["dealt"]
    raw_request(emulator.connection, "POST", "/_emulator/chaos", body={"rate": 0})
    assert done.returncode == 0, done.stdout[-3000:]
    assert set(dealt) >= {"throttle", "server_error", "reset"}
    assert fingerprint(folder / "arm.json") == clean_world["fingerprint"]
    assert json.loads((folder / "run" / "run.json").read_text())["arm"]["retries"] > 0
    notebooks = [p.read_text() for p in (folder / "run").glob("*.ipynb")]
    assert any("the SDK retried" in text and "time(s) (" in text for text in notebooks), "an executed notebook should show the SDK's retries"
    assert any("AnotherOperationInProgress)" in text for text in notebooks), "an executed notebook should show the conflicts apply retried"


def _start_run(folder: Path, name: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("AKSEGRESS_CONNECTION", "AKSEGRESS_ROOT")}
    return subprocess.Popen([AKSEGRESS, "run", "--params", "params/local.yaml", "--connection-file", str(folder / "arm.json"),
                             "--output", str(folder / name)], cwd=world_project(folder), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _kill_when_held(emulator, process: subprocess.Popen, arm_type: str) -> None:
    """Hold the step's first write in flight, SIGKILL the runner and its kernel, then let the write finish."""
    raw_request(emulator.connection, "POST", "/_emulator/holds", body={"method": "PUT", "type": arm_type, "seconds": 60})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        holds = raw_request(emulator.connection, "GET", "/_emulator/chaos").body["holds"]
        if holds and holds[0]["holding"]:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before reaching the held write"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)
    raw_request(emulator.connection, "POST", "/_emulator/holds/release", body={})


def test_a_runner_killed_in_steps_01_05_and_08_completes_on_the_next_run(fresh, clean_world):
    emulator, folder = fresh
    for name, arm_type in (("killed-01", "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"),
                           ("killed-05", "Microsoft.ContainerService/managedClusters"),
                           ("killed-08", "Microsoft.Network/privateDnsZones/virtualNetworkLinks")):
        _kill_when_held(emulator, _start_run(folder, name), arm_type)
        killed = json.loads((folder / name / "run.json").read_text())
        assert killed["status"] == "running"
        assert name[-2:] in [s["name"][:2] for s in killed["steps"] if s["status"] == "not-run"]
    final = run_all(folder / "arm.json", folder / "final")
    assert final.returncode == 0, final.stdout[-3000:]
    record = json.loads((folder / "final" / "run.json").read_text())
    assert fingerprint(folder / "arm.json") == clean_world["fingerprint"]
    assert all(s["status"] == "passed" for s in record["steps"])
    assert record["resumes"] == killed["run_id"]


def test_an_emulator_restarted_in_the_middle_of_a_run_leaves_a_run_that_completes(tmp_path, clean_world):
    import threading

    params = load_params(REPO / "params" / "local.yaml")
    emulator = start_emulator(tmp_path / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=tmp_path / "arm.json")
    port, restarted = emulator.port, []

    def restart_after_step_02():
        record = tmp_path / "run" / "run.json"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                steps = json.loads(record.read_text())["steps"]
            except (OSError, ValueError):
                steps = []
            if any(s["name"] == "02-firewall" and s["status"] == "passed" for s in steps):
                emulator.stop()
                restarted.append(start_emulator(tmp_path / "arm.db", port=port))
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=restart_after_step_02, daemon=True)
    watcher.start()
    try:
        done = run_all(tmp_path / "arm.json", tmp_path / "run")
        watcher.join(10)
        assert restarted, "the emulator was never restarted"
        assert done.returncode == 0, done.stdout[-3000:]
        assert fingerprint(tmp_path / "arm.json") == clean_world["fingerprint"]
    finally:
        for running in restarted or [emulator]:
            running.stop()
