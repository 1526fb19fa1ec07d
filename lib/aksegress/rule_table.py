"""The firewall policy rules a step owns, one row per rule: one builder for steps 04 and 08."""

from __future__ import annotations

import pandas as pd

__all__ = ["rule_rows", "rules_table"]


def rule_rows(group_body: dict | None, group_name: str) -> list[dict]:
    """Each rule of one rule collection group (its ARM body), with its collection, action, sources, destinations and ports."""
    rows = []
    for collection in ((group_body or {}).get("properties") or {}).get("ruleCollections") or []:
        for rule in collection.get("rules") or []:
            destinations = (rule.get("fqdnTags") or rule.get("targetFqdns") or rule.get("destinationFqdns")
                            or rule.get("destinationAddresses") or [])
            ports = [f"{p['protocolType']}:{p['port']}" for p in rule.get("protocols") or []] or \
                    [f"{'/'.join(rule.get('ipProtocols') or [])}:{','.join(rule.get('destinationPorts') or [])}"]
            rows.append({"group": group_name, "collection": collection.get("name"), "action": (collection.get("action") or {}).get("type"),
                         "rule": rule.get("name"), "type": rule.get("ruleType"), "sources": ", ".join(rule.get("sourceAddresses") or []),
                         "destinations": ", ".join(destinations), "ports": ", ".join(ports)})
    return rows


def rules_table(step) -> pd.DataFrame:
    """Every rule of the rule collection groups ``step`` owns, as observed, one row each."""
    observed = step.observe()
    rows = []
    for d in step.desired():
        if "/rulecollectiongroups/" in d.id.lower():
            rows += rule_rows(observed.get(d.id.lower()), d.name)
    return pd.DataFrame(rows)
