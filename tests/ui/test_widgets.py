"""Decision widgets driven in plain Python: set values, click buttons, and see what the runbook did."""

import pytest

from aksegress.errors import ParamsError
from aksegress.netmodel.verdicts import DELIVERED
from aksegress.notebook import DecisionPending, review_plan
from aksegress.runbook import Runbook
from aksegress.ui.progress import Progress
from aksegress.ui.widgets import ConnectivityCheck, EnvironmentChooser, PlanReview, is_interactive
from tests.netmodel.estate import article
from tests.netmodel.test_article import _link_hub
from tests.ui.estates import LOCAL_PARAMS, local_estate


def _reviewed(runbook, *, interactive, auto_apply=True, key="00"):
    """The step and its plan widget; in Lab a plan with changes stops the notebook, and the widget waits."""
    step = runbook.step(key, interactive=interactive, auto_apply=auto_apply)
    try:
        return step, review_plan(step, step.plan())
    except DecisionPending as pending:
        return step, pending.review


def _pending(runbook) -> int:
    return len(runbook.step("00").plan().pending)


def test_a_run_by_aksegress_run_is_headless_whatever_the_parameter_or_environment_say(monkeypatch):
    monkeypatch.setenv("AKSEGRESS_INTERACTIVE", "1")
    assert is_interactive(True, run_dir="/outputs/local/run") is False


def test_the_interactive_parameter_decides_when_it_is_set(monkeypatch):
    monkeypatch.setenv("AKSEGRESS_INTERACTIVE", "1")
    assert (is_interactive(True), is_interactive(False)) == (True, False)


def test_with_the_parameter_unset_make_labs_environment_variable_means_a_person_is_there(monkeypatch):
    monkeypatch.delenv("AKSEGRESS_INTERACTIVE", raising=False)
    assert is_interactive(None) is False
    monkeypatch.setenv("AKSEGRESS_INTERACTIVE", "1")
    assert is_interactive(None) is True


def test_in_lab_nothing_is_written_until_apply_is_pressed(runbook):
    step, review = _reviewed(runbook, interactive=True)
    assert not review.decided and step.last_apply is None
    assert _pending(runbook) == 4


def test_pressing_apply_applies_the_plan_and_records_the_choice(runbook):
    step, review = _reviewed(runbook, interactive=True)
    review.apply_button.click()
    assert len(step.last_apply.applied) == 4 and _pending(runbook) == 0
    assert (review.choice["choice"], review.choice["headless"]) == ("apply", False)
    assert step.choices == [review.choice]
    assert review.apply_button.disabled and review.skip_button.disabled
    assert "done" in review.status.value and "⏳" not in review.status.value


def test_in_lab_a_plan_with_changes_stops_the_notebook_with_the_widget_waiting(runbook):
    step = runbook.step("00", interactive=True)
    with pytest.raises(DecisionPending) as stopped:
        review_plan(step, step.plan())
    assert "press Apply or Skip" in str(stopped.value) and not stopped.value.review.decided


def test_pressing_apply_after_the_stop_runs_the_cells_below(runbook):
    _, review = _reviewed(runbook, interactive=True)
    assert review.continued == 0 and review.continue_button.layout.display == "none"
    review.apply_button.click()
    assert review.continued == 1 and review.continue_button.layout.display is None


def test_pressing_skip_after_the_stop_runs_the_cells_below_too(runbook):
    _, review = _reviewed(runbook, interactive=True)
    review.skip_button.click()
    assert review.continued == 1


def test_the_run_the_cells_below_button_asks_again(runbook):
    _, review = _reviewed(runbook, interactive=True)
    review.skip_button.click()
    review.continue_button.click()
    assert review.continued == 2


def test_headless_a_plan_with_changes_never_stops_the_notebook(runbook):
    _, review = _reviewed(runbook, interactive=False)
    assert review.decided and review.continued == 0


def test_pressing_skip_writes_nothing(runbook):
    _, review = _reviewed(runbook, interactive=True)
    review.skip_button.click()
    assert review.choice["choice"] == "skip" and _pending(runbook) == 4


