"""A run as documentation: HTML of each executed notebook, the run's index.html, and the environment's list of runs.

Nothing secret is written: every page passes through a ``Scrubber`` that redacts bearer tokens and JWTs, the
connection file's client secret and token, kubeconfig tokens and client keys, and private key PEM blocks, and
counts what it removed. A failed run's index links straight to the failing cell papermill marked.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from html import escape
from pathlib import Path

from aksegress.errors import WaitingForHubOwners
from aksegress.plan_files import KNOWN_AFTER_APPLY
from aksegress.readable import value_text

ERROR_ANCHOR = "papermill-error-cell"
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
_FETCHES_REMOTE = re.compile(r"(?:import\(|from\s+|src\s*=\s*)[\"'(]*https?://|https?://(?:cdn|unpkg)", re.I)
_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I)
REDACTED = "[redacted]"

_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----", re.S),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{16,}"),
    re.compile(r"(?i)((?:client-key-data|client-certificate-data|token|client_secret|client-secret|password)"
               r"[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{16,}"),
]


class Scrubber:
    """Redacts anything that looks like a credential, plus the exact secrets it is given; ``redacted`` counts them."""

    def __init__(self, secrets: list[str] | None = None):
        self.secrets = sorted({s for s in (secrets or []) if s and len(s) >= 8}, key=len, reverse=True)
        self.redacted = 0

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            self.redacted += text.count(secret)
            text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(self._replacement, text)
        return text

    def _replacement(self, match: re.Match) -> str:
        self.redacted += 1
        return (match.group(1) if match.re.groups else "") + REDACTED

    @classmethod
    def for_connection(cls, *paths: str | Path | None) -> "Scrubber":
        """A scrubber that also knows the token and client secret of each readable connection file."""
        secrets = []
        for path in paths:
            try:
                data = json.loads(Path(path).read_text()) if path else {}
            except (OSError, ValueError):
                continue
            secrets += [str(data.get(k) or "") for k in ("client_secret", "token", "password")]
        return cls(secrets)


class PageRenderer:
    """Renders executed notebooks' pages in one background thread while the run goes on (the runner waits on the
    kernel meanwhile); ``page`` gives a page, rendering it now if it was never handed over. A context manager."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aksegress-pages")
        self._pages: dict[tuple[str, str, str], Future] = {}

    def render(self, notebook: Path, title: str, note: str = "") -> None:
        key = (str(notebook), title, note)
        if key not in self._pages:
            self._pages[key] = self._pool.submit(notebook_html, notebook, title, note)

    def page(self, notebook: Path, title: str, note: str = "") -> str:
        self.render(notebook, title, note)
        return self._pages[(str(notebook), title, note)].result()

    def __enter__(self) -> "PageRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def page_title(step: dict, record: dict) -> str:
    return f"{step['name']} · run {record.get('run_id')}"


def page_note(step: dict) -> str:
    """What a step's page says above the notebook when papermill's exception banner would mislead a reader."""
    if step.get("status") != KNOWN_AFTER_APPLY:
        return ""
    return (f"Known after apply: this plan-only step needs what an earlier step of the plan creates "
            f"({(step.get('error') or {}).get('evalue')}), so it is planned by the first run after that step was applied. "
            "The exception marked below is that, not a fault.")


