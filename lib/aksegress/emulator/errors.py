"""ARM error responses raised anywhere in the emulator."""

from __future__ import annotations


class ArmError(Exception):
    """An ARM error response: HTTP status plus `{"error": {"code", "message"}}` (or, `flat`, the bare
    `{"code", "message"}` some providers send, e.g. private DNS record sets)."""

    def __init__(self, status: int, code: str, message: str, *, details: list | None = None, headers: dict | None = None,
                 flat: bool = False):
        super().__init__(f"({code}) {message}")
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers, self.flat = headers or {}, flat

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return error if self.flat else {"error": error}
