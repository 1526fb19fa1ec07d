"""One emulator per environment state: whoever needs it joins the one holding the lock beside the state file."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from aksegress.connection import Connection
from aksegress.emulator_target import lock_path, serve_state
from aksegress.errors import TargetError
from aksegress.runbook import Runbook
from tests.conftest import LOCAL_PARAMS

TENANT = "00000000-0000-0000-0000-00000000000a"


@pytest.fixture
def served(tmp_path):
    first = serve_state(tmp_path / "state.db", TENANT, [], connection_file=tmp_path / "connection.json")
    yield first
    first.stop()


def _serve_in_a_process(args, cwd, env=None):
    """`aksegress emulator serve ARGS` in a process of its own, once it has said where it listens."""
    process = subprocess.Popen([sys.executable, "-m", "aksegress.cli", "emulator", "serve", *args], cwd=cwd,
                               env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line, process.stderr.read()
    return process, json.loads(line)


def test_a_second_caller_joins_the_running_emulator_and_leaves_its_connection_file_alone(served, tmp_path):
    before = (tmp_path / "connection.json").read_bytes()
    second = serve_state(tmp_path / "state.db", TENANT, [], connection_file=tmp_path / "other.json")
    assert (second.owner, second.connection.endpoint) == (False, served.connection.endpoint)
    assert (tmp_path / "connection.json").read_bytes() == before and not (tmp_path / "other.json").exists()


def test_stopping_the_owner_frees_the_state_for_the_next_caller(served, tmp_path):
    served.stop()
    again = serve_state(tmp_path / "state.db", TENANT, [], connection_file=tmp_path / "connection.json")
    try:
        assert again.owner
    finally:
        again.stop()


def test_the_lock_of_a_killed_emulator_is_replaced_by_a_new_owner(tmp_path):
    state = tmp_path / "state.db"
    process, said = _serve_in_a_process(["--state", str(state), "--connection-file", str(tmp_path / "arm.json"), "--tenant", TENANT], tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert json.loads(lock_path(state).read_text())["pid"] == process.pid
    fresh = serve_state(state, TENANT, [], connection_file=tmp_path / "arm.json")
    try:
        assert fresh.owner and fresh.connection.endpoint != said["endpoint"]
        assert json.loads(lock_path(state).read_text())["pid"] == os.getpid()
    finally:
        fresh.stop()


def test_serve_env_takes_the_tenant_and_subscriptions_from_the_params_and_serves_the_environments_state(project, local_params):
    process, said = _serve_in_a_process(["--env", "local"], project)
    try:
        connection = Connection.read(said["connection_file"])
        assert said["connection_file"] == str(project / "outputs" / "local" / "emulator" / "connection.json")
        assert connection.tenant_id == local_params.tenant_id
        assert set(local_params.subscription_ids()) <= set(connection.subscriptions)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_env_beside_a_running_emulator_reports_it_and_exits_0(project):
    process, said = _serve_in_a_process(["--env", "local"], project)
    try:
        second = subprocess.run([sys.executable, "-m", "aksegress.cli", "emulator", "serve", "--env", "local"], cwd=project,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 0 and json.loads(second.stdout)["endpoint"] == said["endpoint"]
        assert "already serves" in second.stderr
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_emulator_serving_another_tenant_is_refused_with_how_to_serve_these_params(tmp_path):
    other = serve_state(tmp_path / "other.db", "00000000-0000-0000-0000-0000000000ff", [], connection_file=tmp_path / "arm.json")
    try:
        runbook = Runbook.open(params_file=str(LOCAL_PARAMS), connection_file=str(tmp_path / "arm.json"))
        with pytest.raises(TargetError) as refused:
            runbook.verify_target()
        assert "aksegress emulator serve --env local" in refused.value.hint
    finally:
        other.stop()


def test_a_command_that_started_the_environments_emulator_itself_exits_when_done(project):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "aksegress.cli", "doctor", "--env", "local", "--matrix"], cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    assert time.monotonic() - started < 300
    assert json.loads(lock_path(project / "outputs" / "local" / "emulator" / "state.db").read_text() or "{}") == {}


def test_a_process_that_leaves_its_emulator_running_still_exits(tmp_path):
    script = ("import sys; from aksegress.emulator import start_emulator; "
              "e = start_emulator(sys.argv[1]); print(e.connection.endpoint, flush=True)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "state.db")], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.startswith("https://127.0.0.1:")) == (0, True), done.stderr
