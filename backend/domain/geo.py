"""GeoJSON Polygon / MultiPolygon helpers on lon/lat degrees.

WGS84 and CGCS2000 are treated alike (they differ by centimetres).  Areas use an
equirectangular projection at each polygon's mean latitude, which is accurate
to well under 1% for city-sized shapes.  Pure Python: no framework imports.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

Geometry = dict[str, Any]
Ring = Sequence[Sequence[float]]
PolygonCoords = Sequence[Ring]

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0  # ≈ 111,195 m per degree of latitude
_EDGE_EPS = 1e-12


class GeoError(ValueError):
    """A coordinate or geometry is invalid; the message says why."""


def validate_lon_lat(lon: float, lat: float) -> None:
    for name, value, limit in (("longitude", lon, 180.0), ("latitude", lat, 90.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise GeoError(f"{name} must be a number, not {type(value).__name__}")
        if not math.isfinite(value):
            raise GeoError(f"{name} {value} is not a finite number")
        if not -limit <= value <= limit:
            raise GeoError(
                f"{name} {value} is out of range: it must be between {-limit:g} and {limit:g}"
            )


def _polygons(geometry: Geometry) -> list[PolygonCoords]:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise GeoError(f"expected a Polygon or MultiPolygon geometry, got {kind!r}")


def _on_segment(x: float, y: float, a: Sequence[float], b: Sequence[float]) -> bool:
    ax, ay, bx, by = a[0], a[1], b[0], b[1]
    cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    scale = max(abs(bx - ax), abs(by - ay), 1.0)
    if abs(cross) > _EDGE_EPS * scale:
        return False
    return min(ax, bx) <= x <= max(ax, bx) and min(ay, by) <= y <= max(ay, by)


def _ring_contains(x: float, y: float, ring: Ring) -> bool | None:
    """Ray casting; None when the point lies on the ring itself."""
    inside = False
    for i in range(len(ring) - 1):
        a, b = ring[i], ring[i + 1]
        if _on_segment(x, y, a, b):
            return None
        if (a[1] > y) != (b[1] > y):
            xcross = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if x < xcross:
                inside = not inside
    return inside


def point_in_geometry(lon: float, lat: float, geometry: Geometry) -> bool:
    """Whether a point lies in a Polygon or MultiPolygon, holes excluded.

    Points exactly on any ring (outer edge or hole edge) count as inside, so a
    point on the edge shared by two unit grids is inside both; callers that
    need one answer should take the first match in a stable order.
    """
    for polygon in _polygons(geometry):
        if not polygon:
            continue
        outer = _ring_contains(lon, lat, polygon[0])
        if outer is None:
            return True
        if not outer:
            continue
        in_hole = False
        for hole in polygon[1:]:
            h = _ring_contains(lon, lat, hole)
            if h is None:
                return True
            if h:
                in_hole = True
                break
        if not in_hole:
            return True
    return False


def _positions(coords: Any) -> Iterator[Sequence[float]]:
    if coords and isinstance(coords[0], int | float):
        yield coords
    else:
        for c in coords:
            yield from _positions(c)


def bbox(geometry: Geometry) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of any GeoJSON geometry."""
    points = list(_positions(geometry.get("coordinates", [])))
    if not points:
        raise GeoError("geometry has no coordinates")
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _ring_moments(ring: Ring, ox: float, oy: float) -> tuple[float, float, float]:
    """Signed area and first moments of a ring, relative to origin (ox, oy), in degrees."""
    a = cx = cy = 0.0
    for i in range(len(ring) - 1):
        x0, y0 = ring[i][0] - ox, ring[i][1] - oy
        x1, y1 = ring[i + 1][0] - ox, ring[i + 1][1] - oy
        f = x0 * y1 - x1 * y0
        a += f
        cx += (x0 + x1) * f
        cy += (y0 + y1) * f
    return a / 2.0, cx / 6.0, cy / 6.0


