"""Reaching a private cluster without line of sight: user kubeconfig from ARM, kubectl through AKS run-command."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from aksegress.arm_json import to_arm
from aksegress.private_files import tighten, write_private


@dataclass(frozen=True)
class Kubeconfig:
    """Where a user kubeconfig was written and what it points at; the credentials stay in the file."""

    spoke: str
    cluster: str
    path: Path
    server: str
    context: str
    user: str


def kubeconfig_path(folder: Path, spoke: str, cluster: str) -> Path:
    """``folder/<spoke>-<cluster>.yaml``: keyed by spoke, since two spokes may hold clusters of the same name."""
    return Path(folder) / f"{spoke}-{cluster}.yaml"


def write_user_kubeconfig(clients, resource_group: str, cluster: str, folder: Path, spoke: str) -> Kubeconfig:
    """List the cluster's user credentials and write them to ``kubeconfig_path`` (0600, also when the file was looser)."""
    result = clients.containerservice.managed_clusters.list_cluster_user_credentials(resource_group, cluster)
    raw = result.kubeconfigs[0].value
    text = raw.decode() if isinstance(raw, (bytes, bytearray)) else str(raw)
    return _described(spoke, cluster, write_private(kubeconfig_path(folder, spoke, cluster), text), text)


def read_user_kubeconfig(path: Path, spoke: str, cluster: str) -> Kubeconfig | None:
    """The kubeconfig an earlier run wrote at ``path`` (made 0600 if it was looser); None when it is gone or unreadable."""
    try:
        text = Path(path).read_text()
        tighten(path)
        return _described(spoke, cluster, Path(path), text)
    except (OSError, ValueError, KeyError, IndexError, StopIteration, TypeError, AttributeError, yaml.YAMLError):
        return None


def _described(spoke: str, cluster: str, path: Path, text: str) -> Kubeconfig:
    config = yaml.safe_load(text)
    context = config.get("current-context") or config["contexts"][0]["name"]
    ctx = next(c["context"] for c in config["contexts"] if c["name"] == context)
    server = next(c["cluster"]["server"] for c in config["clusters"] if c["name"] == ctx["cluster"])
    return Kubeconfig(spoke, cluster, path, server, context, ctx["user"])


@dataclass(frozen=True)
class CommandResult:
    command: str
    exit_code: int
    logs: str


def run_kubectl(clients, resource_group: str, cluster: str, command: str) -> CommandResult:
    """Run ``command`` inside the cluster with AKS run-command, which needs no route to the API server."""
    poller = clients.containerservice.managed_clusters.begin_run_command(resource_group, cluster, {"command": command, "context": ""})
    props = to_arm(poller.result()).get("properties") or {}
    return CommandResult(command, int(props.get("exitCode") or 0), props.get("logs") or "")


def kubectl_table(output: str) -> pd.DataFrame:
    """kubectl's column output as a table, cutting at the header's column starts."""
    lines = [line for line in output.splitlines() if line.strip()]
    if not lines:
        return pd.DataFrame()
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    rows = []
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        rows.append(dict(zip(names, cells)))
    return pd.DataFrame(rows, columns=names)
