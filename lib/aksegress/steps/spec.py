"""What a step is: the resources it owns, the tables it shows, the checks it makes. Step modules import it from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aksegress.checks import Verdict
from aksegress.plan import Desired

__all__ = ["StepSpec"]


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
    ahead: Callable[[object, object], list[Desired]] | None = None
    """The part of ``desired`` that needs no fact the step waits for (a cluster not yet built): what a change request
    for an existing hub can already ask for."""
    retired: Callable[[object, object], list[str]] | None = None
    """Ids (from the params and facts) of resources the step makes only for params entries that are now gone: deleted
    when this environment made them."""

    @property
    def key(self) -> str:
        return f"{self.number}-{self.name}"

    @property
    def notebook(self) -> str:
        return f"{self.key}.ipynb"
