"""The one place that builds Azure SDK clients, for an emulator named by its connection or for Azure, and counts their calls."""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy

from aksegress.arm_json import to_arm
from aksegress.connection import Connection

__all__ = ["MANAGED_IDENTITY_ENV", "Clients", "RequestTally", "azure_credential", "clients_for", "list_subscriptions", "read_connection"]

MANAGED_IDENTITY_ENV = "AKSEGRESS_MANAGED_IDENTITY"
"""Set to a managed identity's client id (or ``system``) to let a runner hosted in Azure act as that identity."""

RETRIES = {"retry_total": 10, "retry_status": 6, "retry_connect": 6, "retry_read": 6}
"""The SDK's own retry policy, given more room: throttling (429) and 5xx answers are common in big runs."""

RETRYABLE = {408, 429, 500, 502, 503, 504}


class Clients:
    """SDK clients for one subscription, created on first use.

    `Clients.for_emulator(connection, subscription_id)` trusts the emulator's CA, gets tokens from its token
    endpoint, polls fast and ignores proxy and netrc settings of the environment (requests reads them on every
    request; the emulator is reached directly); `Clients.for_azure(subscription_id, tenant_id)` uses
    `azure_credential` and public Azure.
    """

    def __init__(self, subscription_id: str, credential: Any, client_kwargs: dict[str, Any]):
        self.subscription_id = subscription_id
        self.credential = credential
        self._kwargs = client_kwargs

    def counted_by(self, tally: "RequestTally") -> "Clients":
        """The same clients, with every ARM request they send counted in ``tally``."""
        return Clients(self.subscription_id, self.credential,
                       {**self._kwargs, "per_call_policies": [tally.policy], "per_retry_policies": [tally.retry_policy]})

    @classmethod
    def for_emulator(cls, connection: Connection, subscription_id: str | None = None, credential: Any = None) -> "Clients":
        from azure.identity import ClientSecretCredential

        credential = credential or ClientSecretCredential(connection.tenant_id, connection.client_id, connection.client_secret,
                                            authority=connection.endpoint, disable_instance_discovery=True,
                                            connection_verify=connection.ca_cert, use_env_settings=False)
        kwargs = {"base_url": connection.endpoint, "connection_verify": connection.ca_cert, "polling_interval": 0.05,
                  "use_env_settings": False, **RETRIES, "retry_backoff_factor": 0.05, "retry_backoff_max": 2}
        return cls(subscription_id or connection.subscriptions[0], credential, kwargs)

    @classmethod
    def for_azure(cls, subscription_id: str, tenant_id: str, credential: Any = None) -> "Clients":
        return cls(subscription_id, credential or azure_credential(tenant_id), dict(RETRIES))

    @cached_property
    def resource(self):
        from azure.mgmt.resource.resources import ResourceManagementClient

        return ResourceManagementClient(self.credential, self.subscription_id, **self._kwargs)

    @cached_property
    def subscriptions(self):
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        return SubscriptionClient(self.credential, **self._kwargs)

    @cached_property
    def network(self):
        from azure.mgmt.network import NetworkManagementClient

        return NetworkManagementClient(self.credential, self.subscription_id, **self._kwargs)

    @cached_property
    def privatedns(self):
        from azure.mgmt.privatedns import PrivateDnsManagementClient

        return PrivateDnsManagementClient(self.credential, self.subscription_id, **self._kwargs)

    @cached_property
    def containerservice(self):
        from azure.mgmt.containerservice import ContainerServiceClient

        return ContainerServiceClient(self.credential, self.subscription_id, **self._kwargs)

    @cached_property
    def authorization(self):
        from azure.mgmt.authorization import AuthorizationManagementClient

        return AuthorizationManagementClient(self.credential, self.subscription_id, **self._kwargs)

    @cached_property
    def compute(self):
        from azure.mgmt.compute import ComputeManagementClient

        return ComputeManagementClient(self.credential, self.subscription_id, **self._kwargs)


_POLL_MARKERS = ("/operations/", "/operationresults/", "/asyncoperations/", "/commandresults/")


