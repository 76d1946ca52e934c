"""The live (countdown) columns of a LineTable, drawn as their own narrow widget.

Textual re-sends screen updates in chops cut at widget edges.  Inside one widget a
changed countdown would re-send the whole table row every second; as a separate
widget only its own few cells per row go to the terminal, which is what keeps an idle
console over SSH under a few KB/s.  It mirrors the table's scroll position, cursor
and tags, and uses the table's component styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from widgets.line_table import HEADER_HEIGHT, Column, LineTable, fit_cells


class LiveColumns(Widget):
    DEFAULT_CSS = """
    LiveColumns { width: auto; height: 1fr; }
    """

    def __init__(self, table: LineTable, columns: Sequence[Column], *, id: str | None = None):
        super().__init__(id=id)
        self.table = table
        self.columns = tuple(columns)
        table.companions.append(self)

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)
        self.refresh(layout=True)

    def get_content_width(self, container: object, viewport: object) -> int:
        return sum(c.width + 1 for c in self.columns)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        table = self.table
        styles = table.row_styles()
        if y < HEADER_HEIGHT:
            text = " ".join(
                fit_cells(c.title, c.width, c.align, ellipsis="…") for c in self.columns
            )
            return Strip([Segment(" " + text, styles.header)]).crop_extend(0, width, styles.header)
        index = table.scroll_offset.y + y - HEADER_HEIGHT
        model = table.model
        if index >= len(model) or y - HEADER_HEIGHT >= table.body_height:
            return Strip.blank(width, styles.base)
        key = model.key_at(index)
        row = model.row_at(index)
        base = table.style_for(index, key)
        now: datetime = table.now()
        segments: list[Segment] = []
        for column in self.columns:
            text, suffix = column.render(row, now)
            style = base + styles.cells.get(suffix, Style.null()) if suffix else base
            if suffix and index == table.cursor_index:
                style += styles.cursor_partial
            # The separating space shares the cell's style (same background, so it looks
            # the same): one style change per row on the wire instead of two.
            segments.append(Segment(" " + fit_cells(text, column.width, column.align), style))
        return Strip(segments).crop_extend(0, width, base)

    def tick(self) -> None:
        """Repaint the countdown cells of the visible rows, not the header."""
        rows = min(
            self.table.body_height, max(0, len(self.table.model) - self.table.scroll_offset.y)
        )
        if rows and self.size.width:
            self.refresh(Region(0, HEADER_HEIGHT, self.size.width, rows))
