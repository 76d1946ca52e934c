"""The map's vocabulary: grid statuses, their glyphs, words and styles, the text of a
grid's block and of the caption, and the one-line legend widget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Literal, Protocol

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from widgets.grid_counts import GridCounts
from widgets.grid_layout import COMMUNITY_LEN, DISTRICT_LEN, STREET_LEN

ZoomLevel = Literal["district", "street", "community"]
Lang = Literal["zh", "en"]
ChosenLevel = Literal["grid", "community", "street"]


MANY_OPEN = 3
SHADES = 4


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


def zoom_level_of(prefix: str) -> tuple[ZoomLevel, str]:
    """The zoom showing ``prefix``: the district (""), a street (9 digits) or a community (12)."""
    if len(prefix) == STREET_LEN:
        return "street", prefix
    if len(prefix) == COMMUNITY_LEN:
        return "community", prefix
    if len(prefix) <= DISTRICT_LEN:
        return "district", ""
    raise ValueError(f"not a street or community code: {prefix!r}")


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


MAP_CLASSES: set[str] = {
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

MAP_CSS = """
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


def block_text(
    glyph: str, code: str, counts: GridCounts, zoom: ZoomLevel, width: int, height: int
) -> list[str]:
    """The lines inside a grid's block: the glyph, and at community zoom its number and
    counts, centred vertically."""
    if zoom == "community" and width >= 5:
        lines = [f"{glyph} {code[-3:]}"]
        if height >= 2:
            lines.append("{}/{}/{}".format(*counts))
    else:
        lines = [glyph]
    top = max((height - len(lines)) // 2, 0)
    return [""] * top + lines


def caption_text(
    code: str,
    names: Mapping[str, str],
    counts: GridCounts,
    zoom: ZoomLevel,
    lang: Lang,
    glyphs: GlyphSet,
    glyph_style: Style,
    style: Style,
) -> Text:
    """``[街道] ▲ <grid> <street> › <community>  案件 3  超期 1  督办 0``."""
    street = names.get(code[:STREET_LEN], code[:STREET_LEN])
    community = names.get(code[:COMMUNITY_LEN], code[:COMMUNITY_LEN])
    words = COUNT_WORDS[lang]
    text = Text(style=style, no_wrap=True, overflow="ellipsis", end="")
    text.append(f"[{LEVEL_WORDS[lang][zoom]}] ")
    text.append(glyphs.status[status_of(counts)], glyph_style)
    arrow = ">" if glyphs is ASCII_GLYPHS else "›"
    text.append(f" {code} {street} {arrow} {community}  ")
    text.append("  ".join(f"{w} {n}" for w, n in zip(words, counts, strict=True)))
    return text


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
