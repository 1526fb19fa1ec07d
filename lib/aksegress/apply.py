"""Apply a plan: only its pending changes, independent ones started together, dependants after.

Writes under one VNet, route table or firewall policy go one at a time, since ARM refuses a second one while the
first runs; writes under different parents still run side by side.

A failure stops the run at the end of the wave it happened in and names what was applied and what
remains; since every write is create-or-update, re-running the step completes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
from azure.core.exceptions import HttpResponseError

from aksegress import arm_ids
from aksegress.errors import ApplyError, AzureOperationError
from aksegress.ownership import CREATED_BY_TAG
from aksegress.plan import CREATE, DELETE, NOT_CREATED_HERE, REQUESTED, Change, Plan

RETRIED_CODES = frozenset({"AnotherOperationInProgress", "CanceledAndSupersededDueToAnotherOperation", "InternalServerError",
                           "PrincipalNotFound"})
"""ARM codes that mean "try again": another operation held the resource, the operation failed on ARM's side, or a
new principal has not replicated yet (a cluster identity seconds old)."""
PRECONDITION_FAILED = "PreconditionFailed"
MAX_ATTEMPTS = 6
SERIALISED_PARENTS = frozenset({"microsoft.network/virtualnetworks", "microsoft.network/routetables",
                                "microsoft.network/firewallpolicies"})
"""Types whose children ARM writes one at a time, answering a second concurrent write with 409 (docs/arm-wire-format.md)."""
MAX_PARALLEL_LANES = 16
BACKOFF_BASE_S, BACKOFF_CAP_S = 1.0, 30.0


@dataclass
class ApplyResult:
    step: str
    applied: list[Change] = field(default_factory=list)
    started: list[Change] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False
    retried: list[str] = field(default_factory=list)
    _watched: list[_Watch] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return self.summary()

    def watch(self, change: Change, settle: Callable[[], None]) -> None:
        """Follow a write the step does not wait for, in the background, so its outcome can be reported later."""
        self.started.append(change)
        watch = _Watch(change)
        watch.thread = threading.Thread(target=watch.follow, args=(settle,), daemon=True, name=f"watch {change.desired.name}")
        self._watched.append(watch)
        watch.thread.start()

    def unawaited(self) -> list[dict]:
        """Each write not waited for, as it stands now: running, succeeded, or failed with ARM's error."""
        return [w.state() for w in self._watched]

    def summary(self) -> str:
        if self.skipped:
            return f"{self.step}: apply skipped (plan only)."
        if not self.applied:
            return f"{self.step}: nothing to apply; the estate already matches the params."
        waiting = f" ({len(self.started)} still running in Azure: {', '.join(c.desired.name for c in self.started)})" if self.started else ""
        retried = f"; ARM asked for {len(self.retried)} retry(ies): {', '.join(self.retried)}" if self.retried else ""
        return f"{self.step}: applied {len(self.applied)} change(s) in {self.seconds:.1f}s{waiting}{retried}."

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"action": c.action, "kind": c.desired.kind.label, "name": "/".join(arm_ids.parse(c.desired.id).names) or c.desired.name}
             for c in self.applied],
            columns=["action", "kind", "name"],
        )

    def _repr_html_(self) -> str:
        return f"<p><b>Apply</b>: {self.summary()}</p>" + (self.to_frame().to_html(index=False) if self.applied else "")


@dataclass
class _Watch:
    change: Change
    done: bool = False
    error: AzureOperationError | None = None
    thread: threading.Thread | None = None

    def follow(self, settle: Callable[[], None]) -> None:
        try:
            settle()
        except HttpResponseError as exc:
            self.error = azure_error(exc, self.change.desired.id)
        finally:
            self.done = True

    def state(self) -> dict:
        d = self.change.desired
        state = "failed" if self.error else "succeeded" if self.done else "running"
        return {"kind": d.kind.label, "name": d.name, "id": d.id, "state": state,
                "code": self.error.code if self.error else None, "error": self.error.message if self.error else None}


