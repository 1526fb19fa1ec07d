"""Widgets for the moments a person decides, each with a parameter-driven default that never blocks.

Interactive or headless: a run by ``aksegress run`` (``run_dir`` set) is always headless; otherwise the notebook
parameter ``interactive`` decides when it is True or False, and when it is None the environment variable
``AKSEGRESS_INTERACTIVE=1`` (exported by ``make lab``) means a person is there. Headless, each widget takes
its parameter's choice at once, says so in a printed line, and records it as a choice output in the notebook.
Widgets decide and show; writing is the step's (``review_plan`` and the Apply button call ``Step.apply``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from aksegress.errors import AksegressError
from aksegress.netmodel import Snapshot
from aksegress.netmodel.matrix import trace_cell
from aksegress.netmodel.render import HOP_COLUMNS, hop_rows
from aksegress.ui.progress import Progress, live_line

INTERACTIVE_ENV = "AKSEGRESS_INTERACTIVE"
RUN_CELLS_BELOW = """
(function runCellsBelow(tries) {
  if (!element.isConnected && tries > 0) { setTimeout(() => runCellsBelow(tries - 1), 50); return; }
  const once = 'aksegress-ran-' + TOKEN;
  if (window.localStorage.getItem(once)) { return; }
  const cell = element.closest('.jp-Cell');
  const app = window.jupyterapp;
  if (!cell || !app) { element.textContent = 'Run the cells below with Run > Run Selected Cell and All Below.'; return; }
  const panel = [...app.shell.widgets('main')].find(w => w.content && w.content.widgets && w.node.contains(cell));
  const notebook = panel && panel.content;
  const index = notebook ? notebook.widgets.findIndex(c => c.node === cell) : -1;
  if (index < 0) { return; }
  window.localStorage.setItem(once, '1');
  if (index + 1 < notebook.widgets.length) {
    app.shell.activateById(panel.id);
    notebook.activeCellIndex = index + 1;
    notebook.mode = 'command';
    app.commands.execute('notebook:run-all-below');
  }
  const outputs = notebook.widgets[index].model.outputs;
  const kept = [];
  for (let i = 0; i < outputs.length; i++) {
    const output = outputs.get(i).toJSON();
    if (!(output.output_type === 'error' && output.ename === 'DecisionPending')) { kept.push(output); }
  }
  if (kept.length !== outputs.length) { outputs.clear(); outputs.fromJSON(kept); }
})(100);
"""
"""The front-end half of "Run the cells below": JupyterLab (with ``expose_app_in_browser``) runs the cells after the widget's."""
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


def openable_environments(root: Path) -> list[str]:
    """The environments under ``root``/params whose name is valid and whose params validate: those a notebook can open."""
    from aksegress.layout import params_path_for
    from aksegress.params import load_params

    names = []
    for path in sorted((Path(root) / "params").glob("*.yaml")):
        try:
            load_params(params_path_for(path.stem, root))
        except AksegressError:
            continue
        names.append(path.stem)
    return names


class EnvironmentChooser:
    """Which params/<env>.yaml the notebook runs against; defaults to the ``env`` parameter.

    In Lab, picking another environment calls ``on_choose(name)`` (the step rebinds to it); headless the
    parameter's environment is recorded as the choice.
    """

    def __init__(self, default: str, root: Path, *, interactive: bool, on_choose: Callable[[str], str] | None = None):
        import ipywidgets as widgets

        names = openable_environments(root)
        if default not in names:
            names.insert(0, default)
        self.interactive = interactive
        self.on_choose = on_choose
        self.dropdown = widgets.Dropdown(options=names, value=default, description="environment")
        self.note = widgets.HTML("Pick the environment, then run the cells below.")
        self.output = widgets.Output()
        self.dropdown.observe(self._picked, names="value")
        self.choice = None if interactive else choice("environment", default, f"environment {default!r} (parameter env)")

    @property
    def value(self) -> str:
        return self.dropdown.value

    def _picked(self, change) -> None:
        if self.on_choose is None:
            return
        self.output.clear_output()
        with self.output:
            try:
                said = self.on_choose(change["new"])
            except AksegressError as error:
                self.note.value = f"<b>Environment {_escape(change['new'])} cannot be opened.</b> See the explanation below."
                _display(error)
                return
        self.note.value = f"{_escape(said)}: run the cells below again."

    def _ipython_display_(self) -> None:
        if self.interactive:
            import ipywidgets as widgets

            _display(widgets.VBox([self.dropdown, self.note, self.output]))
        else:
            show_choice(self.choice)


