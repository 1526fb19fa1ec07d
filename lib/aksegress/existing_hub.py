"""Joining a hub someone else owns (``hub.existing: true``): which of the environment's resources are the hub owners'
to write, and the live checks of the hub made before any write.

Three kinds of resource live in, or point into, the hub: the hub side of each spoke peering, the environment's own
rule collection groups in the hub's policy, and links of its clusters' private zones to the hub VNet. Each is written
by the environment only when ``hub.writes`` names its kind; otherwise the plan marks it requested of the hub's
owners and it goes into the change request (``aksegress.change_request``). Everything else in the hub is only read.
"""

from __future__ import annotations

from ipaddress import ip_network

from aksegress.desired.common import vnet_id
from aksegress.desired.cross_vnet_access import ACCESS_GROUP, ACCESS_OFFSET, RUN_COMMAND_GROUP, RUN_COMMAND_OFFSET, run_command_rules
from aksegress.desired.firewall import firewall_id, policy_id
from aksegress.desired.firewall_rules import EGRESS_GROUP, cluster_sources
from aksegress.errors import MissingFact, ParamsError
from aksegress.facts import hub_facts_of
from aksegress.kinds import FIREWALL, FIREWALL_POLICY, RULE_COLLECTION_GROUP, VIRTUAL_NETWORK, ZONE_LINK
from aksegress.params.models import DNS_LINKS, PEERINGS, RULE_GROUPS

__all__ = ["PEERINGS", "RULE_GROUPS", "DNS_LINKS", "check_existing_hub", "hub_need", "requested"]


def hub_need(params, desired) -> str | None:
    """Which of ``HUB_WRITES`` a desired resource is in an existing hub; None for a hub the environment builds, or for
    a resource that is not the hub's."""
    if not params.hub.existing:
        return None
    rid, hub_vnet = desired.id.lower(), vnet_id(params.hub).lower()
    if rid.startswith(hub_vnet + "/virtualnetworkpeerings/"):
        return PEERINGS
    if rid.startswith(policy_id(params).lower() + "/rulecollectiongroups/"):
        return RULE_GROUPS
    linked = (((desired.body.get("properties") or {}).get("virtualNetwork")) or {}).get("id", "")
    if desired.kind is ZONE_LINK and linked.lower() == hub_vnet:
        return DNS_LINKS
    return None


def requested(params, desired) -> bool:
    """Whether a desired resource is the hub owners' to write: an existing hub's, of a kind ``hub.writes`` leaves out."""
    need = hub_need(params, desired)
    return need is not None and not params.hub.may_write(need)


def _wanted_groups(params) -> list[tuple[str, int]]:
    """(name, priority) of each rule collection group the environment will want in the hub's policy."""
    base = params.hub.rule_group_priority
    wanted = [(EGRESS_GROUP, base)] if cluster_sources(params) else []
    wanted += [(ACCESS_GROUP, base + ACCESS_OFFSET)] if params.access else []
    wanted += [(RUN_COMMAND_GROUP, base + RUN_COMMAND_OFFSET)] if run_command_rules(params) else []
    return [(params.rule_group_name(name), priority) for name, priority in wanted]


def _free_base(taken: set[int]) -> int:
    return next(b for b in range(100, 64801, 100) if not {b, b + ACCESS_OFFSET, b + RUN_COMMAND_OFFSET} & taken)


def hub_problems(params, firewall: dict | None, vnet: dict | None, policy: dict | None, groups: list[dict]) -> list[tuple[str, str]]:
    """What stops these params joining the hub as it is: missing resources, a spoke overlapping the hub's real
    address space, DNS proxy off where a spoke needs it, or a priority the environment wants already taken."""
    try:
        facts = hub_facts_of(params, firewall, vnet, policy)
    except MissingFact as exc:
        field = next((f for f in ("hub.vnet.name", "hub.firewall.name", "hub.firewall.policy") if f"({f})" in exc.message), "hub")
        return [(field, exc.message)]
    hub, problems = params.hub, []
    used = ((firewall.get("properties") or {}).get("firewallPolicy") or {}).get("id", "")
    if used.lower() != policy_id(params).lower():
        problems.append(("hub.firewall.policy", f"firewall {hub.firewall.name} uses policy {used.rsplit('/', 1)[-1] or '(none)'}, not "
                         f"{hub.firewall.policy}; name the policy the firewall uses"))
    spaces = [ip_network(s) for s in facts.address_space]
    for key, spoke in params.spokes.items():
        hits = [f"{n} overlaps the hub's {h}" for n in spoke.vnet.address_space for h in spaces if n.overlaps(h)]
        if hits:
            problems.append((f"spokes.{key}.vnet.address_space", "; ".join(hits) + " (read from Azure): peered VNets need disjoint "
                             "address spaces; pick a range the hub does not use"))
        if spoke.dns == "firewall" and not facts.dns_proxy:
            problems.append((f"spokes.{key}.dns", f"'firewall' needs DNS proxy on, and the hub's policy {hub.firewall.policy} has it "
                             "off (read from Azure); use dns: azure, or ask the hub's owners to enable it"))
    mine = {name.lower() for name, _ in _wanted_groups(params)}
    taken = {(g.get("properties") or {}).get("priority"): g.get("name") for g in groups if (g.get("name") or "").lower() not in mine}
    clashes = [f"{priority} ({name}) is taken by rule collection group {taken[priority]}" for name, priority in _wanted_groups(params)
               if priority in taken]
    if clashes:
        problems.append(("hub.rule_group_priority", "; ".join(clashes) + f" in policy {hub.firewall.policy} (read from Azure): groups "
                         f"of equal priority have no defined order; use a free one, e.g. {_free_base(set(taken))}"))
    return problems


def check_existing_hub(runbook) -> None:
    """Read the existing hub and refuse, before any write, params that do not fit it (``ParamsError`` naming each field)."""
    params = runbook.params
    clients = runbook.clients(params.hub.subscription_id)
    policy = FIREWALL_POLICY.get(clients, policy_id(params))
    groups = RULE_COLLECTION_GROUP.list_siblings(clients, f"{policy_id(params)}/ruleCollectionGroups/x") if policy else []
    problems = hub_problems(params, FIREWALL.get(clients, firewall_id(params)), VIRTUAL_NETWORK.get(clients, vnet_id(params.hub)),
                            policy, groups)
    if problems:
        raise ParamsError(f"params for {params.environment} (checked against the existing hub {params.hub.vnet.name})", problems)
