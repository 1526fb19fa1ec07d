"""The repository keeps its promises to newcomers: pinned, agreeing dependency lists and clean notebooks."""

import json
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    return {line.split("==")[0].strip().lower(): line.split("==")[1].strip() for line in lines if "==" in line}


def test_every_dependency_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    loose = [d for d in project["dependencies"] + project["optional-dependencies"]["test"] if "==" not in d]
    assert loose == []


def test_environment_yml_and_pyproject_list_the_same_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_pins = _pins(project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert _pins(conda_pip) == pip_pins


def test_environment_yml_asks_for_the_python_pyproject_requires():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"].startswith(">=3.11")


def test_committed_notebooks_carry_no_outputs_or_execution_counts():
    dirty = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count")):
                dirty.append(path.name)
                break
    assert dirty == []


def test_every_notebook_has_a_parameters_cell_with_env():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, path.name
        assert "env =" in "".join(tagged[0]["source"]), path.name


def test_every_step_has_its_notebook():
    from aksegress.steps import all_steps

    missing = [s.notebook for s in all_steps() if not (ROOT / "notebooks" / s.notebook).exists()]
    assert missing == []


def test_outputs_are_ignored_by_git():
    ignore = (ROOT / ".gitignore").read_text().splitlines()
    assert "outputs/*" in ignore


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
