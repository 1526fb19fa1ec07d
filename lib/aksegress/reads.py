"""One consistent read of the estate per step: each list call (parent scope and type) is sent once and its answer
shared by the plan, the tables, the checks and the connectivity model, until a write changes what exists."""

from __future__ import annotations

from collections.abc import Callable


class Reads:
    """List answers keyed by subscription, parent scope and ARM type (case-insensitive); a failed call is not kept."""

    def __init__(self):
        self._lists: dict[tuple[str, ...], list[dict]] = {}

    def listed(self, subscription: str, scope: str, arm_type: str, call: Callable[[], list[dict]]) -> list[dict]:
        key = (subscription.lower(), scope.lower().rstrip("/"), arm_type.lower())
        if key not in self._lists:
            self._lists[key] = call()
        return self._lists[key]

    def forget(self) -> None:
        """Drop every answer: the next read goes to ARM again (after a write, or when a person asks for a fresh plan)."""
        self._lists.clear()
