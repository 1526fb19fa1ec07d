"""A parameters file is read as strict YAML: bounded aliases, UTF-8 only, merge keys with the mapping's own keys winning."""

import time
import tracemalloc

import pytest
import yaml

from aksegress.errors import ParamsError
from aksegress.params import load_params
from tests.params.conftest import ROOT

LOCAL = (ROOT / "params" / "local.yaml").read_text()


def _problems(path) -> dict[str, str]:
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    return dict(caught.value.problems)


def _alias_bomb() -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return LOCAL + "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_within_5_seconds_and_100_mb_without_echoing_it(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_alias_bomb())
    tracemalloc.start()
    started = time.monotonic()
    try:
        found = _problems(path)
        elapsed, peak = time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 5 and peak < 100 * 1024 * 1024
    assert "once its aliases (*name) are followed" in found["(yaml aliases)"] and "lol" not in found["(yaml aliases)"]


def test_an_alias_that_contains_itself_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(LOCAL + "loop: &loop [*loop]\n")
    assert "aliases" in _problems(path)["(yaml aliases)"]


def test_a_file_in_windows_1252_is_refused_naming_the_encoding(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(LOCAL.replace("owner: platform", "owner: équipe").encode("cp1252"))
    message = _problems(path)["(file)"]
    assert "is not UTF-8" in message and "Windows-1252" in message and "save it as UTF-8" in message


def test_a_file_in_utf16_is_refused_naming_the_encoding(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes(LOCAL.encode("utf-16"))
    assert "UTF-16 LE" in _problems(path)["(file)"]


def test_a_utf8_file_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + LOCAL.encode())
    assert load_params(path).environment == "local"


def test_merge_keys_are_supported_and_the_mappings_own_keys_win(tmp_path):
    data = yaml.safe_load(LOCAL)
    text = LOCAL.replace("  spoke1:", "  spoke1: &base", 1)
    path = tmp_path / "merge.yaml"
    path.write_text(text.replace("  spoke2:", "  spoke0:\n    <<: *base\n    resource_group: rg-spoke0\n"
                                 "    vnet: {name: vnet-spoke0, address_space: [10.9.0.0/16]}\n"
                                 "    subnets: {aks: 10.9.0.0/22, vm: 10.9.4.0/24}\n  spoke2:", 1))
    spokes = load_params(path).spokes
    assert spokes["spoke0"].cluster == spokes["spoke1"].cluster and spokes["spoke0"].resource_group == "rg-spoke0"
    assert data["spokes"]["spoke1"]["resource_group"] == spokes["spoke1"].resource_group


def test_node_count_yes_in_yaml_is_not_one(tmp_path):
    path = tmp_path / "yes.yaml"
    path.write_text(LOCAL.replace("      node_count: 1", "      node_count: yes", 1))
    assert "valid integer" in _problems(path)["spokes.spoke1.cluster.node_count"]
