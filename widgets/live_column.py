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

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from widgets.line_table import HEADER_HEIGHT, Column, LineTable, fit_cells
from widgets.terse import changed_spans


class LiveColumns(Widget):
    DEFAULT_CSS = """
    LiveColumns { width: auto; height: 1fr; }
    """

    def __init__(self, table: LineTable, columns: Sequence[Column], *, id: str | None = None):
        super().__init__(id=id)
        # screen line -> what was last drawn there (row key, row style, cells)
        self._painted: dict[int, tuple[str, Style, list[tuple[str, Style]]]] = {}
        self._shown_now: datetime | None = None  # the instant of the last tick
        self.table = table
        self.columns = tuple(columns)
        table.companions.append(self)

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)
        self._painted.clear()
        self.refresh(layout=True)

    def get_content_width(self, container: object, viewport: object) -> int:
        return sum(c.width + 1 for c in self.columns)

    def _cells(self, index: int, now: datetime) -> tuple[str, Style, list[tuple[str, Style]]]:
        """Row ``index``'s key, base style and each live cell's text (with its space)."""
        table = self.table
        styles = table.row_styles()
        key = table.model.key_at(index)
        row = table.model.row_at(index)
        base = table.style_for(index, key)
        cells: list[tuple[str, Style]] = []
        for column in self.columns:
            text, suffix = column.render(row, now)
            style = base + styles.cells.get(suffix, Style.null()) if suffix else base
            if suffix and index == table.cursor_index:
                style += styles.cursor_partial
            # The separating space shares the cell's style (same background, so it looks
            # the same): one style change per row on the wire instead of two.
            cells.append((" " + fit_cells(text, column.width, column.align), style))
        return key, base, cells

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
        if index >= len(table.model) or y - HEADER_HEIGHT >= table.body_height:
            self._painted.pop(y, None)
            return Strip.blank(width, styles.base)
        key, base, cells = self._cells(index, self._shown_now or table.now())
        self._painted[y] = (key, base, cells)
        return Strip([Segment(text, style) for text, style in cells]).crop_extend(0, width, base)

    def tick(self) -> None:
        """Repaint the cells whose text changed in the visible rows, not the header.

        A countdown going from 00:12:41 to 00:12:40 repaints one cell: with the screen's
        terse updates (:mod:`widgets.terse`) that is about the one digit on the wire.
        """
        table = self.table
        rows = min(table.body_height, max(0, len(table.model) - table.scroll_offset.y))
        width = self.size.width
        if not rows or not width:
            return
        # Every render until the next tick draws this instant: what the diff below
        # compares is exactly what reaches the screen.
        now = self._shown_now = table.now()
        top = table.scroll_offset.y
        for line in range(HEADER_HEIGHT, HEADER_HEIGHT + rows):
            painted = self._painted.get(line)
            key, base, cells = self._cells(top + line - HEADER_HEIGHT, now)
            if painted is None or painted[0] != key or painted[1] != base:
                self.refresh(Region(0, line, width, 1))
                continue
            x = 0
            for (old, old_style), (new, style) in zip(painted[2], cells, strict=False):
                whole = [(0, cell_len(new))]
                spans = whole if style != old_style else changed_spans(old, new)
                for start, end in spans:
                    self.refresh(Region(x + start, line, end - start, 1))
                x += cell_len(new)
