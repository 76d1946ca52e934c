"""The grid map: geography-preserving placement, cursor, zoom, live status, ASCII mode."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from functools import cache

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region

from backend.domain.geo import centroid
from backend.seed.citylayout import DEMO_GRID_COUNT, build_demo_city
from backend_client.vocab import RegionKind
from backend_client.wire import GridCell, GridStat
from widgets.grid_layout import Placement, colour_groups, place_cells, zoom
from widgets.grid_map import GridMap, MapLegend, Status, legend_text, status_of


@cache
def demo() -> tuple[tuple[GridCell, ...], dict[str, str]]:
    specs = build_demo_city()
    cells = []
    for spec in specs:
        if spec.kind is RegionKind.GRID:
            lon, lat = centroid(spec.geometry)
            cells.append(GridCell(code=spec.code, lon=lon, lat=lat))
    return tuple(cells), {spec.code: spec.name for spec in specs}


@cache
def demo_placement() -> Placement:
    return place_cells(demo()[0])


# --- placement (pure) ------------------------------------------------------------------------


def test_demo_city_fits_one_character_per_grid() -> None:
    cells, _ = demo()
    placement = demo_placement()
    assert len(cells) == DEMO_GRID_COUNT
    assert placement.width * placement.height <= 1.3 * DEMO_GRID_COUNT
    assert 60 <= placement.width <= 70 and 30 <= placement.height <= 36
    assert sorted(placement.pos) == sorted(c.code for c in cells)
    assert len(placement.at) == DEMO_GRID_COUNT  # one grid per cell, every grid once
    assert all(placement.at[p] == code for code, p in placement.pos.items())
    assert all(
        0 <= x < placement.width and 0 <= y < placement.height for x, y in placement.pos.values()
    )


def test_demo_city_geography_is_preserved() -> None:
    cells, _ = demo()
    pos = demo_placement().pos
    rng = random.Random(7)
    for _ in range(5000):
        a, b = rng.sample(cells, 2)
        if a.lon > b.lon:  # a is east of b: not drawn west of it by more than a couple of cells
            assert pos[a.code][0] >= pos[b.code][0] - 2, (a, b)
        if a.lat > b.lat:  # a is north of b: not drawn south of it by more than a couple
            assert pos[a.code][1] <= pos[b.code][1] + 2, (a, b)


def test_demo_streets_are_contiguous_regions() -> None:
    placement = demo_placement()
    streets = Counter(code[:9] for code in placement.pos)
    assert len(streets) == 15
    shades = colour_groups(placement, 9)
    for code, (x, y) in placement.pos.items():
        for direction in ("e", "s"):
            other = placement.neighbour(x, y, direction)
            if other is not None and placement.boundary(x, y, direction):
                assert other[:9] != code[:9]
                assert shades[other[:9]] != shades[code[:9]]  # neighbours never share a shade


@dataclass(frozen=True)
class Pt:
    code: str
    lon: float
    lat: float


def test_place_cells_resolves_collisions_deterministically() -> None:
    # a 3×2 lattice (0.01° apart) plus three grids stacked on the middle of the top row
    lattice = [
        Pt(f"{i:015d}", 116.0 + 0.01 * x, 40.0 - 0.02 * y)
        for i, (x, y) in enumerate((x, y) for y in range(2) for x in range(3))
    ]
    stacked = [Pt(f"9{i:014d}", 116.01, 40.0) for i in range(3)]
    cells = lattice + stacked
    placement = place_cells(cells, width=5, height=3)
    again = place_cells(list(reversed(cells)), width=5, height=3)
    assert placement.pos == again.pos  # input order does not matter
    assert (placement.width, placement.height) == (5, 3)
    assert len(set(placement.pos.values())) == len(cells)
    xs = {c.code: placement.pos[c.code][0] for c in lattice}
    ys = {c.code: placement.pos[c.code][1] for c in lattice}
    # the lattice keeps its order west→east and north→south
    assert xs[lattice[0].code] < xs[lattice[1].code] < xs[lattice[2].code]
    assert ys[lattice[0].code] < ys[lattice[3].code]
    # the stacked grids end up right next to the spot they share
    middle = placement.pos[lattice[1].code]
    for c in stacked:
        x, y = placement.pos[c.code]
        assert abs(x - middle[0]) <= 2 and abs(y - middle[1]) <= 1
    with pytest.raises(ValueError, match="cannot hold"):
        place_cells(cells, width=3, height=2)


def test_place_cells_default_size_for_a_small_lattice() -> None:
    # 0.01° of latitude is twice the east-west step: one character per grid, as in the demo
    dlon = 0.005 / math.cos(math.radians(39.985))
    cells = [
        Pt(f"{x:02d}{y:013d}", 116.0 + dlon * x, 40.0 - 0.01 * y)
        for x in range(8)
        for y in range(4)
    ]
    placement = place_cells(cells)
    assert (placement.width, placement.height) == (8, 4)
    assert all(placement.pos[c.code] == (int(c.code[:2]), int(c.code[2:])) for c in cells)


def test_zoom_keeps_the_district_layout() -> None:
    base = demo_placement()
    street = next(iter(base.pos))[:9]
    zoomed = zoom(base, street, cell=(4, 2))
    assert set(zoomed.pos) == {c for c in base.pos if c.startswith(street)}
    assert (zoomed.cell_w, zoomed.cell_h) == (4, 2)
    assert zoomed.char_width == 4 * zoomed.width
    a, b = sorted(zoomed.pos)[:2]
    da = (base.pos[a][0] - base.pos[b][0], base.pos[a][1] - base.pos[b][1])
    assert da == (zoomed.pos[a][0] - zoomed.pos[b][0], zoomed.pos[a][1] - zoomed.pos[b][1])
    community = zoom(demo()[0], a[:12], cell=(8, 3))  # afresh from grid cells
    assert set(community.pos) == {c for c in base.pos if c.startswith(a[:12])}
    with pytest.raises(KeyError):
        zoom(base, "110112999")


def test_status_precedence_and_legend() -> None:
    assert status_of((0, 0, 0)) is Status.NONE
    assert status_of((1, 0, 0)) is Status.OPEN
    assert status_of((3, 0, 0)) is Status.MANY
    assert status_of((5, 0, 1)) is Status.SUPERVISED
    assert status_of((5, 1, 1)) is Status.OVERDUE
    assert legend_text("zh", ascii=True) == ". 无  o 有案件  O 多  ! 超期  S 督办"
    assert legend_text("en") == "· none  ∘ open  ● many  ▲ overdue  ◆ supervised"
    assert GridMap.legend_text("en", ascii=True, level="district").endswith("|_ street edge")


# --- the widget ------------------------------------------------------------------------------


class MapApp(App[None]):
    def __init__(self, *, ascii: bool = False) -> None:
        super().__init__()
        self.ascii_mode = ascii
        self.chosen: list[GridMap.Chosen] = []

    def compose(self) -> ComposeResult:
        cells, names = demo()
        yield GridMap(cells, names, ascii=self.ascii_mode)
        yield MapLegend(ascii=self.ascii_mode)

    def on_grid_map_chosen(self, message: GridMap.Chosen) -> None:
        self.chosen.append(message)


def map_rows(grid_map: GridMap) -> list[str]:
    """The text of the map area (every line but the caption)."""
    return [grid_map.render_line(y).text for y in range(grid_map.size.height - 1)]


def char_at(grid_map: GridMap, code: str) -> str:
    """What the map shows for ``code``: its character, or its block's text when zoomed in."""
    region = grid_map._slot_region(grid_map.placement.pos[code])
    rows = [
        grid_map.render_line(y).text[region.x : region.right]
        for y in range(region.y, region.bottom)
    ]
    return " ".join(" ".join(rows).split())


