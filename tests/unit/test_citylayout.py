from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from backend.domain.geo import (
    area_m2,
    bbox,
    centroid,
    point_in_geometry,
    ring_signed_area,
    validate_geometry,
)
from backend.domain.gridcode import RegionSpec, parse_grid_code
from backend.seed.citylayout import (
    _cell_polygon,
    _outline_geometry,
    _vertex_lonlat,
    build_demo_city,
)
from backend_client.vocab import AreaClass, RegionKind

ROW_KM = 1.0 / 111.195  # one lattice row (1,000 m) in degrees of latitude


@pytest.fixture(scope="module")
def city() -> list[RegionSpec]:
    return build_demo_city()


def by_kind(specs: list[RegionSpec], kind: RegionKind) -> list[RegionSpec]:
    return [s for s in specs if s.kind is kind]


def test_counts(city: list[RegionSpec]) -> None:
    counts = Counter(s.kind for s in city)
    assert counts[RegionKind.CITY] == 1
    assert counts[RegionKind.DISTRICT] == 1
    assert counts[RegionKind.STREET] == 15
    assert 570 <= counts[RegionKind.COMMUNITY] <= 610
    assert counts[RegionKind.GRID] == 1809
    assert len({s.code for s in city}) == len(city)


def test_city_district_and_streets(city: list[RegionSpec]) -> None:
    assert (city[0].code, city[0].name, city[0].area_class) == ("110100", "北京市", AreaClass.A)
    assert (city[1].code, city[1].name, city[1].parent_code) == ("110112", "通州区", "110100")
    streets = by_kind(city, RegionKind.STREET)
    codes = [s.code[6:] for s in streets]
    assert codes == [f"{i:03d}" for i in range(1, 10)] + [f"{i}" for i in range(101, 107)]
    assert all(s.name.endswith("街道") for s in streets[:9])
    assert all(s.name.endswith("镇") and s.area_class is AreaClass.C for s in streets[9:])
    assert {s.area_class for s in streets[:9]} == {AreaClass.A, AreaClass.B}
    grids_per_street = Counter(g.code[:9] for g in by_kind(city, RegionKind.GRID))
    for s in streets[:9]:
        assert 40 <= grids_per_street[s.code] <= 75
    for s in streets[9:]:
        assert grids_per_street[s.code] > 100


def test_total_area_close_to_tongzhou(city: list[RegionSpec]) -> None:
    grid_km2 = sum(area_m2(g.geometry) for g in by_kind(city, RegionKind.GRID)) / 1e6
    assert grid_km2 == pytest.approx(906, rel=0.05)
    assert area_m2(city[1].geometry) / 1e6 == pytest.approx(grid_km2, rel=1e-4)
    street_km2 = sum(area_m2(s.geometry) for s in by_kind(city, RegionKind.STREET)) / 1e6
    assert street_km2 == pytest.approx(grid_km2, rel=1e-4)


def test_parents_come_first_and_codes_nest(city: list[RegionSpec]) -> None:
    seen: dict[str, RegionSpec] = {}
    expected_parent = {
        RegionKind.STREET: RegionKind.DISTRICT,
        RegionKind.COMMUNITY: RegionKind.STREET,
        RegionKind.GRID: RegionKind.COMMUNITY,
    }
    for s in city:
        if s.parent_code is not None:
            parent = seen[s.parent_code]
            if s.kind in expected_parent:
                assert parent.kind is expected_parent[s.kind]
                assert s.code.startswith(parent.code)
                if s.kind is not RegionKind.STREET:
                    assert s.area_class is parent.area_class
        seen[s.code] = s
        validate_geometry(s.geometry)
    for g in by_kind(city, RegionKind.GRID):
        parsed = parse_grid_code(g.code)
        assert g.parent_code == parsed.community_code


def test_names(city: list[RegionSpec]) -> None:
    communities = by_kind(city, RegionKind.COMMUNITY)
    assert len({c.name for c in communities}) == len(communities)
    for c in communities:
        assert c.name.endswith("社区" if c.code[6] == "0" else "村")


def test_every_region_is_one_polygon(city: list[RegionSpec]) -> None:
    for s in city:
        assert s.geometry["type"] == "Polygon", s.code
    for g in by_kind(city, RegionKind.GRID):
        assert len(g.geometry["coordinates"][0]) == 5


def test_sequences_run_west_to_east_then_north_to_south(city: list[RegionSpec]) -> None:
    members: defaultdict[str, list[RegionSpec]] = defaultdict(list)
    for g in by_kind(city, RegionKind.GRID):
        members[g.parent_code or ""].append(g)
    for grids in members.values():
        grids.sort(key=lambda g: g.code)
        assert [int(g.code[12:]) for g in grids] == list(range(1, len(grids) + 1))
        for a, b in itertools.pairwise(grids):
            (alon, alat), (blon, blat) = centroid(a.geometry), centroid(b.geometry)
            if abs(alat - blat) < ROW_KM / 2:  # same row: eastward
                assert blon > alon, (a.code, b.code)
            else:  # next row: southward
                assert blat < alat, (a.code, b.code)


def test_grids_tile_without_overlap(city: list[RegionSpec]) -> None:
    grids = by_kind(city, RegionKind.GRID)
    boxes = [bbox(g.geometry) for g in grids]
    for g in grids:
        lon, lat = centroid(g.geometry)
        hits = [
            h.code
            for h, (w, s, e, n) in zip(grids, boxes, strict=True)
            if w <= lon <= e and s <= lat <= n and point_in_geometry(lon, lat, h.geometry)
        ]
        assert hits == [g.code]


def test_grid_centroids_lie_in_their_street_and_community(city: list[RegionSpec]) -> None:
    geometry: dict[str, dict[str, Any]] = {s.code: s.geometry for s in city}
    for g in by_kind(city, RegionKind.GRID):
        lon, lat = centroid(g.geometry)
        assert point_in_geometry(lon, lat, geometry[g.code[:12]])
        assert point_in_geometry(lon, lat, geometry[g.code[:9]])
        assert point_in_geometry(lon, lat, geometry["110112"])


def test_layout_shape_fits_the_console_map(city: list[RegionSpec]) -> None:
    w, s, e, n = bbox(city[1].geometry)
    assert 116.4 < w < e < 116.95
    assert 39.6 < s < n < 40.0
    lon, lat = centroid(city[1].geometry)
    assert lon == pytest.approx(116.66, abs=0.03)
    assert lat == pytest.approx(39.80, abs=0.03)


def test_deterministic() -> None:
    first = build_demo_city()
    assert build_demo_city() == first
    assert build_demo_city(7) != first


def test_outline_of_a_ring_of_cells_with_a_pinched_hole() -> None:
    lonlat = _vertex_lonlat(random.Random(1))
    # a 3x3 block minus its centre and its north-east corner: the hole touches the
    # shell at one vertex, so it must come out as a separate (clockwise) hole ring
    cells = [(r, c) for r in range(3) for c in range(3) if (r, c) not in {(1, 1), (0, 2)}]
    geometry = _outline_geometry(cells, lonlat)
    assert geometry["type"] == "Polygon"
    shell, hole = geometry["coordinates"]
    assert ring_signed_area(shell) > 0 > ring_signed_area(hole)
    assert len(hole) == 5
    assert area_m2(geometry) == pytest.approx(
        sum(area_m2(_cell_polygon(c, lonlat)) for c in cells),
        rel=1e-4,
    )
    # cells touching only at a corner are two polygons
    assert _outline_geometry([(0, 0), (1, 1)], lonlat)["type"] == "MultiPolygon"
