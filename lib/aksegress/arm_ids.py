"""Azure resource ids: build them, parse them, compare them the way ARM does (case-insensitively)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceId:
    """A parsed ARM id: subscription, resource group, provider namespace and the (type, name) chain."""

    subscription: str
    resource_group: str | None
    namespace: str | None
    chain: tuple[tuple[str, str], ...]
    scope: str | None = None

    @property
    def name(self) -> str:
        return self.chain[-1][1] if self.chain else (self.resource_group or self.subscription)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for _, n in self.chain)

    @property
    def arm_type(self) -> str:
        if not self.chain:
            return "Microsoft.Resources/resourceGroups" if self.resource_group else "Microsoft.Resources/subscriptions"
        return "/".join([self.namespace or ""] + [t for t, _ in self.chain])

    def parent(self) -> "ResourceId":
        if self.scope and len(self.chain) == 1:
            return parse(self.scope)
        return ResourceId(self.subscription, self.resource_group, self.namespace, self.chain[:-1], self.scope)

    def __str__(self) -> str:
        if self.scope:
            return f"{self.scope}/providers/{self.namespace}" + "".join(f"/{t}/{n}" for t, n in self.chain)
        out = f"/subscriptions/{self.subscription}"
        if self.resource_group:
            out += f"/resourceGroups/{self.resource_group}"
        if self.chain:
            out += f"/providers/{self.namespace}" + "".join(f"/{t}/{n}" for t, n in self.chain)
        return out


def parse(resource_id: str) -> ResourceId:
    """Parse ``/subscriptions/S/resourceGroups/G/providers/NS/type/name[/child/name...]``.

    An extension resource (``{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}``) keeps its
    scope, and takes its subscription and resource group from it.
    """
    lowered = resource_id.lower()
    first = lowered.find("/providers/")
    last = lowered.rfind("/providers/")
    if first != -1 and last != first:
        scope = parse(resource_id[:last])
        tail = resource_id[last:].strip("/").split("/")[1:]
        chain = tuple((tail[i], tail[i + 1]) for i in range(1, len(tail) - 1, 2))
        return ResourceId(scope.subscription, scope.resource_group, tail[0], chain, resource_id[:last])
    parts = [p for p in resource_id.strip("/").split("/") if p]
    if len(parts) < 2 or parts[0].lower() != "subscriptions":
        raise ValueError(f"not an Azure resource id: {resource_id!r}")
    sub, rg, ns, chain = parts[1], None, None, []
    rest = parts[2:]
    if rest[:1] and rest[0].lower() == "resourcegroups":
        rg, rest = rest[1], rest[2:]
    if rest[:1] and rest[0].lower() == "providers":
        ns, rest = rest[1], rest[2:]
        if len(rest) % 2:
            raise ValueError(f"resource id has a type without a name: {resource_id!r}")
        chain = [(rest[i], rest[i + 1]) for i in range(0, len(rest), 2)]
    return ResourceId(sub, rg, ns, tuple(chain))


def resource_group_id(subscription: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}"


def resource_id(subscription: str, resource_group: str, namespace: str, *type_name_pairs: str) -> str:
    """``resource_id(s, g, "Microsoft.Network", "virtualNetworks", "v", "subnets", "a")``."""
    tail = "/".join(type_name_pairs)
    return f"{resource_group_id(subscription, resource_group)}/providers/{namespace}/{tail}"


def same(a: str | None, b: str | None) -> bool:
    """ARM compares ids without regard to case."""
    return (a or "").rstrip("/").lower() == (b or "").rstrip("/").lower()
