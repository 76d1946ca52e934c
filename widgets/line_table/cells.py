"""The table's columns and cells: what a row model offers, and fitting text to cells."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from rich.cells import cell_len, chop_cells, set_cell_size

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
