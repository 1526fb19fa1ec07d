"""SDK models as ARM wire JSON: the one shape desired state, plans, the connectivity model and the emulator share."""

from __future__ import annotations

from typing import Any

__all__ = ["to_arm"]


def to_arm(model: Any) -> dict:
    """The ARM wire JSON of an SDK model, read-only fields included (TypeSpec `as_dict`, msrest `serialize`)."""
    if hasattr(model, "as_dict") and not hasattr(model, "serialize"):
        return model.as_dict()
    if hasattr(model, "serialize"):
        return model.serialize(keep_readonly=True)
    raise TypeError(f"{type(model).__name__} is not an Azure SDK model")
