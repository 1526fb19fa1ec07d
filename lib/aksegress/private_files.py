"""Files that hold secrets (emulator state, CA keys, connection files, kubeconfigs, SSH keys), readable by
their owner only: created 0600 from the first byte, whatever the umask, and tightened when found looser."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["PRIVATE_MODE", "ensure_private", "tighten", "write_private"]

PRIVATE_MODE = 0o600


def _open(path: Path, flags: int) -> int:
    fd = os.open(path, flags | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_private(path: str | Path, data: str | bytes) -> Path:
    """Replace the content of `path` with `data`; the file is 0600 before anything is written to it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)
    return path


def ensure_private(path: str | Path) -> Path:
    """Create `path` empty and 0600 if it is missing, or tighten it to 0600 if it exists; content is kept."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(_open(path, os.O_RDONLY))
    return path


def tighten(path: str | Path) -> None:
    """Make an existing file 0600 if group or others may read or write it; a missing file is left missing."""
    try:
        mode = os.stat(path, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) and stat.S_IMODE(mode) != PRIVATE_MODE:
        os.chmod(path, PRIVATE_MODE)
