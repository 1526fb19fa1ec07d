"""Widgets for the moments a person decides, each with a parameter-driven default that never blocks.

Interactive or headless: a run by ``aksegress run`` (``run_dir`` set) is always headless; otherwise the notebook
parameter ``interactive`` decides when it is True or False, and when it is None the environment variable
``AKSEGRESS_INTERACTIVE=1`` (exported by ``make lab``) means a person is there. Headless, each widget applies
its parameter's choice at once, says so in a printed line, and records it as a choice output in the notebook.
"""

from __future__ import annotations

import os
from pathlib import Path

from aksegress.errors import AksegressError
from aksegress.netmodel import Snapshot, trace
from aksegress.ui.progress import Progress, live_line

INTERACTIVE_ENV = "AKSEGRESS_INTERACTIVE"
CHOICE_MIMETYPE = "application/vnd.aksegress.choice+json"


def is_interactive(interactive: bool | None = None, *, run_dir: str | None = None) -> bool:
    """True when a person drives the notebook, so widgets wait for clicks instead of applying defaults."""
    if run_dir:
        return False
    if interactive is not None:
        return bool(interactive)
    return os.environ.get(INTERACTIVE_ENV, "") == "1"


def choice(widget: str, chosen: str, reason: str, *, step: str | None = None, headless: bool = True) -> dict:
    """What a widget decided and why, as recorded in the executed notebook."""
    return {"widget": widget, "choice": chosen, "reason": reason, "step": step, "headless": headless}


def show_choice(record: dict) -> None:
    """Say what was chosen and why, and leave it as a machine-readable output of the cell."""
    line = f"{'headless run' if record['headless'] else 'chosen'}: {record['reason']}"
    _display({CHOICE_MIMETYPE: record, "text/plain": line}, raw=True)


def read_choices(notebook: dict) -> list[dict]:
    """Every choice output of an executed notebook (as loaded JSON), in cell order."""
    return [output["data"][CHOICE_MIMETYPE] for cell in notebook.get("cells", []) for output in cell.get("outputs", []) or []
            if CHOICE_MIMETYPE in (output.get("data") or {})]


class EnvironmentChooser:
    """Which params/<env>.yaml the notebook runs against; defaults to the ``env`` parameter."""

    def __init__(self, default: str, root: Path, *, interactive: bool):
        import ipywidgets as widgets

        names = sorted(p.stem for p in (Path(root) / "params").glob("*.yaml"))
        if default not in names:
            names.insert(0, default)
        self.interactive = interactive
        self.dropdown = widgets.Dropdown(options=names, value=default, description="environment")
        self.note = widgets.HTML("Pick the environment, then run the cells below.")
        self.choice = None if interactive else choice("environment", default, f"environment {default!r} (parameter env)")

    @property
    def value(self) -> str:
        return self.dropdown.value

    def _ipython_display_(self) -> None:
        if self.interactive:
            import ipywidgets as widgets

            _display(widgets.VBox([self.dropdown, self.note]))
        else:
            show_choice(self.choice)


class PlanReview:
    """The plan's Apply / Skip decision; headless it follows ``auto_apply`` at once."""

    def __init__(self, step, plan, *, auto_apply: bool, interactive: bool):
        import ipywidgets as widgets

        self.step, self.plan, self.auto_apply, self.interactive = step, plan, auto_apply, interactive
        self.result = None
        self.choice: dict | None = None
        self.apply_button = widgets.Button(description="Apply", button_style="danger", icon="check",
                                           tooltip="carry out the plan's changes")
        self.skip_button = widgets.Button(description="Skip", icon="times", tooltip="leave everything as it is")
        self.status = live_line()
        self.output = widgets.Output()
        self.apply_button.on_click(lambda _: self._clicked(self.apply))
        self.skip_button.on_click(lambda _: self._clicked(self.skip))
        if not plan.pending or step.plan_only:
            self._decide_without_asking()
        elif not interactive:
            self.apply() if auto_apply else self.skip()
        else:
            self.status.value = (f"<b>{len(plan.pending)} change(s) to review.</b> Nothing is written until you press Apply; "
                                 "the cells below show the state as it is now, so run them again afterwards.")

    @property
    def decided(self) -> bool:
        return self.choice is not None

    def apply(self):
        """Carry out the plan, reporting each wave it waits on."""
        self._disable()
        progress = Progress(f"applying {len(self.plan.pending)} change(s)", widget=self.status if self.interactive else None)
        self.result = _apply_with_progress(self.step, self.plan, progress)
        progress.done()
        reason = ("applied the plan (parameter auto_apply=True)" if not self.interactive
                  else f"applied the plan ({len(self.result.applied)} change(s))")
        self._choose("apply", reason)
        return self.result

    def skip(self) -> None:
        """Leave the target as it is; the step's check will say what is missing."""
        self._disable()
        reason = "skipped the plan (parameter auto_apply=False)" if not self.interactive else "skipped the plan"
        self._choose("skip", reason)
        self.status.value = "<b>Skipped.</b> Nothing was written."

    def _clicked(self, action) -> None:
        """A click's errors go to the widget's output as the short explanation box, not to the kernel log."""
        with self.output:
            try:
                action()
            except AksegressError as error:
                self.status.value = "<b>Stopped.</b> See the explanation below."
                _display(error)

    def _decide_without_asking(self) -> None:
        self._disable()
        self.result = self.step.apply(self.plan)
        reason = "plan-only run: nothing applied" if self.step.plan_only else "nothing to apply: the target already matches"
        self._choose("none", reason)
        self.status.value = self.result.summary()

    def _choose(self, chosen: str, reason: str) -> None:
        self.choice = choice("plan", chosen, reason, step=self.step.spec.key, headless=not self.interactive)
        choices = getattr(self.step, "choices", None)
        if choices is None:
            choices = self.step.choices = []
        choices.append(self.choice)
        if self.interactive:
            with self.output:
                _display(self.result) if self.result is not None else None

    def _disable(self) -> None:
        self.apply_button.disabled = self.skip_button.disabled = True

    def _ipython_display_(self) -> None:
        if self.interactive:
            import ipywidgets as widgets

            _display(widgets.VBox([widgets.HBox([self.apply_button, self.skip_button]), self.status, self.output]))
            return
        if self.result is not None:
            _display(self.result)
        show_choice(self.choice)


