"""How values read on a page: whole, as text a person reads, never a Python repr (``None``, ``False``, ``nan``)."""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

__all__ = ["ABSENT", "frame_html", "value_text"]

ABSENT = "—"
_CELL_STYLE = "<style>table.aksegress-table td{white-space:pre-wrap;text-align:left;vertical-align:top}</style>"


def value_text(value: Any) -> str:
    """``value`` as a page shows it: yes/no for booleans, a dash for nothing, JSON for structures, text otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ABSENT
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    try:
        import pandas as pd

        if pd.isna(value):
            return ABSENT
    except (TypeError, ValueError):
        pass
    return str(value)


def frame_html(frame) -> str:
    """A DataFrame as an HTML table of whole values, multi-line text kept on its lines."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape(value_text(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False, name=None))
    return f"{_CELL_STYLE}<table class='dataframe aksegress-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
