"""Step 07: a user kubeconfig for each cluster, and its nodes, namespaces and system pods via run-command.

Everything is keyed by spoke: two spokes may hold clusters of the same name, as Azure allows. Each credential listing
and kubectl runs once per step; a re-run may show an earlier run's instead, saying so (``probe_results``)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from aksegress.checks import Verdict
from aksegress.kube import Kubeconfig, kubectl_table, read_user_kubeconfig, run_kubectl, write_user_kubeconfig
from aksegress.layout import kube_dir
from aksegress.probe_results import Probed
from aksegress.steps.spec import StepSpec

PLAN_ONLY = "not checked: plan-only run"
COMMANDS = {"nodes": "kubectl get nodes", "namespaces": "kubectl get namespaces", "kube-system pods": "kubectl get pods -n kube-system"}


def no_resources(params, facts) -> list:
    return []


def kubeconfigs(step) -> list[tuple[Kubeconfig, Probed]]:
    """Each cluster's user kubeconfig with where it comes from: listed and written in this step, or the file an earlier
    run wrote when the cluster is unchanged since (``probe_results``)."""
    folder = kube_dir(step.params.environment)
    out = []
    for key, spoke in step.params.spokes_with_cluster():
        clients, name = step.runbook.clients(spoke.subscription_id), spoke.cluster.name
        probed = step.probes().take(
            f"07/{key}/kubeconfig", [step.runbook.facts.cluster_body(key)],
            lambda: _as_json(write_user_kubeconfig(clients, spoke.resource_group, name, folder, key)),
            still_valid=lambda value: _as_json(read_user_kubeconfig(Path(value["path"]), key, name)) == value)
        out.append((Kubeconfig(**{**probed.value, "path": Path(probed.value["path"])}), probed))
    return out


def _as_json(config: Kubeconfig | None) -> dict | None:
    return {**asdict(config), "path": str(config.path)} if config else None


def _not_checked(step) -> pd.DataFrame:
    """A plan reads: no credentials are listed (a POST) and no kubeconfig is rewritten, no run-command runs."""
    return pd.DataFrame([{"spoke": key, "cluster": s.cluster.name, "result": PLAN_ONLY} for key, s in step.params.spokes_with_cluster()])


def kubeconfig_table(step) -> pd.DataFrame:
    if step.plan_only:
        return _not_checked(step)
    return pd.DataFrame([{"spoke": k.spoke, "cluster": k.cluster, "server": k.server, "context": k.context, "user": k.user,
                          "file": str(k.path), "listed": probed.label()} for k, probed in kubeconfigs(step)])


def _kubectl_output(step, key: str, spoke, what: str) -> Probed:
    """What kubectl printed inside the cluster (a ``CommandResult`` as a dict), run once per step, or an earlier run's that
    succeeded when the cluster is unchanged since."""
    clients = step.runbook.clients(spoke.subscription_id)
    return step.probes().take(f"07/{key}/{COMMANDS[what]}", [step.runbook.facts.cluster_body(key)],
                              lambda: asdict(run_kubectl(clients, spoke.resource_group, spoke.cluster.name, COMMANDS[what])),
                              still_valid=lambda value: value["exit_code"] == 0)


def _kubectl(step, what: str) -> pd.DataFrame:
    if step.plan_only:
        return _not_checked(step)
    frames = []
    for key, spoke in step.params.spokes_with_cluster():
        probed = _kubectl_output(step, key, spoke, what)
        frame = kubectl_table(probed.value["logs"])
        frame.insert(0, "cluster", spoke.cluster.name)
        frame.insert(0, "spoke", key)
        frame["probed"] = probed.label()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def checks(step) -> list[Verdict]:
    out = []
    configs = {k.spoke: (k, probed) for k, probed in kubeconfigs(step)}
    nodes = _kubectl(step, "nodes")
    names = [spoke.cluster.name for _, spoke in step.params.spokes_with_cluster()]
    for key, spoke in step.params.spokes_with_cluster():
        facts = step.runbook.facts.cluster(key)
        label = spoke.cluster.name if names.count(spoke.cluster.name) == 1 else f"{spoke.cluster.name} ({key})"
        config, listed = configs[key]
        out.append(Verdict(f"{label} kubeconfig points at the private FQDN", facts.private_fqdn in config.server,
                           f"{config.server} ({listed.source()})"))
        mine = nodes[nodes["spoke"] == key] if len(nodes) else nodes
        ready = int((mine["STATUS"] == "Ready").sum()) if len(mine) else 0
        out.append(Verdict(f"{label} has {spoke.cluster.node_count} Ready node(s)", ready == spoke.cluster.node_count,
                           f"{ready} Ready of {len(mine)} listed ({_kubectl_output(step, key, spoke, 'nodes').source()})"))
    return out


STEP = StepSpec(
    "07", "cluster-access", "Cluster access: kubeconfig and kubectl through run-command",
    desired=no_resources,
    tables={"kubeconfig": kubeconfig_table, **{name: (lambda step, n=name: _kubectl(step, n)) for name in COMMANDS}},
    checks=checks,
)
