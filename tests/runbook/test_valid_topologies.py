"""Topologies Azure accepts run green end to end: the same cluster name in two spokes, and the same VNet name
in the hub and a spoke of another subscription."""

import json
from pathlib import Path

import pytest
import yaml

from aksegress.emulator import start_emulator
from aksegress.params import load_params
from tests.runbook.conftest import REPO, aksegress

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _same_cluster_name(data: dict) -> None:
    data["spokes"]["spoke3"]["cluster"]["name"] = data["spokes"]["spoke1"]["cluster"]["name"]


def _same_vnet_name(data: dict) -> None:
    data["spokes"]["spoke2"]["vnet"]["name"] = data["hub"]["vnet"]["name"]


def _full_run(folder: Path, change) -> dict:
    """`aksegress run` of params/local.yaml changed by ``change``, in a project root of its own."""
    root = folder / "project"
    (root / "params").mkdir(parents=True)
    (root / "notebooks").symlink_to(REPO / "notebooks")
    data = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    change(data)
    (root / "params" / "local.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    params = load_params(root / "params" / "local.yaml")
    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json"):
        done = aksegress("run", "--params", "params/local.yaml", "--connection-file", str(folder / "arm.json"),
                         "--output", str(folder / "run"), cwd=root)
    record = json.loads((folder / "run" / "run.json").read_text()) if (folder / "run" / "run.json").exists() else {}
    return {"done": done, "steps": record.get("steps", []), "root": root}


@pytest.fixture(scope="module")
def same_cluster_name(tmp_path_factory):
    return _full_run(tmp_path_factory.mktemp("same-cluster"), _same_cluster_name)


@pytest.fixture(scope="module")
def same_vnet_name(tmp_path_factory):
    return _full_run(tmp_path_factory.mktemp("same-vnet"), _same_vnet_name)


def _failed(run: dict) -> str:
    return run["done"].stdout[-3000:] + run["done"].stderr[-2000:]


def test_the_same_cluster_name_in_two_spokes_runs_green(same_cluster_name):
    assert same_cluster_name["done"].returncode == 0, _failed(same_cluster_name)
    assert [s["status"] for s in same_cluster_name["steps"]] == ["passed"] * 10


def test_the_same_cluster_name_in_two_spokes_gets_one_kubeconfig_per_spoke(same_cluster_name):
    files = sorted(p.name for p in (same_cluster_name["root"] / "outputs").rglob("*.yaml") if "kube" in str(p.parent))
    assert "spoke1-privateaksspoke1.yaml" in files and "spoke3-privateaksspoke1.yaml" in files


def test_the_same_vnet_name_in_hub_and_spoke_runs_green(same_vnet_name):
    assert same_vnet_name["done"].returncode == 0, _failed(same_vnet_name)
    assert [s["status"] for s in same_vnet_name["steps"]] == ["passed"] * 10