def waves(changes: list[Change]) -> list[list[Change]]:
    """Group pending changes so each wave depends only on earlier waves or on what already exists; a change requested of
    an existing hub's owners is theirs to make, never written here."""
    pending = {c.desired.id.lower(): c for c in changes if c.pending and c.action != REQUESTED}
    out = []
    while pending:
        ready = [c for c in pending.values() if not any(d.lower() in pending for d in c.desired.depends_on)]
        if not ready:
            raise ValueError("dependency cycle among: " + ", ".join(pending))
        out.append(ready)
        for c in ready:
            pending.pop(c.desired.id.lower())
    return out


def serialisation_key(resource_id: str) -> str:
    """The parent whose writes Azure takes one at a time (a VNet for its subnets and peerings, a route table for its
    routes, a firewall policy for its rule collection groups); any other resource is its own key."""
    rid = arm_ids.parse(resource_id)
    if rid.chain and not rid.scope and f"{rid.namespace}/{rid.chain[0][0]}".lower() in SERIALISED_PARENTS:
        return str(arm_ids.ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.chain[:1])).lower()
    return resource_id.lower()


def serialised_lanes(wave: list[Change]) -> list[list[Change]]:
    """A wave split into lanes that run side by side, each holding the writes under one parent, to go one at a time."""
    lanes: dict[str, list[Change]] = {}
    for change in wave:
        lanes.setdefault(serialisation_key(change.desired.id), []).append(change)
    return list(lanes.values())


def apply_plan(plan: Plan, clients_for: Callable[[str], object], *, on_wait: Callable[[str], None] | None = None,
               ownership=None, sleep: Callable[[float], None] = time.sleep) -> ApplyResult:
    """Carry out ``plan``'s pending changes; raises ``ApplyError`` naming what remains on failure.

    With ``ownership`` (the environment's record), a change to a resource not created here and not adopted is
    refused before anything is written, each create is tagged and recorded, and each delete is forgotten.
    ARM's "busy, retry" refusals are retried with backoff, as their message asks.
    """
    started = time.monotonic()
    result = ApplyResult(plan.step)
    if ownership is not None:
        refused = [c for c in plan.changes if c.pending and c.action == NOT_CREATED_HERE]
        if refused:
            raise ownership.refusal(refused)
    all_waves = waves(plan.changes)
    remembering = threading.Lock()

    def run_lane(lane: list[Change]) -> list[tuple[Change, HttpResponseError | None]]:
        outcomes = []
        for change in lane:
            op = _Operation(change, clients[_subscription(change)], ownership, sleep, result)
            if ownership is not None and change.action == CREATE and op.error is None:
                with remembering:
                    ownership.remember([change.desired.id])
            try:
                op.finish()
                outcomes.append((change, None))
            except HttpResponseError as exc:
                outcomes.append((change, exc))
        return outcomes

    for index, wave in enumerate(all_waves):
        if on_wait:
            on_wait(", ".join(c.desired.name for c in wave))
        clients = {_subscription(c): clients_for(_subscription(c)) for c in wave}
        lanes = serialised_lanes(wave)
        if len(lanes) == 1:
            outcomes = run_lane(lanes[0])
        else:
            with ThreadPoolExecutor(max_workers=min(len(lanes), MAX_PARALLEL_LANES), thread_name_prefix="apply") as pool:
                outcomes = [o for lane_outcomes in pool.map(run_lane, lanes) for o in lane_outcomes]
        result.applied.extend(change for change, exc in outcomes if exc is None)
        failures = [(change, exc) for change, exc in outcomes if exc is not None]
        if ownership is not None:
            ownership.forget([c.desired.id for c in result.applied if c.action == DELETE])
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


def _subscription(change: Change) -> str:
    return arm_ids.parse(change.desired.id).subscription