class RequestTally:
    """Counts the ARM requests the library sends: reads (GET, not operation polls), writes (PUT, PATCH,
    DELETE), actions (POST: credentials, run-command) and the retries the SDK made on the way."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reads = 0
        self.writes = 0
        self.actions = 0
        self.retries: list[str] = []
        tally = self

        class _Count(SansIOHTTPPolicy):
            def on_request(self, request):
                method = request.http_request.method.upper()
                url = request.http_request.url.lower()
                with tally._lock:
                    if method in ("GET", "HEAD"):
                        if not any(m in url for m in _POLL_MARKERS):
                            tally.reads += 1
                    elif method == "POST":
                        tally.actions += 1
                    else:
                        tally.writes += 1

        class _SeeRetries(SansIOHTTPPolicy):
            """Sits inside the SDK's retry loop: each retryable answer or dropped connection is one retry."""

            def on_response(self, request, response):
                status = response.http_response.status_code
                if status in RETRYABLE:
                    with tally._lock:
                        tally.retries.append(f"{request.http_request.method} {status}")

            def on_exception(self, request):
                with tally._lock:
                    tally.retries.append(f"{request.http_request.method} connection error")

        self.policy = _Count()
        self.retry_policy = _SeeRetries()

    def snapshot(self) -> tuple[int, int, int, int]:
        with self._lock:
            return self.reads, self.writes, self.actions, len(self.retries)

    def since(self, start: tuple[int, int, int, int]) -> dict:
        reads, writes, actions, retries = self.snapshot()
        with self._lock:
            seen = self.retries[start[3]:retries]
        return {"reads": reads - start[0], "writes": writes - start[1], "actions": actions - start[2],
                "retries": len(seen), "retried": sorted(set(seen))}


def clients_for(subscription_id: str, *, connection: Connection | None, tenant_id: str, tally: RequestTally | None = None,
                credential: Any = None) -> Clients:
    """Clients for the emulator named by ``connection``, or for Azure in ``tenant_id`` when it is None; ``credential``
    shares another subscription's (one token for them all)."""
    clients = (Clients.for_emulator(connection, subscription_id, credential) if connection
               else Clients.for_azure(subscription_id, tenant_id, credential))
    return clients.counted_by(tally) if tally else clients


def azure_credential(tenant_id: str, environ=os.environ):
    """The credentials tried, in order, for the params' tenant: a service principal or workload identity the
    environment names, a managed identity only when ``$AKSEGRESS_MANAGED_IDENTITY`` asks for one, then `az login`.

    Unlike ``DefaultAzureCredential``, a runner on an Azure VM never silently acts as the VM's identity, and the
    CLI is asked for a token of the params' tenant, not of whichever tenant it last signed in to.
    """
    from azure.identity import AzureCliCredential, ChainedTokenCredential, EnvironmentCredential, ManagedIdentityCredential, WorkloadIdentityCredential

    from aksegress.errors import TargetError

    named = environ.get("AZURE_TENANT_ID")
    if named and environ.get("AZURE_CLIENT_ID") and named.lower() != tenant_id.lower():
        raise TargetError(f"$AZURE_TENANT_ID is {named}, but params.tenant_id is {tenant_id}",
                          hint="set AZURE_TENANT_ID to the params' tenant_id, or fix tenant_id in the params file")
    chain = []
    if environ.get("AZURE_CLIENT_ID") and (environ.get("AZURE_CLIENT_SECRET") or environ.get("AZURE_CLIENT_CERTIFICATE_PATH")):
        chain.append(EnvironmentCredential())
    if environ.get("AZURE_CLIENT_ID") and environ.get("AZURE_FEDERATED_TOKEN_FILE"):
        chain.append(WorkloadIdentityCredential(tenant_id=tenant_id, client_id=environ["AZURE_CLIENT_ID"],
                                                token_file_path=environ["AZURE_FEDERATED_TOKEN_FILE"]))
    managed = environ.get(MANAGED_IDENTITY_ENV)
    if managed:
        chain.append(ManagedIdentityCredential() if managed.lower() == "system" else ManagedIdentityCredential(client_id=managed))
    chain.append(AzureCliCredential(tenant_id=tenant_id))
    return ChainedTokenCredential(*chain)


def read_connection(path: str | Path) -> Connection:
    return Connection.read(path)


def list_subscriptions(clients: Clients) -> list[dict]:
    """Every subscription the signed-in identity sees, as ARM JSON."""
    return [to_arm(s) for s in clients.subscriptions.subscriptions.list()]
