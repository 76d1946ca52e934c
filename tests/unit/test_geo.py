from __future__ import annotations

import math
from typing import Any

import pytest

from backend.domain.geo import (
    M_PER_DEG,
    GeoError,
    area_m2,
    bbox,
    centroid,
    point_in_geometry,
    validate_geometry,
    validate_lon_lat,
)


def square(x0: float, y0: float, size: float) -> list[list[float]]:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


DONUT: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [square(116.0, 39.0, 1.0), square(116.25, 39.25, 0.5)[::-1]],
}
MULTI: dict[str, Any] = {
    "type": "MultiPolygon",
    "coordinates": [[square(0.0, 0.0, 1.0)], [square(2.0, 0.0, 1.0)]],
}


def test_validate_lon_lat() -> None:
    validate_lon_lat(116.4, 39.9)
    validate_lon_lat(-180, 90)
    with pytest.raises(GeoError, match=r"longitude 180\.5 is out of range"):
        validate_lon_lat(180.5, 0)
    with pytest.raises(GeoError, match=r"latitude -91 is out of range: it must be between -90"):
        validate_lon_lat(0, -91)
    with pytest.raises(GeoError, match="not a finite number"):
        validate_lon_lat(math.nan, 0)
    with pytest.raises(GeoError, match="must be a number"):
        validate_lon_lat("116", 39)  # type: ignore[arg-type]


def test_point_in_polygon_with_hole() -> None:
    assert point_in_geometry(116.1, 39.1, DONUT)
    assert not point_in_geometry(116.5, 39.5, DONUT)  # in the hole
    assert not point_in_geometry(117.5, 39.5, DONUT)
    assert point_in_geometry(116.0, 39.5, DONUT)  # outer edge counts as inside
    assert point_in_geometry(116.25, 39.5, DONUT)  # hole edge too


def test_point_in_multipolygon() -> None:
    assert point_in_geometry(0.5, 0.5, MULTI)
    assert point_in_geometry(2.5, 0.5, MULTI)
    assert not point_in_geometry(1.5, 0.5, MULTI)


def test_point_in_rejects_other_types() -> None:
    with pytest.raises(GeoError, match="Polygon or MultiPolygon"):
        point_in_geometry(0, 0, {"type": "Point", "coordinates": [0, 0]})


def test_bbox() -> None:
    assert bbox(DONUT) == (116.0, 39.0, 117.0, 40.0)
    assert bbox(MULTI) == (0.0, 0.0, 3.0, 1.0)


def test_centroid_and_area_of_a_square() -> None:
    # a 1 km square at latitude 40
    lat = 40.0
    dlat = 1000 / M_PER_DEG
    dlon = 1000 / (M_PER_DEG * math.cos(math.radians(lat + dlat / 2)))
    ring = [[116.0, lat], [116.0 + dlon, lat], [116.0 + dlon, lat + dlat], [116.0, lat + dlat]]
    geom = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    assert area_m2(geom) == pytest.approx(1_000_000, rel=1e-3)
    lon, clat = centroid(geom)
    assert lon == pytest.approx(116.0 + dlon / 2)
    assert clat == pytest.approx(lat + dlat / 2)
    # clockwise rings give the same answers
    cw = {"type": "Polygon", "coordinates": [[*ring, ring[0]][::-1]]}
    assert area_m2(cw) == pytest.approx(area_m2(geom))
    assert centroid(cw) == pytest.approx(centroid(geom))


def test_centroid_and_area_with_hole_and_multipolygon() -> None:
    assert centroid(DONUT) == pytest.approx((116.5, 39.5))
    full = {"type": "Polygon", "coordinates": [square(116.0, 39.0, 1.0)]}
    assert area_m2(DONUT) == pytest.approx(area_m2(full) * 0.75, rel=1e-2)
    assert centroid(MULTI) == pytest.approx((1.5, 0.5))


@pytest.mark.parametrize(
    ("geometry", "wording"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "must be Polygon or MultiPolygon, not 'Point'"),
        ([], "must be a JSON object"),
        ({"type": "Polygon"}, "has no 'coordinates'"),
        ({"type": "Polygon", "coordinates": []}, "non-empty list of rings"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
            r"ring 0 \(exterior\) has 3 positions; a linear ring needs at least 4",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            r"ring 0 \(exterior\) is not closed",
        ),
        (
            {"type": "Polygon", "coordinates": [square(179.5, 0, 1.0)]},
            r"position 1: longitude 180.5 is out of range",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[square(0, 0, 1)], [square(0, 95, 1)]]},
            r"polygon 1 ring 0 \(exterior\) position 0: latitude 95 is out of range",
        ),
        (
            {"type": "Polygon", "coordinates": [square(0, 0, 2), [[1, 1], [1, 1.5], [1, 1]]]},
            r"ring 1 \(hole\) has 3 positions",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]},
            "has zero area",
        ),
        ({"type": "Polygon", "coordinates": [[[0], [1, 0], [1, 1], [0]]]}, r"\[lon, lat\] pair"),
    ],
)
def test_validate_geometry_errors(geometry: Any, wording: str) -> None:
    with pytest.raises(GeoError, match=wording):
        validate_geometry(geometry)


def test_validate_geometry_accepts_good_shapes() -> None:
    validate_geometry(DONUT)
    validate_geometry(MULTI)
