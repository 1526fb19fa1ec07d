"""Loading parameter files: the shipped files, YAML errors, every problem at once, no network."""

import socket
from pathlib import Path

import pytest

from aksegress.errors import ParamsError
from aksegress.params import load_params, params_path_for, summary

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


def test_local_yaml_validates_and_reproduces_the_article():
    params = load_params(ROOT / "params" / "local.yaml")
    assert params.target == "emulator"
    assert len(params.subscription_ids()) >= 2
    assert [k for k, _ in params.spokes_with_cluster()] == ["spoke1", "spoke2", "spoke3"]
    assert all(s.test_vm for s in params.spokes.values())
    assert params.hub.vpn_gateway is not None
    assert [(a.from_, a.cluster) for a in params.access] == [("spoke2", "spoke1")]


def test_params_path_for_resolves_params_dir_by_environment(tmp_path):
    assert params_path_for("local", tmp_path) == tmp_path / "params" / "local.yaml"


def test_params_path_for_refuses_an_environment_that_escapes_the_directory(tmp_path):
    with pytest.raises(ParamsError) as caught:
        params_path_for("../etc", tmp_path)
    assert caught.value.problems[0][0] == "env"


def test_azure_example_validates_once_placeholders_are_filled(tmp_path):
    text = (ROOT / "params" / "azure.example.yaml").read_text()
    for i, placeholder in enumerate(["<tenant-guid>", "<connectivity-subscription-guid>",
                                     "<workload-subscription-guid>", "<monitoring-subscription-guid>"]):
        text = text.replace(placeholder, f"00000000-0000-0000-0000-00000000000{i}")
    params = load_params(_write(tmp_path, text.replace("<team>", "platform")))
    assert params.target == "azure"


def test_summary_mentions_every_spoke_and_the_access():
    text = summary(load_params(ROOT / "params" / "local.yaml"))
    for word in ("local", "emulator", "spoke1", "spoke2", "spoke3", "privateaksspoke2", "vm-spoke3", "spoke2 -> spoke1"):
        assert word in text


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    path = _write(tmp_path, "environment: local\nhub:\n  vnet: {name: x\n  bad: [\n")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    (field, message), = caught.value.problems
    assert str(path) in message and "line " in message and "column " in message


def test_a_key_given_twice_is_refused_with_its_line(tmp_path):
    with pytest.raises(ParamsError) as caught:
        load_params(_write(tmp_path, "environment: local\ntarget: emulator\nenvironment: dev\n"))
    assert "'environment' appears twice" in str(caught.value) and "line 3" in str(caught.value)


def test_missing_file_lists_the_files_next_to_it(tmp_path):
    _write(tmp_path, "{}")
    with pytest.raises(ParamsError) as caught:
        load_params(tmp_path / "prod.yaml")
    assert caught.value.problems == [("(file)", "not found; files here: p")]


def test_empty_file_is_a_problem(tmp_path):
    with pytest.raises(ParamsError, match="empty"):
        load_params(_write(tmp_path, "# nothing\n"))


def test_every_problem_is_reported_at_once(data, problems):
    data["tenant_id"] = "not-a-guid"
    data["spokes"]["spoke1"]["subnets"]["vm"] = "10.9.4.0/24"
    data["access"][0]["from"] = "spoke7"
    found = problems(data)
    assert set(found) == {"tenant_id", "spokes.spoke1.subnets.vm", "access[0].from"}


def test_loading_opens_no_network_connection(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load_params tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    load_params(ROOT / "params" / "local.yaml")
