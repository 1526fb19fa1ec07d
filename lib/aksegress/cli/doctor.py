"""`aksegress doctor`: trace flows (or the whole matrix) and say what fails, why, and whether the params intend it.

The snapshot comes from a folder of ARM JSON files (`--snapshot DIR`), or from a live environment through
a loader the caller supplies (the CLI reads `--env` / `--params` through the Azure SDK); this module never
talks to Azure itself. Intent comes from the params (`--env`, `--params`, also beside `--snapshot`); with a
snapshot alone it is unknown.
"""

from __future__ import annotations

import argparse
import json
import sys

from aksegress.errors import AksegressError
from aksegress.intent import as_intended, intended_flows, reachability, verdict_label, verdict_table
from aksegress.netmodel.locate import locate_source
from aksegress.netmodel.matrix import matrix_cells, trace_cell
from aksegress.netmodel.render import hop_lines
from aksegress.netmodel.snapshot import Snapshot


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aksegress doctor", description="Offline connectivity doctor over ARM JSON.")
    p.add_argument("--snapshot", help="folder of ARM JSON files (one resource, a list, or {value: [...]})")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--env", help="read the live state of params/<env>.yaml's target (with --snapshot: its intent only)")
    where.add_argument("--params", help="read the live state of this params file's target (with --snapshot: its intent only)")
    p.add_argument("--connection-file", help="a running emulator's connection file (with --env/--params)")
    p.add_argument("--from", dest="source", help="VM name, subnet id or vnet/subnet, or a VNet (spoke) name")
    p.add_argument("--to", dest="target", help="cluster:NAME, a VM name, an IP or an FQDN")
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--protocol", default="TCP", choices=["TCP", "UDP", "tcp", "udp"])
    p.add_argument("--matrix", action="store_true", help="every test VM against every cluster API server, with intent")
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


def _params(args):
    """The params that say what is intended, or None when only a snapshot is given."""
    from aksegress.layout import params_path_for, project_root
    from aksegress.params import load_params

    if args.params:
        return load_params(args.params)
    if args.env:
        return load_params(params_path_for(args.env, project_root()))
    return None


def doctor_main(argv: list[str] | None = None, live_snapshot=None) -> int:
    """Exit 0 when every asked flow is as intended (intent unknown: delivered), 1 when one is not, 2 on a usage
    or input error.

    ``live_snapshot(args) -> Snapshot`` reads a live environment for ``--env`` / ``--params``.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not (args.snapshot or args.env or args.params):
        parser.error("give --snapshot DIR, --env NAME or --params FILE")
    if not args.matrix and not (args.source and args.target):
        parser.error("give --from and --to, or --matrix")
    protocol = args.protocol.upper()
    try:
        params = _params(args)
        if args.snapshot:
            snap = Snapshot.from_directory(args.snapshot)
        elif live_snapshot is None:
            raise AksegressError("this entry point reads snapshots only", hint="use --snapshot DIR")
        else:
            snap = live_snapshot(args)
        if args.matrix:
            return _matrix(snap, params, args.port, protocol, args.json)
        intent = intended_flows(params) if params is not None else None
        cell = trace_cell(snap, _source(snap, args.source), args.target, args.port, protocol, intent=intent)
    except AksegressError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    result, label = cell.result, verdict_label(cell.result.delivered, cell.intended)
    if args.json:
        print(json.dumps({**result.to_dict(), "intended": cell.intended, "verdict": label}, indent=2, default=str))
    else:
        print(f"{label}: {result.explain()}")
        for line in hop_lines(result):
            print(line)
    return 0 if result.delivered else 1


def _matrix(snap: Snapshot, params, port: int, protocol: str, as_json: bool) -> int:
    """The reachability matrix; with params, each test VM of the params to each of their clusters, against intent."""
    if params is not None:
        reach = reachability(params, snap, port, protocol)
        cells, skipped = list(reach.cells.values()), reach.skipped
    else:
        cells, skipped = matrix_cells(snap, port=port, protocol=protocol), []
    table = verdict_table(cells)
    matches = [as_intended(c.result.delivered, c.intended) for c in cells]
    known = params is not None
    ok = all(matches) if known else all(c.result.delivered for c in cells)
    if as_json:
        print(json.dumps({"intent": "params" if known else "unknown", "matrix": table.to_dict(orient="records"),
                          "all_as_intended": all(matches) if known else None, "all_delivered": all(c.result.delivered for c in cells),
                          "skipped": skipped}, indent=2, default=str))
    else:
        print(_matrix_text(table, skipped) if cells or skipped else "no (VM, cluster) pairs in the snapshot")
    return 0 if ok else 1


def _matrix_text(table, skipped: list[str]) -> str:
    lines = []
    for row in table.to_dict(orient="records"):
        rule = f", rule {row['rule']}" if row["rule"] else ""
        lines.append(f"{row['source']} -> {row['target']} {row['protocol']}/{row['port']}: {row['verdict']} ({row['disposition']}{rule})")
        if as_intended(row["delivered"], row["intended"]) is False or (row["intended"] is None and not row["delivered"]):
            lines.append(f"    {row['reason']}" + (f" Fix: {row['fix']}" if row["fix"] else ""))
    lines += [f"skipped: {s}" for s in skipped]
    return "\n".join(lines)
