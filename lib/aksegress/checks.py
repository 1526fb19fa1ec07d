"""Check verdicts: named, each with the evidence a reader needs to trust it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from aksegress import arm_ids
from aksegress.errors import CheckFailed
from aksegress.plan import Desired, differences


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class CheckReport:
    step: str
    verdicts: list[Verdict]
    skipped_reason: str | None = None

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"check": v.name, "verdict": "PASS" if v.ok else "FAIL", "detail": v.detail} for v in self.verdicts],
            columns=["check", "verdict", "detail"],
        )

    def __repr__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        if self.skipped_reason:
            return f"{self.step}: checks not run ({self.skipped_reason})."
        passed = sum(v.ok for v in self.verdicts)
        return f"{self.step}: {passed}/{len(self.verdicts)} checks passed."

    def raise_if_failed(self) -> None:
        if self.failures:
            lines = [f"- {v.name}: {v.detail}" for v in self.failures]
            raise CheckFailed(f"{self.step}: {len(self.failures)} check(s) failed\n" + "\n".join(lines), step=self.step)

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        colours = ["#e8f6e8" if v.ok else "#fdecea" for v in self.verdicts]
        styled = frame.style.apply(lambda _: [f"background-color:{c}" for c in colours], axis=0).hide(axis="index")
        return f"<p><b>Checks</b>: {self.summary()}</p>" + styled.to_html()


def matches_desired(desired: list[Desired], observed: dict[str, dict | None]) -> list[Verdict]:
    """One verdict per resource: it exists and every field the step owns has the value the step wants."""
    out = []
    for d in desired:
        seen = observed.get(d.id.lower())
        rid = arm_ids.parse(d.id)
        name = f"{d.kind.label} {'/'.join(rid.names) or rid.name}"
        if seen is None:
            out.append(Verdict(name, False, "does not exist"))
            continue
        diffs = differences(d.body, seen)
        out.append(Verdict(name, not diffs, "; ".join(map(str, diffs)) or "matches desired state"))
    return out


def provisioned(observed: dict[str, dict | None]) -> list[Verdict]:
    """Every resource that reports a provisioning state reports Succeeded."""
    out = []
    for _key, body in observed.items():
        state = ((body or {}).get("properties") or {}).get("provisioningState")
        if state and state != "Succeeded":
            out.append(Verdict(f"{body.get('name')} provisioned", False, f"provisioningState is {state}"))
    return out
