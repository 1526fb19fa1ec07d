"""What a data-plane action found (a run-command probe, a kubectl through AKS run-command, a credential listing), kept
between runs with the ARM state it was taken on, so a re-run on an unchanged estate can show that result again, saying
from which run and why it still holds, instead of acting again.

Kept in ``outputs/<env>/probes.json``, one entry per probe. An entry is reused only when the policy allows it
(``reuse_policy``: by default on the emulator, whose data plane is a function of its ARM state, and never on Azure
unless the params ask), the world is the same (tenant, subscriptions, emulator state) and every resource the probe
depends on has the etag it had then (a digest of its body for types without an etag). Within one step a probe is
taken once and shared by its tables and checks, until the step reads the estate again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["ASK_FRESH", "LEDGER_FILE", "Probed", "ProbeResults", "Reuse", "reuse_policy", "state_digest"]

LEDGER_FILE = "probes.json"
FRESH, REUSE_UNCHANGED = "fresh", "reuse-unchanged"
ASK_FRESH = "set fresh_probes = True in the notebook, run `aksegress run --fresh-probes`, or set params probes: fresh"


@dataclass(frozen=True)
class Reuse:
    """Whether this step may show an earlier run's probe result, and why (said on the step page)."""

    allowed: bool
    why: str


def reuse_policy(params, *, fresh: bool = False) -> Reuse:
    """Reuse on the emulator unless asked for fresh probes; on Azure only when ``params.probes`` is reuse-unchanged,
    because there DNS answers, node health or a firewall's FQDN resolution can change while no ARM resource does."""
    if fresh:
        return Reuse(False, "fresh probes were asked for (fresh_probes / --fresh-probes)")
    mode = params.probes or (REUSE_UNCHANGED if params.target == "emulator" else FRESH)
    if mode == FRESH:
        return Reuse(False, "params probes: fresh" if params.probes else
                     "target azure probes on every run: its data plane can change while ARM shows no change "
                     "(set params probes: reuse-unchanged to allow reuse)")
    if params.target == "emulator":
        return Reuse(True, "the emulator answers probes from its ARM state alone, so an unchanged state gives the same answer")
    return Reuse(True, "params probes: reuse-unchanged; on Azure the data plane can change while ARM shows no change")


@dataclass(frozen=True)
class Probed:
    """A probe's result and where it comes from: taken in this run, or reused from ``run`` (taken ``at``)."""

    value: Any
    run: str
    at: str
    reused: bool
    resources: int
    why: str = ""

    def label(self) -> str:
        """A short table cell: this run, or the run whose result is shown."""
        return "this run" if not self.reused else f"run {self.run} (reused: nothing it depends on changed)"

    def source(self) -> str:
        """One line for a table cell or a verdict: this run, or which run and why its result still holds."""
        if not self.reused:
            return f"probed in this run ({self.at})"
        return (f"reused from run {self.run} (probed {self.at}): the {self.resources} resource(s) it depends on have the "
                f"etag they had then; {self.why}")


def state_digest(resources: Iterable[dict | None]) -> tuple[str, int]:
    """A digest of the resources' ids and etags (their body's digest when a type has no etag), and how many there are."""
    pairs = []
    for body in resources:
        if not body:
            continue
        etag = body.get("etag")
        mark = etag if isinstance(etag, str) and etag else hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        pairs.append((str(body.get("id", "")).lower(), mark))
    pairs.sort()
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest(), len(pairs)


class ProbeResults:
    """One step's probes: each taken once per step, and kept in the environment's ledger for later runs."""

    def __init__(self, folder: Path, *, world: dict, run: str, reuse: Reuse):
        self.path = Path(folder) / LEDGER_FILE
        self.world, self.run, self.reuse = world, run, reuse
        self._taken: dict[str, Probed] = {}

    def take(self, key: str, depends_on: Iterable[dict | None], probe: Callable[[], Any],
             still_valid: Callable[[Any], bool] = lambda value: True) -> Probed:
        """The result of ``probe`` for ``key``: this step's, else an earlier run's when allowed and nothing it depends on
        changed (and ``still_valid`` accepts it), else taken now and kept."""
        if key in self._taken:
            return self._taken[key]
        digest, count = state_digest(depends_on)
        earlier = self._load().get(key) if self.reuse.allowed else None
        if earlier and earlier.get("world") == self.world and earlier.get("state") == digest and still_valid(earlier["value"]):
            found = Probed(earlier["value"], earlier["run"], earlier["at"], True, count, self.reuse.why)
        else:
            found = Probed(probe(), self.run, _now(), False, count)
            self._keep(key, {"run": found.run, "at": found.at, "world": self.world, "state": digest, "value": found.value})
        self._taken[key] = found
        return found

    def forget(self) -> None:
        """Probe again at the next look (the step wrote, so what a probe sees may have changed)."""
        self._taken.clear()

    def reused(self) -> list[dict]:
        """For the step's record: each probe shown from an earlier run, with that run and why it still holds."""
        return [{"probe": key, "run": p.run, "at": p.at, "resources": p.resources, "why": p.why}
                for key, p in self._taken.items() if p.reused]

    def _load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _keep(self, key: str, entry: dict) -> None:
        ledger = self._load()
        ledger[key] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{LEDGER_FILE}.{os.getpid()}")
        tmp.write_text(json.dumps(ledger, indent=1, sort_keys=True))
        tmp.replace(self.path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