def test_headless_the_plan_is_applied_at_once_when_auto_apply_is_true(runbook):
    step, review = _reviewed(runbook, interactive=False, auto_apply=True)
    assert len(step.last_apply.applied) == 4
    assert review.choice == {"widget": "plan", "choice": "apply", "reason": "applied the plan (parameter auto_apply=True)",
                             "step": "00-prerequisites", "headless": True}


def test_headless_with_auto_apply_false_the_plan_is_shown_and_nothing_is_written(runbook):
    _, review = _reviewed(runbook, interactive=False, auto_apply=False)
    assert review.choice["reason"] == "skipped the plan (parameter auto_apply=False)" and _pending(runbook) == 4


def test_a_plan_with_no_changes_asks_nothing_even_in_lab(runbook):
    _reviewed(runbook, interactive=False)
    step, review = _reviewed(runbook, interactive=True)
    assert review.choice["choice"] == "none" and review.apply_button.disabled
    assert step.last_apply.applied == []


def test_the_plan_widget_decides_from_the_parameters_but_writes_nothing_itself(runbook):
    step = runbook.step("00", auto_apply=True)
    applied = []
    review = PlanReview(step.plan(), step_key=step.spec.key, interactive=False, auto_apply=True, plan_only=False,
                        on_apply=applied.append, on_choice=step.choices.append)
    assert review.decision() == "apply"
    assert applied == [] and step.choices == [] and _pending(runbook) == 4


def test_in_lab_the_plan_widget_leaves_the_decision_to_a_person(runbook):
    step = runbook.step("00", interactive=True)
    review = PlanReview(step.plan(), step_key=step.spec.key, interactive=True, auto_apply=True, plan_only=False,
                        on_apply=pytest.fail, on_choice=step.choices.append)
    assert review.decision() is None and "Nothing is written until you press Apply" in review.status.value


def test_the_steps_choices_go_into_its_record(runbook):
    step, review = _reviewed(runbook, interactive=False)
    assert step.record(step.verify())["choices"] == [review.choice]


def test_a_run_by_aksegress_run_makes_the_step_headless_whatever_the_interactive_argument_says(runbook):
    assert runbook.step("00", interactive=True, run_dir="/outputs/local/run").interactive is False


def test_binding_a_step_to_another_runbook_starts_its_plan_over_and_keeps_its_choices(runbook, emulator, tmp_path):
    step, review = _reviewed(runbook, interactive=False)
    other = Runbook.open(params_file=str(LOCAL_PARAMS), connection_file=str(tmp_path / "arm.json"))
    step.bind(other)
    assert step.runbook is other and step.last_plan is None and step.last_apply is None
    assert step.choices == [review.choice]


@pytest.fixture
def two_environments(tmp_path):
    """A project with params/local.yaml, a copy of it as params/dev.yaml, and the unfilled Azure example."""
    (tmp_path / "params").mkdir()
    for name in ("local", "dev"):
        (tmp_path / "params" / f"{name}.yaml").write_text(LOCAL_PARAMS.read_text())
    (tmp_path / "params" / "azure.example.yaml").write_text((LOCAL_PARAMS.parent / "azure.example.yaml").read_text())
    return tmp_path


def test_the_environment_chooser_offers_every_environment_that_opens_and_defaults_to_the_parameter(two_environments):
    chooser = EnvironmentChooser("local", two_environments, interactive=True)
    assert list(chooser.dropdown.options) == ["dev", "local"] and chooser.value == "local"


def test_the_environment_chooser_does_not_offer_the_unfilled_azure_example():
    assert "azure.example" not in EnvironmentChooser("local", LOCAL_PARAMS.parents[1], interactive=True).dropdown.options


def test_in_lab_picking_another_environment_calls_back_and_says_to_run_the_cells_below_again(two_environments):
    picked = []
    chooser = EnvironmentChooser("local", two_environments, interactive=True,
                                 on_choose=lambda name: picked.append(name) or f"now on {name}")
    chooser.dropdown.value = "dev"
    assert picked == ["dev"] and chooser.note.value == "now on dev: run the cells below again."


