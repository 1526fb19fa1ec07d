"""Fixtures: an emulator on a fresh state file per test, SDK clients bound to it, and a raw HTTPS helper."""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass

import pytest

from aksegress.connect import Clients
from aksegress.emulator import start_emulator

TENANT = "7a0c7b3e-0000-4000-8000-00000000aaaa"
SUB = "5b1d2c3e-1111-4111-8111-111111111111"
OTHER_SUB = "5b1d2c3e-2222-4222-8222-222222222222"
PAGE_SIZE = 3


@pytest.fixture
def emulator(tmp_path):
    with start_emulator(tmp_path / "state.sqlite", TENANT, [SUB, OTHER_SUB], page_size=PAGE_SIZE) as running:
        yield running


@pytest.fixture
def clients(emulator) -> Clients:
    return Clients.for_emulator(emulator.connection, SUB)


@pytest.fixture
def rg(clients) -> str:
    clients.resource.resource_groups.create_or_update("rg-test", {"location": "eastus"})
    return "rg-test"


@dataclass
class RawResponse:
    status: int
    headers: dict
    body: dict | None


def raw_request(connection, method: str, path: str, *, body=None, headers=None, token: str | None = "default") -> RawResponse:
    """One HTTPS request to the emulator, trusting its CA, with the static token unless told otherwise."""
    context = ssl.create_default_context(cafile=connection.ca_cert)
    host, port = connection.endpoint.removeprefix("https://").split(":")
    conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    sent = dict(headers or {})
    if token == "default":
        token = connection.token
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    payload = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    if payload is not None:
        sent.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=payload, headers=sent)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(data) if data else None)


@pytest.fixture
def raw(emulator):
    return lambda method, path, **kw: raw_request(emulator.connection, method, path, **kw)
