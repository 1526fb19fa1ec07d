"""Plans: what a step wants, compared with what exists, in the spirit of ``terraform plan``.

Only the fields a step declares are compared and written: everything else on a resource (set by Azure,
by another step or by hand) is left as it is. A re-run whose plan is all ``unchanged`` writes nothing.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aksegress import arm_ids
from aksegress.kinds import Kind, kind_of

CREATE, UPDATE, UNCHANGED, DELETE = "create", "update", "unchanged", "delete"
NOT_CREATED_HERE = "exists (not created here)"
REQUESTED = "requested of the hub owners"
"""A write in an existing hub the params do not let the environment make: it goes into the change request instead."""
_SYMBOL = {CREATE: "+", UPDATE: "~", UNCHANGED: "=", DELETE: "-", NOT_CREATED_HERE: "!", REQUESTED: ">"}
_COLOUR = {CREATE: "#e8f6e8", UPDATE: "#fff6d5", UNCHANGED: "", DELETE: "#fdecea", NOT_CREATED_HERE: "#f3e5f5", REQUESTED: "#e3f2fd"}


@dataclass(frozen=True)
class Desired:
    """A resource as a step wants it: its id, the ARM body fields the step owns, and what it waits for.

    ``create_only`` fields are sent when the resource is created and never compared afterwards (Azure does
    not echo some of them, e.g. a VM's SSH settings); ``wait=False`` starts a long create without waiting
    for it (a VPN gateway takes the better part of an hour); ``replace`` sends ``body`` as the whole
    resource, for the rare write that must remove a field (detaching a route table from a subnet); ``label`` is
    how a person reads it where its id says little (a role assignment's GUID); ``exclusive`` says the step owns
    every entry of the resource's named lists (its own firewall rule collection groups), so entries it no longer
    wants are drift and are removed, where otherwise entries others added (a route, an IP configuration) are kept.
    """

    id: str
    body: dict
    depends_on: tuple[str, ...] = ()
    create_only: dict | None = None
    wait: bool = True
    replace: bool = False
    label: str | None = None
    exclusive: bool = False

    @property
    def kind(self) -> Kind:
        return kind_of(self.id)

    @property
    def name(self) -> str:
        return arm_ids.parse(self.id).name

    @property
    def readable_name(self) -> str:
        """``vnet-spoke1/aks`` rather than ``aks``: the name chain under the resource group, or the label."""
        rid = arm_ids.parse(self.id)
        return self.label or "/".join(rid.names) or rid.name


@dataclass(frozen=True)
class FieldDiff:
    path: str
    observed: Any
    desired: Any

    def __str__(self) -> str:
        return f"{self.path}: {_whole(self.observed)} -> {_whole(self.desired)}"


@dataclass
class Change:
    action: str
    desired: Desired
    observed: dict | None = None
    diffs: list[FieldDiff] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """A write this change asks for; for a resource not created here, one apply refuses to make; in an existing hub,
        one the hub's owners are asked to make."""
        return self.action in (CREATE, UPDATE, DELETE, REQUESTED) or (self.action == NOT_CREATED_HERE and bool(self.diffs))

    @property
    def tags_only(self) -> bool:
        """An update whose only differences are tags: apply merges them with ARM's tags operation instead of a PUT of
        the whole resource, so nothing else on it is rewritten (docs/arm-wire-format.md#91-the-tags-operation)."""
        return (self.action == UPDATE and self.desired.kind.tagged and bool(self.diffs)
                and all(d.path == "tags" or d.path.startswith("tags.") for d in self.diffs))

    @property
    def operation(self) -> str | None:
        """How apply writes it: ``tags`` (the tags operation), ``put``, ``delete``; None when nothing is written."""
        if not self.pending or self.action == NOT_CREATED_HERE:
            return None
        return "delete" if self.action == DELETE else "tags" if self.tags_only else "put"

    def to_dict(self, step: str) -> dict:
        """The change as plan.json lists it, with full before and after values and the operation apply sends."""
        return {"step": step, "action": self.action, "operation": self.operation, "type": self.desired.kind.label, "id": self.desired.id,
                "name": self.desired.readable_name,
                "diff": [{"path": d.path, "before": d.observed, "after": d.desired} for d in self.diffs]
                        or ([{"path": "(body)", "before": None, "after": self.desired.body}]
                            if self.action == CREATE or (self.action == REQUESTED and self.observed is None) else [])
                        or ([{"path": "(body)", "before": self.observed, "after": None}] if self.action == DELETE else [])}

    def body_to_send(self) -> dict:
        """The full body to PUT: what exists, with the step's fields laid over it."""
        if self.desired.replace:
            return self.desired.body
        if self.observed is None:
            return merge(self.desired.body, self.desired.create_only or {})
        base = {k: v for k, v in self.observed.items() if k not in ("etag",)}
        return merge(base, self.desired.body, exclusive=self.desired.exclusive)


@dataclass
class Plan:
    step: str
    changes: list[Change]
    notes: list[str] = field(default_factory=list)
    impact: Any = None

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.pending]

    @property
    def requested(self) -> list[Change]:
        """The changes only the hub's owners may make (apply leaves them to the change request)."""
        return [c for c in self.changes if c.action == REQUESTED]

    def counts(self) -> dict[str, int]:
        return {a: sum(c.action == a for c in self.changes) for a in (CREATE, UPDATE, DELETE, UNCHANGED, NOT_CREATED_HERE, REQUESTED)}

    def __repr__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        n = self.counts()
        foreign = f" {n[NOT_CREATED_HERE]} existed already (not created here)." if n[NOT_CREATED_HERE] else ""
        if not self.pending:
            return f"{self.step}: no changes. {n[UNCHANGED]} resource(s) already match.{foreign}"
        parts = [f"{n[a]} to {a}" for a in (CREATE, UPDATE, DELETE) if n[a]] + ([f"{n[REQUESTED]} {REQUESTED}"] if n[REQUESTED] else [])
        return f"{self.step}: {', '.join(parts) or 'no writes'}, {n[UNCHANGED]} unchanged.{foreign}"

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for c in self.changes:
            rid = arm_ids.parse(c.desired.id)
            rows.append({
                "action": f"{_SYMBOL[c.action]} {c.action}" + (" (tags only)" if c.tags_only else ""),
                "kind": c.desired.kind.label,
                "name": c.desired.readable_name,
                "resource group": rid.resource_group,
                "subscription": rid.subscription,
                "changes": "; ".join(str(d) for d in c.diffs),
            })
        return pd.DataFrame(rows, columns=["action", "kind", "name", "resource group", "subscription", "changes"])

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        colours = [_COLOUR[c.action] for c in self.changes]
        styled = frame.style.apply(lambda _: [f"background-color:{colours[i]}" if colours[i] else "" for i in range(len(frame))], axis=0)
        notes = "".join(f"<p>{n}</p>" for n in self.notes)
        impact = ("<p><b>Reachability</b>: " + "; ".join(html.escape(line) for line in self.impact.lines()) + "</p>") if self.impact else ""
        return f"<p><b>Plan</b>: {self.summary()}</p>{impact}{notes}" + styled.hide(axis="index").to_html()


def plan_changes(step: str, desired: list[Desired], observed: dict[str, dict | None],
                 may_change: Callable[[str, dict], bool] | None = None, requested: Callable[[Desired], bool] | None = None) -> Plan:
    """Classify each desired resource as create, update (with the fields that differ) or unchanged.

    A resource Azure left in provisioningState Failed is planned for update: ARM's way out of Failed is to
    PUT the same resource again. With ``may_change`` (the environment's ownership), a resource that exists but
    was neither created by this environment nor adopted is planned as ``exists (not created here)``. With
    ``requested`` (an existing hub's), a write the environment may not make there is planned as ``REQUESTED``.
    """
    changes = []
    for d in desired:
        seen = observed.get(d.id.lower())
        if seen is None:
            changes.append(Change(CREATE, d, None))
            continue
        diffs = differences(d.body, seen, exclusive=d.exclusive)
        state = (seen.get("properties") or {}).get("provisioningState")
        if state == "Failed":
            diffs.append(FieldDiff("properties.provisioningState", state, "Succeeded (re-apply)"))
        foreign = may_change is not None and not may_change(d.id, seen)
        changes.append(Change(NOT_CREATED_HERE if foreign else UPDATE if diffs else UNCHANGED, d, seen, diffs))
    if requested is not None:
        for change in changes:
            if change.pending and requested(change.desired):
                change.action = REQUESTED
    return Plan(step, changes)


def retirements(resource_ids: list[str], observed: dict[str, dict | None], owns: Callable[[str, dict], bool]) -> list[Change]:
    """Deletes of retired resources that exist and that this environment created; one made by anyone else is kept
    (planned as ``exists (not created here)``, which writes nothing)."""
    changes = []
    for rid in resource_ids:
        seen = observed.get(rid.lower())
        if seen is not None:
            changes.append(Change(DELETE if owns(rid, seen) else NOT_CREATED_HERE, Desired(rid, {}), seen))
    return changes


def differences(desired: Any, observed: Any, path: str = "", *, exclusive: bool = False) -> list[FieldDiff]:
    """Fields of ``desired`` that ``observed`` does not match; keys only in ``observed`` are ignored.

    Lists of named entries (routes, rules, IP configurations) are compared by name, so ARM's order is not drift
    and entries only ``observed`` holds are someone else's (drift only when ``exclusive``); other lists
    (prefixes, ports, protocols) are compared as sets, except the few whose order means something.
    """
    if isinstance(desired, dict):
        if not isinstance(observed, dict):
            return [FieldDiff(path or "(body)", observed, desired)]
        out = []
        for key, want in desired.items():
            out += differences(want, _get_ci(observed, key), f"{path}.{key}" if path else key, exclusive=exclusive)
        return out
    if isinstance(desired, list):
        return _list_differences(desired, observed, path, exclusive)
    return [] if _equal(desired, observed) else [FieldDiff(path, observed, desired)]


ORDERED_LISTS = frozenset({"dnsServers"})
"""List fields whose order Azure acts on (DNS servers are tried in order), compared position by position."""


def _list_differences(desired: list, observed: Any, path: str, exclusive: bool) -> list[FieldDiff]:
    if not isinstance(observed, list):
        return [FieldDiff(path, observed, desired)]
    if _named(desired, observed):
        have = {_entry_key(o): o for o in observed}
        out = []
        for want in desired:
            where = f"{path}[{want['name']}]"
            entry = have.get(_entry_key(want))
            out += [FieldDiff(where, None, want)] if entry is None else differences(want, entry, where, exclusive=exclusive)
        if exclusive:
            wanted = {_entry_key(w) for w in desired}
            out += [FieldDiff(f"{path}[{o['name']}]", o, None) for o in observed if _entry_key(o) not in wanted]
        return out
    if path.rsplit(".", 1)[-1] in ORDERED_LISTS:
        same = len(desired) == len(observed) and not any(differences(w, o) for w, o in zip(desired, observed))
    else:
        same = len(desired) == len(observed) and all(any(not differences(w, o) for o in observed) for w in desired) \
            and all(any(not differences(w, o) for w in desired) for o in observed)
    return [] if same else [FieldDiff(path, observed, desired)]


def merge(base: dict, overlay: dict, *, exclusive: bool = False) -> dict:
    """``overlay`` laid over ``base``: dicts merge key by key, lists of named entries entry by entry (keeping the
    entries only ``base`` has unless ``exclusive``), anything else is replaced."""
    out = dict(base)
    for key, value in overlay.items():
        existing = next((k for k in out if k.lower() == key.lower()), key)
        current = out.get(existing)
        if isinstance(value, dict) and isinstance(current, dict):
            out[existing] = merge(current, value, exclusive=exclusive)
        elif isinstance(value, list) and isinstance(current, list) and _named(value, current):
            out[existing] = _merge_named(current, value, exclusive)
        else:
            out.pop(existing, None)
            out[key] = value
    return out


def _merge_named(observed: list[dict], desired: list[dict], exclusive: bool) -> list[dict]:
    wanted = {_entry_key(w): w for w in desired}
    have = {_entry_key(o) for o in observed}
    kept = [merge(o, wanted[_entry_key(o)], exclusive=exclusive) if _entry_key(o) in wanted else o
            for o in observed if not exclusive or _entry_key(o) in wanted]
    return kept + [w for w in desired if _entry_key(w) not in have]


def _named(*lists: list) -> bool:
    entries = [e for lst in lists for e in lst]
    return bool(entries) and all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries)


def _entry_key(entry: dict) -> str:
    return entry["name"].lower()


def _get_ci(mapping: dict, key: str) -> Any:
    if key in mapping:
        return mapping[key]
    return next((v for k, v in mapping.items() if k.lower() == key.lower()), None)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


def _whole(value: Any) -> str:
    """A value as ARM writes it (JSON), whole: a diff on a page is read against the ARM body."""
    if value is None:
        return "(absent)"
    return value if isinstance(value, str) else json.dumps(value, default=str)
