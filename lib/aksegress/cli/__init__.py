"""The ``aksegress`` command: validate params, run the runbook, serve the emulator, ask the doctor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aksegress.errors import AksegressError
from aksegress.layout import params_path_for, project_root


def _params_file(args, root: Path) -> Path:
    if getattr(args, "params", None):
        return Path(args.params)
    return params_path_for(args.env or "local", root)


def cmd_validate(args) -> int:
    from aksegress.params import load_params, summary

    params = load_params(_params_file(args, project_root()))
    print(summary(params))
    return 0


def cmd_run(args) -> int:
    from aksegress.runner import run

    root = project_root()
    outcome = run(_params_file(args, root), root=root, connection_file=args.connection_file, from_step=args.from_step,
                  to_step=args.to_step, plan_only=args.plan, output=Path(args.output) if args.output else None,
                  extra_parameters={"fresh_probes": True} if args.fresh_probes else None)
    if args.plan and outcome.exit_code == 2:
        print("drift: the plan has changes (exit code 2)")
    return outcome.exit_code


def cmd_teardown(args) -> int:
    from aksegress.runner import run
    from aksegress.steps import teardown_spec

    root = project_root()
    outcome = run(_params_file(args, root), root=root, connection_file=args.connection_file, plan_only=args.plan,
                  steps=[teardown_spec()], extra_parameters={"yes": bool(args.yes)},
                  output=Path(args.output) if args.output else None)
    return outcome.exit_code


_EMULATOR_USAGE = """usage: aksegress emulator serve [--port N] [--state FILE] [--connection-file FILE] ...
       aksegress emulator principal --connection-file CONN --name NAME --out FILE

serve runs the embedded ARM emulator in the foreground until Ctrl-C; principal makes a service principal with no
roles in a running one and writes its connection file. `--help` after either lists its options.
Exit codes: 0 done (or stopped cleanly), 2 bad usage."""


def cmd_emulator(args) -> int:
    from aksegress.cli.emulator import principal_main, serve_main

    if args.rest[:1] in (["-h"], ["--help"]):
        print(_EMULATOR_USAGE)
        return 0
    commands = {"serve": serve_main, "principal": principal_main}
    if not args.rest or args.rest[0] not in commands:
        print(_EMULATOR_USAGE, file=sys.stderr)
        return 2
    return commands[args.rest[0]](args.rest[1:])


def cmd_permissions(args) -> int:
    from aksegress.cli.permissions import permissions_main

    return permissions_main(args.rest, lambda parsed: _params_file(parsed, project_root()))


def cmd_doctor(args) -> int:
    from aksegress.cli.doctor import doctor_main

    return doctor_main(args.rest, live_snapshot=_live_snapshot)


def cmd_snapshot(args) -> int:
    from aksegress.cli.snapshot import snapshot_main

    return snapshot_main(args.rest, read_resources=_live_resources)


def _live_resources(args):
    from aksegress.live import environment_resources
    from aksegress.runbook import Runbook

    return environment_resources(Runbook.open(args.env, params_file=args.params, connection_file=args.connection_file))


def _live_snapshot(args):
    from aksegress.live import environment_snapshot
    from aksegress.runbook import Runbook

    return environment_snapshot(Runbook.open(args.env, params_file=args.params, connection_file=args.connection_file))


_DESCRIPTION = """Guided runbook for private AKS clusters whose egress goes through a hub Azure Firewall.

Commands: validate (check params), run (the notebooks, in order), teardown (delete what an environment made),
doctor (why a flow gets through or not), snapshot (the live estate as ARM JSON), permissions (the least-privilege roles
the runbook's identity needs), emulator serve|principal (the embedded ARM emulator, a principal with no roles in it).
`aksegress COMMAND --help` says more; without --env or --params, params/local.yaml is used."""

_EXIT_CODES = ("exit codes: 0 success; 1 failure or bad input (the message says what to do next); 2 a --plan run found drift; "
               "4 a run is waiting for the hub owners")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aksegress", description=_DESCRIPTION, epilog=_EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def target_args(p):
        group = p.add_mutually_exclusive_group()
        group.add_argument("--env", help="environment name: reads params/<env>.yaml")
        group.add_argument("--params", help="path to a params file")

    p = sub.add_parser("validate", help="check a params file and print every problem at once",
                       description="Check a params file (default params/local.yaml) and print every problem at once.",
                       epilog="exit codes: 0 valid; 1 problems found")
    target_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run the runbook's notebooks in order with papermill",
                       description="Run steps 00 to 09 (or --from/--to) in order; each run leaves outputs/<env>/<run-id>/ with run.json and "
                                   "index.html, and a --plan run also plan.json and plan.md.",
                       epilog="exit codes: 0 passed (or, with --plan, no drift); 1 a step failed or bad input; 2 --plan found drift; "
                              "4 waiting for the hub owners: with hub.existing, a step needs writes in the hub that only its owners "
                              "may make; the run stops with status 'waiting for the hub owners' and leaves change-request.md and "
                              "change-request.json beside run.json; once they are applied, run again and it carries on",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    target_args(p)
    p.add_argument("--connection-file", help="a running emulator's connection file (else $AKSEGRESS_CONNECTION, else one is started)")
    p.add_argument("--from", dest="from_step", help="first step to run (number or name)")
    p.add_argument("--to", dest="to_step", help="last step to run (number or name)")
    p.add_argument("--plan", action="store_true", help="plan every step, write nothing; exit 2 when there is drift")
    p.add_argument("--output", help="folder for this run's record (default outputs/<env>/<run-id>)")
    p.add_argument("--fresh-probes", action="store_true",
                   help="probe again (run-command, credentials) even where an earlier run's result still holds")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("teardown", help="delete what this environment created (plan first; --yes to delete)",
                       description="Plan the deletion of every resource carrying the environment's tag; delete only with --yes.",
                       epilog="exit codes: 0 deleted (or nothing to delete); 1 failed; 3 not confirmed: the plan was shown, nothing deleted")
    target_args(p)
    p.add_argument("--connection-file", help="a running emulator's connection file (else $AKSEGRESS_CONNECTION, else one is started)")
    p.add_argument("--yes", action="store_true", help="confirm: delete (else only the plan is shown)")
    p.add_argument("--plan", action="store_true", help="show the plan only")
    p.add_argument("--output", help="folder for this run's record")
    p.set_defaults(func=cmd_teardown)

    p = sub.add_parser("emulator", help="the embedded ARM emulator: serve it, or make a principal in it (see `aksegress emulator --help`)", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_emulator)

    p = sub.add_parser("doctor", help="explain whether and why a flow gets through", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("permissions", help="the least-privilege roles the runbook's identity needs (--grant-to creates them)",
                       add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_permissions)

    p = sub.add_parser("snapshot", help="write the live estate as ARM JSON for `doctor --snapshot`", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_snapshot)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if argv and argv[0] in ("emulator", "doctor", "snapshot", "permissions"):
        args = parser.parse_args(argv[:1])
        args.rest = argv[1:]
    else:
        args = parser.parse_args(argv)
    try:
        return args.func(args)
    except AksegressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

