"""Geography-preserving character raster for unit grids (pure: no Textual, no backend).

``place_cells`` maps every grid centroid to its own character cell of a raster:

1. Longitude is scaled by cos(latitude) so both axes are metric, and latitude is
   divided by the character aspect (a terminal cell is about twice as tall as it
   is wide), so one raster step means the same distance on screen in x and y.
2. The scale (metres per raster column) is chosen from the data unless a size is
   given: scales are tried from "raster area = number of grids" downwards in 1 %
   steps, each at a few lattice phases, and the first (largest) scale at which at
   least 99 % of grids land in distinct cells wins (or, when the data never gets
   there within 2.5× the minimum area, the best scale seen).  For the demo city,
   a jittered 500 m × 1,000 m lattice, this lands on its own lattice: 66 × 33.
3. Collisions are resolved deterministically.  Every grid claims the cell it
   rounds to; the grid whose centroid lies nearest that cell's centre (then the
   lower code) keeps it; the others, in the same order, take the nearest free
   cell, with distance measured on screen (a row step costs ``aspect`` columns),
   ties broken towards the side the centroid leans to.

``zoom`` crops a placement to one street (9-digit prefix) or community (12-digit
prefix) and gives each grid a bigger block of characters, so the zoomed map keeps
the exact relative layout the operator already knows from the district map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "CELL_SIZES",
    "COMMUNITY_LEN",
    "DISTRICT_LEN",
    "GRID_LEN",
    "STREET_LEN",
    "CellLike",
    "Direction",
    "Placement",
    "colour_groups",
    "follow",
    "place_cells",
    "zoom",
]

DISTRICT_LEN, STREET_LEN, COMMUNITY_LEN, GRID_LEN = 6, 9, 12, 15

Direction = Literal["n", "e", "s", "w"]
Point = tuple[int, int]

STEPS: dict[Direction, Point] = {"n": (0, -1), "e": (1, 0), "s": (0, 1), "w": (-1, 0)}

UNIQUE_ENOUGH = 0.99  # share of grids that must round to distinct cells
MAX_AREA_FACTOR = 2.5  # never grow the automatic raster beyond this × the grid count
SCALE_STEP = 0.99
PHASES = (0.0, 0.25, 0.5, 0.75)
SEARCH_RADIUS = 10  # columns; beyond this the free-cell search scans the whole raster


class CellLike(Protocol):
    """What ``place_cells`` needs of a grid: ``backend_client.wire.GridCell`` fits."""

    @property
    def code(self) -> str: ...
    @property
    def lon(self) -> float: ...
    @property
    def lat(self) -> float: ...


@dataclass(frozen=True)
class Placement:
    """Grids on a raster of ``width`` × ``height`` slots of ``cell_w`` × ``cell_h`` characters."""

    width: int
    height: int
    pos: dict[str, Point]
    at: dict[Point, str]
    cell_w: int = 1
    cell_h: int = 1
    prefix: str = ""  # the code prefix a zoomed placement was cut to ("" = everything)

    @property
    def char_width(self) -> int:
        return self.width * self.cell_w

    @property
    def char_height(self) -> int:
        return self.height * self.cell_h

    def __len__(self) -> int:
        return len(self.pos)

    def __contains__(self, code: object) -> bool:
        return code in self.pos

    def code_at(self, x: int, y: int) -> str | None:
        return self.at.get((x, y))

    def neighbour(self, x: int, y: int, direction: Direction) -> str | None:
        dx, dy = STEPS[direction]
        return self.at.get((x + dx, y + dy))

    def boundary(self, x: int, y: int, direction: Direction, depth: int = STREET_LEN) -> bool:
        """True when (x, y) and its neighbour both hold grids of different regions.

        ``depth`` is the code prefix that names the region: 9 for streets, 12 for
        communities, 15 for grids.  An empty neighbour is not a boundary (the
        blank raster already shows the district's outline).
        """
        here = self.at.get((x, y))
        there = self.neighbour(x, y, direction)
        return here is not None and there is not None and here[:depth] != there[:depth]

    def step(self, code: str, dx: int, dy: int) -> str | None:
        """The grid one step from ``code`` in direction (dx, dy), skipping holes.

        The adjacent slot if it is occupied; otherwise the nearest occupied slot
        ahead within a 45° cone, preferring the straightest line.
        """
        x, y = self.pos[code]
        if (x + dx, y + dy) in self.at:
            return self.at[(x + dx, y + dy)]
        reach = self.width if dx else self.height
        for k in range(1, reach + 1):
            for j in range(k + 1):
                for side in (j, -j) if j else (0,):
                    cx = x + dx * k + (side if dy else 0)
                    cy = y + dy * k + (side if dx else 0)
                    hit = self.at.get((cx, cy))
                    if hit is not None:
                        return hit
        return None


def _metric(cells: Sequence[CellLike], aspect: float) -> tuple[list[float], list[float]]:
    """Screen-proportional coordinates: x east, y south, one unit = one unit either way."""
    lat0 = math.radians(sum(c.lat for c in cells) / len(cells))
    k = math.cos(lat0)
    us = [c.lon * k for c in cells]
    vs = [-c.lat / aspect for c in cells]
    return us, vs


def _distinct(us: Sequence[float], vs: Sequence[float], s: float, px: float, py: float) -> int:
    pairs = zip(us, vs, strict=True)
    return len({(math.floor(u / s + px), math.floor(v / s + py)) for u, v in pairs})


def _auto_scale(us: Sequence[float], vs: Sequence[float]) -> tuple[float, float, float]:
    """(scale, x phase, y phase) for the smallest raster with few collisions."""
    n = len(us)
    uspan, vspan = max(us), max(vs)
    span = max(uspan, vspan)
    if span <= 0:
        return 1.0, 0.5, 0.5
    if min(uspan, vspan) <= span * 1e-9:  # all grids on one row or column
        s = span / max(n - 1, 1)
    else:  # the scale at which the bounding raster has exactly n slots
        b = uspan + vspan
        s = 2 * uspan * vspan / (-b + math.sqrt(b * b + 4 * uspan * vspan * (n - 1)))
    best = (-1, s, 0.5, 0.5)
    while True:
        area = (uspan / s + 1) * (vspan / s + 1)
        for py in PHASES:
            for px in PHASES:
                hits = _distinct(us, vs, s, px, py)
                if hits >= UNIQUE_ENOUGH * n:
                    return s, px, py
                if hits > best[0]:
                    best = (hits, s, px, py)
        if area > MAX_AREA_FACTOR * n:
            return best[1], best[2], best[3]
        s *= SCALE_STEP


def _offsets(aspect: float) -> list[tuple[float, int, int]]:
    rows = max(1, math.ceil(SEARCH_RADIUS / max(aspect, 1e-9)))
    out = [
        (math.hypot(dx, dy * aspect), dy, dx)
        for dy in range(-rows, rows + 1)
        for dx in range(-SEARCH_RADIUS, SEARCH_RADIUS + 1)
    ]
    out.sort()
    return out


def place_cells(
    cells: Sequence[CellLike],
    *,
    width: int | None = None,
    height: int | None = None,
    aspect: float = 2.0,
    cell: tuple[int, int] = (1, 1),
) -> Placement:
    """Give every grid its own slot of a raster, keeping the geography.

    ``width``/``height`` are in raster slots; either, both or neither may be
    given.  ``aspect`` is a character's height over its width; ``cell`` is the
    size in characters of one slot (the slot's on-screen aspect is then
    ``aspect × cell_h / cell_w``).  Raises ``ValueError`` on duplicate codes or
    a raster with fewer slots than grids.
    """
    codes = [c.code for c in cells]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate grid codes")
    cw, ch = cell
    if cw < 1 or ch < 1 or aspect <= 0:
        raise ValueError("cell sizes and aspect must be positive")
    if not cells:
        return Placement(max(width or 0, 0), max(height or 0, 0), {}, {}, cw, ch)
    slot_aspect = aspect * ch / cw
    us, vs = _metric(cells, slot_aspect)
    umin, vmin = min(us), min(vs)
    us = [u - umin for u in us]
    vs = [v - vmin for v in vs]
    uspan, vspan = max(us), max(vs)
    n = len(cells)

    if width is None and height is None:
        s, px, py = _auto_scale(us, vs)
        w = math.floor(uspan / s + px) + 1
        h = math.floor(vspan / s + py) + 1
    else:
        w, h, s, px, py = _fit(uspan, vspan, n, width, height)
    while w * h < n:  # only reachable when the size was left to us
        if width is not None and height is not None:
            raise ValueError(f"a {width}×{height} raster cannot hold {n} grids")
        if height is None and (width is not None or h * slot_aspect <= w):
            h += 1
        else:
            w += 1

    # ideal (fractional) slot coordinates; slot (i, j) spans [i, i+1) × [j, j+1)
    ideal = {c.code: (u / s + px, v / s + py) for c, u, v in zip(cells, us, vs, strict=True)}

    def clamp(fx: float, fy: float) -> Point:
        return min(max(math.floor(fx), 0), w - 1), min(max(math.floor(fy), 0), h - 1)

    def off_centre(code: str) -> tuple[float, str]:
        fx, fy = ideal[code]
        x, y = clamp(fx, fy)
        return math.hypot(fx - x - 0.5, (fy - y - 0.5) * slot_aspect), code

    order = sorted(codes, key=off_centre)
    pos: dict[str, Point] = {}
    at: dict[Point, str] = {}
    losers: list[str] = []
    for code in order:
        p = clamp(*ideal[code])
        if p in at:
            losers.append(code)
        else:
            at[p] = code
            pos[code] = p
    if losers:
        offsets = _offsets(slot_aspect)
        for code in losers:
            p = _nearest_free(ideal[code], clamp(*ideal[code]), at, w, h, slot_aspect, offsets)
            at[p] = code
            pos[code] = p
    return Placement(w, h, pos, at, cw, ch)


def _fit(
    uspan: float, vspan: float, n: int, width: int | None, height: int | None
) -> tuple[int, int, float, float, float]:
    """Scale and phases for a caller-given size, centring the data on the free axis."""
    if (width is not None and width < 1) or (height is not None and height < 1):
        raise ValueError("width and height must be positive")
    candidates = []
    if width is not None and uspan > 0:
        candidates.append(uspan / max(width - 1, 0.5))
    if height is not None and vspan > 0:
        candidates.append(vspan / max(height - 1, 0.5))
    s = max(candidates) if candidates else 1.0
    w = width if width is not None else math.floor(uspan / s + 0.5) + 1
    h = height if height is not None else math.floor(vspan / s + 0.5) + 1
    px = (w - uspan / s) / 2
    py = (h - vspan / s) / 2
    return w, h, s, px, py


def _nearest_free(
    ideal: tuple[float, float],
    home: Point,
    at: dict[Point, str],
    w: int,
    h: int,
    aspect: float,
    offsets: list[tuple[float, int, int]],
) -> Point:
    fx, fy = ideal[0] - 0.5, ideal[1] - 0.5  # the point, in slot-centre coordinates
    hx, hy = home

    def real(p: Point) -> float:
        return math.hypot(p[0] - fx, (p[1] - fy) * aspect)

    first: float | None = None
    best: tuple[float, Point] | None = None
    for d, dy, dx in offsets:
        if first is not None and d > first + 1.0:
            break
        p = (hx + dx, hy + dy)
        if not (0 <= p[0] < w and 0 <= p[1] < h) or p in at:
            continue
        if first is None:
            first = d
        r = real(p)
        if best is None or r < best[0]:
            best = (r, p)
    if best is not None:
        return best[1]
    free = ((x, y) for y in range(h) for x in range(w) if (x, y) not in at)
    return min(free, key=lambda p: (real(p), p[1], p[0]))


def zoom(
    source: Placement | Sequence[CellLike],
    prefix: str,
    *,
    cell: tuple[int, int] = (4, 2),
    aspect: float = 2.0,
) -> Placement:
    """Only the grids under ``prefix`` (street: 9 digits, community: 12), in bigger slots.

    From a ``Placement`` the subset keeps its slots, cropped to their bounding
    box, so the zoomed picture matches the district map; from grid cells the
    subset is laid out afresh for the slot shape.  Raises ``KeyError`` when no
    grid has the prefix.
    """
    if isinstance(source, Placement):
        chosen = {code: p for code, p in source.pos.items() if code.startswith(prefix)}
        if not chosen:
            raise KeyError(prefix)
        x0 = min(x for x, _ in chosen.values())
        y0 = min(y for _, y in chosen.values())
        pos = {code: (x - x0, y - y0) for code, (x, y) in chosen.items()}
        w = max(x for x, _ in pos.values()) + 1
        h = max(y for _, y in pos.values()) + 1
        return Placement(w, h, pos, {p: c for c, p in pos.items()}, cell[0], cell[1], prefix)
    subset = [c for c in source if c.code.startswith(prefix)]
    if not subset:
        raise KeyError(prefix)
    placed = place_cells(subset, aspect=aspect, cell=cell)
    return Placement(placed.width, placed.height, placed.pos, placed.at, cell[0], cell[1], prefix)


def colour_groups(placement: Placement, depth: int, colours: int = 4) -> dict[str, int]:
    """A shade index per region (code prefix of ``depth``) so neighbours rarely match.

    Greedy colouring of the region adjacency graph, most-connected first (then by
    code, so the result is stable).  With more conflicts than ``colours`` allow,
    the least-used colour among the neighbours is reused.
    """
    adjacent: dict[str, set[str]] = {}
    for code, (x, y) in placement.pos.items():
        group = code[:depth]
        adjacent.setdefault(group, set())
        for direction in ("e", "s"):
            other = placement.neighbour(x, y, direction)
            if other is not None and other[:depth] != group:
                adjacent[group].add(other[:depth])
                adjacent.setdefault(other[:depth], set()).add(group)
    result: dict[str, int] = {}
    for group in sorted(adjacent, key=lambda g: (-len(adjacent[g]), g)):
        used = [result[n] for n in adjacent[group] if n in result]
        free = [c for c in range(colours) if c not in used]
        result[group] = free[0] if free else min(range(colours), key=used.count)
    return result


# character block per grid at each zoom, biggest first; the first that fits the view wins
CELL_SIZES: dict[str, tuple[tuple[int, int], ...]] = {
    "district": ((1, 1),),
    "street": ((4, 2), (3, 1), (2, 1)),
    "community": ((10, 4), (8, 3), (6, 2)),
}


def follow(offset: int, start: int, size: int, view: int, total: int) -> int:
    """A scroll offset that keeps [start, start + size) in view with a small margin."""
    if total <= view:
        return 0
    margin = min(4, max((view - size) // 4, 0))
    if start - margin < offset:
        offset = start - margin
    elif start + size + margin > offset + view:
        offset = start + size + margin - view
    return max(0, min(offset, total - view))
