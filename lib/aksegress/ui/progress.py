"""What a long operation is waiting on, and for how long: a live line in Lab, printed lines headless."""

from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    """Reports the stages of one operation; ``waiting`` fits ``apply.apply_plan``'s ``on_wait`` callback.

    Headless (``widget=None``) each report is printed, so the executed notebook keeps the timeline; in Lab
    one HTML widget line is rewritten in place.
    """

    def __init__(self, what: str, *, widget=None, clock: Callable[[], float] = time.monotonic, echo=print):
        self.what = what
        self.widget = widget
        self.clock = clock
        self.echo = echo
        self.started = clock()
        self.lines: list[str] = []

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def waiting(self, names: str) -> None:
        self._report(f"{self.what}: waiting for {names} ({self.elapsed:.1f}s elapsed)")

    def done(self, summary: str = "done") -> None:
        self._report(f"{self.what}: {summary} ({self.elapsed:.1f}s)", glyph="✔")

    def _report(self, line: str, glyph: str = "⏳") -> None:
        self.lines.append(line)
        if self.widget is None:
            self.echo(line)
        else:
            from html import escape

            self.widget.value = f"<span class='aksegress-progress'>{glyph} {escape(line)}</span>"


def live_line():
    """An HTML widget to rewrite in place (Lab only)."""
    import ipywidgets as widgets

    return widgets.HTML(value="")
