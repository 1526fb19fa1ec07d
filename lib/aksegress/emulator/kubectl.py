"""kubectl as `az aks command invoke` runs it inside a cluster: nodes, namespaces and system pods of an AKS cluster.

`run_kubectl(command, cluster)` answers from the cluster's ARM body (agent pools, Kubernetes version, creation
time): node names `aks-{pool}-{8 digits}-vmss00000N`, the namespaces AKS creates, and the kube-system pods AKS
runs, in kubectl's column layout (or `-o json`). Names and suffixes are derived from the cluster id, so they are
stable across calls. Anything else answers as kubectl or bash would refuse it.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from datetime import UTC, datetime

_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
# (workload, kind, ready containers, replicas or None for one per node)
_SYSTEM_PODS = (("azure-cns", "ds", "1/1", None), ("azure-ip-masq-agent", "ds", "1/1", None),
                ("cloud-node-manager", "ds", "1/1", None), ("coredns", "deploy", "1/1", 2),
                ("coredns-autoscaler", "deploy", "1/1", 1), ("csi-azuredisk-node", "ds", "3/3", None),
                ("csi-azurefile-node", "ds", "3/3", None), ("konnectivity-agent", "deploy", "1/1", 2),
                ("konnectivity-agent-autoscaler", "deploy", "1/1", 1), ("kube-proxy", "ds", "1/1", None),
                ("metrics-server", "deploy", "2/2", 2))


def _hash(*parts: str) -> str:
    return hashlib.sha256("/".join(p.lower() for p in parts).encode()).hexdigest()


def _suffix(seed: str, length: int) -> str:
    digest = int(_hash(seed), 16)
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(_SUFFIX_ALPHABET))
        chars.append(_SUFFIX_ALPHABET[index])
    return "".join(chars)


def human_age(seconds: float) -> str:
    """kubectl's AGE column (its HumanDuration rules)."""
    seconds = max(0, int(seconds))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 730:
        return f"{days}d"
    return f"{days // 365}y{days % 365}d"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns as kubectl's tabwriter lays them out: each padded to its widest cell plus three spaces."""
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    lines = []
    for row in [headers] + rows:
        cells = [str(cell).ljust(widths[i] + 3) if i < len(row) - 1 else str(cell) for i, cell in enumerate(row)]
        lines.append("".join(cells))
    return "\n".join(lines) + "\n"


class ClusterView:
    """The in-cluster objects an AKS cluster's ARM body implies."""

    def __init__(self, cluster: dict, now: datetime | None = None):
        self.id, self.props = cluster["id"], cluster.get("properties") or {}
        created = (cluster.get("systemData") or {}).get("createdAt")
        self.created = datetime.fromisoformat(created.replace("Z", "+00:00")) if created else datetime.now(UTC)
        self.age = human_age(((now or datetime.now(UTC)) - self.created).total_seconds())
        self.version = self.props.get("currentKubernetesVersion") or self.props.get("kubernetesVersion") or ""
        self.joined = self.props.get("provisioningState") != "Failed"

    def nodes(self) -> list[dict]:
        found = []
        for pool in self.props.get("agentPoolProfiles") or []:
            digits = str(int(_hash(self.id, pool["name"])[:12], 16))[-8:].zfill(8)
            for index in range(int(pool.get("count") or 0)):
                found.append({"name": f"aks-{pool['name']}-{digits}-vmss{index:06d}", "pool": pool["name"],
                              "version": f"v{pool.get('currentOrchestratorVersion') or self.version}",
                              "mode": pool.get("mode", "System"), "vmSize": pool.get("vmSize", "")})
        return found if self.joined else []

    def pods(self) -> list[dict]:
        nodes = self.nodes()
        if not nodes:
            return []
        pods = []
        for workload, kind, ready, replicas in _SYSTEM_PODS:
            if kind == "ds":
                pods += [{"name": f"{workload}-{_suffix(self.id + workload + n['name'], 5)}", "ready": ready, "node": n["name"]}
                         for n in nodes]
            else:
                template = _suffix(self.id + workload, 10)
                pods += [{"name": f"{workload}-{template}-{_suffix(self.id + workload + str(i), 5)}", "ready": ready,
                          "node": nodes[i % len(nodes)]["name"]} for i in range(replicas)]
        return sorted(pods, key=lambda p: p["name"])


