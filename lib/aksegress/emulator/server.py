"""The HTTP side: a Werkzeug WSGI app (auth, api-version, routing, counters) served over HTTPS on 127.0.0.1.

Routes outside ARM's paths:
  GET  /metadata/endpoints                        cloud document for `az cloud register` (no auth)
  GET  /{tenant}/v2.0/.well-known/openid-configuration, POST /{tenant}/oauth2/v2.0/token (no auth)
  GET  /_emulator/health, GET /_emulator/counters, POST /_emulator/counters/reset,
  POST /_emulator/faults {"method", "type", "code", "message", "times"}   (bearer token required)

Counters cover authenticated ARM requests only: `reads` (GET/HEAD), `writes` (PUT/PATCH/DELETE), `actions`
(POST: list credentials, run-command) and `polls` (async-operation status GETs, kept apart so LRO speed
settings do not skew read counts), each also split by ARM type under `by_type`.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections import defaultdict

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from aksegress.emulator.chaos import Chaos
from aksegress.emulator.engine import Arm, ArmError, ArmRequest, ArmResponse, Target, parse_path
from aksegress.emulator.identity import TokenService, cloud_metadata
from aksegress.emulator.providers import resources

_SUBSCRIPTION_TYPE = "Microsoft.Resources/subscriptions"
_GROUP_TYPE = resources.GROUP_TYPE


class Counters:
    """Thread-safe request counts for tests and benchmarks."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._totals = {"reads": 0, "writes": 0, "actions": 0, "polls": 0}
            self._by_type: dict[str, dict[str, int]] = defaultdict(lambda: {"reads": 0, "writes": 0, "actions": 0, "polls": 0})

    def record(self, kind: str, arm_type: str) -> None:
        with self._lock:
            self._totals[kind] += 1
            self._by_type[arm_type][kind] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return dict(self._totals, by_type={t: dict(c) for t, c in self._by_type.items()})


def _type_of(target: Target) -> str:
    if target.kind in ("subscriptions", "subscription"):
        return _SUBSCRIPTION_TYPE
    if target.kind in ("resourceGroups", "resourceGroup"):
        return _GROUP_TYPE
    if target.kind == "genericList":
        return "Microsoft.Resources/resources"
    if target.kind == "operation":
        return f"{target.namespace}/operations"
    return target.full_type


