"""Reference data held in memory: catalogue, departments, routing, regions and grid shapes.

It changes rarely, is read on every request, and is small (Tongzhou: 1,809 grids),
so each worker loads it at start and reloads on a miss (another worker or the CLI
may have added a category or department).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from backend.core.db import Database
from backend.domain.geo import point_in_geometry
from backend.domain.routing import allowed_targets, choose_department
from backend.models import CategoryRow, DepartmentRow, RegionRow, RoutingRuleRow
from backend_client.vocab import RegionKind

MISS_REFRESH_SECONDS = 5.0
BUCKET_DEG = 0.02  # ~2 km buckets for the point-to-grid index


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    kind: RegionKind
    parent_code: str | None
    area_class: str
    centroid: tuple[float, float]


class Reference:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._codes_loaded_at = -MISS_REFRESH_SECONDS
        self.categories: dict[tuple[str, str], CategoryRow] = {}
        self.departments: dict[int, DepartmentRow] = {}
        self.departments_by_code: dict[str, DepartmentRow] = {}
        self.rules: list[RoutingRuleRow] = []
        self.regions: dict[str, RegionInfo] = {}
        self._shapes: dict[str, dict[str, Any]] = {}
        self._buckets: dict[tuple[int, int], list[tuple[str, float, float, float, float]]] = {}

    async def load(self) -> None:
        """Everything: at start-up, and after the catalogue is extended."""
        await self.load_codes()
        await self._load_regions()

    async def load_codes(self) -> None:
        """Catalogue, departments and routing: small, and what a lookup miss may need."""
        async with self._lock, self._db.read() as s:
            cats = (await s.exec(select(CategoryRow))).all()
            depts = (await s.exec(select(DepartmentRow))).all()
            rules = (await s.exec(select(RoutingRuleRow))).all()
        self.categories = {(c.kind, c.code): c for c in cats}
        self.departments = {d.id: d for d in depts if d.id is not None}
        self.departments_by_code = {d.code: d for d in depts}
        self.rules = list(rules)
        self._codes_loaded_at = time.monotonic()

    async def _refresh_codes_on_miss(self) -> None:
        """Another worker or the CLI may have added a class or department; look again,
        but at most every ``MISS_REFRESH_SECONDS``, so bad input cannot make us reload."""
        if time.monotonic() - self._codes_loaded_at >= MISS_REFRESH_SECONDS:
            await self.load_codes()

    async def _load_regions(self) -> None:
        async with self._lock, self._db.read() as s:
            regions = (await s.exec(select(RegionRow))).all()
        self.regions = {
            r.code: RegionInfo(
                r.code,
                r.name,
                RegionKind(r.kind),
                r.parent_code,
                r.area_class,
                (r.centroid_lon, r.centroid_lat),
            )
            for r in regions
        }
        buckets: dict[tuple[int, int], list[tuple[str, float, float, float, float]]] = defaultdict(
            list
        )
        shapes: dict[str, dict[str, Any]] = {}
        for r in regions:
            if r.kind != RegionKind.GRID:
                continue
            shapes[r.code] = r.geometry
            entry = (r.code, r.min_lon, r.min_lat, r.max_lon, r.max_lat)
            for bx in range(_bucket(r.min_lon), _bucket(r.max_lon) + 1):
                for by in range(_bucket(r.min_lat), _bucket(r.max_lat) + 1):
                    buckets[(bx, by)].append(entry)
        self._shapes, self._buckets = shapes, dict(buckets)

    # --- lookups that reload once on a miss -------------------------------------------------

    async def category(self, kind: str, code: str) -> CategoryRow | None:
        found = self.categories.get((kind, code))
        if found is None:
            await self._refresh_codes_on_miss()
            found = self.categories.get((kind, code))
        return found

    async def department_by_code(self, code: str) -> DepartmentRow | None:
        found = self.departments_by_code.get(code)
        if found is None:
            await self._refresh_codes_on_miss()
            found = self.departments_by_code.get(code)
        return found

    def category_name(self, kind: str, code: str) -> str:
        row = self.categories.get((kind, code))
        return row.name if row else code

    def department(self, dept_id: int | None) -> DepartmentRow | None:
        return self.departments.get(dept_id) if dept_id is not None else None

    def grid(self, code: str) -> RegionInfo | None:
        info = self.regions.get(code)
        return info if info is not None and info.kind is RegionKind.GRID else None

    def name_of(self, code: str) -> str:
        info = self.regions.get(code)
        return info.name if info else code

    def grids(self) -> list[RegionInfo]:
        return [r for r in self.regions.values() if r.kind is RegionKind.GRID]

    def locate(self, lon: float, lat: float) -> str | None:
        """The grid containing the point, or None when it is outside every grid."""
        for code, x0, y0, x1, y1 in self._buckets.get((_bucket(lon), _bucket(lat)), ()):
            if (
                x0 <= lon <= x1
                and y0 <= lat <= y1
                and point_in_geometry(lon, lat, self._shapes[code])
            ):
                return code
        return None

    def route(self, category_kind: str, category_code: str, grid_code: str) -> DepartmentRow | None:
        """The routed department (see ``backend.domain.routing``)."""
        return choose_department(
            self.rules, self.departments, category_kind, category_code, grid_code
        )

    def dispatch_targets(self, case: Any, scope_prefix: str) -> list[DepartmentRow]:
        """The units a dispatcher with this scope may send the case to (see
        ``backend.domain.routing.allowed_targets``)."""
        return allowed_targets(
            self.rules,
            self.departments,
            case.category_kind,
            case.category_code,
            case.grid_code,
            scope_prefix,
        )


def _bucket(value: float) -> int:
    return int(value // BUCKET_DEG)