class ConnectivityCheck:
    """Pick a source and a target and see the model's trace over the observed state."""

    def __init__(self, snapshot: Snapshot, source: str, target: str, *, port: int = 443, interactive: bool,
                 step_key: str | None = None):
        import ipywidgets as widgets

        self.snapshot, self.port, self.interactive, self.step_key = snapshot, port, interactive, step_key
        sources = sorted(vm.name for vm in snapshot.vms.values()) + sorted(v.name for v in snapshot.vnets.values())
        targets = sorted(f"cluster:{c.name}" for c in snapshot.clusters.values()) + sorted(vm.name for vm in snapshot.vms.values())
        self.source = widgets.Dropdown(options=_with(sources, source), value=source, description="source")
        self.target = widgets.Dropdown(options=_with(targets, target), value=target, description="target")
        self.button = widgets.Button(description="Trace", icon="route", button_style="primary")
        self.output = widgets.Output()
        self.button.on_click(lambda _: self.run())
        self.result = None
        self.choice = None
        if not interactive and source and target:
            self.result = trace(snapshot, source, target, port)
            self.choice = choice("connectivity", f"{source} -> {target}",
                                 f"traced {source} -> {target} TCP/{port} (parameters check_source, check_target)", step=step_key)

    def run(self):
        """Trace the chosen pair and show the verdict, the hops and the picture of that path."""
        self.result = trace(self.snapshot, self.source.value, self.target.value, self.port)
        self.output.clear_output()
        with self.output:
            for part in self._parts():
                _display(part)
        return self.result

    def _parts(self) -> list:
        from IPython.display import HTML

        from aksegress.ui.topology import draw_topology

        result = self.result
        colour = "#1e8449" if result.delivered else "#c0392b"
        verdict = HTML(f"<p style='color:{colour}'><b>{result.disposition}</b> · {_escape(result.explain())}</p>")
        return [verdict, hops_frame(result),
                draw_topology(self.snapshot, [(self.source.value, self.target.value)], port=self.port,
                              title=f"{self.source.value} → {self.target.value}")]

    def _ipython_display_(self) -> None:
        import ipywidgets as widgets

        if self.interactive:
            _display(widgets.VBox([widgets.HBox([self.source, self.target, self.button]), self.output]))
            return
        if self.result is None:
            print("headless run: no flow to trace (no access entry in the params; set check_source and check_target)")
            return
        for part in self._parts():
            _display(part)
        show_choice(self.choice)


def hops_frame(result):
    """The trace's hops as a table: type, address, what matched, issues."""
    import pandas as pd

    return pd.DataFrame([{"hop": h.type, "address": h.address, "matched": h.matched,
                          "issues": "; ".join(f"{i.severity} {i.type}" for i in h.issues)} for h in result.hops],
                        columns=["hop", "address", "matched", "issues"])


def _apply_with_progress(step, plan, progress: Progress):
    return step.apply(plan, on_wait=progress.waiting)


def _with(options: list[str], value: str) -> list[str]:
    return options if value in options else [value, *options]


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


def _display(obj, **kwargs) -> None:
    try:
        from IPython.display import display
    except ImportError:
        print(obj)
        return
    display(obj, **kwargs)
