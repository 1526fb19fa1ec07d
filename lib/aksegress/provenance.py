"""Where a run's code came from: the commit, whether the working tree differed from it, and a sha256 of each
notebook executed (as in the checkout), so an auditor sees when a notebook was not the committed one."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

__all__ = ["source_of"]


def source_of(root: Path, notebooks: list[str]) -> dict:
    """``commit`` (None outside a git checkout), ``dirty`` (the working tree differs from it) and, per notebook,
    its ``sha256`` and whether it ``differs_from_commit``."""
    root = Path(root)
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain") if commit else None
    out = {"commit": commit.decode().strip() if commit else None, "dirty": bool(status.strip()) if status is not None else None,
           "notebooks": {}}
    for name in notebooks:
        path = root / "notebooks" / name
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        committed = _git(root, "show", f"HEAD:./notebooks/{name}") if commit else None
        out["notebooks"][name] = {"sha256": digest, "differs_from_commit":
                                  None if not commit else committed is None or hashlib.sha256(committed).hexdigest() != digest}
    return out


def _git(root: Path, *args: str) -> bytes | None:
    """Git's stdout, or None when git is missing or the command failed (not a checkout, no such file)."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