def document_run(run_dir: str | Path, *, connection_file: str | None = None, pages: PageRenderer | None = None) -> Path:
    """Write the run's HTML pages (taken from ``pages`` when it rendered them already) and refresh its
    environment's index; returns the run's index.html."""
    run_dir = Path(run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    scrubber = Scrubber.for_connection(connection_file or os.environ.get("AKSEGRESS_CONNECTION"),
                                       run_dir.parent / "emulator" / "connection.json")
    for step in record.get("steps", []):
        notebook = run_dir / step["notebook"]
        if notebook.exists():
            title, note = page_title(step, record), page_note(step)
            _write(run_dir / _page(step), pages.page(notebook, title, note) if pages else notebook_html(notebook, title, note), scrubber)
    index = run_dir / "index.html"
    _write(index, run_index_html(record, scrubber), scrubber)
    if run_dir.parent.name == record.get("environment"):
        _write(run_dir.parent / "index.html", environment_index_html(run_dir.parent), scrubber)
    return index


def notebook_html(notebook: Path, title: str | None = None, note: str = "") -> str:
    """The executed notebook as a self-contained page (no script fetched from another host), titled, linked to its run,
    with ``note`` above it; papermill's injected cell stays, so a reader sees the parameters the run actually used."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    exporter = HTMLExporter(config=Config(), template_name="lab")
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4),
                                          resources={"metadata": {"name": title or Path(notebook).stem}})
    body = _REMOTE_SCRIPT.sub("", body)
    body = _SCRIPT_BLOCK.sub(lambda m: "" if _FETCHES_REMOTE.search(m.group(0)) else m.group(0), body)
    lead = '<p><a href="index.html">back to the run</a></p>' + (
        f'<div class="page-note" style="border-left:4px solid #2d6cdf;padding:6px 12px;background:#eef3fd">{escape(note)}</div>' if note else "")
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + lead, body, count=1)


def run_index_html(record: dict, scrubber: Scrubber | None = None) -> str:
    """The run's summary page: who, when, what changed, what was checked, and where it failed."""
    steps = record.get("steps", [])
    who = f"{record.get('user') or getpass.getuser()}@{record.get('host') or socket.gethostname()}"
    notebooks = record.get("notebooks") or {}
    rows = "".join(_step_row(s, notebooks.get(s.get("notebook")) or {}) for s in steps)
    failed = next((s for s in steps if s.get("status") == "failed"), None)
    lead = ""
    if failed:
        err = failed.get("error") or {}
        lead = (f'<div class="failure"><b>Failed in <a href="{_page(failed)}#{ERROR_ANCHOR}">{escape(failed["name"])}</a>, '
                f'cell [{escape(str(err.get("cell")))}]</b>: {escape(err.get("ename") or "")}: {escape(err.get("evalue") or "")}'
                f' <a href="{_page(failed)}#{ERROR_ANCHOR}">go to the failing cell and its explanation</a></div>')
    lead += _waiting_block(steps)
    plan_only = bool(record.get("plan_only"))
    shown = [s for s in steps if s.get("changes", {}).get("applied" if not plan_only else "planned")]
    changes = "".join(_changes_block(s) for s in shown) or "<p>none</p>"
    impact = ""
    if plan_only:
        from aksegress.plan_files import impact_lines, plan_document, plan_verdict

        doc = plan_document(record)
        lead += f"<div class='verdict'><b>{escape(plan_verdict(doc))}</b></div>"
        impact = "<h2>Reachability impact</h2><ul>" + "".join(f"<li>{escape(x)}</li>" for x in impact_lines(doc["reachability"])) + "</ul>"
    facts = [("environment", record.get("environment")), ("target", record.get("target")), ("status", record.get("status")),
             ("who", who), ("acting as (Azure)", _identity(record.get("azure_identity") or {})),
             ("started", record.get("started")), ("finished", record.get("finished")),
             ("duration", _duration(record)), ("params file", record.get("params_file")),
             ("params sha256", record.get("params_sha256")), ("commit", record.get("commit") or "not a git checkout"),
             ("working tree", _working_tree(record)),
             ("plan only", record.get("plan_only")), ("resumes run", record.get("resumes")), ("drift", record.get("status") if plan_only else _drift(steps)),
             ("ARM calls", ", ".join(f"{k} {v}" for k, v in (record.get("arm") or {}).items()))]
    facts_html = "".join(f"<tr><th>{escape(k)}</th><td>{escape(value_text(v))}</td></tr>" for k, v in facts)
    checks = "".join(_checks_block(s) for s in steps if s.get("checks"))
    redacted = f"<p class='note'>{scrubber.redacted} secret(s) redacted.</p>" if scrubber and scrubber.redacted else ""
    return _page_html(f"Run {record.get('run_id')} · {record.get('environment')}", f"""
<p><a href="../index.html">all runs of {escape(str(record.get('environment')))}</a></p>
{lead}
<table class="facts">{facts_html}</table>
<h2>Steps</h2>
<table><tr><th>step</th><th>status</th><th>duration</th><th>planned</th><th>applied</th><th>checks</th><th>error</th>
<th>notebook sha256 (as in the checkout)</th></tr>{rows}</table>
{impact}
<h2>{'Changes planned' if plan_only else 'Changes applied'}</h2>{changes}
<h2>Checks</h2>{checks or '<p>none</p>'}
{redacted}""")


def environment_index_html(env_dir: Path) -> str:
    """Every run of one environment, newest first: who ran it, plan or apply, its changes, drift and status."""
    rows = []
    for path in sorted(env_dir.glob("*/run.json"), key=lambda p: p.parent.name, reverse=True):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        steps = record.get("steps", [])
        plan_only = bool(record.get("plan_only"))
        changes = sum((s.get("changes") or {}).get("planned" if plan_only else "applied", 0) for s in steps)
        cells = [f"<a href=\"{path.parent.name}/index.html\">{escape(path.parent.name)}</a>", escape(_who(record)),
                 "plan" if plan_only else "apply", f"{changes} {'planned' if plan_only else 'applied'}", escape(_run_drift(record)),
                 escape(str(record.get("status"))), escape(value_text(record.get("started"))), _duration(record),
                 f"{sum(s.get('status') == 'passed' for s in steps)}/{len(steps)}"]
        rows.append(f"<tr class='{escape(str(record.get('status')))}'>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("run", "who", "plan or apply", "changes", "drift", "status", "started", "duration", "steps passed"))
    return _page_html(f"Runs of {env_dir.name}", f"<table><tr>{head}</tr>{''.join(rows)}</table>")


def _who(record: dict) -> str:
    """The principal as Azure saw it (from the token), then the local user and host."""
    ident = record.get("azure_identity") or {}
    local = f"{record.get('user') or 'unknown user'}@{record.get('host') or 'unknown host'}"
    if not (ident.get("name") or ident.get("object_id")):
        return f"principal not recorded; local {local}"
    return f"{ident.get('name') or 'unnamed'} (object id {ident.get('object_id') or 'not in the token'}); local {local}"


def _run_drift(record: dict) -> str:
    if record.get("plan_only"):
        return {"drift": "drift", "no drift": "no drift"}.get(record.get("status"), "not known (the plan did not finish)")
    verdict = _drift(record.get("steps", []))
    return "no drift" if verdict == "none" else verdict


def _waiting_block(steps: list[dict]) -> str:
    """The run stopped for an existing hub's owners (or a teardown left them what they made): the step, and the request."""
    waiting = next((s for s in steps if s.get("change_request")), None)
    if waiting is None:
        return ""
    request = escape(waiting["change_request"])
    exact = escape(Path(waiting["change_request"]).with_suffix(".json").name)
    files = f'<a href="{request}">{request}</a> (the exact requests are in <a href="{exact}">{exact}</a>)'
    if waiting.get("status") != WaitingForHubOwners.status:
        return f'<div class="waiting"><b>For the hub owners to remove</b>: what they made for this environment, listed in {files}.</div>'
    return (f'<div class="waiting"><b>Waiting for the hub owners</b> in <a href="{_page(waiting)}">{escape(waiting["name"])}</a>: '
            f"send them {files}; once they are applied, run again and the run carries on.</div>")


def _step_row(step: dict, source: dict) -> str:
    checks = step.get("checks", [])
    ok = sum(bool(c.get("ok")) for c in checks)
    err = step.get("error") or {}
    error = (f'<a href="{_page(step)}#{ERROR_ANCHOR}">{escape(err.get("ename") or "")}: {escape(err.get("evalue") or "")}</a>'
             if step.get("status") in ("failed", KNOWN_AFTER_APPLY) else "")
    if step.get("change_request"):
        what = "waiting for the hub owners" if step.get("status") == WaitingForHubOwners.status else "for the hub owners to remove"
        error = f'{what}: <a href="{escape(step["change_request"])}">{escape(step["change_request"])}</a>'

    name = f'<a href="{_page(step)}">{escape(step["name"])}</a>' if step.get("status") != "not-run" else escape(step["name"])
    return (f"<tr class='{escape(step.get('status', ''))}'><td>{name}</td><td>{escape(step.get('status', ''))}</td>"
            f"<td>{step.get('duration_s', 0)}s</td><td>{step['changes'].get('planned', 0)}</td>"
            f"<td>{step['changes'].get('applied', 0)}</td><td>{ok}/{len(checks)}</td><td>{error}</td><td>{_notebook_source(source)}</td></tr>")


def _notebook_source(source: dict) -> str:
    if not source.get("sha256"):
        return "not recorded"
    differs = {True: " <b>differs from the commit</b>", False: " (as committed)"}.get(source.get("differs_from_commit"), "")
    return f"<code>{escape(source['sha256'])}</code>{differs}"


def _working_tree(record: dict) -> str:
    dirty = record.get("dirty")
    if dirty is None:
        return "not known (not a git checkout)" if "dirty" in record or not record.get("commit") else "not recorded"
    changed = [n for n, src in (record.get("notebooks") or {}).items() if src.get("differs_from_commit")]
    notebooks = f"; notebooks not as committed: {', '.join(changed)}" if changed else "; every notebook run as committed"
    return ("differs from the commit (uncommitted changes)" if dirty else "as committed") + notebooks


def _identity(ident: dict) -> str:
    if not ident:
        return "not recorded"
    who = f"{ident.get('name') or 'unknown'} (object id {ident.get('object_id') or 'unknown'})"
    return f"{who}, tenant {ident.get('tenant')}, subscriptions {', '.join(ident.get('subscriptions') or [])}; {ident.get('where')} at {ident.get('endpoint')}"


def _changes_block(step: dict) -> str:
    items = "".join(f"<li><code>{escape(c['action'])}</code> {escape(str(c.get('type') or ''))} <b>{escape(str(c.get('name') or c['id']))}</b>"
                    + "".join(f"<br><code>{escape(str(d))}</code>" for d in c.get("diffs", [])) + "</li>" for c in step["changes"].get("plan", []))
    return f"<h3>{escape(step['name'])}</h3><ul>{items}</ul>"


def _checks_block(step: dict) -> str:
    checks = step["checks"]
    failed = [c for c in checks if not c.get("ok")]
    items = "".join(f"<tr class='{'passed' if c.get('ok') else 'failed'}'><td>{'✔' if c.get('ok') else '✘'}</td>"
                    f"<td>{escape(str(c.get('name')))}</td><td>{escape(str(c.get('detail')))}</td></tr>" for c in checks)
    return (f"<details{' open' if failed else ''}><summary>{escape(step['name'])}: {len(checks) - len(failed)}/{len(checks)} passed"
            f"</summary><table>{items}</table></details>")


def _drift(steps: list[dict]) -> str:
    verdict = next((c for s in steps for c in s.get("checks", []) if c.get("name") == "no drift from the desired state"), None)
    if verdict is None:
        return "not verified in this run (step 09-verify did not run)"
    return "none" if verdict.get("ok") else f"drift: {verdict.get('detail')}"


def _duration(record: dict) -> str:
    try:
        seconds = (datetime.fromisoformat(record["finished"]) - datetime.fromisoformat(record["started"])).total_seconds()
    except (KeyError, TypeError, ValueError):
        return "unfinished"
    return f"{seconds:.0f}s"


def _page(step: dict) -> str:
    return Path(step["notebook"]).with_suffix(".html").name


def _write(path: Path, html: str, scrubber: Scrubber) -> None:
    path.write_text(scrubber.scrub(html))


_STYLE = """body{font-family:Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1c2833}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d5d8dc;padding:4px 8px;text-align:left;vertical-align:top}td{white-space:pre-wrap}
tr.failed td{background:#fdecea}tr.passed td:nth-child(2){color:#1e8449}.facts th{background:#f4f6f7}
.failure{border-left:4px solid #c0392b;background:#fdecea;padding:8px 12px;margin:12px 0}
.waiting{border-left:4px solid #2874a6;background:#e3f2fd;padding:8px 12px;margin:12px 0}.note{color:#566573}"""


def _page_html(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>")
