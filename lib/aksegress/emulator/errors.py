"""ARM error responses raised anywhere in the emulator."""

from __future__ import annotations


class ArmError(Exception):
    """An ARM error response: HTTP status plus `{"error": {"code", "message"}}` (or, `flat`, the bare
    `{"code", "message"}` some providers send, e.g. private DNS record sets)."""

    def __init__(self, status: int, code: str, message: str, *, details: list | None = None, headers: dict | None = None,
                 flat: bool = False, target: str | None = None, additional_info: list | None = None):
        super().__init__(f"({code}) {message}")
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers, self.flat = headers or {}, flat
        self.target, self.additional_info = target, additional_info

    def body(self) -> dict:
        error = {"code": self.code, **({"target": self.target} if self.target else {}), "message": self.message}
        if self.additional_info is not None:
            error["additionalInfo"] = self.additional_info
        if self.details is not None:
            error["details"] = self.details
        return error if self.flat else {"error": error}