def zoom_of(grid_map: GridMap) -> str:
    return grid_map.zoom_level  # (a plain str, so mypy does not narrow it between presses)


def inner_grid(placement: Placement) -> str:
    """A grid with neighbours on all four sides, so every arrow key has a target."""
    at = placement.at
    return min(
        code
        for code, (x, y) in placement.pos.items()
        if all(p in at for p in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)))
    )


async def test_arrow_keys_and_hjkl_move_the_cursor() -> None:
    app = MapApp()
    async with app.run_test(size=(100, 40)) as pilot:
        grid_map = app.query_one(GridMap)
        grid_map.focus()
        placement = grid_map.placement
        start = inner_grid(placement)
        grid_map.move_to(start)
        x, y = placement.pos[start]
        await pilot.press("right")
        assert grid_map.cursor == placement.at[(x + 1, y)]
        await pilot.press("left", "down")
        assert grid_map.cursor == placement.at[(x, y + 1)]
        await pilot.press("k", "h")
        assert grid_map.cursor == placement.at[(x - 1, y)]
        await pilot.press("l", "j", "k")
        assert grid_map.cursor == start
        caption = grid_map.render_line(grid_map.size.height - 1).text
        assert start in caption
        _, names = demo()
        assert names[start[:9]] in caption and names[start[:12]] in caption


async def test_enter_posts_chosen_with_the_cursor_grid() -> None:
    app = MapApp()
    async with app.run_test(size=(100, 40)) as pilot:
        grid_map = app.query_one(GridMap)
        grid_map.focus()
        code = inner_grid(grid_map.placement)
        grid_map.move_to(code)
        await pilot.press("enter", "c", "s")
        await pilot.pause()
        assert [(m.code, m.level, m.grid) for m in app.chosen] == [
            (code, "grid", code),
            (code[:12], "community", code),
            (code[:9], "street", code),
        ]


