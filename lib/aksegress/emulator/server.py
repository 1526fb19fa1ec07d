"""The HTTP side: a WSGI app (auth, capped body, ARM's refusals, routing, counters) served over HTTPS on
127.0.0.1 by `wsgi_server.HttpsServer` (cheroot, keep-alive).

Every answer, malformed input included, is an ARM error body `{"error": {"code", "message"}}`. A request
is authenticated before its body is read; a body is read once, up to 4 MiB (413 beyond), and a connection
whose body was left unread is closed after the answer.

Routes outside ARM's paths:
  GET  /metadata/endpoints                        cloud document for `az cloud register` (no auth)
  GET  /{tenant}/v2.0/.well-known/openid-configuration, POST /{tenant}/oauth2/v2.0/token (no auth)
  GET  /_emulator/health, GET /_emulator/counters, POST /_emulator/counters/reset,
  POST /_emulator/faults {"method", "type", "code", "message", "times"}   (bearer token required)
  GET/POST /_emulator/chaos {"rate", "kinds", "seed"}, POST /_emulator/holds {"method", "type", "seconds"},
  GET/POST /_emulator/policies {"definition", "scope"} (a deny policy assignment, `policy.py`),
  POST /_emulator/holds/release, POST /_emulator/principals {"name"} (a service principal with no roles; the
  emulator's own principal only)

Every ARM request is authorised for the token's principal by Azure RBAC (`access.py`) before it is counted. The
permissions API is answered at a resource group and a resource (ARM's documented forms) and at a subscription (which
ARM answers though its REST reference leaves it out, docs/arm-wire-format.md#6-errors); `subscription_permissions`
False answers that form as a type ARM does not know, for a client's fallback to be tried.

Counters cover authenticated ARM requests only: `reads` (GET/HEAD), `writes` (PUT/PATCH/DELETE), `actions`
(POST: list credentials, run-command) and `polls` (async-operation status GETs, kept apart so LRO speed
settings do not skew read counts), each also split by ARM type under `by_type`; `refused` counts error answers by
ARM code (409 `AnotherOperationInProgress` among them).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import defaultdict
from http import HTTPStatus
from urllib.parse import parse_qsl

from aksegress.emulator import access
from aksegress.emulator.chaos import KINDS, Chaos
from aksegress.emulator.engine import Arm, ArmError, ArmPath, ArmRequest, ArmResponse, parse_path
from aksegress.emulator.identity import TokenService, cloud_metadata
from aksegress.emulator.policy import Policies
from aksegress.emulator.providers import resources
from aksegress.emulator.request_checks import MAX_BODY_BYTES, check_api_version, check_media_type, check_put_body, check_tags, parse_json, too_large
from aksegress.emulator.wsgi_server import DROP_CONNECTION, HttpsServer

_SUBSCRIPTION_TYPE = "Microsoft.Resources/subscriptions"
_GROUP_TYPE = resources.GROUP_TYPE
_MAX_FORM_BYTES = 64 * 1024
_log = logging.getLogger("aksegress.emulator")


class Counters:
    """Thread-safe request counts for tests and benchmarks."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._totals = {"reads": 0, "writes": 0, "actions": 0, "polls": 0}
            self._authorised: set[tuple[str, str]] = set()
            self._by_type: dict[str, dict[str, int]] = defaultdict(lambda: {"reads": 0, "writes": 0, "actions": 0, "polls": 0})
            self._refused: dict[str, int] = defaultdict(int)

    def record(self, kind: str, arm_type: str) -> None:
        with self._lock:
            self._totals[kind] += 1
            self._by_type[arm_type][kind] += 1

    def authorised(self, needs: list[tuple[str, str]]) -> None:
        with self._lock:
            self._authorised.update(needs)

    def authorised_actions(self) -> list[tuple[str, str]]:
        """Every (action, scope) an ARM request was authorised for since the last reset, linked actions included."""
        with self._lock:
            return sorted(self._authorised)

    def refuse(self, code: str) -> None:
        with self._lock:
            self._refused[code] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return dict(self._totals, by_type={t: dict(c) for t, c in self._by_type.items()}, refused=dict(self._refused))


def _type_of(arm_path: ArmPath) -> str:
    if arm_path.kind in ("subscriptions", "subscription"):
        return _SUBSCRIPTION_TYPE
    if arm_path.kind in ("resourceGroups", "resourceGroup"):
        return _GROUP_TYPE
    if arm_path.kind == "genericList":
        return "Microsoft.Resources/resources"
    if arm_path.kind == "operation":
        return f"{arm_path.namespace}/operations"
    return arm_path.full_type


