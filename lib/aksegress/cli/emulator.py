"""`aksegress emulator serve` runs the emulator in the foreground until SIGTERM or SIGINT; `aksegress emulator
principal` makes a service principal with no roles in a running one and writes its connection file."""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import signal
import ssl
import sys
import threading
from pathlib import Path

from aksegress.emulator.engine import PROFILES
from aksegress.errors import AksegressError, EmulatorError
from aksegress.naming import check_guid


def _port(text: str) -> int:
    port = _whole(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a TCP port; use 1-65535, or 0 for a free one")
    return port


def _page_size(text: str) -> int:
    size = _whole(text)
    if size < 1:
        raise argparse.ArgumentTypeError(f"{size} items per page would never end a list; use 1 or more (default 100)")
    return size


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share of requests; use a number from 0 to 1, e.g. 0.1")
    return rate


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _guid(text: str) -> str:
    try:
        return check_guid(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _file(text: str) -> str:
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file path, e.g. {path / 'emulator.json'}")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aksegress emulator serve",
                                     description="Serve the offline ARM emulator over HTTPS on 127.0.0.1.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--env", help="serve environment ENV: params/ENV.yaml's tenant and subscriptions, on outputs/ENV/emulator/")
    where.add_argument("--params", metavar="FILE", help="serve the environment of this params file, as --env does")
    parser.add_argument("--port", type=_port, default=0, help="TCP port; 0 picks a free one (default)")
    parser.add_argument("--state", type=_file, help="SQLite state file, created if missing (default: the environment's, "
                        "or aksegress-emulator.sqlite)")
    parser.add_argument("--connection-file", type=_file, help="write the connection JSON here (mode 0600)")
    parser.add_argument("--tenant", type=_guid, help="tenant GUID (default: the state file's, or a new one)")
    parser.add_argument("--subscription", type=_guid, action="append", default=[], help="subscription GUID; repeat for several")
    parser.add_argument("--latency-profile", default="fast", choices=sorted(PROFILES), help="how long async operations take")
    parser.add_argument("--page-size", type=_page_size, default=100, help="items per list page before nextLink")
    parser.add_argument("--chaos", type=_rate, default=0.0, metavar="RATE",
                        help="fault this share of ARM requests (0-1): throttling, 5xx, dropped connections, failed operations, conflicts")
    parser.add_argument("--chaos-seed", type=_whole, default=None, help="seed for the chaos choices (repeatable runs)")
    return parser


def _environment(args) -> None:
    """Fill state, connection file, tenant and subscriptions from the params of --env or --params."""
    from aksegress.layout import emulator_files, params_path_for, project_root
    from aksegress.params import load_params

    params = load_params(args.params or params_path_for(args.env, project_root()))
    state, connection = emulator_files(params.environment, project_root())
    args.state = args.state or str(state)
    args.connection_file = args.connection_file or str(connection)
    if args.tenant and args.tenant.lower() != params.tenant_id.lower():
        raise EmulatorError(f"--tenant {args.tenant} is not the params' tenant {params.tenant_id}", hint="drop --tenant; the params name it")
    args.tenant = params.tenant_id
    args.subscription = [*args.subscription, *params.subscription_ids()]


def serve_main(argv: list[str] | None = None) -> int:
    """Start the emulator (or find the one already serving the state), print its connection JSON on one stdout line,
    and block until SIGTERM/SIGINT; a state another emulator serves is reported and left to it."""
    from aksegress.emulator_target import serve_state

    args = _parser().parse_args(argv)
    try:
        if args.env or args.params:
            _environment(args)
        served = serve_state(args.state or "aksegress-emulator.sqlite", args.tenant, args.subscription, port=args.port,
                             page_size=args.page_size, latency_profile=args.latency_profile, connection_file=args.connection_file)
    except AksegressError as error:
        print(error, file=sys.stderr)
        return 2
    if not served.owner:
        print(json.dumps({"endpoint": served.connection.endpoint, "connection_file": str(served.connection_path), "already_running": True}),
              flush=True)
        print(f"an emulator already serves {served.state_path} at {served.connection.endpoint}; leaving it to that one", file=sys.stderr)
        return 0
    emulator = served.emulator
    if args.chaos:
        emulator.app.chaos.configure(args.chaos, seed=args.chaos_seed)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(json.dumps({"endpoint": emulator.connection.endpoint, "connection_file": args.connection_file}), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        served.stop()
    return 0


def principal_main(argv: list[str] | None = None) -> int:
    """Create a service principal with no roles in the emulator of --connection-file; write its connection to --out."""
    from aksegress.connection import Connection

    parser = argparse.ArgumentParser(prog="aksegress emulator principal",
                                     description="Make a service principal with no roles; grant it roles through the "
                                                 "authorization API, as in Azure.")
    parser.add_argument("--connection-file", required=True, type=_file, help="the running emulator's connection file")
    parser.add_argument("--name", required=True, help="the principal's display name, e.g. pipeline")
    parser.add_argument("--out", required=True, type=_file, help="write the new principal's connection file here (0600)")
    args = parser.parse_args(argv)
    try:
        connection = Connection.read(args.connection_file)
        made = _post(connection, "/_emulator/principals", {"name": args.name})
        dataclasses.replace(connection, client_id=made["clientId"], client_secret=made["clientSecret"],
                            token=made["token"]).write(args.out)
    except (AksegressError, OSError) as error:
        print(error, file=sys.stderr)
        return 2
    print(json.dumps({"name": args.name, "objectId": made["objectId"], "clientId": made["clientId"],
                      "connection_file": args.out}), flush=True)
    return 0


def _post(connection, path: str, body: dict) -> dict:
    host, _, port = connection.endpoint.removeprefix("https://").partition(":")
    conn = http.client.HTTPSConnection(host, int(port or 443), timeout=30,
                                       context=ssl.create_default_context(cafile=connection.ca_cert))
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Authorization": f"Bearer {connection.token}",
                                                                  "Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read() or b"{}")
    finally:
        conn.close()
    if response.status >= 300:
        raise EmulatorError(f"the emulator at {connection.endpoint} refused: {answer.get('error', {}).get('message')}",
                            hint="give --connection-file the emulator's own connection file (its first principal)")
    return answer
