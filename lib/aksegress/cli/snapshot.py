"""`aksegress snapshot --env X DIR`: the live estate written as ARM JSON, one GET body per file, for `doctor --snapshot`.

Properties that hold keys, secrets, passwords, tokens or kubeconfigs are left out of every file. The reading
is the caller's (``read_resources(args) -> list[dict]``): this module never talks to Azure itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aksegress.errors import AksegressError
from aksegress.netmodel.arm_resources import write_directory


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aksegress snapshot", description=__doc__.splitlines()[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--env", help="environment name: reads params/<env>.yaml's target")
    where.add_argument("--params", help="path to a params file")
    p.add_argument("--connection-file", help="a running emulator's connection file")
    p.add_argument("folder", help="where to write the JSON files (created; files of the same resources are replaced)")
    return p


def snapshot_main(argv: list[str] | None, read_resources) -> int:
    """Exit 0 when the estate was written, 2 on a usage error or when the output folder cannot be used."""
    args = _parser().parse_args(argv)
    folder = Path(args.folder)
    if folder.exists() and not folder.is_dir():
        print(f"{folder} exists and is not a folder; name a folder to write the snapshot into", file=sys.stderr)
        return 2
    try:
        resources = read_resources(args)
        if not resources:
            raise AksegressError("the environment holds no resource the doctor reads", hint="run the runbook first (`aksegress run`)")
        written = write_directory(resources, folder)
    except AksegressError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"wrote {len(written)} resources to {folder}; read them with: aksegress doctor --snapshot {folder}")
    return 0
