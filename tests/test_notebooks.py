"""The notebooks follow one template: the same parameters cell, one bootstrap cell opening their own step, thin cells after."""

import ast
import json
from pathlib import Path

import pytest

from aksegress.notebook_template import bootstrap_call, parameter_names, parameters, parameters_source
from aksegress.steps import find_step

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MODE_ARGUMENTS = ("env=", "params_file=", "plan_only=", "run_dir=", "interactive=", "auto_apply=", "yes=")


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _opener_call(cell: dict) -> ast.Call:
    calls = [node for node in ast.walk(ast.parse(_source(cell))) if isinstance(node, ast.Call)
             and getattr(node.func, "id", "") in ("open_step", "open_teardown")]
    assert len(calls) == 1, _source(cell)
    return calls[0]


def test_there_is_a_notebook_for_every_step_and_the_teardown():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "99"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_first_code_cell_is_the_parameters_cell_of_the_template(path):
    first = _code_cells(path)[0]
    assert "parameters" in first["metadata"].get("tags", [])
    assert _source(first) == parameters_source(path.name[:2])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_only_the_first_code_cell_is_tagged_parameters(path):
    tagged = [c for c in _code_cells(path) if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_bootstrap_cell_opens_the_step_the_notebook_is_named_after(path):
    call = _opener_call(_code_cells(path)[1])
    key = ast.literal_eval(call.args[0])
    assert find_step(key).notebook == path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_bootstrap_cell_passes_every_mode_parameter_as_the_template_says(path):
    assert _source(_code_cells(path)[1]).splitlines()[-1] == bootstrap_call(path.name[:2])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_later_cells_pass_no_mode_argument_and_open_nothing(path):
    later = [_source(c) for c in _code_cells(path)[2:]]
    assert [s for s in later if any(a in s for a in MODE_ARGUMENTS) or "open_step(" in s or "open_teardown(" in s] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_extra_parameter_is_used_by_a_later_cell(path):
    key = path.name[:2]
    later = "\n".join(_source(c) for c in _code_cells(path)[2:])
    unused = [p.name for p in parameters(key) if not p.opens and p.name not in later]
    assert unused == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_keeps_outputs_or_an_execution_count(path):
    assert [c.get("id") for c in _code_cells(path) if c.get("outputs") or c.get("execution_count") is not None] == []


def test_the_steps_that_check_a_flow_take_its_source_and_target_and_the_teardown_its_confirmation():
    assert {"check_source", "check_destination"} <= set(parameter_names("08")) & set(parameter_names("09"))
    assert "yes" in parameter_names("99") and "auto_apply" not in parameter_names("99")
