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

from widgets.line_table.cells import (
    GUTTER_WIDTH,
    HEADER_HEIGHT,
    CellRenderer,
    Column,
    TableModel,
    fit_cells,
)
from widgets.line_table.table import LineTable

__all__ = [
    "GUTTER_WIDTH",
    "HEADER_HEIGHT",
    "CellRenderer",
    "Column",
    "LineTable",
    "TableModel",
    "fit_cells",
]
