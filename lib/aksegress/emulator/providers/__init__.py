"""Resource providers: one module per ARM namespace, each exporting `HANDLERS`, a list of `ResourceHandler`s.

`load_handlers()` imports the modules named in `PROVIDER_MODULES` (plus any extra module paths given) and
returns the registry the engine uses: lower-cased full type -> handler. A later provider only needs a new
module with `HANDLERS = [...]` and its name added here (or passed to `start_emulator(providers=...)`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from aksegress.emulator.engine import ResourceHandler

PROVIDER_MODULES = ("resources", "network", "nsg", "nic", "compute", "containerservice", "privatedns", "authorization",
                    "publicip", "azure_firewall", "vpn_gateway")


def load_handlers(extra_modules: Iterable[str] = ()) -> dict[str, ResourceHandler]:
    """The type -> handler registry built from the built-in provider modules and `extra_modules` (dotted paths)."""
    handlers: dict[str, ResourceHandler] = {}
    names = [f"{__name__}.{m}" for m in PROVIDER_MODULES] + list(extra_modules)
    for name in names:
        module = importlib.import_module(name)
        for handler in module.HANDLERS:
            key = handler.type.lower()
            if key in handlers:
                raise ValueError(f"resource type {handler.type} registered twice (by {name})")
            handlers[key] = handler
    return handlers
