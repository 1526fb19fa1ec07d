"""Microsoft.Network private DNS: zones, virtual network links and record sets (A, SOA), with Azure's rules.

Zones, links and record sets are global resources with plain-GUID etags, so If-Match works as the
privatedns SDK expects. A link marks its VNet through the store's references (back-reference
`virtualNetworkLinks`); the network provider deletes such users with the VNet, as Azure deletes a VNet's
links. A link's `virtualNetworkLinkState` follows its async operation: InProgress, then Completed.
Every zone gets Azure's `@` SOA record set when it is created.

Zone and link writes are accepted as Azure accepts them: 202, no body, `Azure-AsyncOperation` and `Location`
under the resource group (`privateDnsOperationStatuses` / `privateDnsOperationResults`); a failed If-Match or
If-None-Match is not a 412 there but an operation that ends Failed with PreconditionFailed. Record sets answer
at once, and their 412 body is flat `{code, message}`.
"""

from __future__ import annotations

import ipaddress
import re

from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.ids import type_of
from aksegress.emulator.store import Record

ZONE = "Microsoft.Network/privateDnsZones"
LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
VNET = "Microsoft.Network/virtualNetworks"
LINKED_BY = "virtualNetworkLinks"  # back-reference a link leaves on its VNet; network.py deletes such users with it

_MAX_ZONE_LABELS = 34
_MAX_RECORDS_PER_SET = 20
_DEFAULT_TTL = 3600
_RESOLUTION_POLICIES = {"default": "Default", "nxdomainredirect": "NxDomainRedirect"}
_ZONE_LIMITS = {"maxNumberOfRecordSets": 25000, "maxNumberOfVirtualNetworkLinks": 1000,
                "maxNumberOfVirtualNetworkLinksWithRegistration": 100}
_SOA_DEFAULTS = {"host": "azureprivatedns.net", "email": "azureprivatedns-host.microsoft.com", "serialNumber": 1,
                 "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTtl": 10}


def _zone_of(child_id: str) -> str:
    """The id of the zone a link or record set id lies under."""
    return re.match(r"(.*?/providers/Microsoft\.Network/privateDnsZones/[^/]+)", child_id, re.IGNORECASE).group(1)


def _require_global(body: dict, kind: str) -> None:
    if body["location"] != "global":
        raise ArmError(400, "LocationNotAvailableForResourceType",
                       f"The provided location '{body['location']}' is not available for resource type '{kind}'. "
                       "List of available regions for the resource type is 'global'.")


_FIRST_POLL_IN_PROGRESS = 2  # the recorded first poll of a zone or link write says InProgress, the next Succeeded
_GROUP_OPERATIONS = ("privateDnsOperationStatuses", "privateDnsOperationResults")


def _precondition_failed(what: str, header: str, *, flat: bool = False) -> ArmError:
    reason = "has been modified (etag mismatch)" if header == "if-match" else "exists already and hence cannot be created again"
    return ArmError(412, "PreconditionFailed", f"The {what} {reason}.", flat=flat)


def _record_set_types(arm: Arm) -> set[str]:
    return {h.type.lower() for h in arm.handlers.values() if isinstance(h, RecordSetHandler)}


def _record_sets(arm: Arm, zone_id: str) -> list[Record]:
    types = _record_set_types(arm)
    return [r for r in arm.store.children(zone_id) if r.type in types]


class PrivateZoneHandler(ResourceHandler):
    type = ZONE
    long_running = True
    accepted_writes = True
    group_operations = _GROUP_OPERATIONS
    min_polls = _FIRST_POLL_IN_PROGRESS
    requires_location = True
    etag_format = "{}"

    def precondition_error(self, resource_id, existing, header):
        return _precondition_failed(f"Zone {resource_id.rsplit('/', 1)[-1]}", header)

    def validate(self, arm, body, existing):
        _require_global(body, ZONE)
        name = body["name"].rstrip(".")
        labels = name.split(".")
        if len(labels) < 2:
            raise ArmError(400, "BadRequest", f"The zone name '{name}' does not have enough labels. Zone names must "
                                              "have two or more labels.")
        if len(labels) > _MAX_ZONE_LABELS or any(not 0 < len(label) <= 63 for label in labels):
            raise ArmError(400, "BadRequest", f"The zone name '{name}' is invalid. Zone names may have at most "
                                              f"{_MAX_ZONE_LABELS} labels of 1 to 63 characters each.")
        props = body["properties"]
        for read_only in [*_ZONE_LIMITS, "numberOfRecordSets", "numberOfVirtualNetworkLinks",
                          "numberOfVirtualNetworkLinksWithRegistration", "internalId"]:
            props.pop(read_only, None)
        return body

    def write(self, arm, record, existing):
        arm.save(record)
        if existing is None:
            soa = {"id": f"{record.id}/SOA/@", "name": "@", "type": f"{ZONE}/SOA", "etag": record.body.get("etag"),
                   "properties": {"ttl": _DEFAULT_TTL, "fqdn": f"{record.body['name']}.",
                                  "soaRecord": dict(_SOA_DEFAULTS), "isAutoRegistered": False}}
            arm.save(Record(soa["id"], soa["type"], soa))

    def render(self, arm, record):
        body = dict(record.body, properties=dict(record.body["properties"]))
        links = arm.store.children(record.id, LINK)
        body["properties"].update(_ZONE_LIMITS, numberOfRecordSets=len(_record_sets(arm, record.id)),
                                  numberOfVirtualNetworkLinks=len(links),
                                  numberOfVirtualNetworkLinksWithRegistration=sum(
                                      1 for link in links if link.body["properties"].get("registrationEnabled")))
        return body

    def check_delete(self, arm, record):
        links = arm.store.children(record.id, LINK)
        if links:
            nested = f"{ZONE}/{record.body['name']}/virtualNetworkLinks/{links[0].body['name']}"
            raise ArmError(409, "CannotDeleteResource",
                           f"Cannot delete resource while nested resources exist. Some existing nested resource IDs "
                           f"include: '{nested}'. Please delete all nested resources before deleting this resource.")


