"""Step records: each executed notebook carries one JSON output the runner reads back."""

from __future__ import annotations

import json
from pathlib import Path

MIMETYPE = "application/vnd.aksegress.step+json"


def emit(record: dict) -> None:
    """Display ``record`` as a machine-readable output of the current cell (invisible in Lab)."""
    from IPython.display import display

    display({MIMETYPE: record, "text/plain": f"step record: {record.get('step')}"}, raw=True)


def read_records(notebook_path: str | Path) -> list[dict]:
    """Every step record in an executed notebook, in cell order."""
    nb = json.loads(Path(notebook_path).read_text())
    found = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if MIMETYPE in data:
                found.append(data[MIMETYPE])
    return found
