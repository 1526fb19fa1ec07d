"""Text for a trace's hops: one rendering shared by step 08's trace table, the try-a-flow widget and the doctor."""

from __future__ import annotations

from aksegress.netmodel.verdicts import Hop, TraceResult

HOP_COLUMNS = ("hop", "address", "matched", "issues")


def issues_text(hop: Hop) -> str:
    return "; ".join(f"{i.severity} {i.type}" for i in hop.issues)


def hop_rows(result: TraceResult) -> list[dict[str, str]]:
    """One row per hop, Network Watcher style: its type, address, what matched there (whole), and its issues."""
    return [{"hop": h.type, "address": h.address, "matched": h.matched, "issues": issues_text(h)} for h in result.hops]


def hop_lines(result: TraceResult) -> list[str]:
    """The hops as indented text lines; the matched text (with the rule's name) is never cut."""
    return [f"  {row['hop']:18} {row['address']:15} {row['matched']}" + (f"  !! {row['issues']}" if row["issues"] else "")
            for row in hop_rows(result)]
