"""State survives kill -9 of a `serve` process and a restart on the same state file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from aksegress.connect import Clients
from aksegress.emulator import Connection
from tests.emulator.conftest import SUB, TENANT


def _serve(state, connection_file) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "aksegress.cli", "emulator", "serve", "--port", "0", "--state", str(state),
         "--connection-file", str(connection_file), "--tenant", TENANT, "--subscription", SUB],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = process.stdout.readline()
    assert ready, process.stderr.read()
    assert json.loads(ready)["endpoint"].startswith("https://127.0.0.1:")
    return process


def test_resources_survive_kill_9_and_restart(tmp_path):
    state, connection_file = tmp_path / "state.sqlite", tmp_path / "conn.json"
    first = _serve(state, connection_file)
    try:
        clients = Clients.for_emulator(Connection.read(connection_file), SUB)
        clients.resource.resource_groups.create_or_update("rg-keep", {"location": "eastus"})
        clients.network.virtual_networks.begin_create_or_update("rg-keep", "kept", {
            "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                                 "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.1.0/24"}}]}
        }).result()
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    second = _serve(state, connection_file)
    try:
        clients = Clients.for_emulator(Connection.read(connection_file), SUB)
        vnet = clients.network.virtual_networks.get("rg-keep", "kept")
        assert vnet.provisioning_state == "Succeeded"
        assert [s.name for s in vnet.subnets] == ["s"]
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(10) == 0
