"""Issue 15: a re-run of steps 07 and 08 on an unchanged estate sends no action. Each credential listing, kubectl and VM
probe runs once per step; a later run shows an earlier run's result only while every resource it depends on keeps its
etag, and says which run and why; fresh_probes probes again, and target azure reuses nothing unless the params ask."""

import pytest

from aksegress.steps.cluster_access import COMMANDS
from aksegress.vm_probes import PROBES
from tests.runbook.conftest import as_the_notebook_does, estate_built

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900), pytest.mark.usefixtures("in_estate_project")]

BUILT = ("00", "01", "02", "03", "04", "05", "06", "07", "08")


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """Steps 00-08 built once by a run labelled `first`."""
    with estate_built(tmp_path_factory.mktemp("probes"), BUILT) as built:
        yield built


def _again(estate, label: str, **mode) -> dict:
    return {key: as_the_notebook_does(estate["runbook"](), key, str(estate["folder"] / label), **mode) for key in ("07", "08")}


def test_a_first_run_lists_each_credential_and_runs_each_kubectl_and_vm_probe_once(estate):
    clusters = len(estate["params"].spokes_with_cluster())
    granted = len([r for r in estate["params"].access if estate["params"].spokes[r.from_].test_vm])
    assert estate["first"]["07"]["actions"] == clusters * (1 + len(COMMANDS))
    assert estate["first"]["08"]["actions"] == granted * len(PROBES)


def test_a_re_run_of_steps_07_and_08_on_an_unchanged_estate_sends_no_action_and_reads_no_more(estate):
    before = estate["emulator"].counters()["actions"]
    again = _again(estate, "again")
    assert [again[key]["calls"]["actions"] for key in ("07", "08")] == [0, 0]
    assert estate["emulator"].counters()["actions"] == before
    assert all(again[key]["calls"]["reads"] <= estate["first"][key]["reads"] for key in ("07", "08"))
    assert all(v.ok for key in ("07", "08") for v in again[key]["checks"])


def test_a_re_run_says_in_its_record_and_its_checks_which_run_it_reused_and_why(estate):
    again = _again(estate, "told")
    record = again["08"]["step"].record(again["08"]["step"].verify())
    reused = record["probes_reused"]
    assert reused and all(r["run"] != "told" for r in reused)
    assert "emulator answers probes from its ARM state" in reused[0]["why"]
    probe_checks = [v for v in again["08"]["checks"] if v.name.startswith("from vm-spoke2")]
    assert probe_checks and all(f"reused from run {reused[0]['run']}" in v.detail and "etag they had then" in v.detail
                                for v in probe_checks)
    assert set(again["07"]["step"].table("nodes")["probed"]) == {f"run {reused[0]['run']} (reused: nothing it depends on changed)"}


def test_fresh_probes_probe_again_on_an_unchanged_estate(estate):
    again = _again(estate, "fresh", fresh_probes=True)
    assert again["07"]["calls"]["actions"] == estate["first"]["07"]["actions"]
    assert again["08"]["calls"]["actions"] == estate["first"]["08"]["actions"]
    assert set(again["08"]["step"].table("probes")["probed"]) == {"this run"}


def test_a_change_to_a_resource_on_the_flow_path_makes_the_next_run_probe_the_vm_again(estate):
    spoke = estate["params"].spokes["spoke2"]
    network = estate["runbook"]().clients(spoke.subscription_id).network
    vnet = network.virtual_networks.get(spoke.resource_group, spoke.vnet.name)
    network.virtual_networks.update_tags(spoke.resource_group, spoke.vnet.name, {"tags": {**(vnet.tags or {}), "reviewed": "yes"}})
    runbook = estate["runbook"]()
    step = runbook.step("08", run_dir=str(estate["folder"] / "changed"))
    probes = step.table("probes")
    assert runbook.tally.since(step._tally_start)["actions"] == estate["first"]["08"]["actions"]
    assert set(probes["probed"]) == {"this run"}


def test_a_kubeconfig_removed_since_the_earlier_run_is_listed_and_written_again(estate):
    from aksegress.kube import kubeconfig_path
    from aksegress.layout import kube_dir

    key, spoke = estate["params"].spokes_with_cluster()[0]
    path = kubeconfig_path(kube_dir(estate["params"].environment), key, spoke.cluster.name)
    path.unlink()
    runbook = estate["runbook"]()
    step = runbook.step("07", run_dir=str(estate["folder"] / "relisted"))
    table = step.table("kubeconfig")
    assert path.exists()
    assert runbook.tally.since(step._tally_start)["actions"] == 1
    assert table.set_index("spoke").loc[key, "listed"] == "this run"


def test_target_azure_reuses_no_probe_result_unless_the_params_ask(estate):
    from aksegress.probe_results import reuse_policy

    azure = estate["params"].model_copy(update={"target": "azure"})
    asked = estate["params"].model_copy(update={"target": "azure", "probes": "reuse-unchanged"})
    assert not reuse_policy(azure).allowed
    assert reuse_policy(asked).allowed and "data plane can change" in reuse_policy(asked).why
    assert not reuse_policy(estate["params"], fresh=True).allowed
