"""`aksegress doctor`: trace flows (or the whole matrix) and say what fails and why.

The snapshot comes from a folder of ARM JSON files (`--snapshot DIR`), or from a live environment through
a loader the caller supplies (the CLI reads `--env` / `--params` through the Azure SDK); this module never
talks to Azure itself.
"""

from __future__ import annotations

import argparse
import json
import sys

from aksegress.errors import AksegressError
from aksegress.netmodel.locate import locate_source
from aksegress.netmodel.matrix import reachability_matrix
from aksegress.netmodel.snapshot import Snapshot
from aksegress.netmodel.trace import trace


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aksegress doctor", description="Offline connectivity doctor over ARM JSON.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--snapshot", help="folder of ARM JSON files (one resource, a list, or {value: [...]})")
    where.add_argument("--env", help="read the live state of params/<env>.yaml's target")
    where.add_argument("--params", help="read the live state of this params file's target")
    p.add_argument("--connection-file", help="a running emulator's connection file (with --env/--params)")
    p.add_argument("--from", dest="source", help="VM name, subnet id or vnet/subnet, or a VNet (spoke) name")
    p.add_argument("--to", dest="target", help="cluster:NAME, a VM name, an IP or an FQDN")
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--protocol", default="TCP", choices=["TCP", "UDP", "tcp", "udp"])
    p.add_argument("--matrix", action="store_true", help="every VM against every cluster API server")
    p.add_argument("--json", action="store_true", help="print the verdicts as one JSON document")
    return p


def _source(snap: Snapshot, ref: str):
    """Accept the lead's spoke names (`spoke1`) too: a unique VNet whose name contains the word."""
    try:
        return locate_source(snap, ref)
    except AksegressError:
        hits = [v for v in snap.vnets.values() if ref.lower() in v.name.lower().replace("_", "-").split("-")]
        if len(hits) != 1:
            raise
        return locate_source(snap, hits[0].id)


def doctor_main(argv: list[str] | None = None, live_snapshot=None) -> int:
    """Exit 0 when every asked flow is delivered, 1 when one is not, 2 on a usage or input error.

    ``live_snapshot(args) -> Snapshot`` reads a live environment for ``--env`` / ``--params``.
    """
    args = _parser().parse_args(argv)
    try:
        if args.snapshot:
            snap = Snapshot.from_directory(args.snapshot)
        elif live_snapshot is None:
            raise AksegressError("this entry point reads snapshots only", hint="use --snapshot DIR")
        else:
            snap = live_snapshot(args)
        if args.matrix:
            table = reachability_matrix(snap, port=args.port, protocol=args.protocol.upper())
            ok = bool((table["disposition"] == "DELIVERED").all())
            if args.json:
                print(json.dumps({"matrix": table.to_dict(orient="records"), "all_delivered": ok}, indent=2, default=str))
            else:
                print(table.to_string(index=False) if len(table) else "no (VM, cluster) pairs in the snapshot")
            return 0 if ok else 1
        if not (args.source and args.target):
            _parser().error("give --from and --to, or --matrix")
        result = trace(snap, _source(snap, args.source), args.target, args.port, args.protocol.upper())
    except AksegressError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        print(result.explain())
        for hop in result.hops:
            issues = "; ".join(f"{i.severity} {i.type}" for i in hop.issues)
            print(f"  {hop.type:18} {hop.address:15} {hop.matched[:120]}{'  !! ' + issues if issues else ''}")
    return 0 if result.delivered else 1


if __name__ == "__main__":
    raise SystemExit(doctor_main())
