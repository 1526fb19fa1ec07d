"""`aksegress doctor`: the estate's health check, or one flow traced, against what the params intend.

With no flow it checks the whole estate: every test VM and spoke to every cluster API server against intent,
egress readiness of every cluster subnet (bypasses named), and estate findings. With `--from` and `--to` it
explains one flow. The estate comes from a folder of ARM JSON (`--snapshot DIR`) or from a live environment
through a loader the caller supplies (the CLI reads `--env` / `--params` through the Azure SDK); this module
never talks to Azure itself. Intent comes from the params; with a snapshot alone it is unknown.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from aksegress.errors import AksegressError
from aksegress.intent import as_intended, intended_flows, reachability, verdict_label, verdict_table
from aksegress.netmodel.health import HealthReport, cell_fix, finding_dict, health_report
from aksegress.netmodel.locate import locate_source
from aksegress.netmodel.matrix import default_sources, matrix_cells, trace_cell, vnet_source
from aksegress.netmodel.render import hop_lines
from aksegress.netmodel.snapshot import Snapshot

SCHEMA = "aksegress.doctor/1"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="aksegress doctor", description="The estate's health check (no flow given), or one flow explained, against intent.")
    p.add_argument("--snapshot", help="folder (or file) of ARM JSON: `aksegress snapshot` output, `az ... show`/`list` output, "
                                      "or an `az graph query` result")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--env", help="read the live state of params/<env>.yaml's target (emulator or Azure) (with --snapshot: its intent only)")
    where.add_argument("--params", help="read the live state of this params file's target (emulator or Azure) (with --snapshot: its intent only)")
    p.add_argument("--connection-file", help="a running emulator's connection file (with --env/--params)")
    p.add_argument("--from", dest="source", help="a spoke name, VM name, subnet id or vnet/subnet, or a VNet name")
    p.add_argument("--to", dest="destination", help="cluster:NAME (the cluster's or its spoke's name), a VM name, an IP or an FQDN")
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--protocol", default="TCP", choices=["TCP", "UDP", "tcp", "udp"])
    p.add_argument("--matrix", action="store_true", help="only the reachability matrix of the health check")
    p.add_argument("--json", action="store_true", help="print the report as one JSON document (schema in the README)")
    return p


def _params(args):
    """The params that say what is intended, or None when only a snapshot is given."""
    from aksegress.layout import params_path_for, project_root
    from aksegress.params import load_params

    if args.params:
        return load_params(args.params)
    if args.env:
        return load_params(params_path_for(args.env, project_root()))
    return None


def _names_from_params(params, source: str | None, destination: str | None, live: bool) -> tuple[str | None, str | None]:
    """Spoke names as `access` uses them turned into the estate's names; on a live estate, an unknown name is refused
    here, before any emulator is started or any resource is read."""
    vnets = {params.hub.vnet.name, *(s.vnet.name for s in params.spokes.values())}
    vms = {s.test_vm.name for s in params.spokes.values() if s.test_vm is not None}
    clusters = {key: s.cluster.name for key, s in params.spokes.items() if s.cluster is not None}
    if source is not None and source in params.spokes:
        source = params.spokes[source].vnet.name
    elif source is not None and live and not (source in vnets | vms or "/" in source):
        raise AksegressError(f"no spoke, VNet or VM named {source!r} in the params",
                             hint=f"use one of: {', '.join(sorted(params.spokes) + sorted(vnets) + sorted(vms))}, or `vnet/subnet`")
    if destination is not None and destination.lower().startswith("cluster:"):
        name = destination.split(":", 1)[1]
        if name in clusters:
            destination = f"cluster:{clusters[name]}"
        elif live and name not in clusters.values():
            raise AksegressError(f"no cluster named {name!r} in the params, nor a spoke of that name with a cluster",
                                 hint=f"use cluster: and one of: {', '.join(sorted(clusters) + sorted(clusters.values()))}")
    elif destination is not None and live and not (destination in vms or "." in destination):
        raise AksegressError(f"destination {destination!r} is not a cluster, VM, IP or FQDN of the params",
                             hint=f"use cluster:NAME ({', '.join(sorted(clusters))}), a VM ({', '.join(sorted(vms))}), an IP or an FQDN")
    return source, destination


def doctor_main(argv: list[str] | None = None, live_snapshot=None) -> int:
    """Exit 0 when the estate (or the asked flow) is as intended and egress is ready, 1 when not, 2 on a usage or
    input error. Intent unknown (a snapshot alone): a flow counts when delivered, the matrix only informs.

    ``live_snapshot(args) -> Snapshot`` reads a live environment for ``--env`` / ``--params``.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not (args.snapshot or args.env or args.params):
        return _usage(parser, "no estate to examine: give --snapshot DIR, --env NAME or --params FILE")
    if bool(args.source) != bool(args.destination):
        return _usage(parser, "give both --from and --to to trace one flow, or neither for the health check")
    if args.matrix and args.source:
        return _usage(parser, "--matrix is the health check's matrix: drop --from/--to, or drop --matrix")
    protocol = args.protocol.upper()
    try:
        params = _params(args)
        source, destination = args.source, args.destination
        if params is not None:
            source, destination = _names_from_params(params, source, destination, live=not args.snapshot)
        if args.snapshot:
            snap = Snapshot.from_directory(args.snapshot)
        elif live_snapshot is None:
            raise AksegressError("this entry point reads snapshots only", hint="use --snapshot DIR")
        else:
            snap = live_snapshot(args)
        if source:
            intent = intended_flows(params) if params is not None else None
            cell = trace_cell(snap, locate_source(snap, source), destination, args.port, protocol, intent=intent)
        else:
            report = _health(snap, params, args.port, protocol)
    except AksegressError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if source:
        return _flow(cell, args.json)
    if args.matrix:
        return _matrix(report, args.json)
    print(json.dumps(report_dict(report), indent=2, default=str) if args.json else report_text(report))
    return 0 if report.ok else 1