def _node_json(node: dict, created: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node["name"], "creationTimestamp": created,
                         "labels": {"agentpool": node["pool"], "kubernetes.azure.com/mode": node["mode"].lower(),
                                    "kubernetes.io/hostname": node["name"], "kubernetes.io/os": "linux",
                                    "node.kubernetes.io/instance-type": node["vmSize"]}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "kubelet is posting ready status"}],
                       "nodeInfo": {"kubeletVersion": node["version"], "osImage": "Ubuntu 22.04.5 LTS",
                                    "containerRuntimeVersion": "containerd://1.7.28-1", "operatingSystem": "linux",
                                    "architecture": "amd64"}}}


def _as_list(items: list[dict]) -> str:
    return json.dumps({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}, indent=4) + "\n"


def run_kubectl(command: str, cluster: dict, now: datetime | None = None) -> tuple[int, str]:
    """(exit code, logs) of one command line run in the cluster's command pod."""
    try:
        words = shlex.split(command)
    except ValueError:
        return 2, "bash: -c: line 1: unexpected EOF while looking for matching quote\n"
    if not words:
        return 0, ""
    if words[0] != "kubectl":
        return 127, f"bash: line 1: {words[0]}: command not found\n"
    view = ClusterView(cluster, now)
    args, namespace, output, all_namespaces = [], "default", "", False
    items = iter(words[1:])
    for word in items:
        if word in ("-n", "--namespace"):
            namespace = next(items, "default")
        elif word.startswith("--namespace="):
            namespace = word.split("=", 1)[1]
        elif word in ("-o", "--output"):
            output = next(items, "")
        elif word.startswith(("-o=", "--output=")):
            output = word.split("=", 1)[1]
        elif word in ("-A", "--all-namespaces"):
            all_namespaces = True
        else:
            args.append(word)
    if not args:
        return 1, 'error: unknown command "" for "kubectl"\n'
    if args[0] == "version":
        return 0, f"Client Version: v{view.version}\nKustomize Version: v5.6.0\nServer Version: v{view.version}\n"
    if args[0] == "cluster-info":
        server = cluster["properties"].get("privateFQDN") or cluster["properties"].get("fqdn")
        return 0, (f"Kubernetes control plane is running at https://{server}:443\n"
                   f"CoreDNS is running at https://{server}:443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n"
                   f"Metrics-server is running at https://{server}:443/api/v1/namespaces/kube-system/services/https:metrics-server:/proxy\n\n"
                   "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
    if args[0] != "get":
        return 1, f'error: unknown command "{args[0]}" for "kubectl"\nRun \'kubectl --help\' for usage.\n'
    kind = args[1] if len(args) > 1 else ""
    if kind in ("nodes", "node", "no"):
        return _nodes(view, output)
    if kind in ("namespaces", "namespace", "ns"):
        return _namespaces(view, output)
    if kind in ("pods", "pod", "po"):
        return _pods(view, namespace, all_namespaces, output)
    if not kind:
        return 1, "error: Required resource not specified.\n"
    return 1, f'error: the server doesn\'t have a resource type "{kind}"\n'


def _nodes(view: ClusterView, output: str) -> tuple[int, str]:
    nodes = view.nodes()
    if output == "json":
        return 0, _as_list([_node_json(n, view.created.strftime("%Y-%m-%dT%H:%M:%SZ")) for n in nodes])
    if not nodes:
        return 0, "No resources found\n"
    return 0, table(["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
                    [[n["name"], "Ready", "<none>", view.age, n["version"]] for n in nodes])


def _namespaces(view: ClusterView, output: str) -> tuple[int, str]:
    if output == "json":
        return 0, _as_list([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n},
                             "status": {"phase": "Active"}} for n in _NAMESPACES])
    return 0, table(["NAME", "STATUS", "AGE"], [[n, "Active", view.age] for n in _NAMESPACES])


def _pods(view: ClusterView, namespace: str, all_namespaces: bool, output: str) -> tuple[int, str]:
    pods = view.pods() if all_namespaces or namespace == "kube-system" else []
    if output == "json":
        return 0, _as_list([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p["name"], "namespace": "kube-system"},
                             "spec": {"nodeName": p["node"]}, "status": {"phase": "Running"}} for p in pods])
    if not pods:
        return 0, "No resources found\n" if all_namespaces else f"No resources found in {namespace} namespace.\n"
    rows = [[p["name"], p["ready"], "Running", "0", view.age] for p in pods]
    headers = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    if all_namespaces:
        headers, rows = ["NAMESPACE"] + headers, [["kube-system"] + r for r in rows]
    return 0, table(headers, rows)
