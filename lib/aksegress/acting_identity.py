"""Who acted as Azure sees it (the token's claims) and on which world, for a run's record and its resume rule."""

from __future__ import annotations

import base64
import json

__all__ = ["token_claims", "who_acted", "world_of"]

ARM_SCOPE = "https://management.azure.com/.default"


def token_claims(token: str) -> dict:
    """The payload of a JWT, decoded and not verified: the record says who Azure was told acted."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def who_acted(params, connection) -> dict:
    """The principal's object id and name from an ARM token, its tenant, the subscriptions touched, and the endpoint."""
    from aksegress import connect

    endpoint = connection.endpoint if connection else "https://management.azure.com"
    out = {"where": "emulator" if connection else "azure", "endpoint": endpoint, "subscriptions": sorted(params.subscription_ids())}
    try:
        clients = connect.clients_for(params.subscription_ids()[0], connection=connection, tenant_id=params.tenant_id)
        claims = token_claims(clients.credential.get_token(ARM_SCOPE).token)
    except Exception as error:  # noqa: BLE001 - the record says why the identity is unknown; the steps will fail on their own
        return {**out, "object_id": None, "name": None, "tenant": params.tenant_id, "error": str(error).splitlines()[0] if str(error) else type(error).__name__}
    return {**out, "object_id": claims.get("oid"), "name": claims.get("name") or claims.get("upn") or claims.get("unique_name") or claims.get("appid"),
            "tenant": claims.get("tid") or params.tenant_id}


def world_of(params, connection) -> dict:
    """What makes two runs act on the same world: tenant, subscriptions, and for the emulator the identity its state keeps."""
    return {"tenant": params.tenant_id.lower(), "subscriptions": sorted(s.lower() for s in params.subscription_ids()),
            "emulator_client": connection.client_id if connection else None}
