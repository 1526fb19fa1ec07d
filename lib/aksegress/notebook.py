"""What the notebooks call: open a step in its mode, review its plan, and show library errors as a short
explanation, not a traceback. A notebook's bootstrap cell (``open_step`` or ``open_teardown``) carries every
mode argument; later cells pass the step and nothing else."""

from __future__ import annotations

from functools import partial

from aksegress.errors import AksegressError
from aksegress.runbook import Runbook, Step

__all__ = ["DecisionPending", "check_connectivity", "open_step", "open_teardown", "review_plan", "show_errors_briefly", "show_topology"]


class DecisionPending(AksegressError):
    """A plan with changes waits for a person in Lab: raised after the plan widget is shown, so Run All stops there
    and no cell below runs against a state that Apply has not yet written. ``review`` is the waiting widget."""

    title = "Waiting for your decision"
    next_action = "press Apply or Skip above; the cells below then run by themselves"

    def __init__(self, review):
        super().__init__(f"step {review.step_key}: {len(review.plan.pending)} change(s) to review")
        self.review = review


def open_step(key: str, *, env: str = "local", params_file: str = "", plan_only: bool = False, run_dir: str = "",
              interactive: bool | None = None, auto_apply: bool = True, fresh_probes: bool = False) -> Step:
    """Bind the notebook to its environment and step, in the mode its parameters give, and say where it is pointed.

    The environment picker comes first: in Lab, picking another environment rebinds the step to it; headless the
    ``env`` parameter is recorded as the choice.
    """
    from aksegress.layout import project_root
    from aksegress.ui.widgets import EnvironmentChooser, is_interactive

    show_errors_briefly()
    _readable_tables()
    person = is_interactive(interactive, run_dir=run_dir)
    step = Runbook.open(env, params_file=params_file or None).step(
        key, plan_only=plan_only, run_dir=run_dir, interactive=person, auto_apply=auto_apply, fresh_probes=fresh_probes)
    _display(EnvironmentChooser(env, project_root(), interactive=person, on_choose=partial(_switch_environment, step)))
    _display_markdown(_heading(step))
    return step


def _switch_environment(step: Step, env: str) -> str:
    step.bind(Runbook.open(env))
    return f"{step.spec.title} now runs against environment {env} (target {step.runbook.target})"


def _heading(step: Step) -> str:
    params = step.params
    return (f"**{step.spec.title}** · environment `{params.environment}` · target `{params.target}`"
            f" · tenant `{params.tenant_id}`" + (" · **plan only**" if step.plan_only else ""))


def _readable_tables() -> None:
    """Tables show whole values (FQDNs, resource ids, probe output) as text, never a Python repr: reviewers and
    auditors read them in the executed notebooks."""
    import pandas as pd

    from aksegress.readable import frame_html

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.width", 250)
    try:
        shell = get_ipython()  # noqa: F821  (defined inside IPython only)
    except NameError:
        return
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, frame_html)


def show_errors_briefly() -> None:
    """Render library and ARM errors as their message and next action; the cell still fails."""
    try:
        shell = get_ipython()  # noqa: F821  (defined inside IPython only)
    except NameError:
        return

    from azure.core.exceptions import HttpResponseError

    from aksegress.apply import azure_error

    def handler(shell, etype, value, tb, tb_offset=None):
        from IPython.display import display

        if isinstance(value, DecisionPending):
            brief = [f"Waiting for your decision. {value.message}: {value.hint}"]
            shell._showtraceback(etype, value, brief)
            return brief
        shown = azure_error(value) if isinstance(value, HttpResponseError) else value
        display(shown)
        brief = [f"{etype.__name__}: {shown.message.splitlines()[0]}"]
        shell._showtraceback(etype, value, brief)
        return brief

    shell.set_custom_exc((AksegressError, HttpResponseError), handler)


def _display_markdown(text: str) -> None:
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
        return
    display(Markdown(text))


def open_teardown(key: str, *, env: str = "local", params_file: str = "", plan_only: bool = False, run_dir: str = "",
                  yes: bool = False):
    """The teardown notebook's handle (``key`` names the teardown step); deletes only when ``yes`` or the params'
    confirm_teardown says so."""
    from aksegress.steps import find_step, teardown_spec
    from aksegress.teardown import TeardownStep

    if find_step(key) is not teardown_spec():
        raise AksegressError(f"step {key!r} is not the teardown", hint="open it with open_step, or name the teardown step (99)")
    show_errors_briefly()
    runbook = Runbook.open(env, params_file=params_file or None)
    step = TeardownStep(runbook, yes=yes, plan_only=plan_only, run_dir=run_dir)
    _display_markdown(f"**Teardown** · environment `{runbook.params.environment}` · target `{runbook.target}` · "
                      + ("confirmed" if step.confirmed else "**not confirmed**: the plan is shown, nothing is deleted"))
    return step


def review_plan(step: Step, plan):
    """Ask the plan widget for Apply or Skip, then have the step carry it out: the parameters decide headless,
    a person in Lab. In Lab a plan with changes is shown and then stops the notebook (``DecisionPending``); its
    Apply button calls back into the step and runs the cells below."""
    from aksegress.ui.widgets import PlanReview

    review = PlanReview(plan, step_key=step.spec.key, interactive=step.interactive, auto_apply=step.auto_apply,
                        plan_only=step.plan_only, on_apply=partial(step.apply, plan), on_choice=step.choices.append)
    decision = review.decision()
    if decision is None:
        review.continues = True
        _display(review)
        raise DecisionPending(review)
    if decision == "apply":
        progress = review.progress()
        result = step.apply(plan, on_wait=progress.waiting)
        progress.done()
        review.settle("apply", result)
    elif decision == "none":
        review.settle("none", step.apply(plan))
    elif decision == "skip":
        review.settle("skip")
    _display(review)
    return review


def show_topology(step: Step, *, title: str = ""):
    """The estate as observed now, each test VM's flow to each cluster labelled against the params' intent (the cell shows it)."""
    from aksegress.ui.topology import draw_intent

    return draw_intent(step.params, step.snapshot(), title=title or f"{step.spec.key}: observed topology")


def check_connectivity(step: Step, *, source: str = "", destination: str = "", interactive: bool | None = None):
    """Trace one flow over the observed state (the cell shows it); defaults to the params' first access entry."""
    from aksegress.intent import intended_flows
    from aksegress.ui.topology import access_pairs
    from aksegress.ui.widgets import ConnectivityCheck, is_interactive

    snap = step.snapshot()
    default_source, default_destination = (access_pairs(step.params, snap) or [("", "")])[0]
    return ConnectivityCheck(snap, source or default_source, destination or default_destination, step_key=step.spec.key,
                             intent=intended_flows(step.params),
                             interactive=step.interactive if interactive is None else is_interactive(interactive, run_dir=step.run_dir))


def _display(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:
        print(obj)
        return
    display(obj)
