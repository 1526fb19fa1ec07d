"""Microsoft.ContainerService: AKS managed clusters, their credentials and `command invoke`, with the RP's rules.

A PUT is checked up front as the AKS RP does (UDR needs a route table on the node subnet whose 0.0.0.0/0 goes
to an appliance or gateway; the service CIDR must not overlap the VNet's subnets; the DNS service IP must lie
inside it; kubenet with a system-assigned identity cannot bring a route table). The cluster is stored at once,
with `identity.principalId`, and built as AKS builds it: the node resource group `MC_{rg}_{name}_{location}`
and, for a private cluster, the API server's private endpoint in the node subnet, the private zone
`{guid}.privatelink.{location}.azmk8s.io` with its A record and a link to the cluster VNet. When the create
operation finishes, the nodes bootstrap as AKS nodes do: the required egress and the API server are traced
through the connectivity model, and a blocked destination fails the operation with the vmssCSE error (exit 50,
51 or 52) AKS reports. Deleting the cluster deletes its node resource group.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import uuid
from datetime import UTC, datetime

from aksegress.aks_catalog import minor_of, offline_catalog
from aksegress.emulator.engine import Arm, ArmError, ArmResponse, ResourceHandler
from aksegress.emulator.kubectl import run_kubectl
from aksegress.emulator.providers.authorization import note_new_principal
from aksegress.emulator.providers.compute import CommandResultHandler
from aksegress.emulator.providers.nic import PRIVATE_ENDPOINT, endpoint_address
from aksegress.emulator.providers.resources import GROUP_TYPE
from aksegress.emulator.shell import run_script, snapshot_of
from aksegress.emulator.store import Record
from aksegress.naming import dns_prefix_problems
from aksegress.netmodel import egress_readiness, trace

CLUSTER = "Microsoft.ContainerService/managedClusters"
COMMAND_RESULT = "Microsoft.ContainerService/managedClusters/commandResults"
ZONE, LINK, A_RECORD = ("Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                        "Microsoft.Network/privateDnsZones/A")
ROUTE = "Microsoft.Network/routeTables/routes"
DEFAULT_VERSION = "1.33.5"
DEFAULT_VM_SIZE = "Standard_D2s_v5"
NODE_IMAGE = "AKSUbuntu-2204gen2containerd-202510.03.0"
_ALLOWED_DEFAULT_HOPS = {"virtualappliance", "virtualnetworkgateway"}
_CSE = {50: ("OutboundConnFailVMExtensionError", "Unable to establish outbound connection from agents, please see "
             "https://aka.ms/aks-required-ports-and-addresses for the destinations nodes must reach"),
        51: ("K8SAPIServerConnFailVMExtensionError", "Unable to establish connection from agents to Kubernetes API server, "
             "please see https://aka.ms/aks-required-ports-and-addresses"),
        52: ("K8SAPIServerDNSLookupFailVMExtensionError", "Agents are unable to resolve Kubernetes API server name. It's "
             "likely custom DNS server is not correctly configured, please see https://aka.ms/aks/private-cluster")}


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(p.lower() for p in parts).encode()).hexdigest()


def _uuid(*parts: str) -> str:
    return str(uuid.UUID(hex=_digest(*parts)[:32], version=4))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tenant(arm: Arm, sub: str) -> str:
    return next((t for s, t, _ in arm.store.subscriptions() if s == sub.lower()), "")


def _refuse(code: str, message: str) -> ArmError:
    return ArmError(400, code, message)


def _check_service_network(arm: Arm, network: dict, subnet: Record | None) -> None:
    try:
        service = ipaddress.ip_network(network["serviceCidr"], strict=False)
        dns_ip = ipaddress.ip_address(network["dnsServiceIP"])
    except ValueError as error:
        raise _refuse("InvalidParameter", f"The networkProfile is invalid: {error}.") from None
    if dns_ip not in service:
        raise _refuse("DnsServiceIpOutOfServiceCidr", f"The DNS service IP {dns_ip} is out of the range defined by "
                                                      f"service CIDR {service}.")
    if dns_ip in (service.network_address, service.network_address + 1):
        raise _refuse("DnsServiceIpConflicting", f"The DNS service IP {dns_ip} conflicts with an address Kubernetes "
                                                 f"reserves in service CIDR {service} (the network address or the API "
                                                 "server's service IP); use another address, such as the .10.")
    if dns_ip == service.broadcast_address:
        raise _refuse("DnsBroadcastAddressConflicting", f"The DNS service IP {dns_ip} is the broadcast address of "
                                                        f"service CIDR {service}.")
    if subnet is None:
        return
    vnet_id = subnet.id.rsplit("/subnets/", 1)[0]
    for sibling in arm.store.children(vnet_id, "Microsoft.Network/virtualNetworks/subnets"):
        sprops = sibling.body.get("properties") or {}
        for prefix in sprops.get("addressPrefixes") or [sprops.get("addressPrefix")]:
            if prefix and ipaddress.ip_network(prefix, strict=False).overlaps(service):
                raise _refuse("ServiceCidrOverlapExistingSubnetsCidr",
                              f"The specified service CIDR {service} is conflicted with an existing subnet CIDR {prefix}")


def _check_version(version: str) -> None:
    if minor_of(version) not in offline_catalog().kubernetes_minors:
        raise _refuse("AgentPoolK8sVersionNotSupported", f"Version {version} is not supported in this region. Please use "
                                                         "[az aks get-versions] command to get the supported version list in this region.")


def _check_dns_prefix(prefix: str) -> None:
    if dns_prefix_problems(prefix):
        raise _refuse("InvalidParameter", f"The value of parameter dnsPrefix is invalid. Error details: DNS prefix '{prefix}' is "
                                          "invalid. DNS prefix must contain between 1 and 54 characters, only letters, numbers and "
                                          "hyphens, and start and end with a letter or number. Please see https://aka.ms/aks-naming-rules "
                                          "for more details.")


def _check_subnet_size(pools: list[dict], subnet: Record | None, plugin: str) -> None:
    """With Azure CNI, AKS reserves maxPods + 1 addresses per node up front (InsufficientSubnetSize)."""
    if subnet is None or plugin != "azure":
        return
    sprops = subnet.body.get("properties") or {}
    prefix = (sprops.get("addressPrefixes") or [sprops.get("addressPrefix")])[0]
    available = ipaddress.ip_network(prefix, strict=False).num_addresses - 5
    wanted = sum(p["count"] * (p["maxPods"] + 1) for p in pools if (p.get("vnetSubnetID") or "").lower() == subnet.key)
    if wanted > available:
        raise _refuse("InsufficientSubnetSize", f"Pre-allocated IPs {wanted} exceeds IPs available {available} in Subnet Cidr "
                                                f"{prefix}, Subnet Name {subnet.body['name']}. http://aka.ms/aks/insufficientsubnetsize")


def _check_routing(arm: Arm, network: dict, subnet: Record | None, subnet_id: str, identity: dict) -> None:
    route_table_id = ((subnet.body.get("properties") or {}).get("routeTable") or {}).get("id") if subnet else None
    if network["networkPlugin"] == "kubenet" and route_table_id and identity.get("type") == "SystemAssigned":
        raise _refuse("CustomRouteTableWithUnsupportedMSIType", "Clusters using managed identity type SystemAssigned do "
                                                                "not support bringing your own route table. Please see "
                                                                "https://aka.ms/aks/customrt for more information")
    if network["outboundType"].lower() != "userdefinedrouting":
        return
    if subnet is None:
        raise _refuse("InvalidParameter", "outboundType userDefinedRouting requires a custom virtual network: set "
                                          "agentPoolProfiles[].vnetSubnetID to a subnet with a route table.")
    if not route_table_id:
        raise _refuse("ExistingRouteTableNotAssociatedWithSubnet", f"An existing route table has not been associated "
                                                                   f"with subnet {subnet_id}. Please update the route table association")
    for route in arm.store.children(route_table_id, ROUTE):
        rprops = route.body.get("properties") or {}
        hop = str(rprops.get("nextHopType") or "")
        if rprops.get("addressPrefix") == "0.0.0.0/0" and hop.lower() not in _ALLOWED_DEFAULT_HOPS:
            raise _refuse("RouteTableInvalidNextHop", f"Default route 0.0.0.0/0 has next hop of {hop} but only next hops "
                                                      "of VirtualAppliance or VirtualNetworkGateway are allowed")


def _network_profile(props: dict) -> dict:
    network = {k: v for k, v in (props.get("networkProfile") or {}).items() if k != "dockerBridgeCidr"}
    network.setdefault("networkPlugin", "azure")
    network.setdefault("serviceCidr", "10.0.0.0/16")
    network.setdefault("dnsServiceIP", "10.0.0.10")
    network.setdefault("outboundType", "loadBalancer")
    network.setdefault("loadBalancerSku", "standard")
    network.setdefault("networkPolicy", "none")
    network["serviceCidrs"] = [network["serviceCidr"]]
    network["ipFamilies"] = ["IPv4"]
    if network["networkPlugin"] == "kubenet":
        network.setdefault("podCidr", "10.244.0.0/16")
        network["podCidrs"] = [network["podCidr"]]
    return network


def _agent_pools(props: dict, version: str, plugin: str) -> list[dict]:
    pools = [dict(p) for p in props.get("agentPoolProfiles") or []]
    if not pools:
        raise _refuse("InvalidParameter", "The cluster needs at least one agent pool in agentPoolProfiles.")
    for pool in pools:
        pool.setdefault("name", "nodepool1")
        pool["count"] = int(pool.get("count") or 3)
        pool["vmSize"] = pool.get("vmSize") or DEFAULT_VM_SIZE
        pool["orchestratorVersion"] = pool.get("orchestratorVersion") or version
        pool["currentOrchestratorVersion"] = pool["orchestratorVersion"]
        pool["osDiskSizeGB"] = int(pool.get("osDiskSizeGB") or 128)
        pool.setdefault("osDiskType", "Managed")
        pool["maxPods"] = int(pool.get("maxPods") or (30 if plugin == "azure" else 110))
        pool.setdefault("type", "VirtualMachineScaleSets")
        pool.setdefault("mode", "System")
        pool.setdefault("osType", "Linux")
        pool["osSKU"] = pool.get("osSKU") or "Ubuntu"
        pool["nodeImageVersion"] = NODE_IMAGE
        pool["powerState"] = {"code": "Running"}
        pool["provisioningState"] = "Creating"
    return pools


def _always_returned(props: dict, cluster_id: str, private: bool) -> None:
    """The profiles AKS fills in whatever the client sent (as its recorded answers show)."""
    for pool in props["agentPoolProfiles"]:
        pool.setdefault("kubeletDiskType", "OS")
    if props["networkProfile"].get("outboundType") == "loadBalancer":
        props["networkProfile"].setdefault("loadBalancerProfile", {"managedOutboundIPs": {"count": 1}})
    props.setdefault("servicePrincipalProfile", {"clientId": "msi"})
    props.setdefault("oidcIssuerProfile", {"enabled": False})
    props.setdefault("securityProfile", {})
    props.setdefault("workloadAutoScalerProfile", {})
    storage = props["storageProfile"] = dict(props.get("storageProfile") or {})
    for driver in ("diskCSIDriver", "fileCSIDriver", "snapshotController"):
        storage[driver] = {"enabled": True, **(storage.get(driver) or {})}
    props["resourceUID"] = _digest(cluster_id, "uid")[:24]
    if private:
        props["privateLinkResources"] = [{"id": f"{cluster_id}/privateLinkResources/management", "name": "management",
                                          "type": f"{CLUSTER}/privateLinkResources", "groupId": "management",
                                          "requiredMembers": ["management"]}]


class ManagedClusterHandler(ResourceHandler):
    type = CLUSTER
    long_running = True
    slowness = 3
    requires_location = True

    def busy(self, operation_url, operation):
        return ArmError(409, "OperationNotAllowed", f"Operation is not allowed: Another operation ({operation}) is in progress, "
                                                    "please wait for it to finish before starting a new operation. "
                                                    "See https://aka.ms/aks-pending-operation for more details")

    def validate(self, arm, body, existing):
        props, cid, location = body["properties"], body["id"], body["location"]
        sub, rg, name = cid.split("/")[2], cid.split("/")[4], body["name"]
        identity = dict(body.get("identity") or existing and existing.body.get("identity") or {"type": "SystemAssigned"})
        if identity.get("type") == "SystemAssigned":
            identity.update(principalId=_uuid(cid, "principal"), tenantId=_tenant(arm, sub))
        body["identity"] = identity
        version = props.get("kubernetesVersion") or DEFAULT_VERSION
        if not existing or version != existing.body["properties"].get("kubernetesVersion"):
            _check_version(version)
        network = _network_profile(props)
        pools = _agent_pools(props, version, network["networkPlugin"])
        subnet_id = next((p["vnetSubnetID"] for p in pools if p.get("vnetSubnetID")), "")
        subnet = arm.get(subnet_id) if subnet_id else None
        if subnet_id and subnet is None:
            raise _refuse("SubnetNotFound", f"The subnet {subnet_id} of agent pool {pools[0]['name']} was not found.")
        _check_service_network(arm, network, subnet)
        _check_subnet_size(pools, subnet, network["networkPlugin"])
        _check_routing(arm, network, subnet, subnet_id, identity)
        prefix = props.get("dnsPrefix") or "".join(c for c in f"{name[:10]}-{rg[:16]}-{sub[:6]}" if c.isalnum() or c == "-")
        _check_dns_prefix(prefix)
        label = f"{prefix.lower()}-{_digest(cid, 'fqdn')[:8]}"
        access = dict(props.get("apiServerAccessProfile") or {})
        private = bool(access.get("enablePrivateCluster"))
        node_rg = props.get("nodeResourceGroup") or f"MC_{rg}_{name}_{location}"[:80]
        props.update(kubernetesVersion=version, currentKubernetesVersion=version, dnsPrefix=prefix, networkProfile=network,
                     agentPoolProfiles=pools, nodeResourceGroup=node_rg, maxAgentPools=100, powerState={"code": "Running"},
                     fqdn=f"{label}.hcp.{location}.azmk8s.io", azurePortalFQDN=f"{label}.portal.hcp.{location}.azmk8s.io",
                     enableRBAC=props.get("enableRBAC", True), supportPlan=props.get("supportPlan") or "KubernetesOfficial")
        props.pop("privateFQDN", None)
        if private:
            access.setdefault("privateDNSZone", "system")
            access.setdefault("enablePrivateClusterPublicFQDN", True)
            access.pop("authorizedIPRanges", None)
            props["privateFQDN"] = f"{label}.{self.zone_name(cid, location)}"
        props["apiServerAccessProfile"] = access
        node_rg_id = f"/subscriptions/{sub}/resourceGroups/{node_rg}"
        props["identityProfile"] = {"kubeletidentity": {
            "resourceId": f"{node_rg_id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}-agentpool",
            "clientId": _uuid(cid, "kubelet-client"), "objectId": _uuid(cid, "kubelet-object")}}
        _always_returned(props, cid, private)
        body.setdefault("sku", {"name": "Base", "tier": "Free"})
        created = (existing.body.get("systemData") or {}).get("createdAt") if existing else None
        body["systemData"] = {"createdAt": created or _now(), "lastModifiedAt": _now()}
        return body

    @staticmethod
    def zone_name(cluster_id: str, location: str) -> str:
        return f"{_uuid(cluster_id, 'zone')}.privatelink.{location}.azmk8s.io"

    def write(self, arm, record, existing):
        upgrading = existing and record.body["properties"].get("kubernetesVersion") != existing.body["properties"].get("kubernetesVersion")
        record.body["properties"]["provisioningState"] = "Upgrading" if upgrading else "Updating" if existing else "Creating"
        arm.save(record)
        if existing is None:
            kubelet = (record.body["properties"].get("identityProfile") or {}).get("kubeletidentity") or {}
            for principal in (record.body.get("identity", {}).get("principalId"), kubelet.get("objectId")):
                if principal:
                    note_new_principal(arm, principal)
        node_rg = self._node_group(arm, record)
        props = record.body["properties"]
        subnet_id = next((p["vnetSubnetID"] for p in props["agentPoolProfiles"] if p.get("vnetSubnetID")), "")
        if subnet_id:
            for pool in props["agentPoolProfiles"]:
                arm.store.set_references(self._scale_set_config(node_rg.id, record, pool), [(pool.get("vnetSubnetID") or subnet_id, "ipConfigurations")])
        if props.get("privateFQDN") and subnet_id:
            self._private_api_server(arm, record, node_rg, subnet_id)

    @staticmethod
    def _scale_set_config(node_rg_id: str, record: Record, pool: dict) -> str:
        scale_set = f"aks-{pool['name']}-{str(int(_digest(record.id, pool['name'])[:12], 16))[-8:].zfill(8)}-vmss"
        return (f"{node_rg_id}/providers/Microsoft.Compute/virtualMachineScaleSets/{scale_set}/virtualMachines/0/"
                f"networkInterfaces/{scale_set}/ipConfigurations/ipconfig1")

    @staticmethod
    def _node_group(arm: Arm, record: Record) -> Record:
        sub = record.id.split("/")[2]
        rid = f"/subscriptions/{sub}/resourceGroups/{record.body['properties']['nodeResourceGroup']}"
        group = arm.get(rid)
        if group is None:
            group = Record(rid, GROUP_TYPE, {"id": rid, "name": rid.rsplit("/", 1)[-1], "type": GROUP_TYPE,
                                             "location": record.body["location"], "managedBy": record.id,
                                             "tags": {"aks-managed-cluster-name": record.body["name"],
                                                      "aks-managed-cluster-rg": record.id.split("/")[4]},
                                             "properties": {"provisioningState": "Succeeded"}})
            arm.store.put(group, parent=f"/subscriptions/{sub}", rg=rid, sub=sub)
        return group

    def _private_api_server(self, arm: Arm, record: Record, node_rg: Record, subnet_id: str) -> None:
        props, location = record.body["properties"], record.body["location"]
        pe_id = f"{node_rg.id}/providers/{PRIVATE_ENDPOINT}/kube-apiserver"
        endpoint = arm.get(pe_id) or arm.create(pe_id, PRIVATE_ENDPOINT, {"location": location, "properties": {
            "subnet": {"id": subnet_id},
            "customDnsConfigs": [{"fqdn": props["privateFQDN"]}],
            "privateLinkServiceConnections": [{"name": "kube-apiserver", "properties": {
                "privateLinkServiceId": f"/subscriptions/{_uuid(record.id, 'pls-sub')}/resourceGroups/hcp-underlay/providers/"
                                        f"Microsoft.Network/privateLinkServices/{_digest(record.id, 'pls')[:24]}",
                "groupIds": ["management"],
                "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto Approved",
                                                      "actionsRequired": "None"}}}]}})
        zone_name = self.zone_name(record.id, location)
        zone_id = f"{node_rg.id}/providers/{ZONE}/{zone_name}"
        if arm.get(zone_id) is None:
            arm.create(zone_id, ZONE, {"location": "global", "properties": {}})
        label = props["privateFQDN"].split(".", 1)[0]
        arm.create(f"{zone_id}/A/{label}", A_RECORD, {"properties": {"ttl": 300, "aRecords": [
            {"ipv4Address": endpoint_address(arm, endpoint)}]}})
        vnet_id = subnet_id.rsplit("/subnets/", 1)[0]
        link_id = f"{zone_id}/virtualNetworkLinks/{_digest(record.id, vnet_id)[:12]}"
        if arm.get(link_id) is None:
            arm.create(link_id, LINK, {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id},
                                                                             "registrationEnabled": False}})

    def complete(self, arm, record):
        failure = _bootstrap_failure(arm, record)
        for pool in record.body["properties"]["agentPoolProfiles"]:
            pool["provisioningState"] = "Failed" if failure else "Succeeded"
        return failure

    def on_delete(self, arm, record):
        group = arm.get(f"/subscriptions/{record.id.split('/')[2]}/resourceGroups/{record.body['properties'].get('nodeResourceGroup')}")
        for pool in record.body["properties"].get("agentPoolProfiles") or []:
            if group:
                arm.store.set_references(self._scale_set_config(group.id, record, pool), [])
        if group and (group.body.get("managedBy") or "").lower() == record.key:
            arm.delete_tree(group)

    def action(self, arm, record, name, request):
        kind = name.lower()
        if kind in ("listclusterusercredential", "listclusteradmincredential"):
            return ArmResponse(200, _credentials(arm, record, admin=kind.endswith("admincredential"),
                                                 public=request.query.get("server-fqdn") == "public"))
        if kind == "runcommand":
            command = str(request.json().get("command") or "")
            if not command:
                raise _refuse("InvalidParameter", "The command of a run command request must not be empty.")
            started = _now()
            exit_code, logs = run_kubectl(command, arm.render(record))
            result = {"id": "", "properties": {"provisioningState": "Succeeded", "exitCode": exit_code, "startedAt": started,
                                               "finishedAt": _now(), "logs": logs}}
            return CommandResultHandler.start(arm, record, "commandResults", COMMAND_RESULT, result, request)
        return super().action(arm, record, name, request)


def _bootstrap_failure(arm: Arm, record: Record) -> dict | None:
    """The vmssCSE error AKS reports if the nodes of this cluster cannot bootstrap, else None."""
    props = record.body["properties"]
    subnet_ids = list(dict.fromkeys(p["vnetSubnetID"].lower() for p in props["agentPoolProfiles"] if p.get("vnetSubnetID")))
    if not subnet_ids:
        return None
    snap = snapshot_of(arm)
    for subnet_id in subnet_ids:
        subnet = snap.subnets.get(subnet_id)
        if subnet is None:
            continue
        pool = next(p["name"] for p in props["agentPoolProfiles"] if (p.get("vnetSubnetID") or "").lower() == subnet_id)
        rows = egress_readiness(snap, subnet, include_conditional=False).table.to_dict(orient="records")
        blocked = next((r for r in rows if r["required"] == "yes" and r["disposition"] != "DELIVERED"), None)
        if blocked:
            host, port = blocked["probe"], int(blocked["port"])
            probe = (f"curl -sS --max-time 10 {'https' if port == 443 else 'http'}://{host}/" if port in (80, 443)
                     else f"nc -vz {host} {port}")  # through the firewall a TCP connect on 80/443 always succeeds
            return _cse_error(50, pool, run_script(snap, subnet_id, [probe], "aks-node").stderr,
                              f"{blocked['probe']}:{blocked['port']} blocked: {blocked['disposition']}")
        fqdn = props.get("privateFQDN")
        if fqdn:
            reach = trace(snap, subnet_id, fqdn, 443)
            if reach.disposition.startswith("DNS_"):
                return _cse_error(52, pool, f"nslookup {fqdn} failed\n", f"{fqdn} does not resolve: {reach.disposition}")
            if not reach.delivered:
                return _cse_error(51, pool, f"nc: connect to {fqdn} port 443 (tcp) failed: Connection timed out\n",
                                  f"{fqdn}:443 blocked: {reach.disposition}")
    return None


def _cse_error(status: int, pool: str, stderr: str, blocked: str) -> dict:
    code, gist = _CSE[status]
    extension = (f"VM has reported a failure when processing extension 'vmssCSE' on instance 0 of agent pool {pool}. "
                 f"Error message: \"Enable failed: failed to execute command: command terminated with exit status={status}\n"
                 f"[stdout]\n\n[stderr]\n{stderr}\"")
    message = f"{gist} ({code}). Details: vmssCSE exit status={status} ({blocked}). {extension}"
    return {"code": "VMExtensionProvisioningError", "message": message,
            "details": [{"code": code, "message": f"vmssCSE exit status={status}: {blocked}"}]}


def _credentials(arm: Arm, record: Record, admin: bool, public: bool) -> dict:
    props, name, rg = record.body["properties"], record.body["name"], record.id.split("/")[4]
    if admin and props.get("disableLocalAccounts"):
        raise _refuse("BadRequest", "Getting static credential is not allowed because this cluster is set to disable "
                                    "local accounts.")
    server = props["fqdn"] if public or not props.get("privateFQDN") else props["privateFQDN"]
    kind = "clusterAdmin" if admin else "clusterUser"
    key = (arm.store.setting("signing_key") or "aksegress").encode()
    token = hmac.new(key, f"{record.key}|{kind}".encode(), hashlib.sha256).hexdigest()
    authority = base64.b64encode(f"-----BEGIN CERTIFICATE-----\n{_digest(record.id, 'ca') * 8}\n-----END CERTIFICATE-----\n"
                                 .encode()).decode()
    user = f"{kind}_{rg}_{name}"
    kubeconfig = (f"apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {authority}\n"
                  f"    server: https://{server}:443\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n"
                  f"    user: {user}\n  name: {name}\ncurrent-context: {name}\nkind: Config\npreferences: {{}}\n"
                  f"users:\n- name: {user}\n  user:\n    token: {token}\n")
    return {"kubeconfigs": [{"name": kind, "value": base64.b64encode(kubeconfig.encode()).decode()}]}


class ManagedClusterCommandResultHandler(CommandResultHandler):
    type = COMMAND_RESULT

    def running_view(self, record):
        return {"id": record.body["name"], "properties": {"provisioningState": "Running",
                                                          "startedAt": record.body["_result"]["properties"]["startedAt"]}}

    def finished_view(self, record):
        return dict(record.body["_result"], id=record.body["name"])


HANDLERS = [ManagedClusterHandler(), ManagedClusterCommandResultHandler()]
