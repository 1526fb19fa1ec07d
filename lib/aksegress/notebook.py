"""What the notebooks call: open a step, and show library errors as a short explanation, not a traceback."""

from __future__ import annotations

from aksegress.errors import AksegressError
from aksegress.runbook import Runbook, Step


def open_step(key: str, *, env: str = "local", params_file: str = "", plan_only: bool = False) -> Step:
    """Bind the notebook to its environment and step, and say where it is pointed."""
    show_errors_briefly()
    runbook = Runbook.open(env, params_file=params_file or None)
    step = runbook.step(key, plan_only=plan_only)
    _display_markdown(
        f"**{step.spec.title}** · environment `{runbook.params.environment}` · target `{runbook.target}`"
        f" · tenant `{runbook.params.tenant_id}`" + (" · **plan only**" if plan_only else "")
    )
    return step


def show_errors_briefly() -> None:
    """Render ``AksegressError`` as its message and next action; the cell still fails."""
    try:
        shell = get_ipython()  # noqa: F821  (defined inside IPython only)
    except NameError:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        from IPython.display import display

        display(value)
        brief = [f"{etype.__name__}: {value.message.splitlines()[0]}"]
        shell._showtraceback(etype, value, brief)
        return brief

    shell.set_custom_exc((AksegressError,), handler)


def _display_markdown(text: str) -> None:
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
        return
    display(Markdown(text))
