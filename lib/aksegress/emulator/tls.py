"""The emulator's TLS: a trustme CA created on first start and kept beside the state file, and a fresh
server certificate for 127.0.0.1 and localhost issued from it at every start."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import trustme


def ca_paths(state_path: str | Path) -> tuple[Path, Path]:
    """(CA certificate, CA private key) paths for a state file."""
    state = Path(state_path).resolve()
    return state.with_name(state.stem + "-ca.pem"), state.with_name(state.stem + "-ca-key.pem")


def load_or_create_ca(state_path: str | Path) -> tuple[trustme.CA, Path]:
    cert_path, key_path = ca_paths(state_path)
    if cert_path.exists() and key_path.exists():
        return trustme.CA.from_pem(cert_path.read_bytes(), key_path.read_bytes()), cert_path
    ca = trustme.CA(organization_name="aksegress emulator", organization_unit_name="local ARM emulator")
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(ca.private_key_pem.bytes())
    ca.cert_pem.write_to_path(str(cert_path))
    return ca, cert_path


def server_context(state_path: str | Path) -> tuple[ssl.SSLContext, Path]:
    """An SSL server context for 127.0.0.1/localhost, and the path of the CA clients must trust."""
    ca, cert_path = load_or_create_ca(state_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context, cert_path
