"""Read what exists, with one list call per parent and type rather than one GET per resource."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aksegress import arm_ids
from aksegress.kinds import kind_of
from aksegress.reads import Reads


def observe(resource_ids: Iterable[str], clients_for: Callable[[str], object], reads: Reads | None = None) -> dict[str, dict | None]:
    """Map each id (lower-cased) to its ARM body, or None when it does not exist; lists already in ``reads`` are not sent again."""
    reads = reads or Reads()
    wanted = {rid.lower(): rid for rid in resource_ids}
    by_scope: dict[tuple[str, str], list[str]] = {}
    for rid in wanted.values():
        parsed = arm_ids.parse(rid)
        scope = str(parsed.parent()) if parsed.chain else f"/subscriptions/{parsed.subscription}"
        by_scope.setdefault((scope.lower(), parsed.arm_type.lower()), []).append(rid)
    found: dict[str, dict | None] = {key: None for key in wanted}
    for (scope, arm_type), ids in by_scope.items():
        sample = ids[0]
        subscription = arm_ids.parse(sample).subscription
        clients = clients_for(subscription)
        for body in reads.listed(subscription, scope, arm_type, lambda: kind_of(sample).list_siblings(clients, sample)):
            key = (body.get("id") or "").lower()
            if key in found:
                found[key] = body
    return found