class EmulatorApp:
    """The WSGI application."""

    def __init__(self, arm: Arm, tokens: TokenService):
        self.arm, self.tokens, self.counters = arm, tokens, Counters()
        self.chaos = Chaos()

    def __call__(self, environ, start_response):
        request = Request(environ)
        arm_request = ArmRequest(request.method, request.path, request.args.to_dict(),
                                 {k.lower(): v for k, v in request.headers.items()}, request.get_data(),
                                 request.host_url.rstrip("/"))
        try:
            result = self._route(arm_request, request)
        except _DropConnection:
            _drop(environ)
            return Response(status=500)(environ, start_response)
        except ArmError as error:
            result = ArmResponse(error.status, error.body(), dict(error.headers))
            if error.status == 401:
                result.headers["WWW-Authenticate"] = (f'Bearer authorization_uri="{arm_request.base_url}/'
                                                      f'{self.tokens.tenant_id}", error="invalid_token", '
                                                      f'error_description="{error.message}"')
        return self._respond(result, request.method)(environ, start_response)

    @staticmethod
    def _respond(result: ArmResponse, method: str) -> Response:
        headers = {"x-ms-request-id": str(uuid.uuid4()), **result.headers}
        if result.body is None or method == "HEAD":
            return Response(status=result.status, headers=headers)
        return Response(json.dumps(result.body), status=result.status, headers=headers, mimetype="application/json")

    def _route(self, request: ArmRequest, raw: Request) -> ArmResponse:
        segs = [s for s in request.path.split("/") if s]
        low = [s.lower() for s in segs]
        if low[:2] == ["metadata", "endpoints"]:
            return ArmResponse(200, cloud_metadata(request.base_url))
        if len(segs) == 4 and low[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return ArmResponse(200, self.tokens.openid_configuration(request.base_url, segs[0]))
        if len(segs) == 4 and low[1:] == ["oauth2", "v2.0", "token"] and request.method == "POST":
            status, body = self.tokens.token_response(segs[0], raw.form.to_dict())
            return ArmResponse(status, body, {"Cache-Control": "no-store"})
        self.tokens.check(request.headers.get("authorization"))
        if low[:1] == ["_emulator"]:
            return self._operational(request, low[1:])
        if "api-version" not in request.query:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        target = parse_path(request.path)
        kind = ("polls" if target.kind == "operation" else "reads" if request.method in ("GET", "HEAD")
                else "actions" if request.method == "POST" else "writes")
        self.counters.record(kind, _type_of(target))
        self._misbehave(request.method, _type_of(target), target.kind == "operation")
        self.arm.settle()
        return self._arm(target, request)

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

    def _arm(self, target: Target, request: ArmRequest) -> ArmResponse:
        arm, method = self.arm, request.method
        route = (target.kind, method)
        if route == ("subscriptions", "GET"):
            return resources.list_subscriptions(arm, request)
        if route == ("subscription", "GET"):
            return resources.get_subscription(arm, target.sub)
        if route == ("resourceGroups", "GET"):
            return resources.list_groups(arm, target.sub, request)
        if target.kind == "resourceGroup" and method in ("GET", "HEAD"):
            return resources.get_group(arm, target.sub, target.rg, request)
        if route == ("resourceGroup", "PUT"):
            return resources.put_group(arm, target.sub, target.rg, request)
        if route == ("resourceGroup", "PATCH"):
            return resources.patch_group(arm, target.sub, target.rg, request)
        if route == ("resourceGroup", "DELETE"):
            return resources.delete_group(arm, target.sub, target.rg, request)
        if route == ("genericList", "GET"):
            return resources.generic_list(arm, target.sub, target.rg, request)
        if route == ("operation", "GET"):
            return arm.poll(target, request)
        if route == ("collection", "GET"):
            return arm.list_collection(target, request)
        if route == ("collection", "POST"):
            return arm.post_action(target, request)
        if target.kind == "resource" and method in ("GET", "PUT", "PATCH", "DELETE"):
            arm.check_scope(target)
            handler = arm.type_handler(target, request)
            if method == "GET":
                return arm.get_resource(target)
            operation = {"PUT": arm.put_resource, "PATCH": arm.patch_resource, "DELETE": arm.delete_resource}[method]
            return operation(target, request, handler)
        raise ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")

    def _operational(self, request: ArmRequest, rest: list[str]) -> ArmResponse:
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
            fault = request.json()
            self.arm.inject_fault(fault.get("method", "PUT"), fault["type"], fault.get("code", "InternalServerError"),
                                  fault.get("message", "Injected failure."), int(fault.get("times", 1)))
            return ArmResponse(204)
        if rest == ["chaos"] and request.method == "POST":
            settings = request.json()
            try:
                self.chaos.configure(float(settings.get("rate", 0)), settings.get("kinds"), settings.get("seed"))
            except ValueError as error:
                raise ArmError(400, "InvalidChaosSettings", str(error)) from None
            return ArmResponse(200, self.chaos.status())
        if rest == ["chaos"] and request.method == "GET":
            return ArmResponse(200, self.chaos.status())
        if rest == ["holds"] and request.method == "POST":
            hold = request.json()
            self.chaos.add_hold(hold.get("method", "PUT"), hold["type"], float(hold.get("seconds", 10)))
            return ArmResponse(200, self.chaos.status())
        if rest == ["holds", "release"] and request.method == "POST":
            self.chaos.release_all()
            return ArmResponse(200, self.chaos.status())
        raise ArmError(404, "NotFound", f"No emulator endpoint '{request.path}'.")


class _DropConnection(Exception):
    """Close the client's connection without an answer, as a reset load balancer would."""


def _drop(environ) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _QuietHandler(WSGIRequestHandler):
    """No request log, and no Nagle delay on answers."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 - Werkzeug's signature
        pass



def serve_in_thread(app: EmulatorApp, ssl_context, port: int = 0):
    """Start a threaded HTTPS server on 127.0.0.1 in a daemon thread; returns (server, thread)."""
    server = make_server("127.0.0.1", port, app, threaded=True, ssl_context=ssl_context, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"aksegress-emulator-{server.server_port}", daemon=True)
    thread.start()
    return server, thread
