"""A keyboard-first character map of the district's unit grids (Line API).

One character (or, zoomed in, one block of characters) per grid, laid out by
``widgets.grid_layout`` so the picture keeps the city's shape.  Each grid shows
its worst status by **glyph and colour** (colour is never the only signal):

    status        ASCII  Unicode  colour (theme variable)   rule
    overdue         !      ▲      $text-error, bold         overdue > 0 (the worst)
    supervised      S      ◆      $text-secondary, bold     supervised > 0
    many open       O      ●      $text-warning, bold       open >= 3
    open            o      ∘      $text-primary             open >= 1
    none            .      ·      $foreground-muted

Overdue outranks supervised: an overdue case is already breaking its time
limit, while 督办 marks leadership attention that may still be in time; a grid
with both shows ``!`` and the caption gives every count.

Region boundaries (streets on the district map, communities at street zoom,
grids at community zoom) are drawn three ways, so they survive a 16-colour
terminal, ``NO_COLOR`` and the ASCII glyph set:

* a background shade per region, from a 4-colouring of the region adjacency
  graph, so neighbouring regions never share a shade (two alternating shades
  by index would give neighbours the same shade);
* a boundary line in the grid's own characters: on the district map an empty
  grid on a region's east edge is drawn ``|`` (``▕``), on its south edge ``_``
  (``▁``); zoomed in, each block's spare right column and bottom row carry the
  same line, so ``!`` and ``S`` are never hidden by it;
* grids on a south edge whose character shows a status are underlined (SGR 4
  survives ``NO_COLOR``), continuing the line under busy cells.

Keys: arrows / hjkl move; ``enter`` chooses the grid, ``c`` its community, ``s``
its street (``GridMap.Chosen``); ``+``/``=`` zoom district → street → community
around the cursor, ``-`` zooms out.  The last line is a caption for the cursor
grid: code, street › community names and its counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Literal, NamedTuple, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from widgets.grid_layout import (
    COMMUNITY_LEN,
    DISTRICT_LEN,
    GRID_LEN,
    STREET_LEN,
    CellLike,
    Placement,
    colour_groups,
    place_cells,
    zoom,
)

__all__ = [
    "ChosenLevel",
    "GridCounts",
    "GridMap",
    "Lang",
    "MapLegend",
    "Status",
    "ZoomLevel",
    "status_of",
]

ChosenLevel = Literal["grid", "community", "street"]
ZoomLevel = Literal["district", "street", "community"]
Lang = Literal["zh", "en"]

MANY_OPEN = 3
SHADES = 4
FULL_REPAINT = 200  # more changed grids than this in one update: repaint the whole map


# character block per grid at each zoom, biggest first; the first that fits the view wins
CELL_SIZES: dict[ZoomLevel, tuple[tuple[int, int], ...]] = {
    "district": ((1, 1),),
    "street": ((4, 2), (3, 1), (2, 1)),
    "community": ((10, 4), (8, 3), (6, 2)),
}


class GridCounts(NamedTuple):
    """One grid's open / overdue / supervised counts: what the map draws for it."""

    open: int = 0
    overdue: int = 0
    supervised: int = 0


ZERO = GridCounts()


class StatLike(Protocol):
    """What the map reads from a per-grid statistic (``GridCounts`` and ``wire.GridStat`` fit)."""

    @property
    def open(self) -> int: ...
    @property
    def overdue(self) -> int: ...
    @property
    def supervised(self) -> int: ...


class Status(IntEnum):
    """A grid's worst status, in rising severity."""

    NONE = 0
    OPEN = 1
    MANY = 2
    SUPERVISED = 3
    OVERDUE = 4


def status_of(counts: GridCounts) -> Status:
    open_, overdue, supervised = counts
    if overdue > 0:
        return Status.OVERDUE
    if supervised > 0:
        return Status.SUPERVISED
    if open_ >= MANY_OPEN:
        return Status.MANY
    if open_ > 0:
        return Status.OPEN
    return Status.NONE


@dataclass(frozen=True)
class GlyphSet:
    status: tuple[str, str, str, str, str]  # indexed by Status
    east: str  # empty grid on a region's east edge / a block's right column
    south: str  # empty grid on a region's south edge / a block's bottom row
    corner: str  # both


ASCII_GLYPHS = GlyphSet((".", "o", "O", "S", "!"), "|", "_", "|")
# U+00B7, U+2218 and U+25xx: one cell wide in Rich; U+25xx are East-Asian
# "ambiguous" and a CJK-locale terminal may draw them wide: use ASCII there.
UNICODE_GLYPHS = GlyphSet(("·", "∘", "●", "◆", "▲"), "▕", "▁", "▕")

