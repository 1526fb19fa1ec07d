"""The command line a user meets: `aksegress validate` and bad input refused before any request."""

from pathlib import Path

import yaml

from tests.runbook.conftest import REPO, aksegress


def _broken_params(tmp_path: Path) -> Path:
    data = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    data["tenant_id"] = "not-a-guid"
    data["spokes"]["spoke1"]["subnets"]["aks"] = "10.9.0.0/22"
    data["hub"]["subnets"]["AzureFirewallSubnet"] = "10.0.1.0/27"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_validate_prints_a_summary_and_exits_0_for_a_valid_file(project):
    done = aksegress("validate", "--params", str(REPO / "params" / "local.yaml"), cwd=project)
    assert done.returncode == 0
    assert "spoke2" in done.stdout and "access" in done.stdout


def test_validate_prints_every_problem_with_its_field_and_exits_1(tmp_path, project):
    done = aksegress("validate", "--params", str(_broken_params(tmp_path)), cwd=project)
    assert done.returncode == 1
    for field in ("tenant_id", "spokes.spoke1.subnets.aks", "hub.subnets.AzureFirewallSubnet"):
        assert field in done.stderr


def test_run_with_bad_params_sends_no_request_to_the_emulator(tmp_path, emulator, project):
    done = aksegress("run", "--params", str(_broken_params(tmp_path)), "--connection-file", str(tmp_path / "arm.json"),
                     "--output", str(tmp_path / "run"), cwd=project)
    assert done.returncode == 1
    assert "tenant_id" in done.stderr
    counts = emulator.counters()
    assert counts["reads"] == 0 and counts["writes"] == 0
    assert not (tmp_path / "run").exists()


def test_an_unknown_step_name_lists_the_steps(project):
    done = aksegress("run", "--env", "local", "--from", "42", "--plan", cwd=project)
    assert done.returncode == 1
    assert "01-hub-and-spokes" in done.stderr


def test_an_unknown_step_is_a_short_error_not_a_traceback(project):
    done = aksegress("run", "--env", "local", "--from", "42", "--plan", cwd=project)
    assert "Traceback" not in done.stderr


def test_a_reversed_step_range_is_an_error_naming_both_steps(project):
    done = aksegress("run", "--env", "local", "--from", "08", "--to", "03", "--plan", cwd=project)
    assert done.returncode == 1
    assert "08-cross-vnet-access" in done.stderr and "03-route-tables" in done.stderr and "Next:" in done.stderr


def test_every_help_says_what_it_does_and_its_exit_codes(project):
    top = aksegress("--help", cwd=project)
    assert top.returncode == 0 and "exit codes:" in top.stdout and "``" not in top.stdout
    for command in ("validate", "run", "teardown"):
        done = aksegress(command, "--help", cwd=project)
        assert done.returncode == 0 and "exit codes:" in done.stdout, command
    emulator = aksegress("emulator", "--help", cwd=project)
    assert emulator.returncode == 0 and "aksegress emulator serve" in emulator.stdout
