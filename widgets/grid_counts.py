"""One grid's open / overdue / supervised counts: what the map draws and the console tallies.

Plain data (no Textual), so the console's model can keep counts without a widget.
"""

from __future__ import annotations

from typing import NamedTuple


class GridCounts(NamedTuple):
    open: int = 0
    overdue: int = 0
    supervised: int = 0


ZERO = GridCounts()