class _Operation:
    """One change's write: started at once, waited for (or watched in the background when the step does not wait),
    and started again when ARM says another operation got in the way."""

    def __init__(self, change: Change, clients, ownership, sleep, result: ApplyResult):
        self.change, self.clients, self.ownership, self.sleep, self.result = change, clients, ownership, sleep, result
        self.attempts = 0
        self._conditional = False
        self.error: HttpResponseError | None = None
        self._wait: Callable[[], object] | None = None
        self._start()

    def _body(self) -> tuple[dict, str | None]:
        """The body to PUT and the etag it is conditional on: for a resource that existed at plan time, laid over
        a fresh read, so what changed since the plan (a subnet someone added) is kept, not overwritten."""
        change, kind = self.change, self.change.desired.kind
        if change.action != CREATE and change.observed is not None:
            change = Change(change.action, change.desired, kind.get(self.clients, change.desired.id))
        body = change.body_to_send()
        if self.ownership is not None and kind.tagged and (self.change.action == CREATE or self.ownership.owns(self.change.desired.id, change.observed)):
            body = {**body, "tags": {**(body.get("tags") or {}), CREATED_BY_TAG: self.ownership.tag_value(self.change.desired.id)}}
        etag = (change.observed or {}).get("etag") if change is not self.change else None
        return body, etag

    def _tags(self) -> dict[str, str]:
        """The tags a tags-only update merges: the step's, and the created-by tag of a resource this environment made."""
        tags = dict(self.change.desired.body.get("tags") or {})
        if self.ownership is not None and self.ownership.owns(self.change.desired.id, self.change.observed):
            tags[CREATED_BY_TAG] = self.ownership.tag_value(self.change.desired.id)
        return tags

    def _start(self) -> None:
        while True:
            self.attempts += 1
            self._conditional = False
            try:
                kind, rid = self.change.desired.kind, self.change.desired.id
                if self.change.action == DELETE:
                    self._wait = kind.delete(self.clients, rid)
                elif self.change.tags_only:
                    self._wait = kind.merge_tags(self.clients, rid, self._tags())
                else:
                    body, etag = self._body()
                    self._conditional = etag is not None
                    self._wait = kind.put(self.clients, rid, body, if_match=etag)
                self.error = None
                return
            except HttpResponseError as exc:
                self.error = exc
                if not self._backoff(exc):
                    return

    def _backoff(self, exc: HttpResponseError) -> bool:
        """Sleep before another attempt when ARM's error asks for one, or when the resource changed between the
        fresh read and a conditional PUT (412); False when the error is final."""
        retried = error_code(exc) in RETRIED_CODES or (self._conditional and error_code(exc) == PRECONDITION_FAILED)
        if not retried or self.attempts >= MAX_ATTEMPTS:
            return False
        self.result.retried.append(f"{self.change.desired.name} ({error_code(exc)})")
        self.sleep(_retry_after(exc) or min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (self.attempts - 1)))
        return True

    def finish(self) -> None:
        """Wait for the write (raising ARM's error); a change that is not waited for is watched in a thread instead."""
        if self.error is not None:
            raise self.error
        if not self.change.desired.wait:
            self.result.watch(self.change, self._settle)
            return
        self._settle()

    def _settle(self) -> None:
        while True:
            try:
                self._wait()
                return
            except HttpResponseError as exc:
                if not self._backoff(exc):
                    raise
                self._start()
                if self.error is not None:
                    raise self.error from None


def error_code(exc: HttpResponseError) -> str | None:
    """ARM's error code of a refused request or of an operation that ended Failed."""
    return getattr(getattr(exc, "error", None), "code", None)


def _retry_after(exc: HttpResponseError) -> float | None:
    try:
        return min(BACKOFF_CAP_S, float((exc.response.headers or {}).get("Retry-After")))
    except (AttributeError, TypeError, ValueError):
        return None


def azure_error(exc: HttpResponseError, resource_id: str | None = None) -> AzureOperationError:
    """ARM's error as the library's exception: the code, ARM's message, and the next action its code calls for."""
    code = getattr(getattr(exc, "error", None), "code", None)
    message = getattr(getattr(exc, "error", None), "message", None) or str(exc).splitlines()[0]
    return AzureOperationError(f"({code}) {message}" if code else message, code=code, resource_id=resource_id)


