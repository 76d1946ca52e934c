"""The table's look: component classes that use theme variables only, and the styles
read from them once per theme change."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style

CELL_CLASSES: tuple[str, ...] = ("red", "yellow", "green", "paused", "urgent", "muted")
COMPONENT_CLASSES: set[str] = {
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

TABLE_CSS = """
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


@dataclass
class RowStyles:
    base: Style
    header: Style
    cursor: Style
    cursor_partial: Style
    tagged: Style
    tag_mark: Style
    cells: dict[str, Style]
