"""A person walks through the runbook in JupyterLab, started as ``make lab`` starts it, on an empty emulator state.

Run All stops at a plan with changes, nothing below it runs and no check fails; Apply carries the plan out and the
rest of the notebook runs by itself. The command line works beside Lab on the same emulator, verdicts are labelled
against intent, and Lab leaves the tracked notebooks as git has them. One Lab server serves the module; the
walk-through comes first, on the state as ``make lab`` finds it.
"""

import re
import subprocess
import sys

import pytest

from aksegress.runbook import Runbook
from tests.browser.conftest import REPO, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

WORKING_COPY = "outputs/local/lab/{}.ipynb"
KERNEL_IDLE = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = widget && widget.sessionContext && widget.sessionContext.session && widget.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
RUN_ALL = "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map(cell => ({
  code: cell.model.type === 'code',
  executed: cell.model.type === 'code' && cell.model.executionCount !== null,
  plan: !!cell.node.querySelector('.widget-button') && [...cell.node.querySelectorAll('button')].some(b => b.textContent.trim() === 'Apply'),
  text: [...cell.node.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\\n'),
}))"""
SAVED = "() => { const w = window.jupyterapp.shell.currentWidget; return !!w.context && !w.context.model.dirty; }"
CHECK_LINE = re.compile(r"(\d+)/(\d+) checks passed")
FINISHED = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code');
  const last = cells[cells.length - 1];
  return last.model.executionCount !== null && /checks passed/.test(last.node.innerText);
}"""


def _open(page, lab, path: str) -> None:
    page.goto(lab.url(path) + "?reset")
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    news = page.get_by_role("button", name="No", exact=True)
    if news.count():
        news.first.click()


def _cells(page) -> list[dict]:
    return page.evaluate(CELLS)


def _failed_checks(cells: list[dict]) -> list[str]:
    return [m.group(0) for cell in cells for m in CHECK_LINE.finditer(cell["text"]) if m.group(1) != m.group(2)]


def _notebook(page):
    return page.locator(".jp-NotebookPanel").filter(visible=True)


