"""Turn a raw VCR cassette of real Azure traffic into a normalised contract recording.

Keeps only the ARM calls (management.azure.com), with method, path and query, the conditional request
headers, request body, the real status, the async/etag response headers and the response body; drops
login, Graph and data-plane calls and every other header; replaces subscription and tenant ids and secrets
with fixed placeholders. `sources.json` names each recording's repository, path and commit, and the marks
(changed answers, requests outside the emulated surface, seeds) that survive regeneration.

    python tests/contract/normalise.py --source-dir REPO_GIT_DIR [--only NAME]   # regenerate from a git mirror
    python tests/contract/normalise.py --cassette RAW.yaml --name NAME           # one file on disk
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml

HERE = Path(__file__).resolve().parent
RECORDINGS = HERE / "recordings"
SOURCES = HERE / "sources.json"
ARM_HOST = "management.azure.com"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "00000000-0000-0000-0000-0000000000aa"
REDACTED = "REDACTED"
KEPT_REQUEST_HEADERS = ("if-match", "if-none-match")
KEPT_RESPONSE_HEADERS = ("azure-asyncoperation", "location", "retry-after", "etag")
SIGNATURE_QUERY = {"t", "c", "s", "h", "p", "monitor"}
SECRET_KEYS = {"value", "adminpassword", "password", "secret", "clientsecret", "keydata", "privatekey", "kubeconfig"}
LIST_KEEP = 3
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SUB_IN_PATH = re.compile(rf"(/subscriptions/){_GUID}", re.IGNORECASE)
_TENANT_KEYS = {"tenantid", "hometenantid", "managedbytenants"}

# Requests the emulator does not implement because the runbook never sends them: replayed never, kept marked.
OUTSIDE = [
    (re.compile(r"/providers/Microsoft\.Resources/deployments", re.I), "template deployments are not emulated; the runbook PUTs each resource itself"),
    (re.compile(r"/artifacttypes/vmimage/", re.I), "VM image catalogue lookups are not emulated; the runbook names its image"),
    (re.compile(r"/providers/Microsoft\.Network/ipGroups", re.I), "IP groups are outside the runbook's surface"),
    (re.compile(r"/providers/Microsoft\.ManagedIdentity/", re.I), "user-assigned identities are outside the runbook's surface"),
    (re.compile(r"/providers/Microsoft\.OperationalInsights/", re.I), "Log Analytics workspaces are outside the runbook's surface"),
    (re.compile(r"/managedClusters/[^/]+/agentPools", re.I),
     "agent pools as resources of their own are outside the runbook's surface (its clusters carry their pool inline)"),
]


def clean_uri(uri: str) -> str | None:
    """Path and query of an ARM request with the placeholder subscription and no signature parameters; None when not ARM."""
    parts = urlsplit(uri)
    if parts.netloc.lower() != ARM_HOST:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SIGNATURE_QUERY]
    path = _SUB_IN_PATH.sub(rf"\g<1>{SUBSCRIPTION}", parts.path)
    return path + ("?" + urlencode(query, safe="$'(),=") if query else "")


def scrub(value, key: str = ""):
    """The JSON value with tenant ids, subscription ids in ids, and secrets replaced by placeholders."""
    if isinstance(value, dict):
        return {k: scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if isinstance(value, str):
        if key.lower() in _TENANT_KEYS and re.fullmatch(_GUID, value):
            return TENANT
        if key.lower() in SECRET_KEYS and value:
            return REDACTED
        value = _SUB_IN_PATH.sub(rf"\g<1>{SUBSCRIPTION}", value)
        return re.sub(rf"(https://{ARM_HOST})", "", value) if value.startswith(f"https://{ARM_HOST}/") else value
    return value


def _json_or_text(text):
    if text in (None, ""):
        return None
    while isinstance(text, bytes) or (isinstance(text, str) and text[:2] in ("b'", 'b"')):
        text = (ast.literal_eval(text) if isinstance(text, str) else text).decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _trim_list(body, uri: str):
    """Long list answers (all role assignments in a tenant) keep the items under the request's scope, or the first few."""
    if not isinstance(body, dict) or not isinstance(body.get("value"), list) or len(body["value"]) <= LIST_KEEP:
        return body, None
    scope = uri.split("?")[0].lower().split("/providers/")[0]
    kept = [item for item in body["value"] if isinstance(item, dict) and str(item.get("id", "")).lower().startswith(scope + "/")]
    kept = kept or body["value"][:LIST_KEEP]
    if len(kept) == len(body["value"]):
        return body, None
    return dict(body, value=kept), f"kept {len(kept)} of {len(body['value'])} listed items (those under the request's scope)"


