"""The project's facts live in its own docs/: nothing cites a path outside the repository, and every cited section exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

OUTSIDE = re.compile(r"\.\./shared|/work/shared|shared/reference|shared/seed"
                     r"|(?<![\w-])(?:network-semantics|aks-egress|arm-wire|az-aks-calls|notebooks)\.md"
                     r"|cloud-metadata\.example\.json|(?<![\w-])article\.txt")
CITATION = re.compile(r"docs/([\w.-]+\.md)(?:#([\w-]+))?")
DOCS_LINK = re.compile(r"\]\(([\w.-]+\.md)?(?:#([\w-]+))?\)")


def _text_files(*places: str) -> list[tuple[Path, str]]:
    found = []
    for place in places:
        path = ROOT / place
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for p in candidates:
            if any(part.endswith(".egg-info") or part in ("__pycache__", ".ipynb_checkpoints") for part in p.parts):
                continue
            try:
                found.append((p, p.read_text(encoding="utf-8")))
            except UnicodeDecodeError:
                continue
    return found


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", page.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def _broken(citations: list[tuple[str, str, str]]) -> list[str]:
    broken = []
    for where, page, anchor in citations:
        target = DOCS / page
        if not target.is_file():
            broken.append(f"{where}: docs/{page} does not exist")
        elif anchor and anchor not in _anchors(target):
            broken.append(f"{where}: docs/{page} has no heading #{anchor}")
    return broken


def test_no_library_doc_or_notebook_cites_a_path_outside_the_repository():
    files = _text_files("lib", "README.md", "docs", "notebooks", "tests", "bench", "Makefile", "pyproject.toml")
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p, text in files if p != Path(__file__).resolve()
                 for m in OUTSIDE.finditer(text)]
    assert len(files) > 50
    assert offenders == []


def test_every_docs_section_cited_from_the_code_exists():
    citations = [(str(p.relative_to(ROOT)), m.group(1), m.group(2) or "")
                 for p, text in _text_files("lib", "README.md", "notebooks", "tests") if p != Path(__file__).resolve()
                 for m in CITATION.finditer(text)]
    assert any(where.startswith("lib/") and anchor for where, _, anchor in citations)
    assert _broken(citations) == []


def test_every_link_between_docs_pages_lands_on_a_heading():
    citations = [(str(p.relative_to(ROOT)), m.group(1) or p.name, m.group(2) or "")
                 for p, text in _text_files("docs") for m in DOCS_LINK.finditer(text) if m.group(1) or m.group(2)]
    assert citations
    assert _broken(citations) == []


def test_every_docs_page_lists_its_public_sources():
    pages = [p for p in sorted(DOCS.glob("*.md")) if p.name not in ("contributing.md",)]
    unsourced = [p.name for p in pages if not re.search(r"https://(learn\.microsoft\.com|github\.com)/", p.read_text(encoding="utf-8"))]
    assert pages
    assert unsourced == []
