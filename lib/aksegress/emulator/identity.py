"""A tiny Entra-ID-like token service and the cloud metadata document, enough for azure-identity, MSAL and az.

Tokens are JWTs (HS256 with a secret kept in the state file, so they outlive restarts) carrying the claims
az and ARM look at: tid, oid, appid, aud, iss, exp. ARM requests are accepted only with such a token. Besides the
emulator's own app registration, service principals made later (`add_principal`) get tokens the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import UTC, datetime

from aksegress.emulator.engine import ArmError

ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.core.windows.net",
                 "https://management.azure.com/", "https://management.azure.com")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_VERIFIED_KEPT = 1024


class TokenService:
    """Issues client-credentials tokens for one tenant and its app registrations, and checks them.

    `principals` is where other service principals are kept: a mapping-like store of client id to
    {"name", "secret", "objectId"} with `get` and item assignment (the emulator keeps it in its state file).
    """

    def __init__(self, tenant_id: str, client_id: str, client_secret: str, signing_key: bytes, principals=None):
        self.tenant_id, self.client_id, self.client_secret = tenant_id, client_id, client_secret
        self._key = signing_key
        self.object_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant_id}/{client_id}"))
        self.principals = principals if principals is not None else {}
        self._verified: dict[str, dict] = {}  # token -> its claims, once its signature checked (expiry is checked every time)

    def add_principal(self, name: str) -> dict:
        """A new service principal (client id, secret, object id) with no roles."""
        client_id = str(uuid.uuid4())
        entry = {"name": name, "secret": secrets.token_urlsafe(24),
                 "objectId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.tenant_id}/{client_id}"))}
        self.principals[client_id] = entry
        return {"clientId": client_id, "clientSecret": entry["secret"], "objectId": entry["objectId"], "name": name}

    def _client(self, client_id: str | None) -> tuple[str, str] | None:
        """(secret, object id) of a known client."""
        if client_id == self.client_id:
            return self.client_secret, self.object_id
        entry = self.principals.get(client_id) if client_id else None
        return (entry["secret"], entry["objectId"]) if entry else None

    def mint(self, audience: str = "https://management.core.windows.net/", lifetime: int = 3600,
             client_id: str | None = None) -> str:
        client_id = client_id or self.client_id
        object_id = self._client(client_id)[1]
        now = int(time.time())
        claims = {"aud": audience, "iss": f"https://sts.windows.net/{self.tenant_id}/", "iat": now, "nbf": now,
                  "exp": now + lifetime, "tid": self.tenant_id, "oid": object_id, "sub": object_id,
                  "appid": client_id, "idtyp": "app", "ver": "1.0"}
        signing_input = _b64(b'{"typ":"JWT","alg":"HS256"}') + "." + _b64(json.dumps(claims).encode())
        return signing_input + "." + _b64(hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest())

    def check(self, authorization: str | None) -> dict:
        """The claims of a valid `Authorization: Bearer` header; ArmError(401) with ARM's code otherwise."""
        if not authorization:
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ArmError(401, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is provided in an invalid format.")
        claims = self._verified.get(token) or self._signed_claims(token.strip())
        if not claims:
            raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.")
        if claims.get("exp", 0) < time.time():
            expired = datetime.fromtimestamp(claims.get("exp", 0), UTC).strftime("%m/%d/%Y %H:%M:%S")
            now = datetime.now(UTC).strftime("%m/%d/%Y %H:%M:%S")
            raise ArmError(401, "ExpiredAuthenticationToken",
                           f"The access token expiry UTC time '{expired}' is earlier than current UTC time '{now}'.")
        if claims.get("tid") != self.tenant_id:
            raise ArmError(401, "InvalidAuthenticationTokenTenant",
                           f"The access token is from the wrong issuer '{claims.get('iss')}'.")
        if claims.get("aud") not in ARM_AUDIENCES:
            raise ArmError(401, "InvalidAuthenticationTokenAudience",
                           f"The access token has been obtained for wrong audience or resource '{claims.get('aud')}'. "
                           f"It should exactly match with one of the allowed audiences {', '.join(ARM_AUDIENCES)}.")
        if len(self._verified) >= _VERIFIED_KEPT:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def _signed_claims(self, token: str) -> dict | None:
        """The claims of a token this service signed; None for a bad signature or shape."""
        parts = token.split(".")
        signature = hmac.new(self._key, ".".join(parts[:2]).encode(), hashlib.sha256).digest() if len(parts) == 3 else b""
        try:
            valid = len(parts) == 3 and hmac.compare_digest(_unb64(parts[2]), signature)
            return json.loads(_unb64(parts[1])) if valid else None
        except ValueError:
            return None

    def openid_configuration(self, base_url: str, tenant: str) -> dict:
        root = f"{base_url}/{tenant}"
        return {
            "issuer": f"{base_url}/{self.tenant_id}/v2.0",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": None,
        }

    def token_response(self, tenant: str, form: dict[str, str]) -> tuple[int, dict]:
        """Answer POST /{tenant}/oauth2/v2.0/token for the client_credentials grant, with AAD's error shapes."""
        if tenant.lower() not in (self.tenant_id.lower(), "organizations"):
            return 400, _aad_error("invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return 400, _aad_error("unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
        client = self._client(form.get("client_id"))
        if client is None:
            return 400, _aad_error("unauthorized_client",
                                   f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found "
                                   f"in the directory '{self.tenant_id}'.")
        if not hmac.compare_digest(form.get("client_secret", ""), client[0]):
            return 401, _aad_error("invalid_client", "AADSTS7000215: Invalid client secret provided.")
        scope = form.get("scope", "https://management.core.windows.net//.default").split()[0]
        audience = scope[: -len("/.default")] if scope.endswith("/.default") else scope
        if audience.endswith("//"):
            audience = audience[:-1]
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                     "access_token": self.mint(audience, client_id=form["client_id"])}


def _aad_error(code: str, description: str) -> dict:
    return {"error": code, "error_description": description, "error_codes": [int(description[6:].split(":")[0])],
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())}


def cloud_metadata(base_url: str) -> dict:
    """GET /metadata/endpoints: a full cloud document (az cloud register needs every key)."""
    root = base_url + "/"
    return {
        "name": "AksegressEmulator",
        "resourceManager": root,
        "portal": root + "portal",
        "authentication": {"loginEndpoint": root, "audiences": ["https://management.core.windows.net/",
                                                                 "https://management.azure.com/"],
                           "tenant": "common", "identityProvider": "AAD"},
        "graphAudience": "https://graph.windows.net/",
        "graph": root + "graph/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "gallery": root + "gallery/",
        "batch": "https://batch.core.windows.net/",
        "media": "https://rest.media.azure.net",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "vmImageAliasDoc": root + "aliases.json",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net",
                     "sqlServerHostname": "database.windows.net", "acrLoginServer": "azurecr.io",
                     "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
                     "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                     "mhsmDns": "managedhsm.azure.net", "attestationEndpoint": "attest.azure.net"},
    }
