"""How to reach one running emulator (endpoint, CA, credentials), shared by the emulator that writes it and the clients
that read it, so the Azure path can name a connection without loading the emulator."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from aksegress.errors import EmulatorError

__all__ = ["CONNECTION_ENV", "Connection"]

CONNECTION_ENV = "AKSEGRESS_CONNECTION"
"""The environment variable naming a running emulator's connection file, for notebooks a run starts."""


@dataclass
class Connection:
    """How to reach one running emulator; also the JSON connection file."""

    endpoint: str
    ca_cert: str
    token: str
    tenant_id: str
    client_id: str
    client_secret: str
    subscriptions: list[str] = field(default_factory=list)

    def write(self, path: str | Path) -> Path:
        """Write the connection file, readable by the owner only (it holds credentials)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(self), handle, indent=2)
        return path

    @classmethod
    def read(cls, path: str | Path) -> "Connection":
        try:
            data = json.loads(Path(path).read_text())
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except (OSError, ValueError, TypeError) as error:
            raise EmulatorError(f"cannot read emulator connection file {path}: {error}",
                                hint="start the emulator with `aksegress emulator serve --connection-file FILE`") from error
