"""The environment's SSH key pair for test VMs: local state made once on this machine, not a fact Azure decides.

The private half is readable by its owner only (0600 from its first byte, and tightened again whenever the
key is used, should it have been loosened) and never shown; VMs get the public half.
"""

from __future__ import annotations

from pathlib import Path

from aksegress.private_files import tighten, write_private

__all__ = ["ssh_public_key"]

PRIVATE, PUBLIC = "id_rsa", "id_rsa.pub"


def ssh_public_key(folder: Path) -> str:
    """The public key kept in ``folder``, after making the pair there the first time it is asked for."""
    folder = Path(folder)
    public = folder / PUBLIC
    if not public.exists() or not (folder / PRIVATE).exists():
        _write_key_pair(folder)
    tighten(folder / PRIVATE)
    return public.read_text().strip()


def _write_key_pair(folder: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    write_private(folder / PRIVATE, private)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    (folder / PUBLIC).write_text(public.decode() + " aksegress-test-vm\n")
