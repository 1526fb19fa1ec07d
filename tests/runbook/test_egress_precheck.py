"""Step 05 refuses to start a cluster create that AKS would fail, and says what is missing."""

import json

import pytest

from tests.runbook.conftest import aksegress

pytestmark = pytest.mark.slow


def test_cluster_create_without_egress_rules_is_refused_naming_the_missing_destinations(emulator, tmp_path, project):
    connection = str(tmp_path / "arm.json")
    ready = aksegress("run", "--params", "params/local.yaml", "--to", "03", "--connection-file", connection, "--output", str(tmp_path / "a"), cwd=project)
    assert ready.returncode == 0, ready.stdout[-2000:]
    refused = aksegress("run", "--params", "params/local.yaml", "--from", "05", "--to", "05", "--connection-file", connection,
                        "--output", str(tmp_path / "b"), cwd=project)
    assert refused.returncode == 1
    error = json.loads((tmp_path / "b" / "run.json").read_text())["steps"][0]["error"]
    assert error["ename"] == "EgressNotReady"
    assert "mcr.microsoft.com" in error["evalue"]
    notebook = (tmp_path / "b" / "05-private-aks.ipynb").read_text()
    assert "packages.aks.azure.com" in notebook and "Next:" in notebook
    assert emulator.counters()["by_type"].get("Microsoft.ContainerService/managedClusters", {}).get("writes", 0) == 0
