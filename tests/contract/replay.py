"""Replay normalised recordings of real ARM traffic against a fresh emulator, and score its answers.

Each recording's requests go in order over plain HTTPS with the emulator's token and CA, the placeholder
subscription swapped for the emulator's. A recorded poll of an ARM operation URL is sent to the URL the
emulator gave in its answer to the same earlier request (its Azure-AsyncOperation or Location, whichever it
sent). Per request: status class, exact status, and the share of the real body's JSON key paths found in
the emulator's body. Requests marked `outside` are not sent; those marked `changed` are sent, reported, and
kept out of the scores.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aksegress.emulator import start_emulator

RECORDINGS = Path(__file__).resolve().parent / "recordings"
PLACEHOLDER_SUB = "00000000-0000-0000-0000-000000000000"
TENANT = "7a0c7b3e-0000-4000-8000-00000000c0de"
SUBSCRIPTION = "5b1d2c3e-3333-4333-8333-333333333333"
ASYNC_HEADERS = ("azure-asyncoperation", "location")
_GROUP = re.compile(r"/subscriptions/[^/]+/resourcegroups/([^/?]+)", re.I)
# Canary regions need a subscription enabled for them; the test suites that recorded there would get the same
# answers in the paired public region, so the replay sends that one.
CANARY_REGIONS = {"centraluseuap": "centralus", "eastus2euap": "eastus2"}
_CANARY = re.compile("|".join(CANARY_REGIONS), re.I)


@dataclass
class Outcome:
    """What one recorded request got from the emulator, beside what ARM answered."""

    index: int
    method: str
    uri: str
    arm_type: str
    recorded: int
    status: int | None = None
    paths: int = 0
    present: int = 0
    missing: list[str] = field(default_factory=list)
    missing_headers: list[str] = field(default_factory=list)
    recorded_code: str | None = None
    code: str | None = None
    note: str = ""
    changed: str | None = None
    outside: str | None = None

    @property
    def scored(self) -> bool:
        return self.outside is None and self.changed is None

    @property
    def class_match(self) -> bool:
        return self.status is not None and self.status // 100 == self.recorded // 100

    @property
    def exact_match(self) -> bool:
        return self.status == self.recorded


def load(name: str) -> dict:
    return json.loads((RECORDINGS / f"{name}.json").read_text())


def names() -> list[str]:
    return sorted(p.stem for p in RECORDINGS.glob("*.json"))


def key_paths(value, prefix: str = "") -> set[str]:
    """Every key path of a JSON value: `a`, `a.b`, lists as `[]` (`value[].id`)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            paths |= key_paths(child, f"{prefix}[]")
    return paths


def arm_type(uri: str) -> str:
    """The ARM type a request path addresses (collections and actions count as their resource's type)."""
    path = urlsplit(uri).path
    if "/providers/" not in path.lower():
        return "Microsoft.Resources/resourceGroups" if _GROUP.search(path) else "Microsoft.Resources/subscriptions"
    tail = re.split(r"/providers/", path, flags=re.I)[-1].split("/")
    namespace, rest = tail[0], tail[1:]
    types = [rest[i] for i in range(0, len(rest), 2)]
    if types and types[-1].lower() in ("runcommand", "listclusterusercredential", "listclusteradmincredential", "commandresults"):
        types = types[:-1]
    return "/".join([namespace] + types)


def _error_code(body) -> str | None:
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        if isinstance(error.get("code"), str) and ("message" in error or "error" in body):
            return error["code"]
    return None