class EmulatorApp:
    """The WSGI application: authenticate, read a capped body, refuse what ARM refuses, then route."""

    def __init__(self, arm: Arm, tokens: TokenService):
        self.arm, self.tokens, self.counters = arm, tokens, Counters()
        self.chaos = Chaos()
        self.subscription_permissions = True
        self.policies = Policies(arm.store)

    def __call__(self, environ, start_response):
        body = _Body(environ)
        request = _request_head(environ)
        try:
            result = self._route(request, body)
        except _DropConnection:
            environ[DROP_CONNECTION]()
            return []
        except ArmError as error:
            self.counters.refuse(error.code)
            result = self._error(error, request)
        except Exception:  # the client gets an ARM error body, never a traceback or an HTML page
            _log.exception("emulator failed on %s %s", request.method, request.path)
            result = ArmResponse(500, ArmError(500, "InternalServerError", "Encountered internal server error.").body())
        if body.pending:
            result.headers["Connection"] = "close"
        return _respond(result, request.method, start_response)

    def _error(self, error: ArmError, request: ArmRequest) -> ArmResponse:
        result = ArmResponse(error.status, error.body(), dict(error.headers))
        if error.status == 401:
            result.headers["WWW-Authenticate"] = (f'Bearer authorization_uri="{request.base_url}/'
                                                  f'{self.tokens.tenant_id}", error="invalid_token", '
                                                  f'error_description="{error.message}"')
        return result

    def _route(self, request: ArmRequest, body: "_Body") -> ArmResponse:
        segs = [s for s in request.path.split("/") if s]
        low = [s.lower() for s in segs]
        if low[:2] == ["metadata", "endpoints"]:
            return ArmResponse(200, cloud_metadata(request.base_url))
        if len(segs) == 4 and low[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return ArmResponse(200, self.tokens.openid_configuration(request.base_url, segs[0]))
        if len(segs) == 4 and low[1:] == ["oauth2", "v2.0", "token"] and request.method == "POST":
            form = dict(parse_qsl(body.read(_MAX_FORM_BYTES).decode("utf-8", "replace"), keep_blank_values=True))
            status, answer = self.tokens.token_response(segs[0], form)
            return ArmResponse(status, answer, {"Cache-Control": "no-store"})
        claims = self.tokens.check(request.headers.get("authorization"))
        request.body = body.read(MAX_BODY_BYTES)
        check_media_type(request.method, request.headers.get("content-type"), request.body)
        value = parse_json(request.body) if request.body else None
        if low[:1] == ["_emulator"]:
            return self._operational(request, low[1:], value, claims)
        if "api-version" not in request.query:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        arm_path = parse_path(request.path)
        check_api_version(request.query["api-version"], arm_path, value.get("location") if isinstance(value, dict) else None)
        if request.method == "PATCH" and isinstance(value, dict):
            check_tags(value.get("tags"))
        if arm_path.sub:
            self.arm.require_subscription(arm_path.sub)
        grants = access.Grants(self.arm, claims["oid"], owner_everywhere=claims["oid"] == self.tokens.object_id)
        self.counters.authorised(access.authorize(grants, arm_path, request.method, value))
        kind = ("polls" if arm_path.kind == "operation" else "reads" if request.method in ("GET", "HEAD")
                else "actions" if request.method == "POST" else "writes")
        self.counters.record(kind, _type_of(arm_path))
        self._misbehave(request.method, _type_of(arm_path), arm_path.kind == "operation")
        self.arm.settle()
        if access.is_permissions_query(arm_path) and request.method == "GET":
            self.arm.check_scope(ArmPath("collection", sub=arm_path.sub, rg=arm_path.rg))
            if arm_path.rg is None and not self.subscription_permissions:
                self.arm.type_handler(arm_path, request)
            return ArmResponse(200, access.permissions_answer(grants, arm_path.scope))
        self.policies.check(arm_path, request.method, value)
        result = self._arm(arm_path, request)
        if arm_path.kind == "subscriptions" and isinstance(result.body, dict):
            result.body["value"] = [s for s in result.body.get("value", [])
                                    if grants.sees_subscription(s.get("subscriptionId", ""))]
        return result

    def _misbehave(self, method: str, arm_type: str, is_poll: bool) -> None:
        """Deal a fault when chaos is on, and hold the request while a test asks for it."""
        handler = self.arm.handler(arm_type)
        fault = self.chaos.decide(method, arm_type, bool(handler and handler.long_running), is_poll)
        if fault and fault.kind == "reset":
            raise _DropConnection()
        if fault and fault.kind == "lro_failed":
            self.arm.inject_fault(method, arm_type, "InternalServerError", "The operation failed on the server (injected fault).")
        elif fault:
            raise ArmError(fault.status, fault.code, fault.message, headers=fault.headers)
        self.chaos.wait_if_held(method, arm_type)

    def _arm(self, arm_path: ArmPath, request: ArmRequest) -> ArmResponse:
        arm, method = self.arm, request.method
        route = (arm_path.kind, method)
        if route == ("subscriptions", "GET"):
            return resources.list_subscriptions(arm, request)
        if route == ("subscription", "GET"):
            return resources.get_subscription(arm, arm_path.sub)
        if route == ("resourceGroups", "GET"):
            return resources.list_groups(arm, arm_path.sub, request)
        if arm_path.kind == "resourceGroup" and method in ("GET", "HEAD"):
            return resources.get_group(arm, arm_path.sub, arm_path.rg, request)
        if route == ("resourceGroup", "PUT"):
            check_put_body(arm_path, request.json())
            return resources.put_group(arm, arm_path.sub, arm_path.rg, request)
        if route == ("resourceGroup", "PATCH"):
            return resources.patch_group(arm, arm_path.sub, arm_path.rg, request)
        if route == ("resourceGroup", "DELETE"):
            return resources.delete_group(arm, arm_path.sub, arm_path.rg, request)
        if route == ("genericList", "GET"):
            return resources.generic_list(arm, arm_path.sub, arm_path.rg, request)
        if route == ("operation", "GET"):
            return arm.poll(arm_path, request)
        if route == ("collection", "GET"):
            return arm.list_collection(arm_path, request)
        if route == ("collection", "POST"):
            return arm.post_action(arm_path, request)
        if resources.is_tags_path(arm_path) and method in ("GET", "PUT", "PATCH", "DELETE"):
            arm.check_scope(arm_path)
            return resources.tags_at_scope(arm, arm_path, request)
        if arm_path.kind == "resource" and method in ("GET", "PUT", "PATCH", "DELETE"):
            arm.check_scope(arm_path)
            handler = arm.type_handler(arm_path, request)
            if method == "PUT":
                check_put_body(arm_path, request.json())
            if method == "GET":
                return _with_etag(arm.get_resource(arm_path, request))
            operation = {"PUT": arm.put_resource, "PATCH": arm.patch_resource, "DELETE": arm.delete_resource}[method]
            return _with_etag(operation(arm_path, request, handler))
        raise ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")

    def _operational(self, request: ArmRequest, rest: list[str], value, claims: dict) -> ArmResponse:
        if rest == ["principals"] and request.method == "POST":
            if claims.get("oid") != self.tokens.object_id:
                raise ArmError(403, "AuthorizationFailed", "Only the emulator's own principal may create principals.")
            made = self.tokens.add_principal(_Settings(value, "principal").text("name", required=True))
            return ArmResponse(201, dict(made, tenantId=self.tokens.tenant_id,
                                         token=self.tokens.mint(lifetime=3650 * 24 * 3600, client_id=made["clientId"])))
        if rest == ["health"] and request.method == "GET":
            return ArmResponse(200, {"status": "ok", "tenantId": self.tokens.tenant_id,
                                     "subscriptions": [s for s, _, _ in self.arm.store.subscriptions()],
                                     "latencyProfile": self.arm.profile.name, "pageSize": self.arm.page_size})
        if rest == ["counters"] and request.method == "GET":
            return ArmResponse(200, self.counters.snapshot())
        if rest == ["counters", "reset"] and request.method == "POST":
            self.counters.reset()
            return ArmResponse(200, self.counters.snapshot())
        if rest == ["faults"] and request.method == "POST":
            fault = _Settings(value, "fault")
            self.arm.inject_fault(fault.method(), fault.text("type", required=True),
                                  fault.text("code", "InternalServerError"), fault.text("message", "Injected failure."),
                                  fault.number("times", 1, whole=True, low=1, high=1000))
            return ArmResponse(204)
        if rest == ["policies"] and request.method == "POST":
            if claims.get("oid") != self.tokens.object_id:
                raise ArmError(403, "AuthorizationFailed", "Only the emulator's own principal may assign policies.")
            settings = _Settings(value, "policy assignment")
            return ArmResponse(201, self.policies.assign(settings.text("definition", required=True), settings.text("scope", required=True)))
        if rest == ["policies"] and request.method == "GET":
            return ArmResponse(200, {"value": self.policies.assignments()})
        if rest == ["chaos"] and request.method == "POST":
            settings = _Settings(value, "chaos settings")
            self.chaos.configure(settings.number("rate", 0, low=0, high=1), settings.kinds(KINDS),
                                 settings.number("seed", None, whole=True))
            return ArmResponse(200, self.chaos.status())
        if rest == ["chaos"] and request.method == "GET":
            return ArmResponse(200, self.chaos.status())
        if rest == ["holds"] and request.method == "POST":
            hold = _Settings(value, "hold")
            self.chaos.add_hold(hold.method(), hold.text("type", required=True), hold.number("seconds", 10, low=0, high=3600))
            return ArmResponse(200, self.chaos.status())
        if rest == ["holds", "release"] and request.method == "POST":
            self.chaos.release_all()
            return ArmResponse(200, self.chaos.status())
        raise ArmError(404, "NotFound", f"No emulator endpoint '{request.path}'.")


class _Settings:
    """The JSON object posted to an /_emulator endpoint, read field by field with a 400 naming a bad field."""

    def __init__(self, value, what: str):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ArmError(400, "InvalidRequestContent", f"The {what} must be a JSON object.")
        self.value, self.what = value, what

    def _bad(self, name: str, wanted: str) -> ArmError:
        return ArmError(400, "InvalidRequestContent", f"The {self.what} field '{name}' must be {wanted} (got {self.value.get(name)!r}).")

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        if name not in self.value and not required:
            return default
        found = self.value.get(name)
        if not isinstance(found, str) or not found.strip():
            raise self._bad(name, "a non-empty string")
        return found

    def method(self) -> str:
        method = self.text("method", "PUT").upper()
        if method not in ("GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"):
            raise self._bad("method", "an HTTP method (GET, PUT, PATCH, DELETE, POST or HEAD)")
        return method

    def number(self, name: str, default, *, whole: bool = False, low: float | None = None, high: float | None = None):
        found = self.value.get(name, default)
        if found is None and default is None:
            return None
        wanted = ("a whole number" if whole else "a number") + (f" from {low} to {high}" if low is not None and high is not None else "")
        if isinstance(found, bool) or not isinstance(found, int if whole else (int, float)) or found != found:
            raise self._bad(name, wanted)
        if (low is not None and found < low) or (high is not None and found > high):
            raise self._bad(name, wanted)
        return found

    def kinds(self, known: tuple[str, ...]) -> list[str] | None:
        found = self.value.get("kinds")
        if found is None:
            return None
        if not isinstance(found, list) or not all(isinstance(k, str) and k in known for k in found):
            raise ArmError(400, "InvalidChaosSettings", f"rate must be in [0, 1] and kinds among {', '.join(known)}")
        return found


class _DropConnection(Exception):
    """Close the client's connection without an answer, as a reset load balancer would."""


class _Body:
    """A request body read at most once and never past a limit; `pending` while bytes are left unread."""

    def __init__(self, environ):
        self._stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH") or ""
        self._length = int(length) if length.isdigit() else None
        self.pending = bool(self._length) or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()

    def read(self, limit: int) -> bytes:
        if not self.pending:
            return b""
        if self._length is not None and self._length > limit:
            raise too_large(self._length)
        data = self._stream.read(limit + 1)
        if len(data) > limit:
            raise too_large(len(data))
        self.pending = False
        return data


def _request_head(environ) -> ArmRequest:
    """Method, path, query and headers of a WSGI request; the body is read later, after authentication."""
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    query: dict[str, str] = {}
    for key, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
        query.setdefault(key, value)
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '')}"
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    return ArmRequest(environ["REQUEST_METHOD"].upper(), path, query, headers, b"",
                      f"{environ.get('wsgi.url_scheme', 'https')}://{host}")


