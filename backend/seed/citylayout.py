"""The deterministic synthetic demo district, shaped like Beijing Tongzhou.

Published figures (domain.md §7): 1,809 basic grids over 906 km², 15 streets
and towns.  The layout is a lattice of cells about 500 m wide × 1,000 m tall,
so the console can draw one terminal character (≈1:2) per unit grid.

Steps: jitter the lattice vertices (shared, so cells still tile exactly); keep
the 1,809 cells inside a noisy superellipse outline; grow 9 small urban streets
in the north-west core and 6 large towns around it; cut each street into
communities of a few cells; number grids west→east, then north→south.

Only ``random.Random(seed)`` is used and coordinates are rounded to 7 decimals,
so the output is identical across runs and machines.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from backend.domain.geo import M_PER_DEG, Geometry
from backend.domain.gridcode import RegionSpec
from backend_client.vocab import AreaClass, RegionKind

__all__ = ["DEMO_GRID_COUNT", "RegionSpec", "build_demo_city"]

Cell = tuple[int, int]  # (row from the north, column from the west)
Vertex = tuple[int, int]  # (column, row) lattice vertex
Ring = list[list[float]]

CITY_CODE, CITY_NAME = "110100", "北京市"
DISTRICT_CODE, DISTRICT_NAME = "110112", "通州区"
DEMO_GRID_COUNT = 1809
COLS, ROWS = 66, 33
CELL_W_M, CELL_H_M = 500.0, 1000.0
CENTRE_LON, CENTRE_LAT = 116.66, 39.80
JITTER = 0.18  # of a cell side, per axis

URBAN_STREETS = [
    "中仓街道", "新华街道", "北苑街道", "玉桥街道", "潞源街道",
    "通运街道", "文景街道", "九棵树街道", "临河里街道",
]  # fmt: skip
CORE_STREETS = 4  # the nearest urban streets are class A, the rest class B
# (code, name, compass bearing in degrees from north) of the towns around the core
TOWNS = [
    ("101", "宋庄镇", 0.0),
    ("102", "张家湾镇", 200.0),
    ("103", "漷县镇", 135.0),
    ("104", "马驹桥镇", 250.0),
    ("105", "西集镇", 70.0),
    ("106", "永乐店镇", 170.0),
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


URBAN_STEMS = _words(
    "新华西 新华东 玉桥东 玉桥西 梨园 北苑 中仓 潞河 运河 通惠 临河 滨河 云景 翠屏 "
    "土桥 果园 九棵树 杨庄 乔庄 西马庄 东关 紫运 京贸 万盛 焦王庄 大方居 芙蓉 "
    "时代 花园 天时 怡乐 通顺 柳岸 复兴 新通 佳龙 瑞都 格兰 月亮河 通典 "
    "后南仓 西上园 新建村 车站路 帅府 北关 东里 司空 皇木 三间房"
)
URBAN_SUFFIXES = ("里", "苑", "园", "家园", "小区", "北里", "南里")
VILLAGE_STEMS = _words(
    "张 李 王 马 高 刘 陈 杨 赵 孙 胡 郭 何 徐 朱 许 周 吴 董 田 于 侯 邢 苏 "
    "大杜 小杜 前 后 东 西 南 北 辛 白 沙 柳 枣 榆 杏 桑 "
    "郝 梁 宋 韩 唐 冯 曹 彭 曾 邓 萧 蔡 潘 袁 蒋 崔 任 贾 史 常"
)
VILLAGE_SUFFIXES = ("庄", "各庄", "家务", "营", "屯", "店", "辛庄", "坨", "家场", "堡")


# community sizes in grids, and their weights
URBAN_SIZES, URBAN_WEIGHTS = (2, 3), (1, 1)
VILLAGE_SIZES, VILLAGE_WEIGHTS = (3, 4, 5), (22, 5, 1)


class _Street(NamedTuple):
    code3: str
    name: str
    area_class: AreaClass
    cells: list[Cell]
    urban: bool


# --- lattice ---------------------------------------------------------------


def _neighbours(cell: Cell) -> Iterable[Cell]:
    r, c = cell
    return ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))


def _xy_km(cell: Cell) -> tuple[float, float]:
    """Cell centre in km east/north of the lattice centre."""
    r, c = cell
    return (c + 0.5 - COLS / 2) * CELL_W_M / 1000, (ROWS / 2 - r - 0.5) * CELL_H_M / 1000


def _dist2(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _vertex_lonlat(rng: random.Random) -> dict[Vertex, list[float]]:
    m_per_deg_lon = M_PER_DEG * math.cos(math.radians(CENTRE_LAT))
    out: dict[Vertex, list[float]] = {}
    for r in range(ROWS + 1):
        for c in range(COLS + 1):
            x = (c - COLS / 2) * CELL_W_M + rng.uniform(-JITTER, JITTER) * CELL_W_M
            y = (ROWS / 2 - r) * CELL_H_M + rng.uniform(-JITTER, JITTER) * CELL_H_M
            out[c, r] = [
                round(CENTRE_LON + x / m_per_deg_lon, 7),
                round(CENTRE_LAT + y / M_PER_DEG, 7),
            ]
    return out


def _district_cells(rng: random.Random) -> set[Cell]:
    """The DEMO_GRID_COUNT cells with the lowest noisy superellipse radius."""
    harmonics = [(h, rng.uniform(0.03, 0.07), rng.uniform(0, 2 * math.pi)) for h in range(2, 7)]
    half_w, half_h, p = COLS * CELL_W_M / 2000, ROWS * CELL_H_M / 2000, 2.4

    def score(cell: Cell) -> float:
        x, y = _xy_km(cell)
        u, v = x / half_w, y / half_h
        theta = math.atan2(v, u)
        radius = 1 + sum(a * math.cos(h * theta + ph) for h, a, ph in harmonics)
        return float((abs(u) ** p + abs(v) ** p) ** (1 / p)) / radius

    ranked = sorted(itertools.product(range(ROWS), range(COLS)), key=lambda c: (score(c), c))
    return set(ranked[:DEMO_GRID_COUNT])


# --- partitions --------------------------------------------------------------


def _grow_from(start: Cell, pool: set[Cell], size: int) -> list[Cell]:
    """Up to ``size`` connected cells of ``pool`` nearest to ``start``."""
    origin = _xy_km(start)
    heap = [(0.0, start)]
    seen, taken = {start}, list[Cell]()
    while heap and len(taken) < size:
        _, cell = heapq.heappop(heap)
        taken.append(cell)
        for n in _neighbours(cell):
            if n in pool and n not in seen:
                seen.add(n)
                heapq.heappush(heap, (_dist2(_xy_km(n), origin), n))
    return taken


def _components(cells: set[Cell]) -> list[set[Cell]]:
    left, parts = set(cells), []
    while left:
        part = set(_grow_from(min(left), left, len(left)))
        left -= part
        parts.append(part)
    return parts


def _lloyd_seeds(cells: set[Cell], k: int, rng: random.Random) -> list[Cell]:
    """k well-spread seed cells: k-means on cell centres, snapped to cells."""
    ordered = sorted(cells)
    means = [_xy_km(c) for c in rng.sample(ordered, k)]
    for _ in range(6):
        groups: list[list[tuple[float, float]]] = [[] for _ in means]
        for cell in ordered:
            xy = _xy_km(cell)
            groups[min(range(k), key=lambda i: _dist2(xy, means[i]))].append(xy)
        means = [
            (sum(x for x, _ in g) / len(g), sum(y for _, y in g) / len(g)) if g else m
            for g, m in zip(groups, means, strict=True)
        ]
    seeds: list[Cell] = []
    for m in means:
        seeds.append(
            min((c for c in ordered if c not in seeds), key=lambda c: _dist2(_xy_km(c), m))
        )
    return seeds


def _partition(cells: set[Cell], seeds: list[Cell], caps: list[int]) -> list[list[Cell]]:
    """Grow one connected region per seed, nearest first, each up to its cap.

    Cells left when every neighbouring region is full join the smallest
    neighbouring region, so every region stays connected.
    """
    owner: dict[Cell, int] = {}
    sizes = [0] * len(seeds)
    heap = [(0.0, i, s) for i, s in enumerate(seeds)]
    while heap:
        _, i, cell = heapq.heappop(heap)
        if cell in owner or sizes[i] >= caps[i]:
            continue
        owner[cell] = i
        sizes[i] += 1
        for n in _neighbours(cell):
            if n in cells and n not in owner:
                heapq.heappush(heap, (_dist2(_xy_km(n), _xy_km(seeds[i])), i, n))
    left = sorted(cells - owner.keys())
    while left:
        still = []
        for cell in left:
            near = {owner[n] for n in _neighbours(cell) if n in owner}
            if near:
                i = min(near, key=lambda j: (sizes[j], j))
                owner[cell] = i
                sizes[i] += 1
            else:
                still.append(cell)
        if len(still) == len(left):  # an island with no seed: nearest seed, disconnected
            cell = still.pop(0)
            i = min(range(len(seeds)), key=lambda j: (_dist2(_xy_km(cell), _xy_km(seeds[j])), j))
            owner[cell] = i
            sizes[i] += 1
        left = still
    regions: list[list[Cell]] = [[] for _ in seeds]
    for cell in sorted(owner):
        regions[owner[cell]].append(cell)
    return regions


def _split_communities(cells: list[Cell], urban: bool, rng: random.Random) -> list[list[Cell]]:
    """Cut a street into small connected communities, starting from its north-west."""
    values, weights = (URBAN_SIZES, URBAN_WEIGHTS) if urban else (VILLAGE_SIZES, VILLAGE_WEIGHTS)
    pool = set(cells)
    owner: dict[Cell, int] = {}
    parts: list[list[Cell]] = []
    while pool:
        start = min(pool)
        part = _grow_from(start, pool, rng.choices(values, weights)[0])
        pool.difference_update(part)
        near = {owner[n] for c in part for n in _neighbours(c) if n in owner}
        if len(part) < min(values) and near:
            i = min(near, key=lambda j: (len(parts[j]), j))
        else:
            i = len(parts)
            parts.append([])
        parts[i].extend(part)
        owner.update((c, i) for c in part)
    return [sorted(p) for p in parts]


# --- outlines ------------------------------------------------------------------

_CELL_EDGES = (((0, 0), (0, 1)), ((0, 1), (1, 1)), ((1, 1), (1, 0)), ((1, 0), (0, 0)))


def _outline_rings(cells: Iterable[Cell]) -> list[list[Vertex]]:
    """Boundary rings of a cell set: lattice edges used by exactly one cell.

    Each cell contributes its edges anticlockwise (north-west → south-west →
    south-east → north-east in geographic terms); at a vertex where two
    boundary paths meet, the walk turns left so diagonal neighbours stay apart.
    """
    edges: set[tuple[Vertex, Vertex]] = set()
    for r, c in cells:
        for (dc0, dr0), (dc1, dr1) in _CELL_EDGES:
            a, b = (c + dc0, r + dr0), (c + dc1, r + dr1)
            if (b, a) in edges:
                edges.remove((b, a))
            else:
                edges.add((a, b))
    outgoing: dict[Vertex, list[Vertex]] = {}
    for a, b in edges:
        outgoing.setdefault(a, []).append(b)
    rings: list[list[Vertex]] = []
    for first, second in sorted(edges):
        if second not in outgoing[first]:
            continue  # already on a traced ring
        outgoing[first].remove(second)
        ring, a, b = [first, second], first, second
        while True:
            options = outgoing[b] + [second] if b == first else outgoing[b]
            ax, ay, bx, by = a[0], -a[1], b[0], -b[1]  # geographic y points north
            nxt = max(options, key=lambda v: (bx - ax) * (-v[1] - by) - (by - ay) * (v[0] - bx))
            if b == first and nxt == second:
                break
            outgoing[b].remove(nxt)
            ring.append(nxt)
            a, b = b, nxt
        rings.extend(_split_pinches(ring))
    return rings


def _split_pinches(ring: list[Vertex]) -> list[list[Vertex]]:
    """Cut a ring that revisits a vertex (a hole touching its shell) into simple rings."""
    out: list[list[Vertex]] = []
    path: list[Vertex] = []
    pos: dict[Vertex, int] = {}
    for v in ring:
        if v in pos:
            i = pos[v]
            out.append([*path[i:], v])
            for u in path[i + 1 :]:
                del pos[u]
            del path[i + 1 :]
        else:
            pos[v] = len(path)
            path.append(v)
    return out


def _twice_area(ring: Sequence[Vertex]) -> int:
    """Twice the signed lattice area, positive when anticlockwise on the map."""
    return sum(a[0] * -b[1] - b[0] * -a[1] for a, b in itertools.pairwise(ring))


def _inside(ring: Sequence[Vertex], pt: tuple[float, float]) -> bool:
    x, y = pt
    inside = False
    for a, b in itertools.pairwise(ring):
        if (a[1] > y) != (b[1] > y) and x < a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]):
            inside = not inside
    return inside


def _outline_geometry(cells: Iterable[Cell], lonlat: dict[Vertex, list[float]]) -> Geometry:
    rings = _outline_rings(cells)
    outers = [r for r in rings if _twice_area(r) > 0]
    polygons: list[list[list[Vertex]]] = [[o] for o in outers]
    for hole in (r for r in rings if _twice_area(r) < 0):
        mid = ((hole[0][0] + hole[1][0]) / 2, (hole[0][1] + hole[1][1]) / 2)
        host = next((p for p in polygons if _inside(p[0], mid)), polygons[0])
        host.append(hole)
    coords = [[[list(lonlat[v]) for v in ring] for ring in p] for p in polygons]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


# --- names -------------------------------------------------------------------


def _community_names(count: int, urban: bool, rng: random.Random, used: set[str]) -> list[str]:
    stems, suffixes, tail = (
        (URBAN_STEMS, URBAN_SUFFIXES, "社区") if urban else (VILLAGE_STEMS, VILLAGE_SUFFIXES, "村")
    )
    pool = [s + x + tail for s in stems for x in suffixes if s + x + tail not in used]
    names = rng.sample(pool, count)
    used.update(names)
    return names


def _mean_xy(cells: Sequence[Cell]) -> tuple[float, float]:
    xys = [_xy_km(c) for c in cells]
    return sum(x for x, _ in xys) / len(xys), sum(y for _, y in xys) / len(xys)


def _bearing(cells: Sequence[Cell], origin: tuple[float, float]) -> float:
    x, y = _mean_xy(cells)
    return math.degrees(math.atan2(x - origin[0], y - origin[1])) % 360


def _angle_gap(a: float, b: float) -> float:
    d = abs(a - b) % 360
    return min(d, 360 - d)


# --- build ---------------------------------------------------------------------


def _streets(district: set[Cell], rng: random.Random) -> list[_Street]:
    """9 urban streets in the north-west core (nearest first), then the 6 towns."""
    xs = [_xy_km(c) for c in district]
    minx, maxx = min(x for x, _ in xs), max(x for x, _ in xs)
    miny, maxy = min(y for _, y in xs), max(y for _, y in xs)
    core_xy = (minx + 0.36 * (maxx - minx), miny + 0.66 * (maxy - miny))
    core_start = min(district, key=lambda c: (_dist2(_xy_km(c), core_xy), c))
    urban_caps = [rng.randint(48, 70) for _ in URBAN_STREETS]
    core = set(_grow_from(core_start, district, sum(urban_caps)))
    rural = district - core
    for pocket in sorted(_components(rural), key=len)[:-1]:
        core |= pocket  # rural cells the core cuts off join it, so every town is contiguous
        rural -= pocket

    urban = _partition(core, _lloyd_seeds(core, len(URBAN_STREETS), rng), urban_caps)
    urban.sort(key=lambda p: (_dist2(_mean_xy(p), core_xy), p[0]))
    base, extra = divmod(len(rural), len(TOWNS))
    town_caps = [base + (i < extra) for i in range(len(TOWNS))]
    towns = _partition(rural, _lloyd_seeds(rural, len(TOWNS), rng), town_caps)
    bearings = [_bearing(p, core_xy) for p in towns]
    best = min(  # name each town after the compass direction it lies in
        itertools.permutations(range(len(TOWNS))),
        key=lambda perm: sum(_angle_gap(bearings[j], TOWNS[t][2]) for t, j in enumerate(perm)),
    )
    streets = [
        _Street(f"{i + 1:03d}", name, AreaClass.A if i < CORE_STREETS else AreaClass.B, cells, True)
        for i, (name, cells) in enumerate(zip(URBAN_STREETS, urban, strict=True))
    ]
    streets += [
        _Street(code3, name, AreaClass.C, towns[j], False)
        for (code3, name, _), j in zip(TOWNS, best, strict=True)
    ]
    return streets


def _cell_polygon(cell: Cell, lonlat: dict[Vertex, list[float]]) -> Geometry:
    r, c = cell
    corners = [(c, r), (c, r + 1), (c + 1, r + 1), (c + 1, r), (c, r)]  # anticlockwise
    return {"type": "Polygon", "coordinates": [[list(lonlat[v]) for v in corners]]}


def build_demo_city(seed: int = 20261122) -> list[RegionSpec]:
    """City, district, 15 streets/towns, ~590 communities, 1,809 grids; parents first."""
    rng = random.Random(seed)
    lonlat = _vertex_lonlat(rng)
    district = _district_cells(rng)
    streets = _streets(district, rng)

    def spec(code: str, name: str, kind: RegionKind, parent: str | None, area: AreaClass,
             geometry: Geometry) -> RegionSpec:  # fmt: skip
        return RegionSpec(code, name, kind, parent, area, geometry)

    top = [
        spec(CITY_CODE, CITY_NAME, RegionKind.CITY, None, AreaClass.A,
             _outline_geometry(district, lonlat)),
        spec(DISTRICT_CODE, DISTRICT_NAME, RegionKind.DISTRICT, CITY_CODE, AreaClass.B,
             _outline_geometry(district, lonlat)),
    ]  # fmt: skip
    street_specs, communities, grids = [], [], []
    used: set[str] = set()
    for st in streets:
        code = DISTRICT_CODE + st.code3
        street_specs.append(
            spec(code, st.name, RegionKind.STREET, DISTRICT_CODE, st.area_class,
                 _outline_geometry(st.cells, lonlat))
        )  # fmt: skip
        parts = _split_communities(st.cells, st.urban, rng)
        names = _community_names(len(parts), st.urban, rng, used)
        for j, (part, name) in enumerate(zip(parts, names, strict=True)):
            ccode = f"{code}{j + 1:03d}"
            communities.append(
                spec(ccode, name, RegionKind.COMMUNITY, code, st.area_class,
                     _outline_geometry(part, lonlat))
            )  # fmt: skip
            for k, cell in enumerate(sorted(part)):  # row-major from the north-west
                grids.append(
                    spec(f"{ccode}{k + 1:03d}", f"{name}{k + 1:02d}号网格", RegionKind.GRID,
                         ccode, st.area_class, _cell_polygon(cell, lonlat))
                )  # fmt: skip
    return top + street_specs + communities + grids
