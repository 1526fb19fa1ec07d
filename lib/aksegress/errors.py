"""The library's exceptions: one root, each subclass says what went wrong and what to do next."""

from __future__ import annotations


class AksegressError(Exception):
    """Root of every error the library raises on purpose.

    ``hint`` is the next action for the user (a params field to fix, a step to re-run).
    """

    title = "aksegress error"

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\nNext: {self.hint}" if self.hint else self.message

    def _repr_html_(self) -> str:
        from html import escape

        hint = f"<p><b>Next:</b> {escape(self.hint)}</p>" if self.hint else ""
        body = escape(self.message).replace("\n", "<br>")
        return (
            '<div class="aksegress-error" style="border-left:4px solid #c0392b;padding:6px 12px;'
            'background:#fdecea"><p><b>' + escape(self.title) + f"</b></p><p>{body}</p>{hint}</div>"
        )


class ParamsError(AksegressError):
    """The parameters file is unreadable or invalid; ``problems`` lists every (field, message)."""

    title = "Invalid parameters"

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s)"] + [f"  {field}: {msg}" for field, msg in problems]
        super().__init__("\n".join(lines), hint=f"edit {source} and run `aksegress validate --params {source}`")


class TargetError(AksegressError):
    """The target (emulator or Azure) cannot be reached, or is not the tenant/subscription the params name."""

    title = "Target mismatch or unreachable"


class AzureOperationError(AksegressError):
    """ARM refused or failed an operation; ``code`` is ARM's error code."""

    title = "Azure refused the operation"

    def __init__(self, message: str, *, code: str | None = None, resource_id: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.code = code
        self.resource_id = resource_id


class ApplyError(AksegressError):
    """Apply stopped part-way; ``applied`` and ``remaining`` name what was and was not done."""

    title = "Apply stopped part-way"

    def __init__(self, message: str, *, applied: list[str], remaining: list[str], cause: Exception | None = None, hint: str | None = None):
        super().__init__(message, hint=hint or "fix the cause, then re-run this step: the plan picks up what remains")
        self.applied = applied
        self.remaining = remaining
        self.cause = cause


class CheckFailed(AksegressError):
    """A step's checks found the observed state different from what the step promises."""

    title = "Check failed"


class EmulatorError(AksegressError):
    """The embedded ARM emulator could not start or answer."""

    title = "Emulator problem"
