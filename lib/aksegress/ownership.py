"""What this environment created, so that apply never silently takes over a resource and teardown never deletes one
it did not make.

Two records agree on it. Locally, ``outputs/<env>/ownership.json`` lists every id the runbook created, with the run
that created it. In Azure, every tagged resource it creates carries ``aksegress-created-by: <env>/<run>/<digest>``,
where the digest is of the environment and that resource's own id: Azure Policy's "inherit a tag from the resource
group" copies the group's value, whose digest names the group, so an inherited tag never proves ownership.

When the local record is lost, ownership is recovered from Azure alone: a tagged resource is ours when its tag
verifies; an untagged child (subnet, peering, rule collection group, role assignment) is ours when the params
declare it and its nearest tagged ancestor is ours. Anything else is treated as not created here: apply refuses to
change it unless the params adopt it, and teardown keeps it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from aksegress import arm_ids
from aksegress.errors import AksegressError
from aksegress.kinds import kind_of

__all__ = ["CREATED_BY_TAG", "NotCreatedHere", "Ownership", "created_by", "run_label"]

CREATED_BY_TAG = "aksegress-created-by"
RECORD_FILE = "ownership.json"


class NotCreatedHere(AksegressError):
    """Apply was asked to change resources that existed before this environment and that the params do not adopt."""

    title = "Resource not created by this environment"


def created_by(environment: str, run: str, resource_id: str) -> str:
    """The created-by tag's value for ``resource_id``: environment, creating run, and a digest of that very id."""
    return f"{environment}/{run}/{_digest(environment, resource_id)}"


def _digest(environment: str, resource_id: str) -> str:
    return hashlib.sha256(f"{environment}|{resource_id.rstrip('/').lower()}".encode()).hexdigest()[:12]


def tag_proves_ownership(environment: str, resource_id: str, body: dict | None) -> bool:
    """True when the resource's own created-by tag names this environment and this resource (not its group)."""
    tags = {k.lower(): v for k, v in ((body or {}).get("tags") or {}).items()}
    parts = str(tags.get(CREATED_BY_TAG, "")).split("/")
    return len(parts) == 3 and parts[0] == environment and parts[2] == _digest(environment, resource_id)


def run_label(run_dir: str | None) -> str:
    """The id of the run a step belongs to: the runner's run id, or a Lab session's own when no runner started it."""
    if run_dir:
        try:
            return json.loads((Path(run_dir) / "run.json").read_text())["run_id"]
        except (OSError, ValueError, KeyError):
            return Path(run_dir).name
    return "lab-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


