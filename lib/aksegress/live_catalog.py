"""On Azure, the Kubernetes versions and VM sizes the location really offers, read through the SDK at step 00's
preflight (never at load time), so what the dated offline list does not know is still checked before anything
is built. The same checks as ``aksegress validate`` run on the live lists."""

from __future__ import annotations

from datetime import date

from aksegress.aks_catalog import Catalog, VmSize, sorted_minors
from aksegress.arm_json import to_arm
from aksegress.errors import ParamsError
from aksegress.params.azure_limits import catalog_problems

__all__ = ["catalog_from_arm", "live_catalog", "live_catalog_precheck"]


def catalog_from_arm(versions: dict, skus: list[dict], location: str) -> Catalog:
    """A Catalog from ARM's answers: managedClusters kubernetesVersions and Microsoft.Compute resource SKUs.
    Sizes restricted for the subscription in this location count as not offered."""
    minors = [v["version"] for v in versions.get("values") or [] if v.get("version")]
    patches = frozenset(p for v in versions.get("values") or [] for p in (v.get("patchVersions") or {}))
    sizes = {}
    for sku in skus:
        if sku.get("resourceType") != "virtualMachines" or not sku.get("name"):
            continue
        if any(r.get("reasonCode") == "NotAvailableForSubscription" for r in sku.get("restrictions") or []):
            continue
        caps = {c.get("name"): c.get("value") for c in sku.get("capabilities") or []}
        sizes[sku["name"].lower()] = VmSize(sku["name"], int(float(caps.get("vCPUs") or 0)), float(caps.get("MemoryGB") or 0))
    return Catalog(f"ARM, location {location}", date.today().isoformat(), sorted_minors(minors), sizes, patches, live=True)


def live_catalog(clients, location: str) -> Catalog:
    """Ask ARM what AKS and Compute offer in ``location`` for this subscription."""
    versions = to_arm(clients.containerservice.managed_clusters.list_kubernetes_versions(location))
    skus = [to_arm(s) for s in clients.compute.resource_skus.list(filter=f"location eq '{location}'")]
    return catalog_from_arm(versions, skus, location)


def live_catalog_precheck(step, plan) -> None:
    """On Azure, refuse params whose Kubernetes version or VM sizes the location does not offer, before step 00 builds."""
    params = step.params
    if params.target != "azure":
        return
    problems = []
    for sub in params.subscription_ids():
        spokes = {k: s for k, s in params.spokes.items() if s.subscription_id == sub and (s.cluster or s.test_vm)}
        if spokes:
            problems += catalog_problems(spokes, live_catalog(step.runbook.clients(sub), params.location), complete=True)
    if problems:
        raise ParamsError(f"params for {params.environment} (checked against Azure in {params.location})", problems)