class _Client:
    def __init__(self, connection):
        self.connection = connection
        self.context = ssl.create_default_context(cafile=connection.ca_cert)
        host, port = connection.endpoint.removeprefix("https://").split(":")
        self.host, self.port = host, int(port)

    def send(self, method: str, path: str, body=None, headers: dict | None = None):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        sent = {"Authorization": f"Bearer {self.connection.token}", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
            sent["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=payload, headers=sent)
            response = conn.getresponse()
            data = response.read()
            headers_out = {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode("utf-8", "replace")
        return response.status, headers_out, parsed


def _local(value, sub: str):
    """A recorded URI or body with the emulator's subscription and public regions for canary ones."""
    text = json.dumps(value) if not isinstance(value, str) else value
    text = _CANARY.sub(lambda m: CANARY_REGIONS[m.group(0).lower()], text.replace(f"/subscriptions/{PLACEHOLDER_SUB}", f"/subscriptions/{sub}"))
    return json.loads(text) if not isinstance(value, str) else text


def _poll_key(uri: str) -> str:
    return urlsplit(uri).path.lower()


def _groups_to_create(recording: dict) -> dict[str, dict]:
    """Resource groups the recording uses before (or without) creating them (a test fixture made them), as PUT bodies."""
    wanted: dict[str, dict] = {}
    created: set[str] = set()
    fallback = next((i["body"]["location"] for i in recording["interactions"]
                     if isinstance(i.get("body"), dict) and isinstance(i["body"].get("location"), str)), "westus")
    for item in recording["interactions"]:
        match = _GROUP.search(item["uri"])
        if not match:
            continue
        name = match.group(1).lower()
        is_group = urlsplit(item["uri"]).path.lower().rstrip("/").endswith(f"/resourcegroups/{name}")
        if is_group and item["method"] == "PUT" and name not in wanted:
            created.add(name)
        if name in created or name in wanted:
            if is_group and name in wanted and isinstance(item.get("response"), dict) and item["response"].get("location"):
                wanted[name] = _group_body(item["response"], fallback)
            continue
        wanted[name] = _group_body(item.get("response") if is_group else None, fallback)
    return wanted


def _group_body(recorded, fallback: str) -> dict:
    recorded = recorded if isinstance(recorded, dict) else {}
    body = {"location": recorded.get("location", fallback)}
    if recorded.get("tags"):
        body["tags"] = recorded["tags"]
    return body


def replay(recording: dict, connection) -> list[Outcome]:
    """Drive one recording against the emulator behind `connection`; an Outcome per recorded request."""
    client, sub = _Client(connection), connection.subscriptions[0]
    for group, body in _groups_to_create(recording).items():
        client.send("PUT", f"/subscriptions/{sub}/resourcegroups/{group}?api-version=2022-09-01", _local(body, sub))
    for seed in recording.get("seed", []):
        status, _, body = client.send(seed.get("method", "PUT"), _local(seed["uri"], sub), _local(seed.get("body"), sub))
        if status >= 300:
            raise RuntimeError(f"seed {seed['uri']} failed with {status}: {body}")
    polls: dict[str, tuple[int, str]] = {}
    answered: dict[int, dict] = {}
    types: dict[int, str] = {}
    outcomes = []
    for index, item in enumerate(recording["interactions"]):
        origin = polls.get(_poll_key(item["uri"]))
        kind = types[origin[0]] if origin else arm_type(item["uri"])
        types[index] = kind
        outcome = Outcome(index, item["method"], item["uri"], kind, item["status"], changed=item.get("changed"),
                          outside=item.get("outside"), recorded_code=_error_code(item.get("response")))
        outcomes.append(outcome)
        for header in ASYNC_HEADERS:
            if header in item.get("response_headers", {}):
                polls.setdefault(_poll_key(item["response_headers"][header]), (index, header))
        if outcome.outside:
            continue
        if origin:
            given = answered.get(origin[0], {})
            url = given.get(origin[1]) or next((given[h] for h in ASYNC_HEADERS if h in given), None)
            if url is None:
                outcome.note = f"the emulator's answer to request {origin[0]} named no operation URL to poll"
                _score_body(outcome, item, None, None)
                continue
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            status, headers, body = client.send("GET", path)
        else:
            status, headers, body = client.send(item["method"], _local(item["uri"], sub), _local(item.get("body"), sub), item.get("headers"))
        answered[index] = headers
        outcome.status = status
        _score_body(outcome, item, body, None if origin else headers)
    return outcomes


def _score_body(outcome: Outcome, item: dict, body, headers: dict | None) -> None:
    """Body key paths always; response headers only on first answers (a poll's headers are not compared)."""
    outcome.code = _error_code(body)
    if headers is not None:
        outcome.missing_headers = [h for h in item.get("response_headers", {}) if h not in headers]
    recorded = item.get("response")
    if not isinstance(recorded, (dict, list)):
        return
    wanted, got = key_paths(recorded), key_paths(body) if isinstance(body, (dict, list)) else set()
    outcome.paths, outcome.present = len(wanted), len(wanted & got)
    outcome.missing = sorted(wanted - got)


def replay_all(selected: list[str] | None = None) -> dict[str, list[Outcome]]:
    """Every recording (or those named), each against an emulator of its own."""
    results = {}
    for name in selected or names():
        with tempfile.TemporaryDirectory(prefix="aksegress-contract-") as scratch:
            with start_emulator(Path(scratch) / "arm.db", TENANT, [SUBSCRIPTION]) as emulator:
                results[name] = replay(load(name), emulator.connection)
    return results


@dataclass
class Score:
    """Shares over the scored requests of some set of outcomes."""

    requests: int = 0
    class_matches: int = 0
    exact_matches: int = 0
    paths: int = 0
    present: int = 0

    def add(self, outcome: Outcome) -> None:
        self.requests += 1
        self.class_matches += outcome.class_match
        self.exact_matches += outcome.exact_match
        self.paths += outcome.paths
        self.present += outcome.present

    @property
    def class_pct(self) -> float:
        return 100.0 * self.class_matches / self.requests if self.requests else 100.0

    @property
    def exact_pct(self) -> float:
        return 100.0 * self.exact_matches / self.requests if self.requests else 100.0

    @property
    def coverage_pct(self) -> float:
        return 100.0 * self.present / self.paths if self.paths else 100.0


def score(outcomes, by=None) -> dict[str, Score]:
    """Scores of the scored outcomes, grouped by `by(outcome)` (one group "all" without it)."""
    groups: dict[str, Score] = defaultdict(Score)
    for outcome in outcomes:
        if outcome.scored:
            groups[by(outcome) if by else "all"].add(outcome)
    return dict(groups)
