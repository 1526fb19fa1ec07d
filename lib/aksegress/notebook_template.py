"""The one template of every notebook's first code cells: the papermill ``parameters`` cell and the bootstrap cell.

Each notebook keeps a literal copy (papermill reads the tagged cell as written); ``tests/test_notebooks.py``
holds the copies to this template. Parameters every notebook shares are listed once, with the extra ones a
step declares beside its key.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["bootstrap_call", "parameter_names", "parameters_source"]


class Parameter(NamedTuple):
    name: str
    default: str
    comment: str
    opens: bool = True
    """Passed to the bootstrap's opener (the step's mode); False for one a later cell uses."""


COMMON = (
    Parameter("env", '"local"', "which params/<env>.yaml to use"),
    Parameter("params_file", '""', "or an explicit params file path"),
    Parameter("plan_only", "False", "True: show the plan, change nothing"),
    Parameter("run_dir", '""', "set by `aksegress run` (or `teardown`): where this run keeps its record"),
)
"""Every notebook's parameters, set by the runner."""

STEP_MODE = (
    Parameter("interactive", "None", "None: a person decides in Lab (make lab); False: headless, parameters decide"),
    Parameter("auto_apply", "True", "headless: apply the plan (False: show it and write nothing)"),
)
"""How a runbook step's decisions are taken; the teardown has its own confirmation instead."""

_CHECK = (
    Parameter("check_source", '""', "connectivity check from (a VM or VNet); empty: the first access entry", opens=False),
    Parameter("check_destination", '""', "connectivity check to (cluster:NAME, a VM or an IP); empty: the first access entry", opens=False),
)
_PROBES = (Parameter("fresh_probes", "False", "True: probe again even where an earlier run's result still holds"),)
TEARDOWN_KEY = "99"
EXTRA: dict[str, tuple[Parameter, ...]] = {
    "07": _PROBES,
    "08": _PROBES + _CHECK,
    "09": _CHECK,
    TEARDOWN_KEY: (Parameter("yes", "False", "True: confirmed, delete"),),
}
"""Parameters only some notebooks have, by step number; later cells of that notebook use them."""


def parameters(key: str) -> tuple[Parameter, ...]:
    """The parameters of the notebook of step ``key`` (its number, e.g. ``08``), in cell order."""
    return COMMON + (() if key == TEARDOWN_KEY else STEP_MODE) + EXTRA.get(key, ())


def parameter_names(key: str) -> list[str]:
    return [p.name for p in parameters(key)]


def parameters_source(key: str) -> str:
    """The text of the notebook's ``parameters`` cell, comments aligned alike in every notebook."""
    everyone = (*COMMON, *STEP_MODE, *(p for extra in EXTRA.values() for p in extra))
    width = max(len(f"{p.name} = {p.default}") for p in everyone)
    return "\n".join(f"{f'{p.name} = {p.default}':<{width}}  # {p.comment}" for p in parameters(key))


def bootstrap_call(key: str) -> str:
    """The bootstrap statement: the step opened with every mode argument, so later cells need none."""
    variable, opener = ("teardown", "open_teardown") if key == TEARDOWN_KEY else ("step", "open_step")
    arguments = ", ".join(f"{p.name}={p.name}" for p in parameters(key) if p.opens)
    return f'{variable} = {opener}("{key}", {arguments})'
