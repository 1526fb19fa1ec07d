"""Service tags to prefixes, from a ServiceTags_Public-shaped JSON (a tiny bundled snapshot unless you pass one)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aksegress.netmodel.addresses import Prefix

BUNDLED = "service-tags-snapshot.json"


@dataclass(frozen=True)
class ServiceTags:
    """Tag name (case-insensitive) to prefixes; `source` says where the table came from (it is never live)."""

    prefixes: dict[str, tuple[Prefix, ...]]
    source: str

    def expand(self, tag: str) -> tuple[Prefix, ...] | None:
        """Prefixes of a tag, `AzureCloud` being the union of its regional entries; None for an unknown tag."""
        return self.prefixes.get(tag.lower())

    def is_tag(self, text: str) -> bool:
        return text.lower() in self.prefixes


def _build(doc: dict, source: str) -> ServiceTags:
    table: dict[str, list[Prefix]] = {}
    for value in doc.get("values") or []:
        name = value.get("name") or value.get("id") or ""
        v4 = [Prefix.parse(p) for p in (value.get("properties") or {}).get("addressPrefixes") or [] if ":" not in p]
        table.setdefault(name.lower(), []).extend(v4)
        if "." in name:
            table.setdefault(name.split(".", 1)[0].lower(), []).extend(v4)
    return ServiceTags({k: tuple(dict.fromkeys(v)) for k, v in table.items()}, source)


def load_service_tags(path: str | Path | None = None) -> ServiceTags:
    """The tag table from `path`, or the bundled snapshot (see its `_about`: three prefixes, for tests and demos)."""
    if path is None:
        text = resources.files("aksegress.data").joinpath(BUNDLED).read_text(encoding="utf-8")
        doc = json.loads(text)
        return _build(doc, f"bundled snapshot ({doc.get('_about', '')[:60]}...)")
    return _build(json.loads(Path(path).read_text(encoding="utf-8")), str(path))


_default: ServiceTags | None = None


def default_service_tags() -> ServiceTags:
    global _default
    if _default is None:
        _default = load_service_tags()
    return _default
