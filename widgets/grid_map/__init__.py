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

from widgets.grid_counts import GridCounts
from widgets.grid_map.legend import (
    ChosenLevel,
    Lang,
    MapLegend,
    Status,
    ZoomLevel,
    legend_text,
    status_of,
)
from widgets.grid_map.map import GridMap

__all__ = [
    "ChosenLevel",
    "GridCounts",
    "GridMap",
    "Lang",
    "MapLegend",
    "Status",
    "ZoomLevel",
    "legend_text",
    "status_of",
]