def _linked_vnet(arm: Arm, vnet_id: str | None) -> Record:
    if not vnet_id:
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: properties.virtualNetwork.id is required.")
    try:
        is_vnet = type_of(vnet_id).lower() == VNET.lower()
    except ArmError:
        is_vnet = False
    vnet = arm.get(vnet_id) if is_vnet else None
    if vnet is None:
        raise ArmError(400, "BadRequest", f"Virtual network resource not found for '{vnet_id}'")
    return vnet


def _check_link_conflicts(arm: Arm, link_id: str, vnet: Record, registration: bool) -> None:
    """One link per (zone, VNet); no two same-named zones on a VNet; at most one registration zone per VNet."""
    zone_id = _zone_of(link_id)
    zone_name = zone_id.rsplit("/", 1)[-1]
    others = [arm.get(user_id) for user_id, _ in arm.store.referrers(vnet.id, LINKED_BY) if user_id.lower() != link_id.lower()]
    others = [(other, _zone_of(other.id)) for other in others if other]
    for _, other_zone_id in others:
        if other_zone_id.lower() == zone_id.lower():
            raise ArmError(409, "Conflict", f"Private zone '{zone_name}' is already linked to the virtual network "
                                            f"'{vnet.id}'.")
    for _, other_zone_id in others:
        other_name = other_zone_id.rsplit("/", 1)[-1]
        if other_name.lower() == zone_name.lower():
            raise ArmError(400, "BadRequest", "A virtual network cannot be linked to multiple zones with overlapping "
                                              f"namespaces. You tried to link virtual network with '{other_name}' and "
                                              f"'{zone_name}' zones.")
    for other, other_zone_id in others:
        if registration and other.body["properties"].get("registrationEnabled"):
            raise ArmError(409, "Conflict", "A virtual network can only be linked to 1 Private DNS zone(s) with "
                                            "auto-registration enabled; conflicting Private DNS zone is "
                                            f"'{other_zone_id.rsplit('/', 1)[-1]}'.")


class VirtualNetworkLinkHandler(ResourceHandler):
    type = LINK
    long_running = True
    accepted_writes = True
    group_operations = _GROUP_OPERATIONS
    min_polls = _FIRST_POLL_IN_PROGRESS
    requires_location = True
    etag_format = '"{}"'

    def precondition_error(self, resource_id, existing, header):
        zone = _zone_of(resource_id).rsplit("/", 1)[-1]
        name = resource_id.rsplit("/", 1)[-1]
        if header == "if-match":
            return _precondition_failed(f"Virtual Network link '{name}' for the Private DNS zone '{zone}'", header)
        return _precondition_failed(f"Virtual Network link {name} for the Private DNS zone {zone}", header)

    def validate(self, arm, body, existing):
        _require_global(body, LINK)
        props = body["properties"]
        props.pop("virtualNetworkLinkState", None)
        vnet = _linked_vnet(arm, (props.get("virtualNetwork") or {}).get("id"))
        if existing and existing.body["properties"]["virtualNetwork"]["id"].lower() != vnet.key:
            raise ArmError(400, "BadRequest", "The virtual network of an existing virtual network link cannot be changed.")
        registration = props.get("registrationEnabled", False)
        if not isinstance(registration, bool):
            raise ArmError(400, "BadRequest", "The specified virtual network link registration setting is invalid.")
        policy = _RESOLUTION_POLICIES.get(str(props.get("resolutionPolicy") or "Default").lower())
        if policy is None:
            raise ArmError(400, "BadRequest", "The specified virtual network link resolution policy is invalid.")
        _check_link_conflicts(arm, body["id"], vnet, registration)
        props.update(virtualNetwork={"id": vnet.id}, registrationEnabled=registration, resolutionPolicy=policy)
        return body

    def write(self, arm, record, existing):
        arm.save(record)
        arm.store.set_references(record.id, [(record.body["properties"]["virtualNetwork"]["id"], LINKED_BY)])

    def render(self, arm, record):
        body = dict(record.body, properties=dict(record.body["properties"]))
        done = body["properties"].get("provisioningState") == "Succeeded"
        body["properties"]["virtualNetworkLinkState"] = "Completed" if done else "InProgress"
        return body


