"""The `aksegress doctor` entry point over a folder of ARM JSON."""

import json

from aksegress.cli.doctor import doctor_main
from tests.netmodel.estate import article


def _folder(tmp_path, estate):
    for i, resource in enumerate(estate.resources):
        (tmp_path / f"{i:03}.json").write_text(json.dumps(resource))
    return str(tmp_path)


def test_a_failing_flow_exits_one_and_prints_the_disposition_and_fix(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, article()), "--from", "vm-spoke2", "--to", "cluster:privateaksspoke1"])
    out = capsys.readouterr().out
    assert code == 1 and "DNS_NXDOMAIN" in out and "Fix: link zone" in out


def test_spoke_names_map_to_vnets_and_json_output_holds_the_verdict(tmp_path, capsys):
    folder = _folder(tmp_path, article(link_spoke2=True))
    code = doctor_main(["--snapshot", folder, "--from", "spoke2", "--to", "cluster:privateaksspoke1", "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 1 and verdict["disposition"] == "DENIED_BY_FIREWALL" and verdict["hops"][1]["type"] == "VirtualAppliance"


def test_a_delivered_flow_exits_zero(tmp_path):
    folder = _folder(tmp_path, article())
    assert doctor_main(["--snapshot", folder, "--from", "vm-spoke1", "--to", "cluster:privateaksspoke1"]) == 0


def test_matrix_exits_one_when_any_cell_fails(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, article()), "--matrix", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and len(doc["matrix"]) == 3 and doc["all_delivered"] is False


def test_an_unknown_source_is_a_usage_error(tmp_path, capsys):
    assert doctor_main(["--snapshot", _folder(tmp_path, article()), "--from", "nowhere", "--to", "10.1.0.4"]) == 2
    assert "nowhere" in capsys.readouterr().err
