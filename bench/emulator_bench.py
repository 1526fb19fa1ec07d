"""How fast the emulator answers one client: 1,000 sequential authenticated GETs of a resource group, first from
an SDK client (what the runbook pays), then from a bare keep-alive HTTPS connection (the server's own share),
with the TCP connections each used. The emulator runs in this process, so client and server share the GIL.

Prints figures only; nothing here asserts a timing. Run: .venv/bin/python bench/emulator_bench.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import http.client
import ssl
import statistics
import tempfile
import time
from pathlib import Path

from aksegress.connect import Clients
from aksegress.emulator import start_emulator

TENANT = "7a0c7b3e-0000-4000-8000-00000000aaaa"
SUB = "5b1d2c3e-1111-4111-8111-111111111111"


def _bare_gets(emulator, path: str, count: int) -> float:
    """Seconds for `count` GETs over one keep-alive connection with the static token, no SDK in the way."""
    context = ssl.create_default_context(cafile=emulator.connection.ca_cert)
    conn = http.client.HTTPSConnection("127.0.0.1", emulator.port, context=context, timeout=30)
    headers = {"Authorization": f"Bearer {emulator.connection.token}"}
    started = time.perf_counter()
    for _ in range(count):
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aksegress-emulator-bench-"))
    with start_emulator(folder / "state.db", TENANT, [SUB]) as emulator:
        groups = Clients.for_emulator(emulator.connection, SUB).resource.resource_groups
        groups.create_or_update("rg-bench", {"location": "eastus"})
        groups.get("rg-bench")
        before = emulator.connections_accepted()
        latencies = []
        started = time.perf_counter()
        for _ in range(args.requests):
            sent = time.perf_counter()
            groups.get("rg-bench")
            latencies.append(time.perf_counter() - sent)
        sdk_total = time.perf_counter() - started
        sdk_connections = emulator.connections_accepted() - before
        before = emulator.connections_accepted()
        bare_total = _bare_gets(emulator, f"/subscriptions/{SUB}/resourcegroups/rg-bench?api-version=2025-04-01", args.requests)
        bare_connections = emulator.connections_accepted() - before
    latencies.sort()
    print(f"{args.requests} sequential authenticated GETs, SDK client : {sdk_total:6.2f} s  ({args.requests / sdk_total:5.0f}/s)  "
          f"median {statistics.median(latencies) * 1000:5.2f} ms  p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:5.2f} ms  "
          f"new TCP connections {sdk_connections}")
    print(f"{args.requests} sequential authenticated GETs, bare HTTPS : {bare_total:6.2f} s  ({args.requests / bare_total:5.0f}/s)  "
          f"new TCP connections {bare_connections}")
    print(f"SDK client's own share of the time: {1 - bare_total / sdk_total:.0%}")


if __name__ == "__main__":
    main()