async def test_plus_zooms_to_the_cursor_street_and_minus_back() -> None:
    app = MapApp()
    async with app.run_test(size=(100, 40)) as pilot:
        grid_map = app.query_one(GridMap)
        grid_map.focus()
        code = inner_grid(grid_map.placement)
        grid_map.move_to(code)
        await pilot.press("plus")
        street = {c for c in demo_placement().pos if c.startswith(code[:9])}
        assert zoom_of(grid_map) == "street"
        assert set(grid_map.placement.pos) == street
        assert grid_map.placement.cell_w > 1  # each grid gets a bigger block
        assert grid_map.cursor == code
        assert char_at(grid_map, code).startswith("·")  # the block: glyph, then its edges
        await pilot.press("equals_sign")
        assert zoom_of(grid_map) == "community"
        assert set(grid_map.placement.pos) == {c for c in street if c.startswith(code[:12])}
        assert any(code[-3:] in row for row in map_rows(grid_map))  # sequence numbers shown
        await pilot.press("minus")
        assert zoom_of(grid_map) == "street"
        await pilot.press("minus")
        assert zoom_of(grid_map) == "district"
        assert len(grid_map.placement) == DEMO_GRID_COUNT
        assert grid_map.cursor == code


async def test_stats_change_the_glyph_and_repaint_only_that_grid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = MapApp(ascii=True)
    async with app.run_test(size=(100, 40)) as pilot:
        grid_map = app.query_one(GridMap)
        code = inner_grid(grid_map.placement)
        grid_map.move_to(code)
        await pilot.pause()
        assert char_at(grid_map, code) == "."
        painted: list[Region] = []
        original = grid_map.refresh

        def spy(*regions: Region, **kwargs: bool) -> GridMap:
            painted.extend(regions)
            return original(*regions, **kwargs)

        monkeypatch.setattr(grid_map, "refresh", spy)
        grid_map.update_stat(code, 1, 0, 0)
        assert char_at(grid_map, code) == "o"
        assert painted and all(r.height == 1 for r in painted)  # the cell and the caption
        grid_map.update_stat(code, 4, 0, 0)
        assert char_at(grid_map, code) == "O"
        grid_map.update_stat(code, 4, 0, 1)
        assert char_at(grid_map, code) == "S"
        grid_map.set_stats({code: GridStat(grid_code=code, open=4, overdue=1, supervised=1)})
        assert char_at(grid_map, code) == "!"
        assert "超期 1" in grid_map.render_line(grid_map.size.height - 1).text
        painted.clear()
        grid_map.set_stats({code: GridStat(grid_code=code, open=4, overdue=1, supervised=1)})
        assert painted == []  # nothing changed, nothing repainted
        grid_map.set_stats({})
        assert char_at(grid_map, code) == "."
        grid_map.ascii = False
        assert char_at(grid_map, code) == "·"


async def test_a_hidden_map_shows_the_counts_it_was_given_while_hidden() -> None:
    app = MapApp(ascii=True)
    async with app.run_test(size=(100, 40)) as pilot:
        grid_map = app.query_one(GridMap)
        code = inner_grid(grid_map.placement)
        grid_map.move_to(code)
        await pilot.pause()
        assert char_at(grid_map, code) == "."  # drawn, and its line kept
        grid_map.display = False
        await pilot.pause()
        grid_map.update_stat(code, 4, 0, 0)
        grid_map.set_stats({code: GridStat(grid_code=code, open=4, overdue=1, supervised=0)})
        grid_map.display = True
        await pilot.pause()
        assert char_at(grid_map, code) == "!"
        assert "超期 1" in grid_map.render_line(grid_map.size.height - 1).text


async def test_ascii_mode_draws_only_ascii() -> None:
    app = MapApp(ascii=True)
    async with app.run_test(size=(100, 40)) as pilot:
        grid_map = app.query_one(GridMap)
        rng = random.Random(3)
        for code in rng.sample(sorted(grid_map.placement.pos), 300):
            grid_map.update_stat(code, rng.randint(1, 4), rng.randint(0, 1), rng.randint(0, 1))
        assert grid_map.cursor is not None
        grid_map.update_stat(grid_map.cursor, 2, 0, 0)  # something to see at community zoom
        await pilot.pause()
        for level in ("district", "street", "community"):
            rows = map_rows(grid_map)
            assert all(row.isascii() for row in rows), level
            assert any(ch in row for row in rows for ch in "!SOo"), level
            await pilot.press("plus")
        assert str(app.query_one(MapLegend).render()).isascii() is False  # Chinese words
        legend = str(app.query_one(MapLegend).render())
        assert legend.startswith(". 无  o 有案件  O 多  ! 超期  S 督办")
        grid_map.ascii = False
        await pilot.pause()
        assert not all(row.isascii() for row in map_rows(grid_map))


async def test_click_moves_the_cursor() -> None:
    app = MapApp()
    async with app.run_test(size=(100, 40)) as pilot:
        grid_map = app.query_one(GridMap)
        target = inner_grid(grid_map.placement)
        region = grid_map._slot_region(grid_map.placement.pos[target])
        await pilot.click(GridMap, offset=(region.x, region.y))
        assert grid_map.cursor == target
