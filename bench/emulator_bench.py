"""How fast the emulator answers one client: 1,000 sequential authenticated GETs of a resource group, first from
an SDK client (what the runbook pays), then from a bare keep-alive HTTPS connection (the server's own share),
then from the same SDK client against a server that replays the emulator's last answer without doing any work (the
client's own cost: no emulator can answer this client faster). Both servers run in this process, so client and
server share the GIL.

Prints figures only; nothing here asserts a timing. Run: .venv/bin/python bench/emulator_bench.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import socket
import ssl
import statistics
import tempfile
import threading
import time
from pathlib import Path

from aksegress.connect import Clients
from aksegress.emulator import start_emulator
from aksegress.emulator.tls import server_context

TENANT = "7a0c7b3e-0000-4000-8000-00000000aaaa"
SUB = "5b1d2c3e-1111-4111-8111-111111111111"


def _bare_gets(emulator, path: str, count: int) -> tuple[float, bytes]:
    """Seconds for `count` GETs over one keep-alive connection with the static token, no SDK in the way, and the
    last answer as it came over the wire (status line, headers, body)."""
    context = ssl.create_default_context(cafile=emulator.connection.ca_cert)
    conn = http.client.HTTPSConnection("127.0.0.1", emulator.port, context=context, timeout=30)
    headers = {"Authorization": f"Bearer {emulator.connection.token}"}
    started = time.perf_counter()
    for _ in range(count):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    head = "".join(f"{name}: {value}\r\n" for name, value in response.getheaders())
    return elapsed, f"HTTP/1.1 {response.status} {response.reason}\r\n{head}\r\n".encode() + body


def _replay(context: ssl.SSLContext, answer: bytes) -> int:
    """Serve `answer` to every request on each connection, on a port of its own; returns the port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(sock: socket.socket) -> None:
        with context.wrap_socket(sock, server_side=True) as tls:
            pending = b""
            while chunk := tls.recv(65536):
                pending += chunk
                while b"\r\n\r\n" in pending:
                    _, pending = pending.split(b"\r\n\r\n", 1)
                    tls.sendall(answer)

    def accept() -> None:
        while True:
            sock, _ = listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve, args=(sock,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def _sdk_gets(groups, count: int) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        sent = time.perf_counter()
        groups.get("rg-bench")
        latencies.append(time.perf_counter() - sent)
    return time.perf_counter() - started, sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aksegress-emulator-bench-"))
    with start_emulator(folder / "state.db", TENANT, [SUB]) as emulator:
        clients = Clients.for_emulator(emulator.connection, SUB)
        groups = clients.resource.resource_groups
        groups.create_or_update("rg-bench", {"location": "eastus"})
        groups.get("rg-bench")
        before = emulator.connections_accepted()
        sdk_total, latencies = _sdk_gets(groups, args.requests)
        sdk_connections = emulator.connections_accepted() - before
        before = emulator.connections_accepted()
        bare_total, answer = _bare_gets(emulator, f"/subscriptions/{SUB}/resourcegroups/rg-bench?api-version=2025-04-01",
                                        args.requests)
        bare_connections = emulator.connections_accepted() - before
        port = _replay(server_context(folder / "state.db")[0], answer)
        replayed = dataclasses.replace(emulator.connection, endpoint=f"https://127.0.0.1:{port}")
        replay_groups = Clients.for_emulator(replayed, SUB, credential=clients.credential).resource.resource_groups
        replay_groups.get("rg-bench")
        client_total, _ = _sdk_gets(replay_groups, args.requests)
    print(f"{args.requests} sequential authenticated GETs, SDK client : {sdk_total:6.2f} s  ({args.requests / sdk_total:5.0f}/s)  "
          f"median {statistics.median(latencies) * 1000:5.2f} ms  p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:5.2f} ms  "
          f"new TCP connections {sdk_connections}")
    print(f"{args.requests} sequential authenticated GETs, bare HTTPS : {bare_total:6.2f} s  ({args.requests / bare_total:5.0f}/s)  "
          f"new TCP connections {bare_connections}")
    print(f"{args.requests} same GETs, SDK client, answer replayed   : {client_total:6.2f} s  ({args.requests / client_total:5.0f}/s)  "
          "the client's own cost, a floor for any server")
    print(f"SDK client's own share of the time: {client_total / sdk_total:.0%}")


if __name__ == "__main__":
    main()
