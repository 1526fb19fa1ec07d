"""Later steps read a cluster's facts while AKS upgrades it: an upgrade in progress leaves its identity, FQDN and
API server address in place, so the steps and the drift check go on."""

import dataclasses

from aksegress.aks_catalog import offline_catalog
from aksegress.connection import Connection
from aksegress.desired.private_aks import cluster_id
from aksegress.emulator import PROFILES
from aksegress.runbook import Runbook


def test_a_cluster_being_upgraded_still_gives_its_facts_to_later_steps(emulator, local_params, tmp_path):
    build = Runbook(local_params, connection=Connection.read(tmp_path / "arm.json"))
    for key in ("00", "01", "02", "03", "04", "05", "06"):
        step = build.step(key)
        step.apply(step.plan())
    spoke = local_params.spokes["spoke1"]
    aks = build.clients(spoke.subscription_id).containerservice.managed_clusters
    cluster = aks.get(spoke.resource_group, spoke.cluster.name)
    newer = max(offline_catalog().kubernetes_minors)
    emulator.app.arm.profile = dataclasses.replace(PROFILES["azure-like"], principal_replication_seconds=0)
    assert not cluster.kubernetes_version.startswith(newer + ".")
    cluster.kubernetes_version = f"{newer}.1"
    aks.begin_create_or_update(spoke.resource_group, spoke.cluster.name, cluster, polling=False)
    assert aks.get(spoke.resource_group, spoke.cluster.name).provisioning_state == "Upgrading"
    later = Runbook(local_params, connection=Connection.read(tmp_path / "arm.json"))
    assert later.facts.cluster("spoke1").id == cluster_id(spoke)
    assert not later.step("06", plan_only=True).plan().pending
