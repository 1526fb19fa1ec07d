"""Step 07: a user kubeconfig for each cluster, and its nodes, namespaces and system pods via run-command.

Everything is keyed by spoke: two spokes may hold clusters of the same name, as Azure allows."""

from __future__ import annotations

import pandas as pd

from aksegress.checks import Verdict
from aksegress.kube import kubectl_table, run_kubectl, write_user_kubeconfig
from aksegress.layout import kube_dir
from aksegress.steps.spec import StepSpec

PLAN_ONLY = "not checked: plan-only run"
COMMANDS = {"nodes": "kubectl get nodes", "namespaces": "kubectl get namespaces", "kube-system pods": "kubectl get pods -n kube-system"}


def no_resources(params, facts) -> list:
    return []


def kubeconfigs(step) -> list:
    folder = kube_dir(step.params.environment)
    return [write_user_kubeconfig(step.runbook.clients(s.subscription_id), s.resource_group, s.cluster.name, folder, key)
            for key, s in step.params.spokes_with_cluster()]


def _not_checked(step) -> pd.DataFrame:
    """A plan reads: no credentials are listed (a POST) and no kubeconfig is rewritten, no run-command runs."""
    return pd.DataFrame([{"spoke": key, "cluster": s.cluster.name, "result": PLAN_ONLY} for key, s in step.params.spokes_with_cluster()])


def kubeconfig_table(step) -> pd.DataFrame:
    if step.plan_only:
        return _not_checked(step)
    return pd.DataFrame([{"spoke": k.spoke, "cluster": k.cluster, "server": k.server, "context": k.context, "user": k.user,
                          "file": str(k.path)} for k in kubeconfigs(step)])


def _kubectl(step, what: str) -> pd.DataFrame:
    if step.plan_only:
        return _not_checked(step)
    frames = []
    for key, spoke in step.params.spokes_with_cluster():
        result = run_kubectl(step.runbook.clients(spoke.subscription_id), spoke.resource_group, spoke.cluster.name, COMMANDS[what])
        frame = kubectl_table(result.logs)
        frame.insert(0, "cluster", spoke.cluster.name)
        frame.insert(0, "spoke", key)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def checks(step) -> list[Verdict]:
    out = []
    configs = {k.spoke: k for k in kubeconfigs(step)}
    nodes = _kubectl(step, "nodes")
    names = [spoke.cluster.name for _, spoke in step.params.spokes_with_cluster()]
    for key, spoke in step.params.spokes_with_cluster():
        facts = step.runbook.facts.cluster(key)
        label = spoke.cluster.name if names.count(spoke.cluster.name) == 1 else f"{spoke.cluster.name} ({key})"
        server = configs[key].server
        out.append(Verdict(f"{label} kubeconfig points at the private FQDN", facts.private_fqdn in server, server))
        mine = nodes[nodes["spoke"] == key] if len(nodes) else nodes
        ready = int((mine["STATUS"] == "Ready").sum()) if len(mine) else 0
        out.append(Verdict(f"{label} has {spoke.cluster.node_count} Ready node(s)", ready == spoke.cluster.node_count,
                           f"{ready} Ready of {len(mine)} listed"))
    return out


STEP = StepSpec(
    "07", "cluster-access", "Cluster access: kubeconfig and kubectl through run-command",
    desired=no_resources,
    tables={"kubeconfig": kubeconfig_table, **{name: (lambda step, n=name: _kubectl(step, n)) for name in COMMANDS}},
    checks=checks,
)
