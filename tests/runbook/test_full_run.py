"""The whole runbook against the emulator: it converges, re-runs write nothing, and leaks no secret."""

import base64
import json
import re
from pathlib import Path

import pytest
import yaml

from aksegress.layout import kube_dir

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SECRET_PATTERNS = [re.compile(p) for p in (r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
                                           r"client-key-data", r"client-certificate-data")]


@pytest.fixture
def converged(clean_world):
    return clean_world


def _record(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def test_the_first_run_passes_every_step_from_00_to_09(converged):
    assert converged["first"].returncode == 0, converged["first"].stdout[-3000:]
    steps = _record(converged["folder"] / "run1")["steps"]
    assert [s["name"][:2] for s in steps] == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"]
    assert all(s["status"] == "passed" for s in steps)


def test_the_vm_in_spoke2_reaches_the_spoke1_api_server_through_the_firewall(converged):
    checks = {c["name"]: c for s in _record(converged["folder"] / "run1")["steps"] for c in s["checks"]}
    for probe in ("name resolves", "HTTPS answers on 443", "API server responds"):
        assert checks[f"from vm-spoke2: {probe} (spoke1 API server)"]["ok"]
    assert not any(c["name"].startswith("from vm-spoke1") for c in checks.values())


def test_spokes_without_an_access_entry_are_shown_unable_to_reach_the_cluster_and_why(converged):
    checks = [c for s in _record(converged["folder"] / "run1")["steps"] for c in s["checks"] if "no access entry" in c["name"]]
    assert len(checks) == 5 and all(c["ok"] for c in checks)
    assert all(c["detail"].split(":")[0] in ("DNS_NXDOMAIN", "DENIED_BY_FIREWALL") for c in checks)


def test_a_second_run_plans_no_change_and_the_emulator_counts_no_write(converged):
    assert converged["second"].returncode == 0, converged["second"].stdout[-3000:]
    record = _record(converged["folder"] / "run2")
    assert [s["changes"]["planned"] for s in record["steps"]] == [0] * 10
    assert record["arm"]["writes"] == 0
    assert converged["writes_after_second"] == converged["writes_after_first"]


def test_a_second_run_sends_no_action_and_its_pages_name_the_run_whose_probe_results_they_show(converged):
    first, second = _record(converged["folder"] / "run1"), _record(converged["folder"] / "run2")
    reused = {s["name"][:2]: s.get("probes_reused", []) for s in second["steps"]}
    assert second["arm"]["actions"] == 0 and first["arm"]["actions"] > 0
    assert reused["07"] and reused["08"] and {r["run"] for r in reused["07"] + reused["08"]} == {first["run_id"]}
    assert f"reused from run {first['run_id']}" in converged["second"].stdout
    assert f"shown from run {first['run_id']}, not probed again" in (converged["folder"] / "run2" / "08-cross-vnet-access.html").read_text()


def test_fresh_probes_on_the_command_line_probe_again_on_an_unchanged_estate(converged):
    from tests.runbook.conftest import run_all

    done = run_all(converged["connection"], converged["folder"] / "fresh", "--from", "07", "--to", "08", "--fresh-probes")
    assert done.returncode == 0, done.stdout[-3000:]
    fresh, first = _record(converged["folder"] / "fresh"), _record(converged["folder"] / "run1")
    assert fresh["arm"]["actions"] == sum(s["arm"]["actions"] for s in first["steps"] if s["name"][:2] in ("07", "08"))
    assert not any(s.get("probes_reused") for s in fresh["steps"])


def test_no_executed_notebook_carries_a_token_key_or_kubeconfig_secret(converged):
    from aksegress.emulator import Connection

    connection = Connection.read(converged["folder"] / "arm.json")
    kube_tokens = []
    for config in kube_dir("local", converged["project"]).glob("*.yaml"):
        for user in yaml.safe_load(config.read_text()).get("users", []):
            kube_tokens += [v for k, v in (user.get("user") or {}).items() if isinstance(v, str) and len(v) > 16]
    secrets = [connection.token, connection.client_secret, *kube_tokens]
    assert kube_tokens, "the kubeconfig written by step 07 should hold a token to look for"
    for notebook in (converged["folder"] / "run1").glob("*.ipynb"):
        text = notebook.read_text()
        assert not any(s in text for s in secrets), notebook.name
        assert not any(p.search(text) for p in SECRET_PATTERNS), notebook.name
        assert base64.b64encode(kube_tokens[0].encode()).decode()[:24] not in text


def _doctor(converged, *args):
    from tests.runbook.conftest import aksegress

    return aksegress("doctor", "--params", "params/local.yaml", "--connection-file", str(converged["connection"]), *args, cwd=converged["project"])


def test_doctor_on_the_live_environment_says_the_granted_flow_is_delivered(converged):
    done = _doctor(converged, "--from", "vm-spoke2", "--to", "cluster:privateaksspoke1", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["disposition"] == "DELIVERED"
    assert [h["type"] for h in verdict["hops"]][:2] == ["Source", "VirtualAppliance"]


def test_doctor_on_the_live_environment_explains_a_flow_without_access_and_proposes_no_fix_to_open_it(converged):
    done = _doctor(converged, "--from", "vm-spoke3", "--to", "cluster:privateaksspoke1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("denied, as intended: ") and "DNS_NXDOMAIN" in done.stdout and "Fix:" not in done.stdout


CUT_OR_REPR = re.compile(r"\bNone\b|\b(?i:nan)\b|\[stdout\]|\[stderr\]|…|\.\.\.$|^(True|False)$")


def test_no_value_cell_of_a_runs_pages_is_cut_or_a_python_repr(converged):
    from html import unescape

    bad = {}
    pages = sorted((converged["folder"] / "run1").glob("*.html"))
    for page in pages:
        cells = (unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page.read_text(), re.S))
        found = [c[:120] for c in cells if CUT_OR_REPR.search(c)]
        if found:
            bad[page.name] = found[:5]
    assert len(pages) == 11 and bad == {}
