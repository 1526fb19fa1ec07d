"""The runbook's steps in order. Each step module declares its desired state, state tables and checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aksegress.checks import Verdict
from aksegress.errors import AksegressError
from aksegress.plan import Desired


@dataclass(frozen=True)
class StepSpec:
    """What one notebook does: the resources it owns, the tables it shows, the checks it makes."""

    number: str
    name: str
    title: str
    desired: Callable[[object, object], list[Desired]]
    tables: dict[str, Callable] = field(default_factory=dict)
    checks: Callable[[object], list[Verdict]] | None = None
    precheck: Callable[[object, object], None] | None = None

    @property
    def key(self) -> str:
        return f"{self.number}-{self.name}"

    @property
    def notebook(self) -> str:
        return f"{self.key}.ipynb"


def all_steps() -> list[StepSpec]:
    from aksegress.steps import (
        cluster_access,
        cross_vnet_access,
        firewall,
        firewall_rules,
        hub_and_spokes,
        network_role,
        prerequisites,
        private_aks,
        route_tables,
        verify,
    )

    return [prerequisites.STEP, hub_and_spokes.STEP, firewall.STEP, route_tables.STEP, firewall_rules.STEP, private_aks.STEP,
            network_role.STEP, cluster_access.STEP, cross_vnet_access.STEP, verify.STEP]


def teardown_spec() -> StepSpec:
    """Teardown is a step of its own, run by `aksegress teardown`, never by `aksegress run`."""
    return StepSpec("99", "teardown", "Teardown: remove what this environment created", desired=lambda params, facts: [])


def find_step(key: str) -> StepSpec:
    """A step by number (``01``), name (``hub-and-spokes``) or both (``01-hub-and-spokes``)."""
    wanted = key.strip().lower().removesuffix(".ipynb")
    for spec in all_steps() + [teardown_spec()]:
        if wanted in (spec.number, spec.name, spec.key, spec.number.lstrip("0") or "0"):
            return spec
    known = ", ".join(s.key for s in all_steps())
    raise AksegressError(f"there is no step {key!r}", hint=f"name one of: {known}")