STATUS_CLASS = {
    Status.NONE: "grid-map--none",
    Status.OPEN: "grid-map--open",
    Status.MANY: "grid-map--many",
    Status.SUPERVISED: "grid-map--supervised",
    Status.OVERDUE: "grid-map--overdue",
}

LEGEND_WORDS: dict[Lang, tuple[str, str, str, str, str]] = {
    "zh": ("无", "有案件", "多", "督办", "超期"),
    "en": ("none", "open", "many", "supervised", "overdue"),
}
LEGEND_ORDER = (Status.NONE, Status.OPEN, Status.MANY, Status.OVERDUE, Status.SUPERVISED)
EDGE_WORDS: dict[Lang, dict[ZoomLevel, str]] = {
    "zh": {"district": "街道界", "street": "社区界", "community": "网格界"},
    "en": {"district": "street edge", "street": "community edge", "community": "grid edge"},
}
LEVEL_WORDS: dict[Lang, dict[ZoomLevel, str]] = {
    "zh": {"district": "全区", "street": "街道", "community": "社区"},
    "en": {"district": "district", "street": "street", "community": "community"},
}
COUNT_WORDS: dict[Lang, tuple[str, str, str]] = {
    "zh": ("案件", "超期", "督办"),
    "en": ("open", "overdue", "supervised"),
}