class PlanReview:
    """The plan's Apply / Skip decision. It decides and shows; it never writes.

    ``decision()`` is what can be decided without a person: ``none`` (nothing pending, or a plan-only run), or
    headless the ``auto_apply`` parameter's ``apply`` or ``skip``; the caller carries it out and hands the
    result to ``settle``. In Lab, with changes pending, the Apply button calls ``on_apply(on_wait)`` (the
    step's apply) and settles itself. Each settled decision goes to ``on_choice`` (the step's choices).
    """

    def __init__(self, plan, *, step_key: str, interactive: bool, auto_apply: bool, plan_only: bool,
                 on_apply: Callable, on_choice: Callable[[dict], None]):
        import ipywidgets as widgets

        self.plan, self.step_key, self.interactive, self.auto_apply, self.plan_only = plan, step_key, interactive, auto_apply, plan_only
        self.on_apply, self.on_choice = on_apply, on_choice
        self.result = None
        self.choice: dict | None = None
        self.apply_button = widgets.Button(description="Apply", button_style="danger", icon="check",
                                           tooltip="carry out the plan's changes")
        self.skip_button = widgets.Button(description="Skip", icon="times", tooltip="leave everything as it is")
        self.continue_button = widgets.Button(description="Run the cells below", icon="forward", tooltip="run every cell below this one",
                                              layout=widgets.Layout(display="none", width="auto"))
        self.status = live_line()
        self.output = widgets.Output()
        self.front_end = widgets.Output()
        self.continues = False
        """Set when the notebook stopped at this plan (``DecisionPending``): a decision then runs the cells below."""
        self.continued = 0
        self.apply_button.on_click(lambda _: self._clicked(self._apply_clicked))
        self.skip_button.on_click(lambda _: self._clicked(lambda: self.settle("skip")))
        self.continue_button.on_click(lambda _: self.run_cells_below())
        if self.decision() is None:
            self.status.value = (f"<b>{len(plan.pending)} change(s) to review.</b> Nothing is written until you press Apply; "
                                 "the notebook waits here, and the cells below run once you have decided.")

    @property
    def decided(self) -> bool:
        return self.choice is not None

    def decision(self) -> str | None:
        """``none``, ``apply`` or ``skip`` when no person needs asking; None while a person decides in Lab."""
        if not self.plan.pending or self.plan_only:
            return "none"
        if not self.interactive:
            return "apply" if self.auto_apply else "skip"
        return None

    def progress(self) -> Progress:
        """Where an apply of this plan reports each wave it waits on: the status line in Lab, printed lines headless."""
        return Progress(f"applying {len(self.plan.pending)} change(s)", widget=self.status if self.interactive else None)

    def settle(self, decision: str, result=None) -> dict:
        """Record ``decision`` (and the step's apply ``result``, if any) as the choice, and show it."""
        self._disable()
        self.result = result
        self.choice = choice("plan", decision, self._reason(decision), step=self.step_key, headless=not self.interactive)
        self.on_choice(self.choice)
        if decision == "skip":
            self.status.value = "<b>Skipped.</b> Nothing was written."
        elif decision == "none" and result is not None:
            self.status.value = result.summary()
        if self.interactive and result is not None:
            with self.output:
                _display(result)
        if self.interactive and self.continues:
            self.continue_button.layout.display = None
            self.run_cells_below()
        return self.choice

    def run_cells_below(self) -> None:
        """Ask JupyterLab to run every cell below this widget's cell (as Run > Run Selected Cell and All Below would),
        once per request even if the page re-renders the widget, and drop the cell's "waiting" message."""
        from IPython.display import Javascript

        self.continued += 1
        self.front_end.clear_output()
        with self.front_end:
            _display(Javascript(RUN_CELLS_BELOW.replace("TOKEN", f"'{uuid.uuid4()}'")))

    def _reason(self, decision: str) -> str:
        if decision == "none":
            return "plan-only run: nothing applied" if self.plan_only else "nothing to apply: the estate already matches the params"
        if decision == "apply":
            return f"applied the plan ({len(self.result.applied)} change(s))" if self.interactive else "applied the plan (parameter auto_apply=True)"
        return "skipped the plan" if self.interactive else "skipped the plan (parameter auto_apply=False)"

    def _apply_clicked(self) -> None:
        self._disable()
        progress = self.progress()
        result = self.on_apply(on_wait=progress.waiting)
        progress.done()
        self.settle("apply", result)

    def _clicked(self, action) -> None:
        """A click's errors go to the widget's output as the short explanation box, not to the kernel log."""
        with self.output:
            try:
                action()
            except AksegressError as error:
                self.status.value = "<b>Stopped.</b> See the explanation below."
                _display(error)

    def _disable(self) -> None:
        self.apply_button.disabled = self.skip_button.disabled = True

    def _ipython_display_(self) -> None:
        if self.interactive:
            import ipywidgets as widgets

            _display(widgets.VBox([widgets.HBox([self.apply_button, self.skip_button, self.continue_button]), self.status, self.output,
                                   self.front_end]))
            return
        if self.result is not None:
            _display(self.result)
        if self.choice is not None:
            show_choice(self.choice)


