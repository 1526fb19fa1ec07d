"""The library's exceptions: one root, each subclass says what went wrong and, in one place, what to do next."""

from __future__ import annotations


class AksegressError(Exception):
    """Root of every error the library raises on purpose.

    ``hint`` is the next action for the user (a params field to fix, a step to re-run); a subclass's
    ``next_action`` is that hint whenever the raiser gives none.
    """

    title = "aksegress error"
    next_action: str | None = None

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint or self.next_action

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
    next_action = "sign in to the tenant the params name, or fix tenant_id / subscription_id in the params file"


class AzureOperationError(AksegressError):
    """ARM refused or failed an operation; ``code`` is ARM's error code, which picks the next action."""

    title = "Azure refused the operation"
    next_action = "fix the cause named above, then re-run this step: the plan picks up what remains"
    by_code = {
        "VnetAddressSpacesOverlap": "address spaces must not overlap: change the vnet.address_space of one side in the params file",
        "SubnetsOverlap": "subnets of one VNet must not overlap: fix the subnets map in the params file",
        "AnotherOperationInProgress": "Azure is still busy with this resource: wait a minute and re-run the step",
        "AuthorizationFailed": "the signed-in identity lacks a role on this scope: grant it, or sign in as someone who has it",
        "RequestDisallowedByPolicy": "an Azure Policy assignment named above refused the write; for Deny-Subnet-Without-Nsg set "
                                     "subnet_nsg: true on that VNet's site in the params (hub or spokes.<key>), otherwise ask the "
                                     "policy's owner for an exemption",
    }

    def __init__(self, message: str, *, code: str | None = None, resource_id: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint or self.by_code.get(code or ""))
        self.code = code
        self.resource_id = resource_id


class ApplyError(AksegressError):
    """Apply stopped part-way; ``applied`` and ``remaining`` name what was and was not done."""

    title = "Apply stopped part-way"
    next_action = "fix the cause, then re-run this step: the plan picks up what remains"

    def __init__(self, message: str, *, applied: list[str], remaining: list[str], cause: Exception | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.applied = applied
        self.remaining = remaining
        self.cause = cause


class CheckFailed(AksegressError):
    """A step's checks found the observed state different from what the step promises."""

    title = "Check failed"

    def __init__(self, message: str, *, step: str | None = None, hint: str | None = None):
        default = f"re-run step {step}; if it still fails, the detail above names the resource and property" if step else None
        super().__init__(message, hint=hint or default)
        self.step = step


class MissingFact(AksegressError):
    """A fact Azure decides (a cluster's FQDN, its DNS record) does not exist yet; ``step`` creates it."""

    title = "Not created yet"

    def __init__(self, message: str, *, step: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint or (f"run step {step} first" if step else None))
        self.step = step


class EgressNotReady(AksegressError):
    """A cluster create refused before it starts, because AKS would fail it 15-20 minutes in."""

    title = "Cluster create refused: its egress would fail"
    next_action = "re-run steps 03-route-tables and 04-firewall-rules, then this step"


class TeardownNotConfirmed(AksegressError):
    """A teardown with deletes to do was not confirmed, so nothing was deleted."""

    title = "Teardown not confirmed"

    def __init__(self, environment: str):
        super().__init__(f"teardown of environment {environment} was not confirmed: nothing was deleted",
                         hint=f"run `aksegress teardown --env {environment} --yes`, or set confirm_teardown: {environment} in the params file")
        self.environment = environment


class WaitingForHubOwners(AksegressError):
    """A step needs writes in an existing hub that the params leave to its owners; ``change_request`` is the file
    (change-request.md beside change-request.json) that says which, for them to apply."""

    title = "Waiting for the hub owners"
    status = "waiting for the hub owners"
    """The run's and the step's status in run.json (``aksegress run`` exits 4)."""

    def __init__(self, message: str, *, change_request: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.change_request = change_request

    def _repr_html_(self) -> str:
        from html import escape
        from pathlib import Path

        name = escape(Path(self.change_request).name)
        return (f'<div class="aksegress-waiting" style="border-left:4px solid #2874a6;padding:6px 12px;background:#e3f2fd">'
                f"<p><b>{escape(self.title)}</b></p><p>{escape(self.message)}</p>"
                f'<p>The change request: <a href="{name}">{name}</a>.</p><p><b>Next:</b> {escape(self.hint or "")}</p></div>')


class EmulatorError(AksegressError):
    """The embedded ARM emulator could not start or answer."""

    title = "Emulator problem"


class PermissionsError(AksegressError):
    """The signed-in identity lacks actions the run needs; the message names each action, scope and step."""

    title = "Missing permissions"
    next_action = "grant the roles `aksegress permissions --env ENV` prints (or a role with these actions at these scopes), then re-run"
