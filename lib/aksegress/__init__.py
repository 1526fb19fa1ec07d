"""aksegress: a guided runbook for private AKS behind a hub firewall, across subscriptions."""

from aksegress.errors import (
    AksegressError,
    ApplyError,
    AzureOperationError,
    CheckFailed,
    EmulatorError,
    ParamsError,
    TargetError,
)

__version__ = "0.1.0"

__all__ = [
    "AksegressError",
    "ApplyError",
    "AzureOperationError",
    "CheckFailed",
    "EmulatorError",
    "ParamsError",
    "TargetError",
    "__version__",
]