def _check_record_set_name(name: str) -> None:
    labels = name.split(".")
    if name != "@" and any(not 0 < len(label) <= 63 for label in labels):
        raise ArmError(400, "BadRequest", f"The record set name '{name}' is invalid.")


class RecordSetHandler(ResourceHandler):
    """Record sets of one type (`A/{name}`); `records_field` holds the records, each checked by `check_record`."""

    long_running = False
    etag_format = "{}"

    def __init__(self, record_type: str, records_field: str):
        self.type, self.records_field = f"{ZONE}/{record_type}", records_field

    def check_record(self, record: dict) -> None:
        """Raise ArmError if one record of this type is malformed."""

    def precondition_error(self, resource_id, existing, header):
        return _precondition_failed(f"Record set {resource_id.rsplit('/', 1)[-1]}", header, flat=True)

    def validate(self, arm, body, existing):
        _check_record_set_name(body["name"])
        props = body["properties"]
        zone_name = _zone_of(body["id"]).rsplit("/", 1)[-1]
        props["fqdn"] = f"{zone_name}." if body["name"] == "@" else f"{body['name']}.{zone_name}."
        props["isAutoRegistered"] = False
        ttl = props.get("ttl", _DEFAULT_TTL)
        if not isinstance(ttl, int) or not 0 <= ttl <= 2147483647:
            raise ArmError(400, "BadRequest", f"The TTL value '{ttl}' is invalid.")
        props["ttl"] = ttl
        records = props.get(self.records_field)
        for record in records if isinstance(records, list) else []:
            self.check_record(record)
        if isinstance(records, list) and len(records) > _MAX_RECORDS_PER_SET:
            raise ArmError(400, "BadRequest", f"The record set '{body['name']}' has {len(records)} records; a record "
                                              f"set can hold at most {_MAX_RECORDS_PER_SET}.")
        return body

    def collection(self, arm, arm_path, request):
        suffix = request.query.get("$recordsetnamesuffix")
        records = arm.store.children(arm_path.parent_id, self.type)
        return [r for r in records if not suffix or r.body["name"].lower().endswith(suffix.lower())]


class ARecordSetHandler(RecordSetHandler):
    def __init__(self):
        super().__init__("A", "aRecords")

    def validate(self, arm, body, existing):
        body = super().validate(arm, body, existing)
        body["properties"].setdefault("aRecords", [])
        return body

    def check_record(self, record):
        address = (record or {}).get("ipv4Address")
        try:
            ipaddress.IPv4Address(str(address))
        except ValueError:
            raise ArmError(400, "BadRequest", f"The IPv4 address '{address}' is not valid.") from None


class SoaRecordSetHandler(RecordSetHandler):
    def __init__(self):
        super().__init__("SOA", "soaRecord")

    def validate(self, arm, body, existing):
        if existing is None:
            raise ArmError(400, "BadRequest", "A zone has exactly one SOA record set, '@', which Azure creates with it.")
        body = super().validate(arm, body, existing)
        current = existing.body["properties"]["soaRecord"]
        body["properties"]["soaRecord"] = {**current, **(body["properties"].get("soaRecord") or {}), "host": current["host"]}
        return body

    def check_delete(self, arm, record):
        raise ArmError(400, "BadRequest", "The SOA record set of a zone cannot be deleted.")


class AllRecordSetsHandler(ResourceHandler):
    """`{zone}/ALL`: the listing of every record set in a zone, whatever its type; not a resource of its own."""

    type = f"{ZONE}/ALL"
    etag_format = None

    def validate(self, arm, body, existing):
        raise ArmError(400, "BadRequest", "The record type 'ALL' can only be listed.")

    def collection(self, arm, arm_path, request):
        suffix = request.query.get("$recordsetnamesuffix")
        records = _record_sets(arm, arm_path.parent_id)
        return [r for r in records if not suffix or r.body["name"].lower().endswith(suffix.lower())]


HANDLERS = [PrivateZoneHandler(), VirtualNetworkLinkHandler(), ARecordSetHandler(), SoaRecordSetHandler(),
            AllRecordSetsHandler()]