def _headers(headers: dict, wanted: tuple[str, ...]) -> dict:
    out = {}
    for name, values in (headers or {}).items():
        if name.lower() in wanted:
            value = values[0] if isinstance(values, list) else values
            out[name.lower()] = clean_uri(value) or value if name.lower() in ("azure-asyncoperation", "location") else value
    return out


def normalise(cassette: dict, source: dict) -> dict:
    """The normalised recording of one parsed cassette, described by its `sources.json` entry."""
    interactions = []
    outside_polls: dict[str, str] = {}
    for raw in cassette.get("interactions", []):
        request, response = raw["request"], raw["response"]
        uri = clean_uri(request["uri"])
        if uri is None:
            continue
        body, trimmed = _trim_list(scrub(_json_or_text((response.get("body") or {}).get("string"))), uri)
        item = {"method": request["method"].upper(), "uri": uri}
        if conditional := _headers(request.get("headers"), KEPT_REQUEST_HEADERS):
            item["headers"] = conditional
        if (sent := scrub(_json_or_text(request.get("body")))) is not None:
            item["body"] = sent
        item["status"] = response["status"]["code"]
        if kept := _headers(response.get("headers"), KEPT_RESPONSE_HEADERS):
            item["response_headers"] = kept
        if body is not None:
            item["response"] = body
        if trimmed:
            item["trimmed"] = trimmed
        reason = next((reason for pattern, reason in OUTSIDE if pattern.search(uri)), None) or outside_polls.get(uri.split("?")[0])
        if reason:
            item["outside"] = reason
            for header in ("azure-asyncoperation", "location"):
                if header in item.get("response_headers", {}):
                    outside_polls[item["response_headers"][header].split("?")[0]] = f"a poll of an operation outside the surface: {reason}"
        interactions.append(item)
    for index, reason in source.get("changed", {}).items():
        interactions[int(index)]["changed"] = reason
    for index, reason in source.get("outside", {}).items():
        interactions[int(index)]["outside"] = reason
    header = {k: source[k] for k in ("name", "type", "repository", "path", "commit", "committed", "licence") if k in source}
    header["normalised"] = source.get("normalised") or datetime.date.today().isoformat()
    out = {"source": header}
    if source.get("seed"):
        out["seed_note"], out["seed"] = source.get("seed_note", ""), source["seed"]
    out["interactions"] = interactions
    return out


def _git_show(git_dir: Path, commit: str, path: str) -> str | None:
    shown = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"], capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def write(recording: dict) -> Path:
    RECORDINGS.mkdir(exist_ok=True)
    out_file = RECORDINGS / f"{recording['source']['name']}.json"
    out_file.write_text(json.dumps(recording, indent=1, ensure_ascii=False) + "\n")
    return out_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", action="append", default=[], metavar="OWNER/NAME=GIT_DIR",
                        help="a git mirror of a source repository (repeatable)")
    parser.add_argument("--cassette", type=Path, help="one raw cassette file, normalised under --name")
    parser.add_argument("--name", action="append", default=[], help="only these recordings (names in sources.json)")
    args = parser.parse_args(argv)
    sources = json.loads(SOURCES.read_text())["recordings"]
    chosen = [s for s in sources if not args.name or s["name"] in args.name]
    mirrors = [entry.split("=", 1) for entry in args.source_dir]
    for source in chosen:
        text = args.cassette.read_text() if args.cassette else None
        for repository, git_dir in mirrors:
            if text is None and repository == source["repository"]:
                text = _git_show(Path(git_dir), source["commit"], source["path"])
        if text is None:
            print(f"skipped {source['name']}: no mirror of {source['repository']} holds {source['commit']}", file=sys.stderr)
            continue
        print(write(normalise(yaml.safe_load(text), source)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