def _usage(parser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"aksegress doctor: error: {message}", file=sys.stderr)
    return 2


def _health(snap: Snapshot, params, port: int, protocol: str) -> HealthReport:
    """With params: each spoke's test VM (or VNet) to each declared cluster; without: every VM and every VM-less spoke."""
    if params is not None:
        reach = reachability(params, snap, port, protocol)
        return health_report(snap, list(reach.cells.values()), intent_known=True, skipped=reach.skipped)
    hubs = {fw.vnet_id for fw in snap.firewalls.values()}
    with_vm = {s.subnet.vnet_id for s in default_sources(snap)}
    spokes = [vnet_source(snap, v.id) for v in snap.vnets.values() if v.id not in hubs | with_vm and _has_workload_subnet(snap, v)]
    return health_report(snap, matrix_cells(snap, default_sources(snap) + spokes, port=port, protocol=protocol), intent_known=False)


def _has_workload_subnet(snap: Snapshot, vnet) -> bool:
    try:
        vnet_source(snap, vnet.id)
        return True
    except AksegressError:
        return False


def _flow(cell, as_json: bool) -> int:
    result, label, fix = cell.result, verdict_label(cell.result.delivered, cell.intended), cell_fix(cell)
    matches = as_intended(result.delivered, cell.intended)
    if as_json:
        print(json.dumps({**result.to_dict(), "intended": cell.intended, "verdict": label, "fix_towards_intent": fix}, indent=2, default=str))
    else:
        print(f"{label}: {dataclasses.replace(result, fix=None).explain()}" + (f" Fix: {fix}" if fix else ""))
        for line in hop_lines(result):
            print(line)
    return 0 if (matches if matches is not None else result.delivered) else 1


def differences(report: HealthReport) -> list[dict]:
    """Cells not as intended, then egress bypasses and blocked subnets: each with subject, verdict, reason, fix."""
    cells = [{"kind": "reachability", "subject": f"{c.source.label} -> {c.destination.label}", "verdict": verdict_label(c.result.delivered, c.intended),
              "disposition": c.result.disposition, "reason": c.result.reason, "fix": cell_fix(c)} for c in report.cells if report.cell_differs(c)]
    return cells + report.egress_problems()


def report_dict(report: HealthReport) -> dict:
    """The health check as one JSON document; its schema is documented in the README and named by ``schema``."""
    known = report.intent_known
    return {"schema": SCHEMA, "ok": report.ok, "intent": "params" if known else "unknown", "differences": differences(report),
            "matrix": verdict_table(report.cells).to_dict(orient="records"),
            "all_as_intended": not any(report.cell_differs(c) for c in report.cells) if known else None,
            "all_delivered": all(c.result.delivered for c in report.cells), "egress_ready": all(e.ready for e in report.egress),
            "egress": [e.to_dict() for e in report.egress], "findings": [finding_dict(f) for f in report.findings], "skipped": report.skipped}


def report_text(report: HealthReport) -> str:
    diffs = differences(report)
    if diffs:
        lines = [f"{len(diffs)} difference(s) from intent or egress readiness:"]
        lines += [f"  {d['subject']}: {d['verdict']} ({d['disposition']}). {d['reason']}" + (f" Fix: {d['fix']}" if d["fix"] else "") for d in diffs]
    else:
        lines = ["healthy: every cell is as intended and every cluster subnet is ready for egress"
                 if report.intent_known else "egress ready; reachability listed below (intent unknown: give --params to judge it)"]
    lines += ["", _matrix_text(verdict_table(report.cells), report.skipped, report.intent_known)]
    lines += ["", f"egress readiness ({len(report.egress)} cluster subnet(s)):"]
    lines += [f"  {e.subnet} (cluster {e.cluster}): {'ready' if e.ready else 'NOT ready'}" for e in report.egress]
    lines += ["", f"findings ({len(report.findings)}):"]
    lines += [f"  {f.severity} {f.kind} {f.resource.rsplit('/', 1)[-1]}: {f.message}" + (f" Fix: {f.fix}" if f.fix else "") for f in report.findings]
    return "\n".join(lines)


def _matrix(report: HealthReport, as_json: bool) -> int:
    """Only the matrix; exit 0 when every cell is as intended (intent unknown: delivered)."""
    known, cells = report.intent_known, report.cells
    table = verdict_table(cells)
    ok = all(not report.cell_differs(c) for c in cells) if known else all(c.result.delivered for c in cells)
    if as_json:
        doc = report_dict(report)
        print(json.dumps({k: doc[k] for k in ("schema", "intent", "matrix", "all_as_intended", "all_delivered", "skipped")}, indent=2, default=str))
    else:
        print(_matrix_text(table, report.skipped, known))
    return 0 if ok else 1


def _matrix_text(table, skipped: list[str], known: bool) -> str:
    if table.empty and not skipped:
        return "no (source, cluster) pairs in the estate"
    lines = [f"reachability matrix ({len(table)} cells, intent {'from the params' if known else 'unknown'}):"]
    for row in table.to_dict(orient="records"):
        rule = f", rule {row['rule']}" if row["rule"] else ""
        lines.append(f"{row['source']} -> {row['destination']} {row['protocol']}/{row['port']}: {row['verdict']} ({row['disposition']}{rule})")
        if row["fix"] or as_intended(row["delivered"], row["intended"]) is False:
            lines.append(f"    {row['reason']}" + (f" Fix: {row['fix']}" if row["fix"] else ""))
    lines += [f"skipped: {s}" for s in skipped]
    return "\n".join(lines)