def _with_etag(result: ArmResponse) -> ArmResponse:
    """ARM repeats a resource's etag in the ETag header of the answers that carry its body."""
    if result.status in (200, 201) and isinstance(result.body, dict) and isinstance(result.body.get("etag"), str):
        result.headers.setdefault("ETag", result.body["etag"])
    return result


def _respond(result: ArmResponse, method: str, start_response) -> list[bytes]:
    headers = {"x-ms-request-id": str(uuid.uuid4()), **result.headers}
    payload = b"" if result.body is None or method == "HEAD" else json.dumps(result.body).encode()
    if payload:
        headers["Content-Type"] = "application/json"
    if result.status not in (204, 304):
        headers["Content-Length"] = str(len(payload))
    start_response(f"{result.status} {HTTPStatus(result.status).phrase}", [(k, str(v)) for k, v in headers.items()])
    return [payload]


def serve_in_thread(app: EmulatorApp, ssl_context, port: int = 0) -> tuple[HttpsServer, threading.Thread]:
    """Start the HTTPS server on 127.0.0.1 in a daemon thread; returns (server, thread)."""
    server = HttpsServer(app, ssl_context, port)
    thread = threading.Thread(target=server.serve_forever, name=f"aksegress-emulator-{server.server_port}", daemon=True)
    thread.start()
    return server, thread
