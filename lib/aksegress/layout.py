"""Where the project keeps its files: the project root, each environment's params file, and its folders under outputs/.

Every ``outputs/<env>/...`` path is made here, so a run, the notebooks, the emulator and the tests agree on them.
"""

from __future__ import annotations

import os
from pathlib import Path

from aksegress import naming
from aksegress.errors import ParamsError

__all__ = ["ROOT_ENV", "emulator_files", "environment_outputs", "kube_dir", "params_path_for", "project_root", "run_dir", "ssh_dir"]

ROOT_ENV = "AKSEGRESS_ROOT"


def project_root() -> Path:
    """The folder holding params/ and outputs/: $AKSEGRESS_ROOT, else the nearest parent of the cwd with params/."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir():
            return folder
    return here


def params_path_for(env: str, root: Path | str) -> Path:
    """Where the parameters of environment ``env`` live: ``<root>/params/<env>.yaml``."""
    try:
        naming.check_environment(env)
    except ValueError as err:
        raise ParamsError(f"--env {env}", [("env", str(err))]) from None
    return Path(root) / "params" / f"{env}.yaml"


def environment_outputs(env: str, root: Path | str | None = None) -> Path:
    """``outputs/<env>``: everything one environment leaves on this machine (runs, emulator, keys, kubeconfigs)."""
    return Path(root if root is not None else project_root()) / "outputs" / env


def emulator_files(env: str, root: Path | str | None = None) -> tuple[Path, Path]:
    """The environment's emulator state file and the connection file of the emulator serving it."""
    folder = environment_outputs(env, root) / "emulator"
    return folder / "state.db", folder / "connection.json"


def kube_dir(env: str, root: Path | str | None = None) -> Path:
    """Where the user kubeconfigs of the environment's clusters are written."""
    return environment_outputs(env, root) / "kube"


def ssh_dir(env: str, root: Path | str | None = None) -> Path:
    """Where the environment's SSH key pair for test VMs is kept."""
    return environment_outputs(env, root) / "ssh"


def run_dir(env: str, run_id: str, root: Path | str | None = None) -> Path:
    """The record of one run: its executed notebooks, their HTML and run.json."""
    return environment_outputs(env, root) / run_id
