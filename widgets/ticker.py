"""A one-line text that repaints only the cells that changed (the status bar clock).

``Static.update`` repaints the whole widget; a clock going from 21:40:41 to 21:40:42
needs one cell.  With the screen's terse updates (:mod:`widgets.terse`) that is about
one byte on the wire.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from widgets.line_table import fit_cells
from widgets.terse import changed_spans


class Ticker(Widget):
    """Plain text, right-aligned in the widget's width."""

    DEFAULT_CSS = """
    Ticker { height: 1; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = text
        self._painted: str | None = None

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        width = self.size.width
        old = self._painted
        new = fit_cells(text, width, "right")
        if old is None or cell_len(old) != width:
            self.refresh()
            return
        for start, end in changed_spans(old, new):
            self.refresh(Region(start, 0, end - start, 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y > 0:
            return Strip.blank(width, self.rich_style)
        self._painted = fit_cells(self._text, width, "right")
        return Strip([Segment(self._painted, self.rich_style)], width)
