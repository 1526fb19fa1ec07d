"""An offline Azure Resource Manager that the real Azure SDKs and `az` cannot tell from the real one.

Start it in-process with `start_emulator(state_path, tenant_id, subscriptions)` (an `Emulator`, also a
context manager) or as a process with `aksegress emulator serve`.
Either way you get a `Connection` (endpoint, CA certificate, static token, tenant, client credentials),
which `aksegress.connect.Clients` turns into SDK clients.

Layers, one way (modelled on moto):
  server.py   HTTP only: WSGI app, bearer auth, ARM's refusals (request_checks.py), routing, counters;
              wsgi_server.py serves it over HTTPS with cheroot (keep-alive, handshakes off the accept loop).
  identity.py token endpoint, OpenID configuration, cloud metadata; checks bearer tokens.
  arm.py      generic ARM semantics with no HTTP: `Arm` engine, `ResourceHandler` base class, `ArmError`.
  store.py    SQLite (WAL, commit per write): resources, subscriptions, operations, references, settings.
  providers/  one module per namespace, each exporting `HANDLERS` (the rules of its resource types).

Adding a provider: write `providers/<namespace>.py` with `ResourceHandler` subclasses (set `type`,
`long_running`, `requires_location`, and `read_only` for properties ARM computes and drops when a client
sends them; override `validate` to refuse with `ArmError` as Azure would,
`write` to store children/references, `render` for the GET view, `check_delete`/`on_delete` for delete
rules and side effects, `action` for POST actions), list them in `HANDLERS`, and add the module name to
`providers.PROVIDER_MODULES`. Everything else (ids, casing, paging, etags, If-Match, async operations,
404s) comes from the engine. To mark another resource as using something (a NIC in a subnet), call
`arm.store.set_references(user_id, [(used_id, "backReferenceProperty")])`; the used resource then shows
the user under `properties.backReferenceProperty` and the network rules refuse to delete it.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import uuid
from collections.abc import Iterable
from pathlib import Path

from aksegress.connection import Connection
from aksegress.emulator.engine import PROFILES, Arm
from aksegress.emulator.identity import TokenService
from aksegress.emulator.providers import load_handlers
from aksegress.emulator.server import EmulatorApp, serve_in_thread
from aksegress.emulator.store import Store
from aksegress.emulator.tls import server_context
from aksegress.errors import EmulatorError

__all__ = ["Connection", "Emulator", "start_emulator"]

_STATIC_TOKEN_LIFETIME = 10 * 365 * 24 * 3600


class Emulator:
    """A running emulator: `.connection`, `.counters()`, `.stop()`; a context manager that stops on exit."""

    def __init__(self, app: EmulatorApp, store: Store, server, thread, connection: Connection):
        self.app, self.store, self._server, self._thread, self.connection = app, store, server, thread, connection

    @property
    def port(self) -> int:
        return self._server.server_port

    def counters(self) -> dict:
        return self.app.counters.snapshot()

    def assign_policy(self, definition: str, scope: str) -> dict:
        """Assign a deny policy the emulator models (e.g. the landing zone's Deny-Subnet-Without-Nsg) at a subscription or group."""
        return self.app.policies.assign(definition, scope)

    def connections_accepted(self) -> int:
        """TCP connections the server has accepted since it started (keep-alive reuses them)."""
        return self._server.connections_accepted if self._server else 0

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.store.close()
        self._server = None

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _StoredPrincipals:
    """Service principals made through `POST /_emulator/principals`, kept in the state file's settings."""

    def __init__(self, store: Store):
        self._store = store

    def get(self, client_id: str) -> dict | None:
        value = self._store.setting(f"service-principal:{client_id}")
        return json.loads(value) if value else None

    def __setitem__(self, client_id: str, entry: dict) -> None:
        self._store.set_setting(f"service-principal:{client_id}", json.dumps(entry))


def _setting(store: Store, key: str, make) -> str:
    value = store.setting(key)
    if value is None:
        value = make()
        store.set_setting(key, value)
    return value


def start_emulator(state_path: str | Path, tenant_id: str | None = None, subscriptions: Iterable[str] = (),
                   port: int = 0, *, page_size: int = 100, latency_profile: str = "fast",
                   connection_file: str | Path | None = None, providers: Iterable[str] = (),
                   principal_replication_seconds: float | None = None) -> Emulator:
    """Open (or create) the state file, register `subscriptions` under `tenant_id`, and serve HTTPS on 127.0.0.1.

    `port=0` picks a free port. Tenant, subscriptions, client secret and CA persist with the state, so a
    restart on the same file keeps every earlier connection valid. `providers` adds provider modules.
    `principal_replication_seconds` overrides the profile's Entra replication delay for new managed identities.
    """
    if latency_profile not in PROFILES:
        raise EmulatorError(f"unknown latency profile {latency_profile!r}", hint=f"use one of {', '.join(PROFILES)}")
    try:
        store = Store(state_path)
    except Exception as error:  # sqlite3 errors and OS errors alike
        raise EmulatorError(f"cannot open emulator state {state_path}: {error}") from error
    stored_tenant = store.setting("tenant_id")
    if tenant_id and stored_tenant and stored_tenant.lower() != tenant_id.lower():
        store.close()
        raise EmulatorError(f"state file {state_path} belongs to tenant {stored_tenant}, not {tenant_id}",
                            hint="use another --state file or the same tenant")
    tenant_id = _setting(store, "tenant_id", lambda: tenant_id or str(uuid.uuid4()))
    for sub in subscriptions:
        store.add_subscription(str(sub), tenant_id, f"Emulated subscription {str(sub)[:8]}")
    if not store.subscriptions():
        store.add_subscription(str(uuid.uuid4()), tenant_id, "Emulated subscription")
    tokens = TokenService(tenant_id, _setting(store, "client_id", lambda: str(uuid.uuid4())),
                          _setting(store, "client_secret", lambda: secrets.token_urlsafe(24)),
                          _setting(store, "signing_key", lambda: secrets.token_hex(32)).encode(), _StoredPrincipals(store))
    profile = PROFILES[latency_profile]
    if principal_replication_seconds is not None:
        profile = dataclasses.replace(profile, principal_replication_seconds=principal_replication_seconds)
    arm = Arm(store, load_handlers(providers), page_size=page_size, profile=profile)
    app = EmulatorApp(arm, tokens)
    try:
        ssl_context, ca_path = server_context(state_path)
        server, thread = serve_in_thread(app, ssl_context, port)
    except EmulatorError:
        store.close()
        raise
    except OSError as error:
        store.close()
        raise EmulatorError(f"cannot serve the emulator on 127.0.0.1:{port}: {error}",
                            hint="pick another --port, or 0 for a free one") from error
    connection = Connection(endpoint=f"https://127.0.0.1:{server.server_port}", ca_cert=str(ca_path),
                            token=tokens.mint(lifetime=_STATIC_TOKEN_LIFETIME), tenant_id=tenant_id,
                            client_id=tokens.client_id, client_secret=tokens.client_secret,
                            subscriptions=[s for s, _, _ in store.subscriptions()])
    emulator = Emulator(app, store, server, thread, connection)
    if connection_file:
        try:
            connection.write(connection_file)
        except OSError as error:
            emulator.stop()
            raise EmulatorError(f"cannot write the connection file {connection_file}: {error}",
                                hint="give --connection-file a file path in a writable directory") from error
    return emulator