def _polygon_moments(polygon: PolygonCoords, ox: float, oy: float) -> tuple[float, float, float]:
    """Unsigned area (holes removed) and moments, whatever the ring orientation."""
    a = mx = my = 0.0
    for i, ring in enumerate(polygon):
        ra, rx, ry = _ring_moments(ring, ox, oy)
        sign = (1.0 if ra >= 0 else -1.0) * (1.0 if i == 0 else -1.0)
        a += sign * ra
        mx += sign * rx
        my += sign * ry
    return a, mx, my


def ring_signed_area(ring: Ring) -> float:
    """Shoelace area in square degrees; positive when counter-clockwise."""
    if not ring:
        return 0.0
    return _ring_moments(ring, ring[0][0], ring[0][1])[0]


def centroid(geometry: Geometry) -> tuple[float, float]:
    """Area-weighted centroid (lon, lat) of a Polygon or MultiPolygon."""
    polygons = [p for p in _polygons(geometry) if p and p[0]]
    if not polygons:
        raise GeoError("geometry has no polygons")
    ox, oy = polygons[0][0][0][0], polygons[0][0][0][1]
    a = mx = my = 0.0
    for polygon in polygons:
        pa, px, py = _polygon_moments(polygon, ox, oy)
        a += pa
        mx += px
        my += py
    if a == 0.0:
        raise GeoError("geometry has zero area, so it has no centroid")
    return ox + mx / a, oy + my / a


def area_m2(geometry: Geometry) -> float:
    """Area in square metres (equirectangular at each polygon's mean latitude)."""
    total = 0.0
    for polygon in _polygons(geometry):
        if not polygon or not polygon[0]:
            continue
        outer = polygon[0]
        mean_lat = sum(p[1] for p in outer[:-1]) / max(len(outer) - 1, 1)
        deg2, _, _ = _polygon_moments(polygon, outer[0][0], outer[0][1])
        total += deg2 * M_PER_DEG * M_PER_DEG * math.cos(math.radians(mean_lat))
    return total


def _check_position(p: Any, where: str) -> None:
    if not isinstance(p, list | tuple) or len(p) not in (2, 3):
        raise GeoError(f"{where} must be a [lon, lat] pair, got {p!r}")
    try:
        validate_lon_lat(p[0], p[1])
    except GeoError as exc:
        raise GeoError(f"{where}: {exc}") from None


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list | tuple):
        raise GeoError(f"{where} must be a list of positions")
    if len(ring) < 4:
        raise GeoError(
            f"{where} has {len(ring)} positions; a linear ring needs at least 4 "
            "(3 corners plus the closing point)"
        )
    for j, p in enumerate(ring):
        _check_position(p, f"{where} position {j}")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeoError(
            f"{where} is not closed: first point {list(ring[0])} differs from last "
            f"point {list(ring[-1])}"
        )
    if ring_signed_area(ring) == 0.0:
        raise GeoError(f"{where} has zero area")


def _check_polygon(coords: Any, where: str) -> None:
    if not isinstance(coords, list | tuple) or not coords:
        raise GeoError(f"{where} must be a non-empty list of rings")
    for i, ring in enumerate(coords):
        _check_ring(ring, f"{where} ring {i} ({'exterior' if i == 0 else 'hole'})")


def validate_geometry(geometry: Any) -> None:
    """Raise GeoError unless this is a well-formed GeoJSON Polygon or MultiPolygon."""
    if not isinstance(geometry, dict):
        raise GeoError(f"geometry must be a JSON object, not {type(geometry).__name__}")
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeoError(f"geometry type must be Polygon or MultiPolygon, not {kind!r}")
    if coords is None:
        raise GeoError(f"{kind} has no 'coordinates'")
    if kind == "Polygon":
        _check_polygon(coords, "polygon")
        return
    if not isinstance(coords, list | tuple) or not coords:
        raise GeoError("MultiPolygon must have a non-empty list of polygons")
    for i, polygon in enumerate(coords):
        _check_polygon(polygon, f"polygon {i}")
