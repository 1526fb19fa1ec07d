"""The change request an environment hands an existing hub's owners: what it needs in their hub and may not write.

``change-request.json`` holds the exact ARM requests (the bodies this runbook's apply would PUT, without its own
created-by tag, since the owners create them, and the API version of the SDK that would send them) and the equivalent
``az rest`` commands; ``change-request.md`` says the same for a person: what, why, and which flows it enables. Both
are written with the run's record. The next run plans these resources again: applied, they plan no change.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from aksegress import arm_ids
from aksegress.desired.cross_vnet_access import ACCESS_GROUP, RUN_COMMAND_GROUP, asks_for_cluster_subnet
from aksegress.desired.firewall_rules import EGRESS_GROUP
from aksegress.existing_hub import DNS_LINKS, PEERINGS, RULE_GROUPS, hub_need, requested
from aksegress.facts import MissingFact
from aksegress.plan import REQUESTED, plan_changes

__all__ = ["JSON_FILE", "MD_FILE", "change_request", "removal_request", "write_change_request"]

JSON_FILE, MD_FILE = "change-request.json", "change-request.md"


def _why(params, change) -> str:
    need, name = hub_need(params, change.desired), change.desired.name
    if need == PEERINGS:
        spoke = next((k for k, s in params.spokes.items() if s.vnet.name.lower() in name.lower()), name)
        return (f"the hub side of the peering with spoke {spoke}: virtual network access and forwarded traffic allowed, so the "
                "hub firewall can carry the spoke's egress and its traffic to the other spokes")
    if need == RULE_GROUPS:
        for base, why in ((EGRESS_GROUP, "the egress AKS needs from the cluster subnets (FQDN tag, required FQDNs, NTP)"),
                          (ACCESS_GROUP, _access_why(params)),
                          (RUN_COMMAND_GROUP, "HTTPS from the test VM subnets to AzureCloud, which VM run-command needs")):
            if name == params.rule_group_name(base):
                return f"the environment's own rule collection group: {why}"
    if need == DNS_LINKS:
        return "a link of the cluster's private zone to the hub VNet, so the firewall resolves the API server's name"
    return "needed by the environment"


def _access_why(params) -> str:
    if asks_for_cluster_subnet(params):
        return ("its access entries: each source spoke to its cluster's subnet on TCP 443, where AKS places the "
                "API server's private endpoint (its address exists only once the cluster does; naming the subnet lets this "
                "request be whole before any cluster is built)")
    return "its access entries: each source spoke to a cluster API server on TCP 443"


def _request(params, step: str, change, clients_for, method: str = "PUT") -> dict:
    rid = change.desired.id
    clients = clients_for(arm_ids.parse(rid).subscription)
    entry = {"method": method, "id": rid, "api_version": change.desired.kind.api_version(clients, rid)}
    if method == "PUT":
        entry["body"] = change.body_to_send()
    return {**entry, "why": _why(params, change), "step": step, "type": change.desired.kind.label, "name": change.desired.readable_name}


def _az(entry: dict) -> str:
    command = ["az", "rest", "--method", entry["method"].lower(), "--url", f"{entry['id']}?api-version={entry['api_version']}"]
    if "body" in entry:
        command += ["--body", json.dumps(entry["body"], separators=(",", ":"))]
    return shlex.join(command)


def _purposes(params) -> list[str]:
    """What the environment wants the hub for, from its params: each cluster's egress and each access entry."""
    out = [f"egress of cluster {s.cluster.name} (spoke {k}) through the hub firewall, allowed only to what AKS needs"
           for k, s in params.spokes_with_cluster()]
    return out + [f"spoke {a.from_} to the API server of cluster {params.spokes[a.cluster].cluster.name} (spoke {a.cluster}) on "
                  "TCP 443" for a in params.access]


def _document(params, entries: list[dict], opens: list[str], removal: bool = False) -> dict:
    hub = params.hub
    requests = [{k: e[k] for k in ("method", "id", "api_version", "body", "why") if k in e} for e in entries]
    return {"environment": params.environment, "kind": "removal" if removal else "request",
            "hub": {"subscription_id": hub.subscription_id, "resource_group": hub.resource_group, "vnet": hub.vnet.name,
                    "firewall": hub.firewall.name, "policy": hub.firewall.policy},
            "requests": requests, "az": [_az(e) for e in entries], "for": [] if removal else _purposes(params), "opens": opens,
            "items": [{k: e[k] for k in ("step", "type", "name", "why")} for e in entries]}


def change_request(runbook, reads=None, opens: list[str] | None = None) -> dict:
    """Everything the environment needs in the existing hub and may not write, as far as it can be known now (a zone
    link or an application rule names what a cluster's create produced, so it waits for the cluster), in step order."""
    from aksegress.observe import observe
    from aksegress.steps import all_steps

    params, entries = runbook.params, []
    for spec in all_steps():
        try:
            wanted = [d for d in spec.desired(params, runbook.facts) if requested(params, d)]
        except MissingFact:
            wanted = [d for d in spec.ahead(params, runbook.facts) if requested(params, d)] if spec.ahead else []
        if not wanted:
            continue
        plan = plan_changes(spec.key, wanted, observe([d.id for d in wanted], runbook.clients, reads),
                            requested=lambda d: requested(params, d))
        entries += [_request(params, spec.key, c, runbook.clients) for c in plan.changes if c.action == REQUESTED]
    return _document(params, entries, opens or [])


def removal_request(runbook, present: list) -> dict:
    """The resources the hub's owners made for this environment, for them to delete once it is torn down."""
    return _document(runbook.params, [_request(runbook.params, "99-teardown", c, runbook.clients, "DELETE") for c in present], [],
                     removal=True)


def write_change_request(folder: Path | str, document: dict) -> Path:
    """change-request.json and change-request.md in ``folder``; returns the Markdown file's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / JSON_FILE).write_text(json.dumps(document, indent=2))
    (folder / MD_FILE).write_text(_markdown(document))
    return folder / MD_FILE


def _markdown(doc: dict) -> str:
    hub = doc["hub"]
    removal = doc.get("kind") == "removal"
    verb = "remove" if removal else "make"
    out = [f"# Change request from environment `{doc['environment']}` to the owners of hub `{hub['vnet']}`", "",
           f"Subscription `{hub['subscription_id']}`, resource group `{hub['resource_group']}`, firewall `{hub['firewall']}`, "
           f"policy `{hub['policy']}`. The environment may not write these itself; please {verb} them "
           f"(`{JSON_FILE}` holds the exact ARM requests, and the `az` commands below are the same requests).", ""]
    if removal:
        out += ["The environment has been torn down; these were made for it and are no longer needed.", ""]
    out += ["| step | what | name | why |", "|---|---|---|---|"]
    out += [f"| {i['step']} | {i['type']} | `{i['name']}` | {i['why']} |" for i in doc["items"]]
    if doc.get("for"):
        out += ["", "## What it is for", "", *(f"- {line}" for line in doc["for"])]
    if doc.get("opens"):
        out += ["", "## Flows it enables", "", "Between the test VMs, cluster subnets and clusters that exist now (the rest open as they are built):", "",
                *(f"- {line}" for line in doc["opens"])]
    out += ["", "## Commands", "", "```bash", *doc["az"], "```", ""]
    if not removal:
        out += ["Once applied, the environment's next `aksegress run` checks them and carries on.", ""]
    return "\n".join(out)
