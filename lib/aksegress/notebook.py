"""What the notebooks call: open a step, and show library errors as a short explanation, not a traceback."""

from __future__ import annotations

from aksegress.errors import AksegressError
from aksegress.runbook import Runbook, Step


def open_step(key: str, *, env: str = "local", params_file: str = "", plan_only: bool = False, run_dir: str = "") -> Step:
    """Bind the notebook to its environment and step, and say where it is pointed."""
    show_errors_briefly()
    _readable_tables()
    runbook = Runbook.open(env, params_file=params_file or None)
    step = runbook.step(key, plan_only=plan_only)
    step.run_dir = run_dir or None
    _display_markdown(
        f"**{step.spec.title}** · environment `{runbook.params.environment}` · target `{runbook.target}`"
        f" · tenant `{runbook.params.tenant_id}`" + (" · **plan only**" if plan_only else "")
    )
    return step


def _readable_tables() -> None:
    """Long values (FQDNs, resource ids) stay whole in tables, which reviewers read in the executed notebooks."""
    import pandas as pd

    pd.set_option("display.max_colwidth", 160)
    pd.set_option("display.width", 250)


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


def open_teardown(*, env: str = "local", params_file: str = "", plan_only: bool = False, yes: bool = False):
    """The teardown notebook's handle; deletes only when ``yes`` or the params' confirm_teardown says so."""
    from aksegress.teardown import TeardownStep

    show_errors_briefly()
    runbook = Runbook.open(env, params_file=params_file or None)
    step = TeardownStep(runbook, yes=yes, plan_only=plan_only)
    _display_markdown(f"**Teardown** · environment `{runbook.params.environment}` · target `{runbook.target}` · "
                      + ("confirmed" if step.confirmed else "**not confirmed**: the plan is shown, nothing is deleted"))
    return step


def choose_environment(env: str, *, interactive: bool | None = None, run_dir: str = ""):
    """The environment picker (from params/), defaulting to ``env``; headless it records ``env`` as the choice."""
    from aksegress.runbook import project_root
    from aksegress.ui.widgets import EnvironmentChooser, is_interactive

    chooser = EnvironmentChooser(env, project_root(), interactive=is_interactive(interactive, run_dir=run_dir))
    _display(chooser)
    return chooser


def review_plan(step: Step, plan, *, auto_apply: bool = True, interactive: bool | None = None):
    """Apply or Skip the plan: buttons in Lab, the ``auto_apply`` parameter's choice headless."""
    from aksegress.ui.widgets import PlanReview, is_interactive

    review = PlanReview(step, plan, auto_apply=auto_apply, interactive=is_interactive(interactive, run_dir=step.run_dir))
    _display(review)
    return review


def show_topology(step: Step, *, title: str = ""):
    """The estate as observed now, with the params' access paths coloured by the model's verdict (the cell shows it)."""
    from aksegress.ui.topology import access_pairs, draw_topology

    snap = step.snapshot()
    return draw_topology(snap, access_pairs(step.params, snap), title=title or f"{step.spec.key}: observed topology")


def check_connectivity(step: Step, *, source: str = "", target: str = "", interactive: bool | None = None):
    """Trace one flow over the observed state (the cell shows it); defaults to the params' first access entry."""
    from aksegress.ui.topology import access_pairs
    from aksegress.ui.widgets import ConnectivityCheck, is_interactive

    snap = step.snapshot()
    default_source, default_target = (access_pairs(step.params, snap) or [("", "")])[0]
    return ConnectivityCheck(snap, source or default_source, target or default_target, step_key=step.spec.key,
                             interactive=is_interactive(interactive, run_dir=step.run_dir))


def _display(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:
        print(obj)
        return
    display(obj)
