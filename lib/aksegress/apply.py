"""Apply a plan: only its pending changes, independent ones started together, dependants after.

A failure stops the run at the end of the wave it happened in and names what was applied and what
remains; since every write is create-or-update, re-running the step completes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from azure.core.exceptions import HttpResponseError

from aksegress import arm_ids
from aksegress.errors import ApplyError, AzureOperationError
from aksegress.plan import DELETE, Change, Plan


@dataclass
class ApplyResult:
    step: str
    applied: list[Change] = field(default_factory=list)
    started: list[Change] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False

    def __repr__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        if self.skipped:
            return f"{self.step}: apply skipped (plan only)."
        if not self.applied:
            return f"{self.step}: nothing to apply; the target already matches."
        waiting = f" ({len(self.started)} still running in Azure: {', '.join(c.desired.name for c in self.started)})" if self.started else ""
        return f"{self.step}: applied {len(self.applied)} change(s) in {self.seconds:.1f}s{waiting}."

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"action": c.action, "kind": c.desired.kind.label, "name": "/".join(arm_ids.parse(c.desired.id).names) or c.desired.name}
             for c in self.applied],
            columns=["action", "kind", "name"],
        )

    def _repr_html_(self) -> str:
        return f"<p><b>Apply</b>: {self.summary()}</p>" + (self.to_frame().to_html(index=False) if self.applied else "")


def waves(changes: list[Change]) -> list[list[Change]]:
    """Group pending changes so each wave depends only on earlier waves or on what already exists."""
    pending = {c.desired.id.lower(): c for c in changes if c.pending}
    out = []
    while pending:
        ready = [c for c in pending.values() if not any(d.lower() in pending for d in c.desired.depends_on)]
        if not ready:
            raise ValueError("dependency cycle among: " + ", ".join(pending))
        out.append(ready)
        for c in ready:
            pending.pop(c.desired.id.lower())
    return out


def apply_plan(plan: Plan, clients_for: Callable[[str], object], *, on_wait: Callable[[str], None] | None = None) -> ApplyResult:
    """Carry out ``plan``'s pending changes; raises ``ApplyError`` naming what remains on failure."""
    started = time.monotonic()
    result = ApplyResult(plan.step)
    all_waves = waves(plan.changes)
    for index, wave in enumerate(all_waves):
        running = []
        for change in wave:
            clients = clients_for(arm_ids.parse(change.desired.id).subscription)
            try:
                if change.action == DELETE:
                    running.append((change, change.desired.kind.delete(clients, change.desired.id)))
                else:
                    running.append((change, change.desired.kind.put(clients, change.desired.id, change.body_to_send())))
            except HttpResponseError as exc:
                running.append((change, _raiser(exc)))
        if on_wait:
            on_wait(", ".join(c.desired.name for c, _ in running))
        failures = []
        for change, wait in running:
            try:
                if change.desired.wait:
                    wait()
                else:
                    result.started.append(change)
                result.applied.append(change)
            except HttpResponseError as exc:
                failures.append((change, exc))
        if failures:
            change, exc = failures[0]
            remaining = [c.desired.id for w in all_waves[index:] for c in w if c not in result.applied]
            cause = azure_error(exc, change.desired.id)
            raise ApplyError(
                f"{plan.step}: {change.action} of {change.desired.kind.label} '{change.desired.name}' failed: {cause.message}"
                f" ({len(result.applied)} change(s) applied, {len(remaining)} remaining)",
                applied=[c.desired.id for c in result.applied], remaining=remaining, cause=cause,
                hint=cause.hint,
            )
    result.seconds = time.monotonic() - started
    return result


def azure_error(exc: HttpResponseError, resource_id: str | None = None) -> AzureOperationError:
    """ARM's error as the library's exception: the code, ARM's message, and the next action its code calls for."""
    code = getattr(getattr(exc, "error", None), "code", None)
    message = getattr(getattr(exc, "error", None), "message", None) or str(exc).splitlines()[0]
    return AzureOperationError(f"({code}) {message}" if code else message, code=code, resource_id=resource_id)


def _raiser(exc: Exception) -> Callable[[], None]:
    def wait() -> None:
        raise exc
    return wait
