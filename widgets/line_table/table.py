"""The table widget: cursor, tags, scrolling, keys and messages (see the package doc)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Self

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, clamp
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from widgets.line_table.cells import GUTTER_WIDTH, HEADER_HEIGHT, Column, TableModel
from widgets.line_table.paint import RowPainter
from widgets.line_table.styles import CELL_CLASSES, COMPONENT_CLASSES, TABLE_CSS, RowStyles

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

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENT_CLASSES
    DEFAULT_CSS = TABLE_CSS

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
        self._paint = RowPainter(columns, ascii_glyphs=ascii_glyphs, cache_size=cache_size)
        # Widgets drawn from this table's rows (the live countdown column): they repaint
        # whenever the table does, and on every tick.
        self.companions: list[Widget] = []
        self._cursor = 0
        self._cursor_key: str | None = None
        self._posted_key: object = _UNSET
        self._tagged: set[str] = set()
        self._sort: tuple[str, bool] | None = None
        self._styles: RowStyles | None = None
        if len(model):
            self._cursor_key = model.key_at(0)

    # --- public API ----------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._paint.columns

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
        self._paint.set_columns(columns)
        self._update_virtual_size()
        self.refresh()

    def set_model(self, model: TableModel) -> None:
        """Replace the model; the cursor stays on the same key if it is still present."""
        self._model = model
        self._paint.forget_rows()
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
            self._paint.forget_row(key)
            index = model.index_of(key)
            if index is not None and top <= index < top + body:
                self.refresh(Region(0, HEADER_HEIGHT + index - top, width, 1))

    def refresh(self, *regions: Region, **kwargs: Any) -> Self:
        for companion in self.companions:
            companion.refresh()
        return super().refresh(*regions, **kwargs)

    def now(self) -> datetime:
        return self._frame_now or self._now()

    def row_styles(self) -> RowStyles:
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
        spans = self._paint.live_spans
        if not spans or not self.is_mounted:
            return
        top = self.scroll_offset.y
        rows = min(self.body_height, len(self._model) - top)
        if rows <= 0:
            return
        scroll_x = self.scroll_offset.x
        width = self.line_width
        for x, w in spans:
            start = max(GUTTER_WIDTH, GUTTER_WIDTH + x - scroll_x)
            end = min(width, GUTTER_WIDTH + x + w - scroll_x)
            if end > start:
                self.refresh(Region(start, HEADER_HEIGHT, end - start, rows))

    def set_sort(self, column_key: str | None, descending: bool = False) -> None:
        """Show ▲ (ascending) or ▼ (descending) on a column title; sorting is the model's job."""
        sort = None if column_key is None else (column_key, descending)
        if sort != self._sort:
            self._sort = sort
            self._paint.forget_header()
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
            stops = [o for o in self._paint.offsets if o > x]
            target = stops[0] if stops else self.max_scroll_x
        else:
            stops = [o for o in self._paint.offsets if o < x]
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
        self._paint.forget_header()
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
        return self._paint.header(
            width, self.scroll_offset.x, self._sort, self._get_styles().header
        )

    def _render_row(self, index: int, width: int) -> Strip:
        model = self._model
        key = model.key_at(index)
        return self._paint.row(
            key,
            model.row_at(index),
            width=width,
            scroll_x=self.scroll_offset.x,
            styles=self._get_styles(),
            cursor=index == self._cursor,
            tagged=key in self._tagged,
            now=self.now,
        )

    def _get_styles(self) -> RowStyles:
        if self._styles is None:
            get = self.get_component_rich_style
            cursor = get("line-table--cursor")
            tagged_partial = get("line-table--tagged", partial=True)
            self._styles = RowStyles(
                base=self.rich_style,
                header=get("line-table--header"),
                cursor=cursor,
                cursor_partial=get("line-table--cursor", partial=True),
                tagged=get("line-table--tagged"),
                tag_mark=tagged_partial + Style(bold=True),
                cells={name: get(f"line-table--{name}", partial=True) for name in CELL_CLASSES},
            )
        return self._styles

    # --- internals -----------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(
            GUTTER_WIDTH + self._paint.content_width, HEADER_HEIGHT + len(self._model)
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
