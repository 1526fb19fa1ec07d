"""A person walks through step 01 in JupyterLab: runs the notebook, presses Apply, and sees every peering Connected."""

import re

import pytest

from aksegress.runbook import Runbook
from tests.browser.conftest import ARTIFACTS
from tests.conftest import LOCAL_PARAMS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

KERNEL_IDLE = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = widget && widget.sessionContext && widget.sessionContext.session && widget.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
RUN_ALL = "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
PEERINGS_TABLE = """() => [...document.querySelectorAll('.jp-OutputArea-output table')]
  .find(t => [...t.querySelectorAll('thead th')].some(th => th.textContent.trim() === 'peeringState'))"""
PEERINGS_ALL_CONNECTED = """() => {
  const peerings = (""" + PEERINGS_TABLE + """)();
  if (!peerings) return false;
  const column = [...peerings.querySelectorAll('thead th')].findIndex(th => th.textContent.trim() === 'peeringState');
  const states = [...peerings.querySelectorAll('tbody tr')].map(tr => tr.children[column].textContent.trim());
  return states.length === 6 && states.every(s => s === 'Connected');
}"""


@pytest.fixture
def resource_groups(emulator, tmp_path):
    """Step 00 applied through the library, as its notebook would."""
    step = Runbook.open(params_file=str(LOCAL_PARAMS), connection_file=str(tmp_path / "arm.json")).step("00")
    step.apply(step.plan())


def test_in_lab_pressing_apply_creates_the_network_and_every_peering_shows_connected(resource_groups, lab, page):
    page.goto(f"{lab}/lab/tree/01-hub-and-spokes.ipynb")
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    page.evaluate(RUN_ALL)
    apply = page.get_by_role("button", name="Apply")
    apply.wait_for(timeout=60_000)
    apply.click()
    page.get_by_text(re.compile(r"applied 18 change\(s\)")).first.wait_for(timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    page.evaluate(RUN_ALL)
    page.wait_for_function(PEERINGS_ALL_CONNECTED, timeout=60_000)
    page.evaluate(f"() => ({PEERINGS_TABLE})().scrollIntoView({{block: 'center'}})")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "lab-01-hub-and-spokes.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
