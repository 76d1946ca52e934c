"""A fast, keyboard-first table built on Textual's Line API.

Unlike ``DataTable`` (whose frame cost grows with the number of rows, see tech-notes §1.7)
this table never iterates its rows: the app owns the rows through a :class:`TableModel`
(already filtered and sorted) and the table asks only for the rows it draws.  A frame
costs the same at 1,000 and at 1,000,000 rows.

* The header (titles and the sort indicator) is pinned at the top; it scrolls
  horizontally with the body.  A one-cell gutter on the left shows ``*`` on tagged rows.
* Cells are padded and cropped by terminal *cell* width (CJK = 2 cells), truncated
  with ``…``, and separated by one space.
* Static cells are cached per row key and row identity (``id(row)`` plus ``row.version``
  when the row has one); only ``live`` columns are rendered again on :meth:`tick`, and
  :meth:`tick` repaints only those columns' regions of the visible rows.
* Colour is never the only signal: the cursor row is bold (and reversed under
  ``NO_COLOR``), tagged rows carry ``*``, and cell texts carry their own glyphs.
* Styles come from component classes that use theme variables only.

Typical use::

    table = LineTable(columns, view, now=clock.now)
    self.set_interval(1.0, table.tick)        # one app-level tick for every countdown
    ...
    view.rebuild(now); table.model_changed()  # rows inserted / removed / re-sorted
    table.rows_changed(["2026-0101-000123"])  # content of some rows changed
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol, Self

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, clamp
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["Column", "LineTable", "TableModel", "fit_cells"]

HEADER_HEIGHT = 1
GUTTER_WIDTH = 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class TableModel(Protocol):
    """The rows, owned by the app (already filtered and sorted)."""

    def __len__(self) -> int: ...
    def key_at(self, index: int) -> str: ...
    def index_of(self, key: str) -> int | None: ...
    def row_at(self, index: int) -> Any: ...


CellRenderer = Callable[[Any, datetime], tuple[str, str]]


@dataclass(frozen=True)
class Column:
    """One column.

    ``render(row, now)`` returns ``(text, class_suffix)``; the suffix picks the
    ``line-table--<suffix>`` component class (``""`` for none).  ``live`` columns are
    rendered again on every :meth:`LineTable.tick` (countdowns); the others are cached.
    """

    key: str
    title: str
    width: int
    render: CellRenderer
    live: bool = False
    align: Literal["left", "right"] = "left"


def fit_cells(
    text: str, width: int, align: Literal["left", "right"] = "left", *, ellipsis: str = "…"
) -> str:
    """Pad or truncate ``text`` to exactly ``width`` terminal cells.

    Control characters become spaces (they have no width and would break alignment);
    a wide character cut in half by truncation is replaced by a space.
    """
    if width <= 0:
        return ""
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    length = cell_len(text)
    if length == width:
        return text
    if length < width:
        pad = " " * (width - length)
        return text + pad if align == "left" else pad + text
    mark = cell_len(ellipsis)
    if width <= mark:
        return set_cell_size(ellipsis, width)
    # chop_cells keeps whole graphemes: a wide character that does not fit is left out
    head = chop_cells(text[: width * 2 + 8], width - mark)[0] + ellipsis
    return fit_cells(head, width, align) if cell_len(head) < width else head


@dataclass
class _Styles:
    base: Style
    header: Style
    cursor: Style
    cursor_partial: Style
    tagged: Style
    tag_mark: Style
    cells: dict[str, Style]


_UNSET = object()


class LineTable(ScrollView, can_focus=True, inherit_bindings=False):
    """A virtual table for very many rows; see the module docstring."""

    ALLOW_MAXIMIZE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="line_table.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="line_table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="line_table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="line_table.page_down"),
        Binding("home,g", "first", "First", show=False, id="line_table.first"),
        Binding("end,G", "last", "Last", show=False, id="line_table.last"),
        Binding("space", "toggle_tag", "Tag", show=False, id="line_table.toggle_tag"),
        Binding("enter", "select", "Open", show=False, id="line_table.select"),
        Binding("left", "scroll_columns(-1)", "Left", show=False, id="line_table.left"),
        Binding("right", "scroll_columns(1)", "Right", show=False, id="line_table.right"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-table--header",
        "line-table--cursor",
        "line-table--tagged",
        "line-table--red",
        "line-table--yellow",
        "line-table--green",
        "line-table--paused",
        "line-table--urgent",
        "line-table--muted",
    }
    _CELL_CLASSES: ClassVar[tuple[str, ...]] = (
        "red",
        "yellow",
        "green",
        "paused",
        "urgent",
        "muted",
    )

    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        & > .line-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $foreground;
            text-style: bold;
        }
        &:focus > .line-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        &:nocolor > .line-table--cursor {
            text-style: bold reverse;
        }
        & > .line-table--tagged {
            background: $accent 25%;
            text-style: bold;
        }
        & > .line-table--red {
            color: $error;
            text-style: bold;
        }
        & > .line-table--yellow {
            color: $warning;
        }
        & > .line-table--green {
            color: $success;
        }
        & > .line-table--paused {
            color: $foreground-muted;
            text-style: italic;
        }
        & > .line-table--urgent {
            color: $error;
            text-style: bold;
        }
        & > .line-table--muted {
            color: $foreground-muted;
        }
    }
    """

    # --- messages ------------------------------------------------------------------------

    class _TableMessage(Message):
        def __init__(self, table: LineTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> LineTable:
            return self.table

    class Highlighted(_TableMessage):
        """The cursor moved to another row (``key`` is None when the table is empty)."""

        def __init__(self, table: LineTable, key: str | None) -> None:
            super().__init__(table)
            self.key = key

    class Selected(_TableMessage):
        """Enter (or a double click) on a row."""

        def __init__(self, table: LineTable, key: str) -> None:
            super().__init__(table)
            self.key = key

    class TagsChanged(_TableMessage):
        """The set of tagged rows changed; ``count`` is its new size."""

        def __init__(self, table: LineTable, count: int) -> None:
            super().__init__(table)
            self.count = count

    # --- construction --------------------------------------------------------------------

    def __init__(
        self,
        columns: Sequence[Column],
        model: TableModel,
        *,
        now: Callable[[], datetime],
        ascii_glyphs: bool = False,
        cache_size: int = 2048,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._now = now
        self._frame_now: datetime | None = None
        self._model: TableModel = model
        self._ellipsis = "~" if ascii_glyphs else "…"
        self._sort_marks = ("^", "v") if ascii_glyphs else ("▲", "▼")
        self._columns: tuple[Column, ...] = ()
        self._offsets: tuple[int, ...] = ()
        self._content_width = 0
        self._live_spans: tuple[tuple[int, int], ...] = ()
        # Widgets drawn from this table's rows (the live countdown column): they repaint
        # whenever the table does, and on every tick.
        self.companions: list[Widget] = []
        self._cursor = 0
        self._cursor_key: str | None = None
        self._posted_key: object = _UNSET
        self._tagged: set[str] = set()
        self._sort: tuple[str, bool] | None = None
        # row key -> (row identity token, fitted static cells; None for live columns)
        self._row_cache: LRUCache[str, tuple[tuple[int, Any], list[tuple[str, str] | None]]]
        self._row_cache = LRUCache(cache_size)
        self._header_cache: tuple[tuple[Any, ...], Strip] | None = None
        self._styles: _Styles | None = None
        self._apply_columns(columns)
        if len(model):
            self._cursor_key = model.key_at(0)

    # --- public API ----------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def model(self) -> TableModel:
        return self._model

    @property
    def cursor_index(self) -> int:
        """Index of the cursor row in the model (0 when the table is empty)."""
        return self._cursor

    @cursor_index.setter
    def cursor_index(self, index: int) -> None:
        self._move_cursor(index)

    @property
    def cursor_key(self) -> str | None:
        """Key of the cursor row, or None when the table is empty."""
        return self._cursor_key

    @cursor_key.setter
    def cursor_key(self, key: str) -> None:
        index = self._model.index_of(key)
        if index is not None:
            self._move_cursor(index)

    @property
    def tagged(self) -> frozenset[str]:
        """Keys of the tagged rows (tags follow keys, so they survive re-sorts)."""
        return frozenset(self._tagged)

    @property
    def sort(self) -> tuple[str, bool] | None:
        """``(column_key, descending)`` shown in the header, if any."""
        return self._sort

    @property
    def line_width(self) -> int:
        """Width of every rendered line (the scrollable content width)."""
        return self.scrollable_content_region.width

    @property
    def body_height(self) -> int:
        """Number of row lines that fit below the header."""
        return max(0, self.scrollable_content_region.height - HEADER_HEIGHT)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Replace the columns (e.g. on a narrow/wide breakpoint or a language switch)."""
        self._apply_columns(columns)
        self._row_cache.clear()
        self._header_cache = None
        self._update_virtual_size()
        self.refresh()

    def set_model(self, model: TableModel) -> None:
        """Replace the model; the cursor stays on the same key if it is still present."""
        self._model = model
        self._row_cache.clear()
        self.model_changed()

    def model_changed(self) -> None:
        """Rows were inserted, removed or re-ordered.

        The cursor stays on the same key if it is still present (and at the same height
        on screen if it was visible; a view scrolled away from the cursor stays put), else
        the cursor index is clamped.  Tags of rows that are gone are dropped.  One refresh.
        """
        model = self._model
        count = len(model)
        body = self.body_height
        screen_row = self._cursor - self.scroll_offset.y
        was_visible = 0 <= screen_row < body
        index: int | None = None
        if self._cursor_key is not None:
            index = model.index_of(self._cursor_key)
        if index is None:
            index = clamp(self._cursor, 0, max(0, count - 1))
        self._cursor = index
        self._cursor_key = model.key_at(index) if count else None
        if self._tagged:
            gone = {key for key in self._tagged if model.index_of(key) is None}
            if gone:
                self._tagged -= gone
                self.post_message(self.TagsChanged(self, len(self._tagged)))
        self._update_virtual_size()
        if self.is_mounted and body and was_visible:
            # Keep the cursor row at the same height; if the operator had scrolled the
            # cursor out of view (mouse wheel), leave the view where it is.
            self.scroll_to(y=max(0, index - screen_row), animate=False, force=True)
            self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlighted()

    def rows_changed(self, keys: Iterable[str]) -> None:
        """The content of these rows changed (not their order): repaint the visible ones."""
        model = self._model
        top = self.scroll_offset.y
        body = self.body_height
        width = self.line_width
        for key in keys:
            self._row_cache.discard(key)
            index = model.index_of(key)
            if index is not None and top <= index < top + body:
                self.refresh(Region(0, HEADER_HEIGHT + index - top, width, 1))

    def refresh(self, *regions: Region, **kwargs: Any) -> Self:
        for companion in self.companions:
            companion.refresh()
        return super().refresh(*regions, **kwargs)

    def now(self) -> datetime:
        return self._frame_now or self._now()

    def row_styles(self) -> _Styles:
        return self._get_styles()

    def style_for(self, index: int, key: str) -> Style:
        """The base style of a row: cursor, tagged or plain."""
        styles = self._get_styles()
        if index == self._cursor:
            return styles.cursor
        return styles.tagged if key in self._tagged else styles.base

    def tick(self) -> None:
        """Repaint only the live columns' cells of the visible rows (call once a second)."""
        for companion in self.companions:
            tick = getattr(companion, "tick", None)
            if callable(tick):
                tick()
            else:
                companion.refresh()
        if not self._live_spans or not self.is_mounted:
            return
        top = self.scroll_offset.y
        rows = min(self.body_height, len(self._model) - top)
        if rows <= 0:
            return
        scroll_x = self.scroll_offset.x
        width = self.line_width
        for x, w in self._live_spans:
            start = max(GUTTER_WIDTH, GUTTER_WIDTH + x - scroll_x)
            end = min(width, GUTTER_WIDTH + x + w - scroll_x)
            if end > start:
                self.refresh(Region(start, HEADER_HEIGHT, end - start, rows))

    def set_sort(self, column_key: str | None, descending: bool = False) -> None:
        """Show ▲ (ascending) or ▼ (descending) on a column title; sorting is the model's job."""
        sort = None if column_key is None else (column_key, descending)
        if sort != self._sort:
            self._sort = sort
            self._header_cache = None
            if self.is_mounted:
                self.refresh(Region(0, 0, self.line_width, HEADER_HEIGHT))

    def toggle_tag(self, key: str) -> None:
        if key in self._tagged:
            self._tagged.discard(key)
        else:
            self._tagged.add(key)
        self._refresh_key(key)
        self.post_message(self.TagsChanged(self, len(self._tagged)))

    def set_tags(self, keys: Iterable[str]) -> None:
        """Replace the tagged set (keys not in the model are ignored)."""
        model = self._model
        tags = {key for key in keys if model.index_of(key) is not None}
        if tags != self._tagged:
            self._tagged = tags
            self.refresh()
            self.post_message(self.TagsChanged(self, len(tags)))

    def clear_tags(self) -> None:
        if self._tagged:
            self._tagged.clear()
            self.refresh()
            self.post_message(self.TagsChanged(self, 0))

    # --- actions -------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        page = max(1, self.body_height)
        self._move_cursor(self._cursor - page, scroll_y=self.scroll_offset.y - page)

    def action_page_down(self) -> None:
        page = max(1, self.body_height)
        self._move_cursor(self._cursor + page, scroll_y=self.scroll_offset.y + page)

    def action_first(self) -> None:
        self._move_cursor(0)

    def action_last(self) -> None:
        self._move_cursor(len(self._model) - 1)

    def action_toggle_tag(self) -> None:
        if self._cursor_key is not None:
            self.toggle_tag(self._cursor_key)
            self._move_cursor(self._cursor + 1)

    def action_select(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.Selected(self, self._cursor_key))

    def action_scroll_columns(self, direction: int) -> None:
        """Scroll horizontally to the previous / next column boundary."""
        x = self.scroll_offset.x
        if direction > 0:
            stops = [o for o in self._offsets if o > x]
            target = stops[0] if stops else self.max_scroll_x
        else:
            stops = [o for o in self._offsets if o < x]
            target = stops[-1] if stops else 0
        self.scroll_to(x=min(target, self.max_scroll_x), animate=False, force=True)

    # --- events --------------------------------------------------------------------------

    def on_mount(self) -> None:
        # (ScrollView.on_mount runs too: Textual dispatches handlers along the MRO.)
        self._update_virtual_size()
        self._post_highlighted()

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_cursor_into_view()

    def on_focus(self, event: events.Focus) -> None:
        self._refresh_key(self._cursor_key)

    def on_blur(self, event: events.Blur) -> None:
        self._refresh_key(self._cursor_key)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_HEIGHT:
            return
        index = self.scroll_offset.y + offset.y - HEADER_HEIGHT
        if index < len(self._model):
            event.stop()
            self._move_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def notify_style_update(self) -> None:
        self._styles = None
        self._header_cache = None
        super().notify_style_update()

    # --- rendering -----------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # One clock reading per frame, so every countdown on screen agrees.
        self._frame_now = self._now()
        try:
            return super().render_lines(crop)
        finally:
            self._frame_now = None

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        if y < HEADER_HEIGHT:
            return self._render_header(width)
        index = self.scroll_offset.y + y - HEADER_HEIGHT
        if index >= len(self._model):
            return Strip.blank(width, self._get_styles().base)
        return self._render_row(index, width)

    def _render_header(self, width: int) -> Strip:
        styles = self._get_styles()
        scroll_x = self.scroll_offset.x
        cache_key = (width, scroll_x, self._sort, self._columns)
        if self._header_cache is not None and self._header_cache[0] == cache_key:
            return self._header_cache[1]
        style = styles.header
        parts: list[str] = []
        for column in self._columns:
            title = column.title
            if self._sort is not None and self._sort[0] == column.key:
                mark = self._sort_marks[1 if self._sort[1] else 0]
                if cell_len(title) + cell_len(mark) > column.width:
                    title = fit_cells(title, column.width - cell_len(mark), ellipsis="")
                title += mark
            parts.append(fit_cells(title, column.width, column.align, ellipsis=self._ellipsis))
        segments = [Segment(" " * GUTTER_WIDTH, style), Segment(" ".join(parts), style)]
        strip = self._assemble(segments, scroll_x, width, style)
        self._header_cache = (cache_key, strip)
        return strip

    def _static_cells(self, key: str, row: Any) -> list[tuple[str, str] | None]:
        token = (id(row), getattr(row, "version", None))
        cached = self._row_cache.get(key)
        if cached is not None and cached[0] == token:
            return cached[1]
        now = self._frame_now or self._now()
        ellipsis = self._ellipsis
        cells: list[tuple[str, str] | None] = []
        for column in self._columns:
            if column.live:
                cells.append(None)
            else:
                text, suffix = column.render(row, now)
                cells.append(
                    (fit_cells(text, column.width, column.align, ellipsis=ellipsis), suffix)
                )
        self._row_cache.set(key, (token, cells))
        return cells

    def _render_row(self, index: int, width: int) -> Strip:
        model = self._model
        key = model.key_at(index)
        row = model.row_at(index)
        cells = self._static_cells(key, row)
        styles = self._get_styles()
        cell_styles = styles.cells
        tagged = key in self._tagged
        cursor = index == self._cursor
        if cursor:
            base = styles.cursor
        elif tagged:
            base = styles.tagged
        else:
            base = styles.base
        now: datetime | None = None
        gutter = (
            Segment("*", base + styles.tag_mark) if tagged else Segment(" " * GUTTER_WIDTH, base)
        )
        segments: list[Segment] = [gutter]
        append = segments.append
        separator = Segment(" ", base)
        ellipsis = self._ellipsis
        first = True
        for column, cell in zip(self._columns, cells, strict=True):
            if cell is None:
                if now is None:
                    now = self._frame_now or self._now()
                text, suffix = column.render(row, now)
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
        return self._assemble(segments, self.scroll_offset.x, width, base)

    def _assemble(self, segments: list[Segment], scroll_x: int, width: int, style: Style) -> Strip:
        """``segments`` = gutter + body: keep the gutter, crop the body at ``scroll_x``.

        The result is exactly ``width`` cells.
        """
        content = self._content_width
        inner = width - GUTTER_WIDTH
        if inner <= 0:
            return Strip(segments).crop_extend(0, width, style)
        if scroll_x == 0 and content <= inner:  # the common case: one Strip, no cropping
            if content < inner:
                segments.append(Segment(" " * (inner - content), style))
            return Strip(segments, width)
        body = Strip(segments[1:], content).crop_extend(scroll_x, scroll_x + inner, style)
        return Strip([segments[0], *body], width)

    def _get_styles(self) -> _Styles:
        if self._styles is None:
            get = self.get_component_rich_style
            cursor = get("line-table--cursor")
            tagged_partial = get("line-table--tagged", partial=True)
            self._styles = _Styles(
                base=self.rich_style,
                header=get("line-table--header"),
                cursor=cursor,
                cursor_partial=get("line-table--cursor", partial=True),
                tagged=get("line-table--tagged"),
                tag_mark=tagged_partial + Style(bold=True),
                cells={
                    name: get(f"line-table--{name}", partial=True) for name in self._CELL_CLASSES
                },
            )
        return self._styles

    # --- internals -----------------------------------------------------------------------

    def _apply_columns(self, columns: Sequence[Column]) -> None:
        self._columns = tuple(columns)
        offsets: list[int] = []
        x = 0
        for column in self._columns:
            offsets.append(x)
            x += column.width + 1
        self._offsets = tuple(offsets)
        self._content_width = max(0, x - 1)
        self._live_spans = tuple(
            (offset, column.width)
            for offset, column in zip(offsets, self._columns, strict=True)
            if column.live
        )

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(
            GUTTER_WIDTH + self._content_width, HEADER_HEIGHT + len(self._model)
        )

    def _refresh_key(self, key: str | None) -> None:
        if key is None or not self.is_mounted:
            return
        index = self._model.index_of(key)
        if index is not None:
            self._refresh_index(index)

    def _refresh_index(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.body_height:
            self.refresh(Region(0, HEADER_HEIGHT + y, self.line_width, 1))

    def _move_cursor(self, index: int, *, scroll_y: int | None = None) -> None:
        count = len(self._model)
        if count == 0:
            self._cursor, self._cursor_key = 0, None
            self._post_highlighted()
            return
        index = clamp(index, 0, count - 1)
        old = self._cursor
        self._cursor = index
        self._cursor_key = self._model.key_at(index)
        if self.is_mounted:
            top = self.scroll_offset.y
            if scroll_y is not None:
                self.scroll_to(y=max(0, scroll_y), animate=False, force=True)
            self._scroll_cursor_into_view()
            if self.scroll_offset.y == top and old != index:
                # No scroll (which repaints everything): repaint just the two rows.
                self._refresh_index(old)
                self._refresh_index(index)
        self._post_highlighted()

    def _scroll_cursor_into_view(self) -> None:
        body = self.body_height
        if not body or not len(self._model):
            return
        top = self.scroll_offset.y
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + body:
            self.scroll_to(y=self._cursor - body + 1, animate=False, force=True)

    def _post_highlighted(self) -> None:
        if self._posted_key is not self._cursor_key and self._posted_key != self._cursor_key:
            self._posted_key = self._cursor_key
            self.post_message(self.Highlighted(self, self._cursor_key))