def _run_all_until_the_plan_stops_it(page, name: str) -> None:
    """Run All, then see the notebook wait at the plan: Apply in view, no cell below run, no check failed."""
    page.evaluate(RUN_ALL)
    _notebook(page).get_by_text("press Apply or Skip above").wait_for(timeout=120_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    cells = _cells(page)
    plan = next(i for i, cell in enumerate(cells) if cell["plan"])
    assert not [i for i, cell in enumerate(cells[plan + 1:], plan + 1) if cell["executed"]], f"{name}: cells ran below the plan"
    assert _failed_checks(cells) == []
    apply = _notebook(page).get_by_role("button", name="Apply")
    apply.scroll_into_view_if_needed()
    assert apply.is_visible() and apply.is_enabled()
    screenshot(page, f"lab-{name}-waits-at-the-plan")


def _apply_and_see_the_rest_pass(page, name: str) -> list[dict]:
    _notebook(page).get_by_role("button", name="Apply").click()
    page.wait_for_function(FINISHED, timeout=300_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    cells = _cells(page)
    passed = [m for cell in cells for m in CHECK_LINE.finditer(cell["text"])]
    assert passed and _failed_checks(cells) == [], [c["text"][-300:] for c in cells if c["code"]]
    assert all(cell["executed"] for cell in cells if cell["code"])
    return cells


def _apply_through_the_library(lab, keys) -> None:
    """Bring the emulator's state through ``keys`` as their notebooks would, sharing Lab's emulator."""
    runbook = Runbook.open(params_file=str(lab.root / "params" / "local.yaml"), connection_file=str(lab.connection_file))
    for key in keys:
        step = runbook.step(key)
        step.apply(step.plan())


def _trace(page, source: str):
    widget = _notebook(page).locator(".widget-vbox").filter(has=page.get_by_role("button", name="Trace"))
    widget.locator(".widget-dropdown").filter(has_text="source").locator("select").select_option(source)
    widget.get_by_role("button", name="Trace").click()
    verdict = widget.locator("p[data-label]").filter(has_text=source)
    verdict.wait_for(timeout=60_000)
    verdict.scroll_into_view_if_needed()
    return verdict


def test_run_all_waits_at_each_plan_and_after_apply_the_rest_runs_with_every_check_passing(lab, page):
    for name in ("00-prerequisites", "01-hub-and-spokes"):
        _open(page, lab, WORKING_COPY.format(name))
        _run_all_until_the_plan_stops_it(page, name)
        _apply_and_see_the_rest_pass(page, name)
        screenshot(page, f"lab-{name}-applied-and-passed")
    _apply_through_the_library(lab, ["02", "03", "04", "05", "06", "07"])
    _open(page, lab, WORKING_COPY.format("08-cross-vnet-access"))
    _run_all_until_the_plan_stops_it(page, "08-cross-vnet-access")
    _apply_and_see_the_rest_pass(page, "08-cross-vnet-access")
    verdict = _trace(page, "vm-spoke2")
    assert verdict.get_attribute("data-label") == "delivered, as intended"
    screenshot(page, "lab-08-try-a-flow-spoke2-delivered-as-intended")


def test_try_a_flow_and_the_topology_label_an_intended_denial_neutral_with_no_fix(lab, page):
    _apply_through_the_library(lab, ["00", "01", "02", "03", "04", "05", "06", "07", "08"])
    _open(page, lab, WORKING_COPY.format("08-cross-vnet-access"))
    page.evaluate(RUN_ALL)
    page.wait_for_function(FINISHED, timeout=300_000)
    verdict = _trace(page, "vm-spoke3")
    assert verdict.get_attribute("data-label") == "denied, as intended" and "Fix" not in verdict.inner_text()
    assert verdict.evaluate("p => getComputedStyle(p).color") == "rgb(127, 140, 141)"
    screenshot(page, "lab-08-try-a-flow-spoke3-denied-as-intended")
    topology = _notebook(page).locator(".jp-CodeCell").filter(has_text="show_topology(step)")
    label = topology.locator('[data-kind="access-path-label"][data-source="vm-spoke3"][data-destination="cluster:privateaksspoke1"]')
    assert label.get_attribute("data-label") == "denied, as intended" and "fix" not in label.text_content()
    label.scroll_into_view_if_needed()
    screenshot(page, "lab-08-topology-spoke3-denied-as-intended")


def test_the_command_line_beside_lab_uses_labs_emulator_and_the_next_cell_still_answers(lab, page):
    _apply_through_the_library(lab, ["00"])
    _open(page, lab, WORKING_COPY.format("00-prerequisites"))
    before = lab.connection_file.read_bytes()
    for command in (["doctor", "--env", "local", "--matrix"], ["run", "--env", "local", "--plan"]):
        done = subprocess.run([sys.executable, "-m", "aksegress.cli", *command], cwd=lab.root, env=lab.env, capture_output=True,
                              text=True, timeout=600)
        assert "Traceback" not in done.stderr and done.returncode in (0, 1, 2), done.stdout + done.stderr
        assert lab.connection_file.read_bytes() == before, f"aksegress {' '.join(command)} replaced Lab's emulator"
    page.evaluate(RUN_ALL)
    page.wait_for_function(FINISHED, timeout=300_000)
    cells = _cells(page)
    assert not [c["text"] for c in cells if "Connection refused" in c["text"]] and _failed_checks(cells) == []
    screenshot(page, "lab-00-answers-after-the-command-line")


def test_after_a_lab_session_and_a_save_git_status_of_the_checkout_is_clean(lab, page):
    checkout_before = _porcelain(REPO)
    for path in (WORKING_COPY.format("00-prerequisites"), "notebooks/00-prerequisites.ipynb"):
        _open(page, lab, path)
        page.evaluate(RUN_ALL)
        page.wait_for_function(FINISHED, timeout=300_000)
        _notebook(page).locator(".jp-Cell").first.click()
        page.keyboard.press("Control+s")
        page.wait_for_function(SAVED, timeout=30_000)
        screenshot(page, "lab-saved-" + path.replace("/", "-"))
    assert _porcelain(lab.root) == ""
    assert _porcelain(REPO) == checkout_before


def _porcelain(folder) -> str:
    return subprocess.run(["git", "-C", str(folder), "status", "--porcelain"], capture_output=True, text=True, check=True).stdout
