"""Import a city's real unit-grid layer from a GeoJSON FeatureCollection.

Each feature is one unit grid.  Properties: ``code`` (15 digits, required),
``name``, ``street_name``, ``community_name``, ``area_class`` (A/B/C), all
optional.  Street and community parents are synthesised from the grid codes;
their geometry is the bounding box of their grids (a polygon union would need
a geometry library).  Pure Python: no framework imports.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from backend.domain.geo import GeoError, bbox, validate_geometry
from backend.domain.gridcode import (
    InvalidGridCode,
    RegionSpec,
    parent_code,
    parse_grid_code,
    street_kind_label,
)
from backend_client.vocab import AreaClass, RegionKind

_CLASS_ORDER = (AreaClass.A, AreaClass.B, AreaClass.C)


class GeoJSONImportError(ValueError):
    """The layer is not a valid grid layer; the message names the feature and problem."""


def _optional_text(props: Mapping[str, Any], key: str, where: str) -> str | None:
    value = props.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise GeoJSONImportError(f"{where}: property {key!r} must be a string, got {value!r}")
    return value.strip() or None


def _area_class(props: Mapping[str, Any], where: str, default: AreaClass) -> AreaClass:
    value = props.get("area_class")
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().upper() in AreaClass.__members__:
        return AreaClass(value.strip().upper())
    raise GeoJSONImportError(f"{where}: property 'area_class' must be A, B or C, got {value!r}")


def _code(props: Mapping[str, Any], where: str) -> str:
    raw = props.get("code")
    if raw is None:
        raise GeoJSONImportError(f"{where}: property 'code' (the 15-digit grid code) is missing")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise GeoJSONImportError(
            f"{where}: property 'code' must be a string of 15 digits, got {raw!r}"
        )
    try:
        return parse_grid_code(raw.strip()).code
    except InvalidGridCode as exc:
        raise GeoJSONImportError(f"{where}: {exc}") from None


def _bbox_polygon(boxes: list[tuple[float, float, float, float]]) -> dict[str, Any]:
    w, s = min(b[0] for b in boxes), min(b[1] for b in boxes)
    e, n = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _majority(classes: list[AreaClass]) -> AreaClass:
    counts = Counter(classes)
    return max(_CLASS_ORDER, key=lambda c: (counts[c], -_CLASS_ORDER.index(c)))


class _Parent:
    def __init__(self, code: str) -> None:
        self.code = code
        self.name: str | None = None
        self.named_by = -1
        self.classes: list[AreaClass] = []
        self.boxes: list[tuple[float, float, float, float]] = []

    def add(self, name: str | None, index: int, area: AreaClass, box: Any, what: str) -> None:
        if name is not None:
            if self.name is not None and name != self.name:
                raise GeoJSONImportError(
                    f"feature {index}: {what} {name!r} conflicts with {self.name!r} given by "
                    f"feature {self.named_by} for {self.code}"
                )
            self.name, self.named_by = name, index
        self.classes.append(area)
        self.boxes.append(box)

    def spec(self, kind: RegionKind, default_name: str) -> RegionSpec:
        return RegionSpec(
            self.code,
            self.name or default_name,
            kind,
            parent_code(self.code),
            _majority(self.classes),
            _bbox_polygon(self.boxes),
        )


def _load(collection: Mapping[str, Any] | str | bytes) -> list[Any]:
    if isinstance(collection, str | bytes):
        try:
            collection = json.loads(collection)
        except ValueError as exc:
            raise GeoJSONImportError(f"the layer is not valid JSON: {exc}") from None
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise GeoJSONImportError("the layer must be a GeoJSON object of type FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise GeoJSONImportError("the FeatureCollection has no 'features' list")
    if not features:
        raise GeoJSONImportError("the FeatureCollection has no features")
    return features


def import_grid_layer(
    collection: Mapping[str, Any] | str | bytes,
    district_name: str,
    *,
    city_name: str | None = None,
    default_area_class: AreaClass = AreaClass.B,
) -> list[RegionSpec]:
    """Region specs for a grid layer, parents before children.

    Returns the district (code = first 6 digits of every grid; all grids must
    share it), its streets and communities, then the grids, each level sorted
    by code.  With ``city_name`` the district's city is included first.
    """
    features = _load(collection)
    district: str | None = None
    seen: dict[str, int] = {}
    streets: dict[str, _Parent] = {}
    communities: dict[str, _Parent] = {}
    grids: list[RegionSpec] = []
    for index, feature in enumerate(features):
        where = f"feature {index}"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise GeoJSONImportError(f"{where}: expected a GeoJSON object of type Feature")
        props = feature.get("properties")
        if not isinstance(props, Mapping):
            raise GeoJSONImportError(f"{where}: 'properties' must be an object with a 'code'")
        code = _code(props, where)
        where = f"feature {index} (grid {code})"
        if code in seen:
            raise GeoJSONImportError(
                f"{where}: duplicate grid code, already used by feature {seen[code]}"
            )
        seen[code] = index
        if district is None:
            district = code[:6]
        elif code[:6] != district:
            raise GeoJSONImportError(
                f"{where}: is in district {code[:6]}, but feature 0 put the layer in district "
                f"{district}; import one district at a time"
            )
        geometry = feature.get("geometry")
        try:
            validate_geometry(geometry)
        except GeoError as exc:
            raise GeoJSONImportError(f"{where}: bad geometry: {exc}") from None
        assert isinstance(geometry, dict)
        area = _area_class(props, where, default_area_class)
        box = bbox(geometry)
        street = streets.setdefault(code[:9], _Parent(code[:9]))
        street.add(_optional_text(props, "street_name", where), index, area, box, "street_name")
        community = communities.setdefault(code[:12], _Parent(code[:12]))
        community.add(
            _optional_text(props, "community_name", where), index, area, box, "community_name"
        )
        name = _optional_text(props, "name", where) or f"网格{code}"
        grids.append(RegionSpec(code, name, RegionKind.GRID, code[:12], area, geometry))

    assert district is not None  # _load guarantees at least one feature
    specs: list[RegionSpec] = []
    if city_name is not None:
        city = parent_code(district)
        assert city is not None
        specs.append(
            RegionSpec(
                city, city_name, RegionKind.CITY, None,
                _majority([g.area_class for g in grids]),
                _bbox_polygon([bbox(g.geometry) for g in grids]),
            )
        )  # fmt: skip
    specs.append(
        RegionSpec(
            district, district_name, RegionKind.DISTRICT, parent_code(district),
            _majority([g.area_class for g in grids]),
            _bbox_polygon([bbox(g.geometry) for g in grids]),
        )
    )  # fmt: skip
    for code in sorted(streets):
        specs.append(streets[code].spec(RegionKind.STREET, street_kind_label(code[6:]) + code))
    for code in sorted(communities):
        specs.append(communities[code].spec(RegionKind.COMMUNITY, f"社区{code}"))
    specs.extend(sorted(grids, key=lambda g: g.code))
    return specs
