"""Each run documents itself as HTML: a summary page, one page per step, a list of runs, and never a secret."""

import getpass
import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from aksegress.report import REDACTED, Scrubber, document_run

JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----"
CLIENT_SECRET = "DEzWsasiTnRNB4XyhJI092z4iyhirWUM"
KUBECONFIG = "users:\n- name: admin\n  user:\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\n    token: 0123456789abcdef0123456789abcdef"


def _step(name, status="passed", **extra):
    return {"name": name, "notebook": f"{name}.ipynb", "status": status, "duration_s": 1.5,
            "changes": {"planned": 1, "applied": 1 if status == "passed" else 0,
                        "plan": [{"action": "create", "id": f"/subscriptions/x/resourceGroups/rg-{name}", "diffs": []}]},
            "checks": [{"name": f"{name} resource group exists", "ok": status == "passed", "detail": "matches desired state"}],
            "arm": {"reads": 1, "writes": 1, "actions": 0, "retries": 0}, **extra}


def _run(env_dir: Path, run_id: str, steps: list[dict], status="passed", leak="") -> Path:
    run_dir = env_dir / run_id
    run_dir.mkdir(parents=True)
    record = {"run_id": run_id, "environment": env_dir.name, "target": "emulator", "params_file": "params/local.yaml",
              "params_sha256": "ab" * 32, "commit": "c0ffee", "started": "2026-11-24T10:00:00+00:00",
              "finished": "2026-11-24T10:01:05+00:00", "status": status, "plan_only": False, "resumes": None,
              "arm": {"reads": 2, "writes": 2, "actions": 0, "retries": 0}, "steps": steps}
    (run_dir / "run.json").write_text(json.dumps(record))
    for step in steps:
        if step["status"] == "not-run":
            continue
        cells = [new_code_cell("step = open_step('x')", outputs=[new_output("stream", name="stdout", text=f"connected {leak}\n")])]
        if step["status"] == "failed":
            cells.insert(0, new_markdown_cell('<span id="papermill-error-cell" style="color:red">'
                                              'Execution using papermill encountered an exception here.</span>'))
            cells[1].outputs.append(new_output("display_data", data={"text/html": "<div class='aksegress-error'><b>Apply stopped part-way</b>"
                                                                                  "<p>Next: fix the cause, then re-run this step</p></div>"}))
        nbformat.write(new_notebook(cells=cells), str(run_dir / step["notebook"]))
    return run_dir


def test_a_passed_runs_index_summarises_who_when_params_commit_steps_changes_checks_and_duration(tmp_path):
    index = document_run(_run(tmp_path / "local", "20261124T100000Z", [_step("00-prerequisites")]))
    html = index.read_text()
    for fact in ("ab" * 32, "c0ffee", "65s", "00-prerequisites resource group exists", "rg-00-prerequisites", getpass.getuser()):
        assert fact in html
    assert '<a href="00-prerequisites.html">' in html and (index.parent / "00-prerequisites.html").exists()


def test_drift_comes_from_the_verify_steps_record_when_present(tmp_path):
    verify = _step("09-verify", checks=[{"name": "no drift from the desired state", "ok": False, "detail": "vnet-hub addressSpace"}])
    html = document_run(_run(tmp_path / "local", "20261124T100000Z", [verify])).read_text()
    assert "drift: vnet-hub addressSpace" in html


def test_a_failed_runs_index_links_to_the_failing_cell_and_quotes_the_error(tmp_path):
    failed = _step("01-hub-and-spokes", "failed", error={"cell": 5, "cell_index": 7, "ename": "ApplyError",
                                                          "evalue": "01-hub-and-spokes: create of VNet 'vnet-hub' failed"})
    run_dir = _run(tmp_path / "local", "20261124T100000Z", [_step("00-prerequisites"), failed, _step("02-firewall", "not-run")])
    html = document_run(run_dir).read_text()
    assert 'href="01-hub-and-spokes.html#papermill-error-cell"' in html
    assert "ApplyError: 01-hub-and-spokes: create of VNet &#x27;vnet-hub&#x27; failed" in html
    assert 'id="papermill-error-cell"' in (run_dir / "01-hub-and-spokes.html").read_text()


