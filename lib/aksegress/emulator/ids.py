"""ARM resource ids and paths: what a request path names (resource, collection, fixed route)."""

from __future__ import annotations

from dataclasses import dataclass

from aksegress.emulator.errors import ArmError


@dataclass
class ArmPath:
    """A parsed ARM path: kind is 'resource', 'collection', or one of the fixed routes."""

    kind: str
    sub: str = ""
    rg: str | None = None
    scope: str = ""           # the id everything in `tail` hangs under
    namespace: str = ""
    types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    op_id: str = ""

    @property
    def full_type(self) -> str:
        return "/".join((self.namespace,) + self.types)

    @property
    def id(self) -> str:
        tail = [x for pair in zip(self.types, self.names) for x in pair]
        return "/".join([self.scope, "providers", self.namespace] + tail)

    @property
    def parent_id(self) -> str:
        depth = len(self.types) - 1
        if depth == 0:
            return self.scope
        tail = [x for pair in zip(self.types[:depth], self.names[:depth]) for x in pair]
        return "/".join([self.scope, "providers", self.namespace] + tail)


_OPERATION_SEGMENTS = {"operations", "operationresults", "asyncoperations", "operationstatuses"}
_GROUP_OPERATION_SEGMENTS = {"privatednsoperationstatuses", "privatednsoperationresults"}  # polled under a resource group


def parse_path(path: str) -> ArmPath:
    """Split an ARM path into what it names; raise ArmError(404) for paths ARM would not route."""
    segs = [s for s in path.split("/") if s]
    low = [s.lower() for s in segs]
    if not segs or low[0] not in ("subscriptions", "providers"):
        raise ArmError(404, "NotFound", f"No route for '{path}'.")
    if low[0] == "providers":
        if len(segs) < 3:
            raise ArmError(404, "NotFound", f"No route for '{path}'.")
        types, names = tuple(segs[2::2]), tuple(segs[3::2])
        return ArmPath("resource" if len(types) == len(names) else "collection", namespace=segs[1], types=types, names=names)
    if len(segs) == 1:
        return ArmPath("subscriptions")
    sub, rest = segs[1], low[2:]
    if not rest:
        return ArmPath("subscription", sub=sub)
    if rest == ["resourcegroups"]:
        return ArmPath("resourceGroups", sub=sub)
    if rest == ["resources"]:
        return ArmPath("genericList", sub=sub)
    rg = segs[3] if rest[0] == "resourcegroups" else None
    if rest[0] == "resourcegroups" and len(rest) == 2:
        return ArmPath("resourceGroup", sub=sub, rg=rg)
    if rest[0] == "resourcegroups" and rest[2:] == ["resources"]:
        return ArmPath("genericList", sub=sub, rg=rg)
    if rest[0] == "providers" and len(rest) == 6 and rest[2] == "locations" and rest[4] in _OPERATION_SEGMENTS:
        return ArmPath("operation", sub=sub, namespace=segs[3], op_id=segs[7])
    if rest[0] == "resourcegroups" and len(rest) == 6 and rest[2] == "providers" and rest[4] in _GROUP_OPERATION_SEGMENTS:
        return ArmPath("operation", sub=sub, rg=rg, namespace=segs[5], op_id=segs[7])
    last = max((i for i, s in enumerate(low) if s == "providers" and i >= 2), default=-1)
    if last < 0 or len(segs) < last + 3:
        raise ArmError(404, "NotFound", f"No route for '{path}'.")
    tail = segs[last + 2:]
    types, names = tuple(tail[0::2]), tuple(tail[1::2])
    kind = "resource" if len(types) == len(names) else "collection"
    return ArmPath(kind, sub=sub, rg=rg, scope="/" + "/".join(segs[:last]), namespace=segs[last + 1], types=types, names=names)


def type_of(resource_id: str) -> str:
    """The full ARM type of a resource id, e.g. Microsoft.Network/virtualNetworks/subnets."""
    arm_path = parse_path(resource_id)
    return arm_path.full_type
