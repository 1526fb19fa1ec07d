"""ARM error responses raised anywhere in the emulator."""

from __future__ import annotations


class ArmError(Exception):
    """An ARM error response: HTTP status plus `{"error": {"code", "message"}}`."""

    def __init__(self, status: int, code: str, message: str, *, details: list | None = None, headers: dict | None = None):
        super().__init__(f"({code}) {message}")
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}
