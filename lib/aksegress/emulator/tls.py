"""The emulator's TLS: a trustme CA created on first start and kept beside the state file, and a fresh
server certificate for 127.0.0.1 and localhost issued from it at every start."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

from aksegress.errors import EmulatorError
from aksegress.private_files import tighten, write_private


def ca_paths(state_path: str | Path) -> tuple[Path, Path]:
    """(CA certificate, CA private key) paths for a state file."""
    state = Path(state_path).resolve()
    return state.with_name(state.stem + "-ca.pem"), state.with_name(state.stem + "-ca-key.pem")


def load_or_create_ca(state_path: str | Path) -> tuple[trustme.CA, Path]:
    """The CA kept beside the state file, created on first use; its key is 0600 from the start and kept so."""
    cert_path, key_path = ca_paths(state_path)
    if cert_path.exists() and key_path.exists():
        tighten(key_path)
        try:
            return trustme.CA.from_pem(cert_path.read_bytes(), key_path.read_bytes()), cert_path
        except (ValueError, TypeError) as error:
            raise EmulatorError(f"the emulator's CA in {cert_path} and {key_path} cannot be read: {error}",
                                hint="delete both files to have a new CA made at the next start "
                                     "(clients must then trust the new certificate)") from None
    ca = trustme.CA(organization_name="aksegress emulator", organization_unit_name="local ARM emulator")
    write_private(key_path, ca.private_key_pem.bytes())
    ca.cert_pem.write_to_path(str(cert_path))
    return ca, cert_path


def server_context(state_path: str | Path) -> tuple[ssl.SSLContext, Path]:
    """An SSL server context for 127.0.0.1/localhost, and the path of the CA clients must trust."""
    ca, cert_path = load_or_create_ca(state_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context, cert_path
