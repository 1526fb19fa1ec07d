"""The runbook's steps in order. Each step module declares its desired state, state tables and checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from aksegress.checks import Verdict
from aksegress.errors import AksegressError
from aksegress.plan import Desired


@dataclass(frozen=True)
class StepSpec:
    """What one notebook does: the resources it owns, the tables it shows, the checks it makes."""

    number: str
    name: str
    title: str
    desired: Callable[[object], list[Desired]]
    tables: dict[str, Callable] = field(default_factory=dict)
    checks: Callable[[object, dict], list[Verdict]] | None = None

    @property
    def key(self) -> str:
        return f"{self.number}-{self.name}"

    @property
    def notebook(self) -> str:
        return f"{self.key}.ipynb"


def all_steps() -> list[StepSpec]:
    from aksegress.steps import hub_and_spokes, prerequisites

    return [prerequisites.STEP, hub_and_spokes.STEP]


def find_step(key: str) -> StepSpec:
    """A step by number (``01``), name (``hub-and-spokes``) or both (``01-hub-and-spokes``)."""
    wanted = key.strip().lower().removesuffix(".ipynb")
    for spec in all_steps():
        if wanted in (spec.number, spec.name, spec.key, spec.number.lstrip("0") or "0"):
            return spec
    known = ", ".join(s.key for s in all_steps())
    raise AksegressError(f"there is no step {key!r}", hint=f"name one of: {known}")
