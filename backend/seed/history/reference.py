"""The seeded database's reference data, as the history generator needs it."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend.domain.geo import point_in_geometry
from backend.domain.routing import choose_department
from backend.seed.behaviour import GRID_WEIGHT


@dataclass(frozen=True)
class _User:
    id: int
    username: str
    name: str
    role: str


@dataclass(frozen=True)
class _Dept:
    id: int
    code: str
    kind: str
    region_code: str | None


@dataclass(frozen=True)
class _Rule:
    category_kind: str | None
    category_prefix: str
    region_prefix: str
    department_id: int


@dataclass(frozen=True)
class _Grid:
    code: str
    area: str
    place: str  # community (or street) name, for descriptions
    street_name: str
    community_name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class _Category:
    kind: str
    code: str
    name: str
    big_class: str


@dataclass(frozen=True)
class _Reference:
    grids: list[_Grid]
    categories: list[_Category]
    departments: list[_Dept]
    rules: list[_Rule]
    users: list[_User]
    handlers: dict[int, _User]  # department id -> its (first) handler
    supervisors: dict[str, _User]  # street code -> its (first) supervisor


def route(
    rules: Sequence[_Rule],
    departments: Mapping[int, _Dept],
    category_kind: str,
    category_code: str,
    grid_code: str,
) -> _Dept | None:
    """``Reference.route`` without the async service: the same rule, from
    ``backend.domain.routing``.  ``departments`` by id, in id order."""
    return choose_department(rules, departments, category_kind, category_code, grid_code)


def _grid_points(
    rng: random.Random,
    geometry: dict[str, Any],
    bbox: tuple[float, ...],
    centroid: tuple[float, float],
) -> tuple[tuple[float, float], ...]:
    """A few report locations inside the grid (rejection sampling in its bounding box)."""
    x0, y0, x1, y1 = bbox
    found: list[tuple[float, float]] = []
    for _ in range(40):
        lon, lat = x0 + (x1 - x0) * rng.random(), y0 + (y1 - y0) * rng.random()
        if point_in_geometry(lon, lat, geometry):
            found.append((round(lon, 6), round(lat, 6)))
            if len(found) == 8:
                break
    return tuple(found) or (centroid,)


def _load_reference(query: Callable[[str], list[Any]], rng: random.Random) -> _Reference:
    names = {
        code: name
        for code, name in query(
            "SELECT code, name FROM region WHERE kind IN ('street', 'community')"
        )
    }
    grids: list[_Grid] = []
    rows = query(
        "SELECT code, area_class, geometry, min_lon, min_lat, max_lon, max_lat, centroid_lon,"
        " centroid_lat FROM region WHERE kind = 'grid' ORDER BY code"
    )
    for code, area, geometry, x0, y0, x1, y1, cx, cy in rows:
        shape = json.loads(geometry) if isinstance(geometry, str) else geometry
        street, community = names.get(code[:9], ""), names.get(code[:12], "")
        grids.append(
            _Grid(
                code=code,
                area=area if area in GRID_WEIGHT else "B",
                place=community or street or f"网格{code}",
                street_name=street,
                community_name=community,
                points=_grid_points(rng, shape, (x0, y0, x1, y1), (cx, cy)),
            )
        )
    categories = [
        _Category(kind, code, name, big)
        for kind, code, name, big in query(
            "SELECT kind, code, name, big_class FROM category ORDER BY kind, code"
        )
    ]
    departments = [
        _Dept(int(i), code, kind, region)
        for i, code, kind, region in query(
            "SELECT id, code, kind, region_code FROM department ORDER BY id"
        )
    ]
    rules = [
        _Rule(kind, prefix or "", region or "", int(dept))
        for kind, prefix, region, dept in query(
            "SELECT category_kind, category_prefix, region_prefix, department_id"
            " FROM routing_rule ORDER BY id"
        )
    ]
    users: list[_User] = []
    handlers: dict[int, _User] = {}
    supervisors: dict[str, _User] = {}
    for uid, username, name, role, scope, dept, active in query(
        "SELECT id, username, display_name, role, jurisdiction_code, department_id, active"
        " FROM app_user ORDER BY username"
    ):
        if not active:
            continue
        user = _User(int(uid), username, name, role)
        users.append(user)
        if role == "handler" and dept is not None:
            handlers.setdefault(int(dept), user)
        if role == "supervisor":
            supervisors.setdefault(scope, user)
    return _Reference(grids, categories, departments, rules, users, handlers, supervisors)
