"""Lab works on per-environment working copies, and a tracked notebook is saved as git keeps it."""

import json
import shutil

from aksegress.ui.lab import lab_copies, prepare_lab, strip_tracked_outputs
from tests.conftest import REPO


def _project(tmp_path):
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    shutil.copytree(REPO / "params", tmp_path / "params")
    return tmp_path


def test_lab_gets_a_copy_of_every_step_under_the_environments_outputs_with_the_environment_injected(tmp_path):
    root = _project(tmp_path)
    prepare_lab("local", root)
    copies = sorted(p.name for p in lab_copies("local", root).glob("*.ipynb"))
    assert copies == sorted(p.name for p in (root / "notebooks").glob("*.ipynb"))
    cells = json.loads((lab_copies("local", root) / "00-prerequisites.ipynb").read_text())["cells"]
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and 'env = "local"' in "".join(injected[0]["source"])


def test_preparing_again_keeps_the_copies_a_person_has_worked_in(tmp_path):
    root = _project(tmp_path)
    prepare_lab("local", root)
    assert prepare_lab("local", root) == []


def test_the_tracked_notebooks_are_left_as_they_were(tmp_path):
    root = _project(tmp_path)
    before = {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")}
    prepare_lab("local", root)
    assert {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")} == before


def _executed():
    return {"type": "notebook", "content": {
        "cells": [{"cell_type": "code", "execution_count": 3, "metadata": {"execution": {"x": 1}}, "outputs": [{"output_type": "stream"}],
                   "source": "1"}],
        "metadata": {"widgets": {"state": {}}, "language_info": {"name": "python", "version": "3.11.2"}}}}


def test_saving_a_tracked_notebook_drops_outputs_run_state_and_kernel_details():
    model = _executed()
    strip_tracked_outputs(model, "notebooks/00-prerequisites.ipynb")
    cell = model["content"]["cells"][0]
    assert (cell["outputs"], cell["execution_count"], cell["metadata"]) == ([], None, {})
    assert model["content"]["metadata"] == {"language_info": {"name": "python"}}


def test_saving_a_working_copy_keeps_its_outputs():
    model = _executed()
    strip_tracked_outputs(model, "outputs/local/lab/00-prerequisites.ipynb")
    assert model == _executed()
