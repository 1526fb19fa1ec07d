"""A reader of a failed run's documentation goes from its index straight to the failing cell and its explanation."""

import pytest

from tests.browser.conftest import REPO
from tests.emulator.conftest import raw_request
from tests.runbook.conftest import aksegress

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def failed_run(emulator, project, tmp_path):
    fault = {"method": "PUT", "type": "Microsoft.Network/virtualNetworks", "code": "InternalServerError",
             "message": "Injected.", "times": 50}
    assert raw_request(emulator.connection, "POST", "/_emulator/faults", body=fault).status == 204
    run_dir = project / "outputs" / "local" / "failed-run"
    done = aksegress("run", "--params", str(REPO / "params" / "local.yaml"), "--to", "01", "--connection-file",
                     str(tmp_path / "arm.json"), "--output", str(run_dir), cwd=project)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stdout + done.stderr
    return run_dir


def test_the_index_of_a_failed_run_leads_to_the_failing_cell_and_its_explanation(failed_run, page):
    page.goto((failed_run / "index.html").as_uri(), wait_until="domcontentloaded")
    assert "InternalServerError" in page.locator(".failure").inner_text()
    page.get_by_role("link", name="go to the failing cell and its explanation").click()
    page.wait_for_url("**/01-hub-and-spokes.html#papermill-error-cell", wait_until="domcontentloaded")
    explanation = page.locator(".aksegress-error").first
    explanation.wait_for()
    assert "Apply stopped part-way" in explanation.inner_text() and "Injected." in explanation.inner_text()
    assert page.locator("#papermill-error-cell").is_visible()


def test_the_environments_index_lists_the_failed_run(failed_run, page):
    page.goto((failed_run.parent / "index.html").as_uri(), wait_until="domcontentloaded")
    row = page.locator("tr", has_text="failed-run")
    assert "failed" in row.inner_text()
