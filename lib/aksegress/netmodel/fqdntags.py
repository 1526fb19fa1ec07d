"""FQDN tags and the AKS required-egress table, read from the bundled aks-egress.yaml."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=1)
def aks_egress_table() -> dict:
    """The parsed aks-egress.yaml: `rows` (the section 1a table) and `fqdn_tags`."""
    return yaml.safe_load(resources.files("aksegress.data").joinpath("aks-egress.yaml").read_text(encoding="utf-8"))


def expand_fqdn_tag(tag: str) -> tuple[str, ...] | None:
    """Destination FQDNs (wildcards kept) an FQDN tag stands for; None for a tag we have no list for."""
    for name, fqdns in aks_egress_table()["fqdn_tags"].items():
        if name.lower() == tag.lower():
            return tuple(f.lower() for f in fqdns)
    return None


def required_private_cluster_rows(include_conditional: bool = True) -> list[dict]:
    """Rows a private cluster needs: `private: yes`, plus NTP as the conditional row when asked."""
    rows = []
    for row in aks_egress_table()["rows"]:
        if row["id"] == "tag-aks":
            continue
        if row["private"] == "yes" or (include_conditional and row["id"] == "ntp"):
            rows.append(row)
    return rows