def legend_text(lang: Lang = "zh", *, ascii: bool = False, level: ZoomLevel | None = None) -> str:
    """``· 无  o 有案件  O 多  ! 超期  S 督办`` (plus the boundary key when ``level`` is given)."""
    glyphs = ASCII_GLYPHS if ascii else UNICODE_GLYPHS
    words = LEGEND_WORDS[lang]
    parts = [f"{glyphs.status[s]} {words[s]}" for s in LEGEND_ORDER]
    if level is not None:
        parts.append(f"{glyphs.east}{glyphs.south} {EDGE_WORDS[lang][level]}")
    return "  ".join(parts)


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

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "grid-map--none",
        "grid-map--open",
        "grid-map--many",
        "grid-map--supervised",
        "grid-map--overdue",
        "grid-map--edge",
        "grid-map--cursor",
        "grid-map--caption",
        *(f"grid-map--shade-{i}" for i in range(SHADES)),
    }

    DEFAULT_CSS = """
    GridMap {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .grid-map--none { color: $foreground-muted; }
        & > .grid-map--open { color: $text-primary; }
        & > .grid-map--many { color: $text-warning; text-style: bold; }
        & > .grid-map--supervised { color: $text-secondary; text-style: bold; }
        & > .grid-map--overdue { color: $text-error; text-style: bold; }
        & > .grid-map--edge { color: $foreground-muted; }
        & > .grid-map--cursor { text-style: reverse bold; }
        & > .grid-map--caption { background: $panel; color: $foreground; }
        & > .grid-map--shade-0 { background: $surface; }
        & > .grid-map--shade-1 { background: $panel; }
        & > .grid-map--shade-2 { background: $surface-lighten-1; }
        & > .grid-map--shade-3 { background: $panel-darken-1; }
    }
    """

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
        level: ZoomLevel
        if len(prefix) == STREET_LEN:
            level = "street"
        elif len(prefix) == COMMUNITY_LEN:
            level = "community"
        elif len(prefix) <= DISTRICT_LEN:
            level, prefix = "district", ""
        else:
            raise ValueError(f"not a street or community code: {prefix!r}")
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
        return self.size.width, max(self.size.height - 1, 0)

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
        width, height = self._map_size()
        pl = self._placement
        return max((width - pl.char_width) // 2, 0), max((height - pl.char_height) // 2, 0)

    def _follow_cursor(self) -> bool:
        """Scroll so the cursor's block is in view (with a margin); True if the view moved."""
        if self._cursor is None or self._cursor not in self._placement.pos:
            return False
        pl = self._placement
        width, height = self._map_size()
        x, y = pl.pos[self._cursor]
        view = (
            _follow(self._view[0], x * pl.cell_w, pl.cell_w, width, pl.char_width),
            _follow(self._view[1], y * pl.cell_h, pl.cell_h, height, pl.char_height),
        )
        moved = view != self._view
        self._view = view
        return moved

    def _slot_region(self, slot: tuple[int, int]) -> Region:
        pl = self._placement
        px, py = self._padding()
        x = px + slot[0] * pl.cell_w - self._view[0]
        y = py + slot[1] * pl.cell_h - self._view[1]
        width, height = self._map_size()
        return Region(x, y, pl.cell_w, pl.cell_h).intersection(Region(0, 0, width, height))

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
        regions = []
        pos = self._placement.pos
        for code in codes:
            slot = pos.get(code)
            if slot is not None:
                self._forget_slot(slot)
                regions.append(self._slot_region(slot))
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
        width, height = self._map_size()
        if y == height:
            return self._caption_strip(width)
        base = self.rich_style
        px, py = self._padding()
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
        lines = self._block_text(code, counts, status, inner_w, inner_h)
        text = lines[sub] if sub < len(lines) else ""
        style = self._style(shade, status_class, underline, cursor)
        segments = [Segment(text.center(inner_w)[:inner_w], style)]
        if cw > 1:
            segments.append(Segment(east_mark, edge_style))
        return segments

    def _block_text(
        self, code: str, counts: GridCounts, status: Status, width: int, height: int
    ) -> list[str]:
        glyph = self._glyphs.status[status]
        if self._zoom == "community" and width >= 5:
            lines = [f"{glyph} {code[-3:]}"]
            if height >= 2:
                lines.append("{}/{}/{}".format(*counts))
        else:
            lines = [glyph]
        top = max((height - len(lines)) // 2, 0)
        return [""] * top + lines

    def _caption_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("grid-map--caption")
        code = self._cursor
        if code is None:
            return Strip.blank(width, style)
        lang: Lang = self.lang
        counts = self._stats.get(code, ZERO)
        status = status_of(counts)
        street = self._names.get(code[:STREET_LEN], code[:STREET_LEN])
        community = self._names.get(code[:COMMUNITY_LEN], code[:COMMUNITY_LEN])
        words = COUNT_WORDS[lang]
        text = Text(style=style, no_wrap=True, overflow="ellipsis", end="")
        text.append(f"[{LEVEL_WORDS[lang][self._zoom]}] ")
        text.append(
            self._glyphs.status[status],
            self.get_component_rich_style(STATUS_CLASS[status], partial=True),
        )
        arrow = ">" if self.ascii else "›"
        text.append(f" {code} {street} {arrow} {community}  ")
        text.append("  ".join(f"{w} {n}" for w, n in zip(words, counts, strict=True)))
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, width, style)


def _follow(offset: int, start: int, size: int, view: int, total: int) -> int:
    """A scroll offset that keeps [start, start + size) in view with a small margin."""
    if total <= view:
        return 0
    margin = min(4, max((view - size) // 4, 0))
    if start - margin < offset:
        offset = start - margin
    elif start + size + margin > offset + view:
        offset = start + size + margin - view
    return max(0, min(offset, total - view))


class MapLegend(Widget):
    """One line: the status glyphs (in their colours) and the boundary key."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "map-legend--none",
        "map-legend--open",
        "map-legend--many",
        "map-legend--supervised",
        "map-legend--overdue",
    }

    DEFAULT_CSS = """
    MapLegend {
        height: 1;
        width: 1fr;
        color: $foreground-muted;
        & > .map-legend--none { color: $foreground-muted; }
        & > .map-legend--open { color: $text-primary; }
        & > .map-legend--many { color: $text-warning; text-style: bold; }
        & > .map-legend--supervised { color: $text-secondary; text-style: bold; }
        & > .map-legend--overdue { color: $text-error; text-style: bold; }
    }
    """

    ascii: reactive[bool] = reactive(False)
    lang: reactive[Lang] = reactive("zh")
    level: reactive[ZoomLevel | None] = reactive("district")

    def __init__(
        self,
        *,
        lang: Lang = "zh",
        ascii: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(MapLegend.lang, lang)
        self.set_reactive(MapLegend.ascii, ascii)

    def render(self) -> Text:
        glyphs = ASCII_GLYPHS if self.ascii else UNICODE_GLYPHS
        words = LEGEND_WORDS[self.lang]
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for status in LEGEND_ORDER:
            name = STATUS_CLASS[status].replace("grid-map", "map-legend")
            text.append(glyphs.status[status], self.get_component_rich_style(name, partial=True))
            text.append(f" {words[status]}  ")
        if self.level is not None:
            text.append(f"{glyphs.east}{glyphs.south} {EDGE_WORDS[self.lang][self.level]}")
        return text