class Ownership:
    """This environment's record of what it created and what its params adopt; ``owns`` answers for one resource."""

    def __init__(self, params, clients_for: Callable[[str], object], *, folder: Path, run: str):
        self.params = params
        self.environment = params.environment
        self.clients_for = clients_for
        self.path = Path(folder) / RECORD_FILE
        self.run = run
        self.created: dict[str, dict] = self._load()
        self._bodies: dict[str, dict | None] = {}

    @classmethod
    def of(cls, params, clients_for, *, run_dir: str | None = None, root: Path | str | None = None) -> "Ownership":
        from aksegress.layout import environment_outputs

        return cls(params, clients_for, folder=environment_outputs(params.environment, root), run=run_label(run_dir))

    def _load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return {key.lower(): entry for key, entry in (data.get("created") or {}).items()} if data.get("environment") == self.environment else {}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{RECORD_FILE}.{os.getpid()}")
        tmp.write_text(json.dumps({"environment": self.environment, "created": self.created}, indent=1, sort_keys=True))
        tmp.replace(self.path)

    def remember(self, resource_ids: list[str]) -> None:
        """Record ids this run just created (called once Azure accepted each create)."""
        new = [rid for rid in resource_ids if rid.lower() not in self.created]
        if not new:
            return
        at = datetime.now(UTC).isoformat(timespec="seconds")
        for rid in new:
            self.created[rid.lower()] = {"id": rid, "run": self.run, "at": at}
        self._save()

    def forget(self, resource_ids: list[str]) -> None:
        """Drop deleted ids, and everything beneath them, from the record."""
        gone = [rid.rstrip("/").lower() for rid in resource_ids]
        kept = {key: entry for key, entry in self.created.items() if not any(key == g or key.startswith(g + "/") for g in gone)}
        if len(kept) != len(self.created):
            self.created = kept
            self._save()

    def tag_value(self, resource_id: str) -> str:
        """The created-by tag for a resource this run creates (or re-stamps, when the record names its creating run)."""
        entry = self.created.get(resource_id.lower())
        return created_by(self.environment, entry["run"] if entry else self.run, resource_id)

    def owns(self, resource_id: str, body: dict | None = None) -> bool:
        """Whether this environment created ``resource_id`` (``body`` is its ARM body, when at hand)."""
        if resource_id.lower() in self.created:
            return True
        try:
            kind = kind_of(resource_id)
        except KeyError:
            return False
        if kind.tagged:
            return tag_proves_ownership(self.environment, resource_id, body if body is not None else self._body(resource_id))
        ancestor = _tagged_ancestor(resource_id)
        return ancestor is not None and self.owns(ancestor)

    def adopted(self, resource_id: str) -> bool:
        """Whether the params' ``adopt`` list names the resource, by id or name, or names the resource it is a child of."""
        wanted = {entry.rstrip("/").lower() for entry in (getattr(self.params, "adopt", None) or [])}
        if not wanted:
            return False
        rid = arm_ids.parse(resource_id)
        names = {resource_id.lower(), rid.name.lower()}
        top = rid
        while len(top.chain) > 1:
            top = top.parent()
        if top.chain:
            names |= {str(top).lower(), top.name.lower()}
        return bool(wanted & names)

    def may_change(self, resource_id: str, body: dict | None) -> bool:
        return self.owns(resource_id, body) or self.adopted(resource_id)

    def refusal(self, changes) -> NotCreatedHere:
        """The error apply raises for changes to resources this environment did not create and the params do not adopt."""
        lines = []
        for change in changes:
            field = params_field(self.params, change.desired.name)
            where = f"params field {field}" if field else "a name derived from the params"
            diffs = "; ".join(str(d) for d in change.diffs)
            lines.append(f"  {change.desired.kind.label} {change.desired.name} ({where}): would change {diffs}")
        names = ", ".join(c.desired.name for c in changes)
        return NotCreatedHere(
            f"{len(changes)} resource(s) already existed and were not created by environment {self.environment}; "
            "nothing was changed:\n" + "\n".join(lines),
            hint=f"name them in the params' adopt list (adopt: [{names}]) to let the runbook change them (teardown still keeps "
                 "them), or change the params to names of your own")

    def _body(self, resource_id: str) -> dict | None:
        key = resource_id.lower()
        if key not in self._bodies:
            clients = self.clients_for(arm_ids.parse(resource_id).subscription)
            self._bodies[key] = kind_of(resource_id).get(clients, resource_id)
        return self._bodies[key]


def _tagged_ancestor(resource_id: str) -> str | None:
    rid = arm_ids.parse(resource_id)
    while rid.chain:
        rid = rid.parent()
        try:
            if kind_of(str(rid)).tagged:
                return str(rid)
        except KeyError:
            return None
    return None


def params_field(params, name: str, prefix: str = "") -> str | None:
    """The dotted path of the params field whose value is ``name``, if one is."""
    data = params.model_dump(by_alias=True) if hasattr(params, "model_dump") else params
    if isinstance(data, dict):
        for key, value in data.items():
            found = f"{prefix}{key}" if str(key).lower() == name.lower() else params_field(value, name, f"{prefix}{key}.")
            if found:
                return found
        return None
    if isinstance(data, list):
        for index, value in enumerate(data):
            found = params_field(value, name, f"{prefix[:-1]}[{index}].")
            if found:
                return found
        return None
    return prefix[:-1] if isinstance(data, str) and data.lower() == name.lower() else None
