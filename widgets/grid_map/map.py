"""The grid map widget: cursor, zoom, live counts and the Line-API rendering (see the
package doc)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from widgets.grid_counts import ZERO, GridCounts
from widgets.grid_layout import (
    CELL_SIZES,
    COMMUNITY_LEN,
    GRID_LEN,
    STREET_LEN,
    CellLike,
    Placement,
    colour_groups,
    follow,
    place_cells,
    zoom,
)
from widgets.grid_map.legend import (
    ASCII_GLYPHS,
    MAP_CLASSES,
    MAP_CSS,
    SHADES,
    STATUS_CLASS,
    UNICODE_GLYPHS,
    ChosenLevel,
    GlyphSet,
    Lang,
    StatLike,
    Status,
    ZoomLevel,
    block_text,
    caption_text,
    legend_text,
    status_of,
    zoom_level_of,
)

FULL_REPAINT = 200  # more changed grids than this in one update: repaint the whole map


class GridMap(Widget, can_focus=True):
    """The district's grids as a character map with a cursor, zoom and live status."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(0, -1)", "Up", show=False),
        Binding("down,j", "move(0, 1)", "Down", show=False),
        Binding("left,h", "move(-1, 0)", "Left", show=False),
        Binding("right,l", "move(1, 0)", "Right", show=False),
        Binding("enter", "choose('grid')", "Grid"),
        Binding("c", "choose('community')", "Community", show=False),
        Binding("s", "choose('street')", "Street", show=False),
        Binding("plus,equals_sign", "zoom_in", "Zoom +"),
        Binding("minus", "zoom_out", "Zoom -"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = MAP_CLASSES
    DEFAULT_CSS = MAP_CSS

    ascii: reactive[bool] = reactive(False)
    lang: reactive[Lang] = reactive("zh")

    class Chosen(Message):
        """Enter (grid), ``c`` (community) or ``s`` (street) on the cursor grid."""

        def __init__(self, code: str, level: ChosenLevel, grid: str) -> None:
            super().__init__()
            self.code = code  # the grid, community (12 digits) or street (9 digits) code
            self.level: ChosenLevel = level
            self.grid = grid  # the cursor grid the choice was made from

    class Highlighted(Message):
        """The cursor moved to another grid."""

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    class Zoomed(Message):
        """The map zoomed; ``prefix`` is "" for the whole district."""

        def __init__(self, level: ZoomLevel, prefix: str) -> None:
            super().__init__()
            self.level: ZoomLevel = level
            self.prefix = prefix

    def __init__(
        self,
        cells: Sequence[CellLike] = (),
        names: Mapping[str, str] | None = None,
        *,
        ascii: bool = False,
        lang: Lang = "zh",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._base = Placement(0, 0, {}, {})
        self._placement = self._base
        self._names: dict[str, str] = {}
        self._stats: dict[str, GridCounts] = {}
        self._shades: dict[str, int] = {}
        self._zoom: ZoomLevel = "district"
        self._prefix = ""
        self._cursor: str | None = None
        self._view = (0, 0)  # scroll offset of the map in characters
        self._lines: dict[int, Strip] = {}
        self._styles: dict[tuple[int, str, bool, bool], Style] = {}
        self._depth = STREET_LEN  # code prefix naming the regions whose edges are drawn
        self.set_reactive(GridMap.ascii, ascii)
        self.set_reactive(GridMap.lang, lang)
        if cells:
            self.set_cells(cells, names or {})

    # --- public API --------------------------------------------------------------------------

    legend_text = staticmethod(legend_text)

    @property
    def cursor(self) -> str | None:
        """The grid code under the cursor."""
        return self._cursor

    @property
    def zoom_level(self) -> ZoomLevel:
        return self._zoom

    @property
    def zoom_prefix(self) -> str:
        return self._prefix

    @property
    def placement(self) -> Placement:
        """The placement currently drawn (the district's, or the zoomed one)."""
        return self._placement

    @property
    def district_placement(self) -> Placement:
        return self._base

    def counts(self, code: str) -> GridCounts:
        return self._stats.get(code, ZERO)

    def status(self, code: str) -> Status:
        return status_of(self._stats.get(code, ZERO))

    def set_cells(self, cells: Sequence[CellLike], names: Mapping[str, str]) -> None:
        """Lay out the grids (and remember street/community/grid names by code)."""
        self._base = place_cells(cells)
        self._names = dict(names)
        self._stats = {c: v for c, v in self._stats.items() if c in self._base.pos}
        if self._cursor not in self._base.pos:
            self._cursor = self._central_grid()
        if self._prefix and not any(c.startswith(self._prefix) for c in self._base.pos):
            self._zoom, self._prefix = "district", ""
        self._relayout()

    def set_stats(self, stats: Mapping[str, StatLike]) -> None:
        """Replace all statistics (codes not given count as zero); repaints changed grids only."""
        new = {
            code: counts
            for code, s in stats.items()
            if (counts := GridCounts(s.open, s.overdue, s.supervised)) != ZERO
        }
        changed = [c for c in new.keys() | self._stats.keys() if new.get(c) != self._stats.get(c)]
        self._stats = new
        self._repaint_grids(changed)

    def update_stat(self, code: str, open: int, overdue: int, supervised: int) -> None:
        """Set one grid's counts; repaints that grid (and the caption if it is the cursor's)."""
        counts = GridCounts(open, overdue, supervised)
        if self._stats.get(code, ZERO) == counts:
            return
        if counts == ZERO:
            self._stats.pop(code, None)
        else:
            self._stats[code] = counts
        self._repaint_grids([code])

    def move_to(self, code: str) -> None:
        """Put the cursor on ``code`` (zooming out when it is outside the zoomed area)."""
        if code not in self._base.pos:
            raise KeyError(code)
        if code not in self._placement.pos:
            self.zoom_to("")
        self._set_cursor(code)

    def zoom_to(self, prefix: str) -> None:
        """Show the whole district (""), one street (9 digits) or one community (12)."""
        level, prefix = zoom_level_of(prefix)
        if level != "district" and not any(code.startswith(prefix) for code in self._base.pos):
            raise KeyError(prefix)
        if (level, prefix) == (self._zoom, self._prefix):
            return
        self._zoom, self._prefix = level, prefix
        if self._cursor is None or not self._cursor.startswith(prefix):
            self._cursor = min(c for c in self._base.pos if c.startswith(prefix))
        self._relayout()
        self.post_message(self.Zoomed(level, prefix))

    # --- actions -----------------------------------------------------------------------------

    def action_move(self, dx: int, dy: int) -> None:
        if self._cursor is None:
            return
        target = self._placement.step(self._cursor, dx, dy)
        if target is not None:
            self._set_cursor(target)

    def action_choose(self, level: ChosenLevel) -> None:
        if self._cursor is None:
            return
        length = {"grid": GRID_LEN, "community": COMMUNITY_LEN, "street": STREET_LEN}[level]
        self.post_message(self.Chosen(self._cursor[:length], level, self._cursor))

    def action_zoom_in(self) -> None:
        if self._cursor is None:
            return
        if self._zoom == "district":
            self.zoom_to(self._cursor[:STREET_LEN])
        elif self._zoom == "street":
            self.zoom_to(self._cursor[:COMMUNITY_LEN])

    def action_zoom_out(self) -> None:
        if self._zoom == "community":
            self.zoom_to(self._prefix[:STREET_LEN])
        elif self._zoom == "street":
            self.zoom_to("")

    # --- reactives and events ----------------------------------------------------------------

    def watch_ascii(self) -> None:
        self._lines.clear()
        self.refresh()

    def watch_lang(self) -> None:
        self.refresh(self._caption_region())

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._lines.clear()

    def on_resize(self, event: events.Resize) -> None:
        if self._zoom != "district":
            self._relayout()
        else:
            self._follow_cursor()
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        slot = self._slot_at(event.x, event.y)
        if slot is not None and (code := self._placement.at.get(slot)) is not None:
            self._set_cursor(code)
            if event.chain == 2:
                self.action_choose("grid")

    # --- layout ------------------------------------------------------------------------------

    def _central_grid(self) -> str | None:
        base = self._base
        if not base.pos:
            return None
        cx, cy = base.width / 2, base.height / 2
        return min(
            base.pos, key=lambda c: ((base.pos[c][0] - cx) ** 2 + (base.pos[c][1] - cy) ** 2, c)
        )

    def _map_size(self) -> tuple[int, int]:
        size = self.size  # worked out anew on each read
        return size.width, max(size.height - 1, 0)

    def _relayout(self) -> None:
        if self._zoom == "district" or not self._base.pos:
            self._placement = self._base
        else:
            width, height = self._map_size()
            sizes = CELL_SIZES[self._zoom]
            bbox = zoom(self._base, self._prefix, cell=(1, 1))
            cell = next(
                (
                    (cw, ch)
                    for cw, ch in sizes
                    if bbox.width * cw <= width and bbox.height * ch <= height
                ),
                sizes[-1],
            )
            self._placement = zoom(self._base, self._prefix, cell=cell)
        depth = min(len(self._prefix) + 3 if self._prefix else STREET_LEN, GRID_LEN)
        self._depth = depth
        self._shades = colour_groups(self._placement, depth, SHADES)
        self._lines.clear()
        self._view = (0, 0)
        self._follow_cursor()
        self.refresh()

    def _padding(self) -> tuple[int, int]:
        frame = self._frame()
        return frame.x, frame.y

    def _follow_cursor(self) -> bool:
        """Scroll so the cursor's block is in view (with a margin); True if the view moved."""
        if self._cursor is None or self._cursor not in self._placement.pos:
            return False
        pl = self._placement
        width, height = self._map_size()
        x, y = pl.pos[self._cursor]
        view = (
            follow(self._view[0], x * pl.cell_w, pl.cell_w, width, pl.char_width),
            follow(self._view[1], y * pl.cell_h, pl.cell_h, height, pl.char_height),
        )
        moved = view != self._view
        self._view = view
        return moved

    def _slot_region(self, slot: tuple[int, int], frame: Region | None = None) -> Region:
        """Where ``slot`` is on the widget (``frame``: :meth:`_frame`, for many slots)."""
        frame = self._frame() if frame is None else frame
        pl, (vx, vy) = self._placement, self._view
        x, y = frame.x + slot[0] * pl.cell_w - vx, frame.y + slot[1] * pl.cell_h - vy
        return Region(x, y, pl.cell_w, pl.cell_h).intersection(Region(0, 0, *frame.size))

    def _frame(self) -> Region:
        """The padding as (x, y) and the map's size (a widget's size is worked out anew on
        each read, which thousands of changed grids in one update should not repeat)."""
        width, height = self._map_size()
        pl = self._placement
        px, py = max((width - pl.char_width) // 2, 0), max((height - pl.char_height) // 2, 0)
        return Region(px, py, width, height)

    def _slot_at(self, x: int, y: int) -> tuple[int, int] | None:
        pl = self._placement
        px, py = self._padding()
        cx, cy = x - px + self._view[0], y - py + self._view[1]
        if cx < 0 or cy < 0 or cx >= pl.char_width or cy >= pl.char_height:
            return None
        return cx // pl.cell_w, cy // pl.cell_h

    def _caption_region(self) -> Region:
        width, height = self._map_size()
        return Region(0, height, width, 1)

    def _forget_slot(self, slot: tuple[int, int]) -> None:
        ch = self._placement.cell_h
        for cy in range(slot[1] * ch, (slot[1] + 1) * ch):
            self._lines.pop(cy, None)

    def _repaint_grids(self, codes: Iterable[str]) -> None:
        if not self.display:  # hidden; shown again (a style update) it draws every line anew
            return
        regions = []
        pos = self._placement.pos
        frame = self._frame()
        for code in codes:
            slot = pos.get(code)
            if slot is not None:
                self._forget_slot(slot)
                regions.append(self._slot_region(slot, frame))
            if code == self._cursor:
                regions.append(self._caption_region())
        regions = [r for r in regions if r]
        if len(regions) > FULL_REPAINT:
            self.refresh()
        elif regions:
            self.refresh(*regions)

    def _set_cursor(self, code: str) -> None:
        old = self._cursor
        if old == code:
            return
        self._cursor = code
        pos = self._placement.pos
        for c in (old, code):
            if c is not None and c in pos:
                self._forget_slot(pos[c])
        if self._follow_cursor():
            self.refresh()
        else:
            regions = [self._slot_region(pos[c]) for c in (old, code) if c is not None and c in pos]
            self.refresh(*[r for r in regions if r], self._caption_region())
        self.post_message(self.Highlighted(code))

    # --- rendering ---------------------------------------------------------------------------

    @property
    def _glyphs(self) -> GlyphSet:
        return ASCII_GLYPHS if self.ascii else UNICODE_GLYPHS

    def _style(self, shade: int, component: str, underline: bool, cursor: bool) -> Style:
        key = (shade, component, underline, cursor)
        style = self._styles.get(key)
        if style is None:
            style = self.get_component_rich_style(component)
            bg = self.get_component_rich_style(f"grid-map--shade-{shade}", partial=True)
            style += Style(bgcolor=bg.bgcolor)
            if underline:
                style += Style(underline=True)
            if cursor:
                style += self.get_component_rich_style("grid-map--cursor", partial=True)
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        px, py, width, height = self._frame()
        if y == height:
            return self._caption_strip(width)
        base = self.rich_style
        cy = y - py + self._view[1]
        pl = self._placement
        if y > height or cy < 0 or cy >= pl.char_height:
            return Strip.blank(width, base)
        line = self._lines.get(cy)
        if line is None:
            line = self._lines[cy] = self._raster_line(cy)
        strip = line.crop(self._view[0], self._view[0] + width - px)
        if px:
            strip = Strip.join([Strip.blank(px, base), strip])
        return strip.extend_cell_length(width, base).crop(0, width)

    def _raster_line(self, cy: int) -> Strip:
        pl = self._placement
        row, sub = divmod(cy, pl.cell_h)
        blank = Segment(" " * pl.cell_w, self.rich_style)
        segments: list[Segment] = []
        for x in range(pl.width):
            code = pl.at.get((x, row))
            if code is None:
                segments.append(blank)
            else:
                segments.extend(self._block_line(code, x, row, sub))
        return Strip(segments, pl.char_width).simplify()

    def _block_line(self, code: str, x: int, y: int, sub: int) -> list[Segment]:
        """Row ``sub`` of the character block of grid ``code`` at slot (x, y)."""
        pl = self._placement
        glyphs = self._glyphs
        depth = self._depth
        east = pl.boundary(x, y, "e", depth)
        south = pl.boundary(x, y, "s", depth)
        shade = self._shades.get(code[:depth], 0)
        cursor = code == self._cursor
        counts = self._stats.get(code, ZERO)
        status = status_of(counts)
        status_class = STATUS_CLASS[status]
        cw, ch = pl.cell_w, pl.cell_h
        if cw == 1 and ch == 1:
            if status is Status.NONE and (east or south):
                mark = glyphs.corner if east and south else glyphs.east if east else glyphs.south
                return [Segment(mark, self._style(shade, "grid-map--edge", False, cursor))]
            glyph = glyphs.status[status]
            return [Segment(glyph, self._style(shade, status_class, south, cursor))]
        inner_w = cw - 1 if cw > 1 else cw
        inner_h = ch - 1 if ch > 1 else ch
        underline = south and ch == 1
        edge_style = self._style(shade, "grid-map--edge", underline, False)
        east_mark = glyphs.east if east else " "
        if ch > 1 and sub == ch - 1:  # the bottom row: the south boundary line
            body = (glyphs.south if south else " ") * inner_w
            corner = glyphs.corner if east else glyphs.south if south else " "
            return [Segment(body + (corner if cw > 1 else ""), edge_style)]
        lines = block_text(self._glyphs.status[status], code, counts, self._zoom, inner_w, inner_h)
        text = lines[sub] if sub < len(lines) else ""
        style = self._style(shade, status_class, underline, cursor)
        segments = [Segment(text.center(inner_w)[:inner_w], style)]
        if cw > 1:
            segments.append(Segment(east_mark, edge_style))
        return segments

    def _caption_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("grid-map--caption")
        code = self._cursor
        if code is None:
            return Strip.blank(width, style)
        counts = self._stats.get(code, ZERO)
        status = status_of(counts)
        colour = self.get_component_rich_style(STATUS_CLASS[status], partial=True)
        text = caption_text(
            code, self._names, counts, self._zoom, self.lang, self._glyphs, colour, style
        )
        text.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(text.render(self.app.console))).crop_extend(0, width, style)
