"""Turning rows into strips: the table's column layout and its caches.

Static cells are cached per row key and row identity (``id(row)`` plus ``row.version``
when the row has one); live columns are rendered on every paint.  The header strip is
cached by width, horizontal scroll, sort and columns.  The painter knows no widget: the
table gives it the styles, the scroll offset and the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from widgets.line_table.cells import GUTTER_WIDTH, Column, fit_cells
from widgets.line_table.styles import RowStyles

StaticCells = list[tuple[str, str] | None]  # fitted static cells; None for live columns


class RowPainter:
    """The columns' layout, the row and header caches, and the strips drawn from them."""

    def __init__(
        self, columns: Sequence[Column], *, ascii_glyphs: bool = False, cache_size: int = 2048
    ) -> None:
        self.ellipsis = "~" if ascii_glyphs else "…"
        self.sort_marks = ("^", "v") if ascii_glyphs else ("▲", "▼")
        self.columns: tuple[Column, ...] = ()
        self.offsets: tuple[int, ...] = ()
        self.content_width = 0
        self.live_spans: tuple[tuple[int, int], ...] = ()
        # row key -> (row identity token, fitted static cells)
        self._rows: LRUCache[str, tuple[tuple[int, Any], StaticCells]] = LRUCache(cache_size)
        self._header: tuple[tuple[Any, ...], Strip] | None = None
        self.set_columns(columns)

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)
        offsets: list[int] = []
        x = 0
        for column in self.columns:
            offsets.append(x)
            x += column.width + 1
        self.offsets = tuple(offsets)
        self.content_width = max(0, x - 1)
        self.live_spans = tuple(
            (offset, column.width)
            for offset, column in zip(offsets, self.columns, strict=True)
            if column.live
        )
        self.forget_rows()
        self.forget_header()

    def forget_rows(self) -> None:
        self._rows.clear()

    def forget_row(self, key: str) -> None:
        self._rows.discard(key)

    def forget_header(self) -> None:
        self._header = None

    def header(
        self, width: int, scroll_x: int, sort: tuple[str, bool] | None, style: Style
    ) -> Strip:
        cache_key = (width, scroll_x, sort, self.columns)
        if self._header is not None and self._header[0] == cache_key:
            return self._header[1]
        parts: list[str] = []
        for column in self.columns:
            title = column.title
            if sort is not None and sort[0] == column.key:
                mark = self.sort_marks[1 if sort[1] else 0]
                if cell_len(title) + cell_len(mark) > column.width:
                    title = fit_cells(title, column.width - cell_len(mark), ellipsis="")
                title += mark
            parts.append(fit_cells(title, column.width, column.align, ellipsis=self.ellipsis))
        segments = [Segment(" " * GUTTER_WIDTH, style), Segment(" ".join(parts), style)]
        strip = self.assemble(segments, scroll_x, width, style)
        self._header = (cache_key, strip)
        return strip

    def static_cells(self, key: str, row: Any, now: Callable[[], datetime]) -> StaticCells:
        token = (id(row), getattr(row, "version", None))
        cached = self._rows.get(key)
        if cached is not None and cached[0] == token:
            return cached[1]
        at = now()
        ellipsis = self.ellipsis
        cells: StaticCells = []
        for column in self.columns:
            if column.live:
                cells.append(None)
            else:
                text, suffix = column.render(row, at)
                cells.append(
                    (fit_cells(text, column.width, column.align, ellipsis=ellipsis), suffix)
                )
        self._rows.set(key, (token, cells))
        return cells

    def row(
        self,
        key: str,
        row: Any,
        *,
        width: int,
        scroll_x: int,
        styles: RowStyles,
        cursor: bool,
        tagged: bool,
        now: Callable[[], datetime],
    ) -> Strip:
        cells = self.static_cells(key, row, now)
        cell_styles = styles.cells
        if cursor:
            base = styles.cursor
        elif tagged:
            base = styles.tagged
        else:
            base = styles.base
        at: datetime | None = None
        gutter = (
            Segment("*", base + styles.tag_mark) if tagged else Segment(" " * GUTTER_WIDTH, base)
        )
        segments: list[Segment] = [gutter]
        append = segments.append
        separator = Segment(" ", base)
        ellipsis = self.ellipsis
        first = True
        for column, cell in zip(self.columns, cells, strict=True):
            if cell is None:
                if at is None:
                    at = now()
                text, suffix = column.render(row, at)
                text = fit_cells(text, column.width, column.align, ellipsis=ellipsis)
            else:
                text, suffix = cell
            if first:
                first = False
            else:
                append(separator)
            if suffix:
                style = base + cell_styles.get(suffix, Style.null())
                if cursor:
                    style += styles.cursor_partial
            else:
                style = base
            append(Segment(text, style))
        return self.assemble(segments, scroll_x, width, base)

    def assemble(self, segments: list[Segment], scroll_x: int, width: int, style: Style) -> Strip:
        """``segments`` = gutter + body: keep the gutter, crop the body at ``scroll_x``.

        The result is exactly ``width`` cells.
        """
        content = self.content_width
        inner = width - GUTTER_WIDTH
        if inner <= 0:
            return Strip(segments).crop_extend(0, width, style)
        if scroll_x == 0 and content <= inner:  # the common case: one Strip, no cropping
            if content < inner:
                segments.append(Segment(" " * (inner - content), style))
            return Strip(segments, width)
        body = Strip(segments[1:], content).crop_extend(scroll_x, scroll_x + inner, style)
        return Strip([segments[0], *body], width)