class ConnectivityCheck:
    """Pick a source and a destination and see the model's trace over the observed state, labelled against ``intent``
    ((source VNet id, destination id) pairs the params intend; None: intent unknown)."""

    def __init__(self, snapshot: Snapshot, source: str, destination: str, *, port: int = 443, interactive: bool,
                 step_key: str | None = None, intent=None):
        import ipywidgets as widgets

        self.snapshot, self.port, self.interactive, self.step_key, self.intent = snapshot, port, interactive, step_key, intent
        sources = sorted(vm.name for vm in snapshot.vms.values()) + sorted(v.name for v in snapshot.vnets.values())
        destinations = sorted(f"cluster:{c.name}" for c in snapshot.clusters.values()) + sorted(vm.name for vm in snapshot.vms.values())
        self.source = widgets.Dropdown(options=_with(sources, source), value=source, description="source")
        self.destination = widgets.Dropdown(options=_with(destinations, destination), value=destination, description="destination")
        self.button = widgets.Button(description="Trace", icon="route", button_style="primary")
        self.output = widgets.Output()
        self.button.on_click(lambda _: self.run())
        self.cell = None
        self.choice = None
        if not interactive and source and destination:
            self.cell = trace_cell(snapshot, source, destination, port, intent=intent)
            self.choice = choice("connectivity", f"{source} -> {destination}",
                                 f"traced {source} -> {destination} TCP/{port} (parameters check_source, check_destination)", step=step_key)

    @property
    def result(self):
        return self.cell.result if self.cell is not None else None

    def run(self):
        """Trace the chosen pair and show the verdict, the hops and the picture of that path."""
        self.cell = trace_cell(self.snapshot, self.source.value, self.destination.value, self.port, intent=self.intent)
        self.output.clear_output()
        with self.output:
            for part in self.parts():
                _display(part)
        return self.result

    def parts(self) -> list:
        """What the widget shows for the traced flow: the verdict against intent, the hop table, the picture."""
        from IPython.display import HTML

        from aksegress.ui.topology import AccessPath, draw_cell

        path = AccessPath(self.cell.source.label, self.cell.destination.label, self.cell.result, self.cell.intended)
        result = path.result
        text = f"{result.source} -> {result.destination} {result.protocol}/{result.port}: {result.reason}"
        fix = (f" Fix: {path.fix.sentence()}" if path.fix else "") + (f" {result.confidence_note}" if result.confidence_note else "")
        verdict = HTML(f"<p style='color:{path.colour}' data-label='{_escape(path.label)}'><b>{result.disposition}</b> · "
                       f"<b>{_escape(path.label)}</b> · {_escape(text + fix)}</p>")
        return [verdict, hops_frame(result), draw_cell(self.snapshot, self.cell, title=f"{self.source.value} → {self.destination.value}")]

    def _ipython_display_(self) -> None:
        import ipywidgets as widgets

        if self.interactive:
            _display(widgets.VBox([widgets.HBox([self.source, self.destination, self.button]), self.output]))
            return
        if self.result is None:
            print("headless run: no flow to trace (no access entry in the params; set check_source and check_destination)")
            return
        for part in self.parts():
            _display(part)
        show_choice(self.choice)


def hops_frame(result):
    """The trace's hops as a table: type, address, what matched, issues."""
    import pandas as pd

    return pd.DataFrame(hop_rows(result), columns=list(HOP_COLUMNS))


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