def test_the_environment_index_lists_runs_newest_first(tmp_path):
    env_dir = tmp_path / "local"
    for run_id in ("20261124T100000Z", "20261125T090000Z", "20261123T080000Z"):
        document_run(_run(env_dir, run_id, [_step("00-prerequisites")]))
    html = (env_dir / "index.html").read_text()
    positions = [html.index(r) for r in ("20261125T090000Z", "20261124T100000Z", "20261123T080000Z")]
    assert positions == sorted(positions)


def test_no_token_jwt_client_secret_kubeconfig_key_or_private_key_reaches_any_page(tmp_path):
    connection = tmp_path / "connection.json"
    connection.write_text(json.dumps({"client_secret": CLIENT_SECRET, "token": JWT}))
    leak = f"Authorization: Bearer {JWT} secret={CLIENT_SECRET}\n{PEM}\n{KUBECONFIG}"
    run_dir = _run(tmp_path / "local", "20261124T100000Z", [_step("00-prerequisites")], leak=leak)
    document_run(run_dir, connection_file=str(connection))
    pages = {p.name: p.read_text() for p in run_dir.glob("*.html")}
    assert set(pages) == {"index.html", "00-prerequisites.html"}
    for text in pages.values():
        for secret in (JWT, CLIENT_SECRET, "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo", "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=",
                       "0123456789abcdef0123456789abcdef", "eyJ0eXAi"):
            assert secret not in text
    assert REDACTED in pages["00-prerequisites.html"]


def test_the_scrubber_counts_what_it_redacts_and_leaves_ordinary_text_alone():
    scrubber = Scrubber([CLIENT_SECRET])
    text = scrubber.scrub(f"vnet-hub 10.0.0.0/16 peeringState=Connected {CLIENT_SECRET} {PEM}")
    assert text == f"vnet-hub 10.0.0.0/16 peeringState=Connected {REDACTED} {REDACTED}" and scrubber.redacted == 2


def _plan_step(name: str, flow: dict | None) -> dict:
    subnet = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-spoke1/subnets/aks"
    change = {"step": name, "action": "create", "type": "subnet", "id": subnet,
              "name": "vnet-spoke1/aks", "diff": [{"path": "(body)", "before": None, "after": {"properties": {"addressPrefix": "10.1.0.0/22"}}}],
              "diffs": []}
    return _step(name, changes={"planned": 1, "applied": 0, "plan": [change]}, impact={"opens": [flow] if flow else [], "closes": []})


def test_a_plan_only_index_says_drift_and_names_the_changes_and_the_impact(tmp_path):
    flow = {"source": "vm-spoke2", "destination": "privateaksspoke1", "protocol": "TCP", "port": 443, "rule": "spoke-access/api",
            "flow": "vm-spoke2 -> privateaksspoke1 TCP/443 (rule spoke-access/api)"}
    run_dir = _run(tmp_path / "local", "20261124T100000Z", [_plan_step("08-cross-vnet-access", flow)], status="drift")
    record = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").write_text(json.dumps({**record, "plan_only": True}))
    html = document_run(run_dir).read_text()
    assert "drift: 1 change(s)" in html and "vnet-spoke1/aks" in html
    assert "opens vm-spoke2 -&gt; privateaksspoke1 TCP/443 (rule spoke-access/api)" in html


def test_a_step_page_fetches_no_script_from_another_host_and_links_back_to_its_run(tmp_path):
    run_dir = _run(tmp_path / "local", "20261124T100000Z", [_step("01-hub-and-spokes")])
    document_run(run_dir)
    page = (run_dir / "01-hub-and-spokes.html").read_text()
    assert "<script src=\"http" not in page and "unpkg" not in page and "cdnjs" not in page
    assert '<a href="index.html">back to the run</a>' in page and "<title>01-hub-and-spokes · run 20261124T100000Z</title>" in page


def test_a_step_page_shows_the_parameters_the_run_injected(tmp_path):
    run_dir = _run(tmp_path / "local", "20261124T100000Z", [_step("01-hub-and-spokes")])
    notebook = nbformat.read(str(run_dir / "01-hub-and-spokes.ipynb"), as_version=4)
    injected = new_code_cell('# Parameters\nenv = "staging"\nplan_only = True\n', metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(0, injected)
    nbformat.write(notebook, str(run_dir / "01-hub-and-spokes.ipynb"))
    document_run(run_dir)
    page = (run_dir / "01-hub-and-spokes.html").read_text()
    assert "staging" in page and "plan_only" in page
