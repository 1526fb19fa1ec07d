"""Issue 9, acceptance 3: on the estate a run of params/local.yaml builds, steps 08 and 09, the topology picture and
`aksegress doctor --matrix` give the same verdict and the same intended/unintended label for every (VM, cluster) pair."""

import json
import xml.etree.ElementTree as ET

import pytest

from tests.runbook.conftest import REPO, aksegress

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _step_cells(runbook, key: str) -> dict:
    table = runbook.step(key).table("reachability")
    return {(r["source"], r["destination"]): (r["disposition"], r["verdict"]) for r in table.to_dict(orient="records")}


def _topology_cells(runbook) -> dict:
    from aksegress.notebook import show_topology

    root = ET.fromstring(show_topology(runbook.step("09")).svg)
    return {(e.get("data-source"), e.get("data-destination")): (e.get("data-disposition"), e.get("data-label"))
            for e in root.iter() if e.get("data-kind") == "access-path-label"}


def _doctor_cells(clean_world, project) -> dict:
    done = aksegress("doctor", "--matrix", "--env", "local", "--json", "--connection-file", str(clean_world["connection"]), cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["intent"] == "params" and report["all_as_intended"] is True
    return {(r["source"], r["destination"]): (r["disposition"], r["verdict"]) for r in report["matrix"]}


def test_steps_08_and_09_the_topology_and_the_doctor_agree_on_every_vm_to_cluster_verdict_and_intent(clean_world, project):
    from aksegress.runbook import Runbook

    assert clean_world["first"].returncode == 0, clean_world["first"].stdout[-3000:]
    runbook = Runbook.open(params_file=str(REPO / "params" / "local.yaml"), connection_file=str(clean_world["connection"]))
    step08, step09 = _step_cells(runbook, "08"), _step_cells(runbook, "09")
    topology, doctor = _topology_cells(runbook), _doctor_cells(clean_world, project)

    assert step08 == step09 == topology == doctor
    vms, clusters = {"vm-spoke1", "vm-spoke2", "vm-spoke3"}, {f"cluster:privateaksspoke{n}" for n in (1, 2, 3)}
    assert set(doctor) == {(vm, cluster) for vm in vms for cluster in clusters}
    labels = {pair: label for pair, (_, label) in doctor.items()}
    assert [pair for pair, label in labels.items() if label == "delivered, as intended"] == [
        ("vm-spoke1", "cluster:privateaksspoke1"), ("vm-spoke2", "cluster:privateaksspoke1"),
        ("vm-spoke2", "cluster:privateaksspoke2"), ("vm-spoke3", "cluster:privateaksspoke3")]
    assert sum(label == "denied, as intended" for label in labels.values()) == 5