def test_in_lab_an_environment_that_cannot_be_opened_says_so_in_the_chooser(two_environments):
    def refuse(name):
        raise ParamsError(f"params/{name}.yaml", [("tenant_id", "required key is missing")])

    chooser = EnvironmentChooser("local", two_environments, interactive=True, on_choose=refuse)
    chooser.dropdown.value = "dev"
    assert "cannot be opened" in chooser.note.value


def test_headless_the_environment_chooser_records_the_parameters_environment():
    chooser = EnvironmentChooser("local", LOCAL_PARAMS.parents[1], interactive=False)
    assert chooser.choice["reason"] == "environment 'local' (parameter env)" and chooser.choice["headless"]


@pytest.fixture
def delivered_estate():
    return _link_hub(article(link_spoke2=True, api_rule="app")).snapshot()


def test_choosing_a_source_and_target_and_pressing_trace_shows_the_models_verdict(delivered_estate):
    check = ConnectivityCheck(delivered_estate, "vm-spoke3", "cluster:privateaksspoke1", interactive=True)
    assert check.result is None
    check.source.value = "vm-spoke2"
    check.button.click()
    assert check.result.disposition == DELIVERED and check.result.source == "vm-spoke2"


def test_headless_the_connectivity_check_traces_the_parameters_pair_and_records_it(delivered_estate):
    check = ConnectivityCheck(delivered_estate, "vm-spoke3", "cluster:privateaksspoke1", interactive=False)
    assert check.result.disposition == "DNS_NXDOMAIN"
    assert check.choice["choice"] == "vm-spoke3 -> cluster:privateaksspoke1"


def test_headless_progress_prints_what_is_waited_on_and_the_elapsed_time():
    ticks, lines = iter([0.0, 2.5, 4.0]), []
    progress = Progress("applying 3 change(s)", clock=lambda: next(ticks), echo=lines.append)
    progress.waiting("vnet-hub, vnet-spoke1")
    progress.done()
    assert lines == ["applying 3 change(s): waiting for vnet-hub, vnet-spoke1 (2.5s elapsed)", "applying 3 change(s): done (4.0s)"]


def test_in_lab_progress_rewrites_one_line_in_place():
    from aksegress.ui.progress import live_line

    line = live_line()
    progress = Progress("applying", widget=line, echo=pytest.fail)
    progress.waiting("vnet-hub")
    progress.waiting("peerings")
    assert "waiting for peerings" in line.value and "vnet-hub" not in line.value


def test_with_intent_the_connectivity_check_labels_an_intended_denial_and_offers_no_fix():
    from aksegress.intent import intended_flows
    from aksegress.params import load_params

    check = ConnectivityCheck(local_estate().snapshot(), "vm-spoke3", "cluster:privateaksspoke1", interactive=False,
                              intent=intended_flows(load_params(LOCAL_PARAMS)))
    verdict = check.parts()[0].data
    assert "denied, as intended" in verdict and "Fix" not in verdict and check.result.fix is not None


def test_headless_with_no_access_entry_and_no_parameters_nothing_is_traced(delivered_estate):
    check = ConnectivityCheck(delivered_estate, "", "", interactive=False)
    assert check.result is None and check.choice is None


def test_an_apply_that_azure_refuses_shows_the_explanation_in_the_widget(runbook, emulator):
    from tests.emulator.conftest import raw_request

    _reviewed(runbook, interactive=False)
    fault = {"method": "PUT", "type": "Microsoft.Network/virtualNetworks", "code": "InternalServerError", "message": "Injected.", "times": 50}
    assert raw_request(emulator.connection, "POST", "/_emulator/faults", body=fault).status == 204
    step, review = _reviewed(runbook, interactive=True, key="01")
    review.apply_button.click()
    assert review.choice is None and "Stopped" in review.status.value


def test_the_apply_table_names_each_subnet_with_its_vnet(runbook):
    _reviewed(runbook, interactive=False)
    step, _ = _reviewed(runbook, interactive=False, key="01")
    names = set(step.last_apply.to_frame()["name"])
    assert {"vnet-spoke1/aks", "vnet-spoke2/aks"} <= names
