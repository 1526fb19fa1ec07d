"""What AKS offers (Kubernetes minors, VM sizes with their vCPUs and memory) as the dated list shipped in
data/aks-catalog.yaml, and the limits AKS puts on a system node pool. Read by the params checks and the
emulator; on Azure, step 00 compares with the live lists instead (``aksegress.live_catalog``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

__all__ = ["AZURE_CNI_DEFAULT_MAX_PODS", "SYSTEM_POOL_MIN_MEMORY_GB", "SYSTEM_POOL_MIN_PODS", "SYSTEM_POOL_MIN_VCPUS",
           "Catalog", "VmSize", "minor_of", "offline_catalog", "sorted_minors"]

AZURE_CNI_DEFAULT_MAX_PODS = 30
"""Pods per node AKS sets with Azure CNI when the pool names no maxPods (docs/private-aks-egress.md#10-limits-azure-checks-before-it-builds)."""
SYSTEM_POOL_MIN_VCPUS, SYSTEM_POOL_MIN_MEMORY_GB, SYSTEM_POOL_MIN_PODS = 2, 4, 30
"""A system pool needs a size with at least 2 vCPUs and 4 GB, and room for 30 pods (docs/private-aks-egress.md#10-limits-azure-checks-before-it-builds)."""


@dataclass(frozen=True)
class VmSize:
    name: str
    vcpus: int
    memory_gb: float


@dataclass(frozen=True)
class Catalog:
    """Kubernetes minors and VM sizes, with where they come from and when they were read."""

    source: str
    as_of: str
    kubernetes_minors: tuple[str, ...]
    vm_sizes: dict[str, VmSize]
    patches: frozenset[str] = frozenset()
    live: bool = False

    def vm_size(self, name: str) -> VmSize | None:
        return self.vm_sizes.get(name.lower())

    @property
    def source_short(self) -> str:
        return "the live lists of the location" if self.live else "the list shipped with aksegress"


def sorted_minors(minors) -> tuple[str, ...]:
    """Minors oldest first, compared as numbers (1.9 before 1.10)."""
    return tuple(sorted(set(minors), key=lambda m: tuple(int(x) for x in m.split(".") if x.isdigit())))


def minor_of(version: str) -> str:
    """'1.33' of '1.33.5' (or of '1.33')."""
    return ".".join(version.split(".")[:2])


@lru_cache(maxsize=1)
def offline_catalog() -> Catalog:
    """The catalog shipped with the package."""
    raw = yaml.safe_load(resources.files("aksegress.data").joinpath("aks-catalog.yaml").read_text(encoding="utf-8"))
    sizes = {name.lower(): VmSize(name, int(cpu), float(mem)) for name, (cpu, mem) in raw["vm_sizes"].items()}
    return Catalog(" ".join(raw["source"].split()), str(raw["as_of"]), sorted_minors(raw["kubernetes_minors"]), sizes)
