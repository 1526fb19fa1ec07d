"""The runbook's steps in order. Each step module declares its desired state, state tables and checks."""

from __future__ import annotations

from aksegress.errors import AksegressError
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
from aksegress.steps.spec import StepSpec

__all__ = ["StepSpec", "all_steps", "find_step", "teardown_spec"]

STEPS: tuple[StepSpec, ...] = (
    prerequisites.STEP, hub_and_spokes.STEP, firewall.STEP, route_tables.STEP, firewall_rules.STEP, private_aks.STEP,
    network_role.STEP, cluster_access.STEP, cross_vnet_access.STEP, verify.STEP,
)

TEARDOWN = StepSpec("99", "teardown", "Teardown: remove what this environment created", desired=lambda params, facts: [])


def all_steps() -> list[StepSpec]:
    return list(STEPS)


def teardown_spec() -> StepSpec:
    """Teardown is a step of its own, run by `aksegress teardown`, never by `aksegress run`."""
    return TEARDOWN


def find_step(key: str) -> StepSpec:
    """A step by number (``01``), name (``hub-and-spokes``) or both (``01-hub-and-spokes``)."""
    wanted = key.strip().lower().removesuffix(".ipynb")
    for spec in (*STEPS, TEARDOWN):
        if wanted in (spec.number, spec.name, spec.key, spec.number.lstrip("0") or "0"):
            return spec
    known = ", ".join(s.key for s in STEPS)
    raise AksegressError(f"there is no step {key!r}", hint=f"name one of: {known}")
