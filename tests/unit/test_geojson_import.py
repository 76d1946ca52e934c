from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from backend.domain.geo import point_in_geometry
from backend.domain.geojson_import import GeoJSONImportError, import_grid_layer
from backend.domain.gridcode import RegionSpec
from backend.seed.citylayout import build_demo_city
from backend_client.vocab import AreaClass, RegionKind

SQUARE = [[116.0, 39.0], [116.01, 39.0], [116.01, 39.01], [116.0, 39.01], [116.0, 39.0]]


def feature(code: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, **props},
        "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
    }


def layer(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture(scope="module")
def demo() -> list[RegionSpec]:
    return build_demo_city()


def demo_layer(demo: list[RegionSpec]) -> dict[str, Any]:
    names = {s.code: s.name for s in demo}
    return layer(
        *(
            {
                "type": "Feature",
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "street_name": names[g.code[:9]],
                    "community_name": names[g.code[:12]],
                    "area_class": g.area_class.value,
                },
                "geometry": g.geometry,
            }
            for g in demo
            if g.kind is RegionKind.GRID
        )
    )


def test_round_trip_of_the_demo_grid_layer(demo: list[RegionSpec]) -> None:
    text = json.dumps(demo_layer(demo), ensure_ascii=False)
    specs = import_grid_layer(text, district_name="通州区", city_name="北京市")
    assert [s.kind for s in specs[:2]] == [RegionKind.CITY, RegionKind.DISTRICT]
    assert (specs[0].code, specs[1].code, specs[1].parent_code) == ("110100", "110112", "110100")
    assert specs[1].name == "通州区"

    def key(s: RegionSpec) -> tuple[str, str, RegionKind, str | None, AreaClass]:
        return s.code, s.name, s.kind, s.parent_code, s.area_class

    for kind in (RegionKind.STREET, RegionKind.COMMUNITY, RegionKind.GRID):
        got = sorted((s for s in specs if s.kind is kind), key=lambda s: s.code)
        want = sorted((s for s in demo if s.kind is kind), key=lambda s: s.code)
        assert [key(s) for s in got] == [key(s) for s in want]
    grids = {s.code: s.geometry for s in specs if s.kind is RegionKind.GRID}
    assert grids == {s.code: s.geometry for s in demo if s.kind is RegionKind.GRID}
    # parents come first; parent boxes hold their grids
    order = {s.code: i for i, s in enumerate(specs)}
    for s in specs:
        if s.parent_code in order:
            assert order[s.parent_code] < order[s.code]
    boxes = {s.code: s.geometry for s in specs}
    for code, geometry in grids.items():
        lon, lat = geometry["coordinates"][0][0]
        assert point_in_geometry(lon, lat, boxes[code[:9]])


def test_defaults_for_missing_names_and_classes() -> None:
    specs = import_grid_layer(
        layer(feature("110112101003001"), feature(110112101003002, area_class="a")),
        district_name="通州区",
    )
    assert [s.kind for s in specs] == [
        RegionKind.DISTRICT,
        RegionKind.STREET,
        RegionKind.COMMUNITY,
        RegionKind.GRID,
        RegionKind.GRID,
    ]
    district, street, community, g1, g2 = specs
    assert district.parent_code == "110100"
    assert street.name == "镇110112101"
    assert community.name == "社区110112101003"
    assert g1.name == "网格110112101003001"
    assert (g1.area_class, g2.area_class) == (AreaClass.B, AreaClass.A)
    assert street.area_class is AreaClass.A  # tie goes to the stricter class
    assert street.geometry["coordinates"] == [SQUARE[:1] + SQUARE[1:]]


@pytest.mark.parametrize(
    ("collection", "wording"),
    [
        ("{", "not valid JSON"),
        ({"type": "Feature"}, "type FeatureCollection"),
        (layer(), "has no features"),
        (layer("x"), "feature 0: expected a GeoJSON object of type Feature"),
        (layer({"type": "Feature", "properties": None}), "feature 0: 'properties' must be"),
        (layer(feature("110112001001001"), feature(None)), "feature 1: property 'code'.*missing"),
        (
            layer(feature("110112001001001"), feature("11011200100100")),
            "feature 1: grid code '11011200100100' has 14 digits",
        ),
        (layer(feature(1.5)), "feature 0: property 'code' must be a string of 15 digits"),
        (
            layer(feature("110112001001001"), feature("110112001001001")),
            r"feature 1 \(grid 110112001001001\): duplicate grid code, already used by feature 0",
        ),
        (
            layer(feature("110112001001001"), feature("110105001001001")),
            r"feature 1 \(grid 110105001001001\): is in district 110105",
        ),
        (
            layer(feature("110112001001001", area_class="D")),
            r"feature 0 \(grid 110112001001001\): property 'area_class' must be A, B or C",
        ),
        (
            layer(
                feature("110112001001001", street_name="中仓街道"),
                feature("110112001002001", street_name="新华街道"),
            ),
            "feature 1: street_name '新华街道' conflicts with '中仓街道' given by feature 0",
        ),
        (
            layer(feature("110112001001001", name=3)),
            r"feature 0 \(grid 110112001001001\): property 'name' must be a string",
        ),
    ],
)
def test_import_errors_name_the_feature(collection: Any, wording: str) -> None:
    with pytest.raises(GeoJSONImportError, match=wording):
        import_grid_layer(collection, district_name="通州区")


def test_bad_geometry_is_reported_with_its_feature() -> None:
    bad = feature("110112001001001")
    broken = copy.deepcopy(bad)
    broken["geometry"]["coordinates"][0] = SQUARE[:-1]
    with pytest.raises(
        GeoJSONImportError,
        match=r"feature 1 \(grid 110112001001002\): bad geometry: polygon ring 0 "
        r"\(exterior\) is not closed",
    ):
        import_grid_layer(
            layer(bad, {**broken, "properties": {"code": "110112001001002"}}),
            district_name="通州区",
        )
    missing = {**bad, "geometry": None}
    with pytest.raises(GeoJSONImportError, match=r"feature 0 .* must be a JSON object"):
        import_grid_layer(layer(missing), district_name="通州区")
