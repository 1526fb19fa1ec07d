"""A plan-only run's plan as files a reviewer works from: plan.json (every change, full values) and plan.md (a summary)."""

from __future__ import annotations

import json
from pathlib import Path

KNOWN_AFTER_APPLY = "known after apply"
"""A plan-only step that needs a resource an earlier step of the same plan creates (a cluster): Terraform's
"(known after apply)". The plan goes on; the step is planned by the first run after that step was applied."""

__all__ = ["KNOWN_AFTER_APPLY", "impact_lines", "plan_document", "plan_markdown", "plan_summary_lines", "plan_verdict", "run_impact", "write_plan_files"]


def run_impact(steps: list[dict]) -> dict:
    """The run's reachability impact: each step's flows, a flow closed by a later step cancelling its opening."""
    opens: dict[str, dict] = {}
    closes: dict[str, dict] = {}
    for step in steps:
        impact = step.get("impact") or {}
        for flow in impact.get("opens", []):
            if closes.pop(_key(flow), None) is None:
                opens[_key(flow)] = flow
        for flow in impact.get("closes", []):
            if opens.pop(_key(flow), None) is None:
                closes[_key(flow)] = flow
    return {"opens": list(opens.values()), "closes": list(closes.values())}


def plan_document(record: dict) -> dict:
    """plan.json, in the spirit of ``terraform show -json``."""
    changes = [{k: c.get(k) for k in ("step", "action", "operation", "type", "id", "name", "diff")}
               for s in record.get("steps", []) for c in s.get("changes", {}).get("plan", [])]
    return {"environment": record.get("environment"), "target": record.get("target"), "params_sha256": record.get("params_sha256"),
            "commit": record.get("commit"), "status": record.get("status"), "changes": changes, "reachability": run_impact(record.get("steps", [])),
            "known_after_apply": [{"step": s["name"], "why": f"{(s.get('error') or {}).get('evalue')}; "
                                                             f"{(s.get('error') or {}).get('next', '').removeprefix('Next: ')}"}
                                  for s in record.get("steps", []) if s.get("status") == KNOWN_AFTER_APPLY]}


def impact_lines(reach: dict) -> list[str]:
    """One line per flow to an API server; egress one line per subnet and way out (through which rule, or around the
    firewall), since a subnet reaches many destinations AKS requires."""
    lines = []
    for verb in ("opens", "closes"):
        egress: dict[tuple[str, str], list[str]] = {}
        for flow in reach.get(verb, []):
            if flow.get("kind") != "egress":
                lines.append(f"{verb} {flow['flow']}")
                continue
            how = " around the firewall" if flow.get("around_firewall") else (f" (rule {flow['rule']})" if flow.get("rule") else "")
            egress.setdefault((flow["source"], how), []).append(f"{flow['destination']} {flow['protocol']}/{flow['port']}")
        lines += [f"{verb} egress {source} -> {', '.join(destinations)}{how}" for (source, how), destinations in egress.items()]
    return lines or ["opens nothing, closes nothing"]


def plan_summary_lines(record: dict) -> list[str]:
    """The plan as the terminal prints it: the verdict, the reachability impact, then one line per change."""
    doc = plan_document(record)
    lines = [plan_verdict(doc), *(f"  reachability: {line}" for line in impact_lines(doc["reachability"]))]
    lines += [f"  {_SYMBOL.get(c['action'], '?')} {c['step']}: {c['action']}{_TAGS_ONLY * (c['operation'] == 'tags')} {c['type']} {c['name']}"
              for c in doc["changes"]]
    return lines


def plan_markdown(record: dict) -> str:
    """plan.md: a short summary fit for a pull-request comment or a CI job summary."""
    doc = plan_document(record)
    out = [f"## aksegress plan: {record.get('environment')} ({record.get('target')})", "", f"**{plan_verdict(doc)}**", "",
           "### Reachability impact", "", *(f"- {line}" for line in impact_lines(doc["reachability"])), ""]
    if doc["known_after_apply"]:
        out += ["### Known after apply", "", "Planned by the first run after the step they need is applied:", "",
                *(f"- {s['step']}: {s['why']}" for s in doc["known_after_apply"]), ""]
    by_step: dict[str, list[dict]] = {}
    for change in doc["changes"]:
        by_step.setdefault(change["step"], []).append(change)
    for step, changes in by_step.items():
        out += [f"### {step}", ""]
        for c in changes:
            fields = ", ".join(f"`{d['path']}`" for d in c["diff"] if d["path"] != "(body)")
            out.append(f"- {_SYMBOL.get(c['action'], '?')} {c['action']}{_TAGS_ONLY * (c['operation'] == 'tags')} {c['type']} **{c['name']}**"
                       + (f": {fields}" if fields else ""))
        out.append("")
    out.append(f"params sha256 `{doc['params_sha256']}`, commit `{doc['commit']}`; every value in plan.json.")
    return "\n".join(out) + "\n"


def write_plan_files(run_dir: Path, record: dict) -> None:
    """Write plan.json and plan.md beside run.json."""
    (Path(run_dir) / "plan.json").write_text(json.dumps(plan_document(record), indent=2, default=str))
    (Path(run_dir) / "plan.md").write_text(plan_markdown(record))


_TAGS_ONLY = " (tags only)"
_SYMBOL = {"create": "+", "update": "~", "delete": "-", "exists (not created here)": "!", "requested of the hub owners": ">"}


def plan_verdict(doc: dict) -> str:
    """The plan's one-line verdict, as the terminal, plan.md and the run's index say it."""
    n = len(doc["changes"])
    if doc.get("status") == "failed":
        return f"failed: the plan is incomplete ({n} change(s) found before the failure)"
    later = f"; {len(doc['known_after_apply'])} step(s) known after apply" if doc.get("known_after_apply") else ""
    return (f"drift: {n} change(s)" if n else "no drift") + later


def _key(flow: dict) -> str:
    return f"{flow.get('source')}|{flow.get('destination')}|{flow.get('protocol')}|{flow.get('port')}|{bool(flow.get('around_firewall'))}"
