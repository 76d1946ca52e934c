"""Writes reference data, users and tokens.  Synchronous: run from the CLI, not a server.

Every function here is idempotent where that makes sense, so ``citygrid seed`` can
be run again on an existing database without duplicating anything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from backend.core.db import sync_engine
from backend.core.schema import upgrade
from backend.domain.catalogue import CatalogueEntry, load_standard_catalogue
from backend.domain.geo import bbox, centroid
from backend.domain.gridcode import RegionSpec
from backend.models import (
    CategoryRow,
    DepartmentRow,
    RegionRow,
    RoutingRuleRow,
)
from backend.seed.citylayout import build_demo_city
from backend.seed.departments import (
    PROFESSIONAL,
    ROUTES,
    TOWN_SANITATION,
    DepartmentSpec,
    street_office,
)
from backend.seed.users import demo_users
from backend.services.admin import IssuedToken, default_actor, provision_user
from backend_client.vocab import RegionKind


def region_row(spec: RegionSpec) -> RegionRow:
    x0, y0, x1, y1 = bbox(spec.geometry)
    cx, cy = centroid(spec.geometry)
    return RegionRow(
        code=spec.code,
        name=spec.name,
        kind=spec.kind.value,
        parent_code=spec.parent_code,
        area_class=spec.area_class.value,
        geometry=spec.geometry,
        min_lon=x0,
        min_lat=y0,
        max_lon=x1,
        max_lat=y1,
        centroid_lon=round(cx, 7),
        centroid_lat=round(cy, 7),
    )


def write_regions(session: Session, specs: Iterable[RegionSpec]) -> int:
    """Insert or replace regions (a city's grid layer import uses this too)."""
    count = 0
    for spec in specs:
        session.merge(region_row(spec))
        count += 1
    return count


def write_catalogue(session: Session, entries: Iterable[CatalogueEntry]) -> int:
    count = 0
    for e in entries:
        session.merge(
            CategoryRow(
                kind=e.kind.value,
                code=e.code,
                big_class=e.big_class,
                big_class_name=e.big_class_name,
                big_class_gloss=e.big_class_gloss,
                name=e.name,
                gloss=e.gloss,
                local=e.local,
            )
        )
        count += 1
    return count


def write_departments(session: Session, specs: Iterable[DepartmentSpec]) -> dict[str, int]:
    existing = {d.code: d for d in session.exec(select(DepartmentRow)).all()}
    for spec in specs:
        row = existing.get(spec.code) or DepartmentRow(
            code=spec.code, name=spec.name, kind=spec.kind
        )
        row.name, row.kind, row.region_code = spec.name, spec.kind, spec.region_code
        session.add(row)
        existing[spec.code] = row
    session.flush()
    return {code: row.id for code, row in existing.items() if row.id is not None}


def write_routes(session: Session, dept_ids: dict[str, int], streets: list[RegionSpec]) -> int:
    for old in session.exec(select(RoutingRuleRow)).all():
        session.delete(old)
    session.flush()
    count = 0
    for route in ROUTES:
        session.add(
            RoutingRuleRow(
                category_kind=route.category_kind,
                category_prefix=route.category_prefix,
                region_prefix=route.region_prefix,
                department_id=dept_ids[route.department],
            )
        )
        count += 1
    for street in streets:
        if not street.name.endswith(("镇", "乡")):
            continue
        office = dept_ids[f"JD{street.code[-3:]}"]
        for code in TOWN_SANITATION:
            session.add(
                RoutingRuleRow(
                    category_kind="matter",
                    category_prefix=code,
                    region_prefix=street.code,
                    department_id=office,
                )
            )
            count += 1
    return count


def write_tokens_file(path: Path, tokens: list[IssuedToken], server: str | None = None) -> None:
    """The demo's credentials, readable only by this user."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "server": server,
        "users": [
            {
                "username": t.username,
                "display_name": t.display_name,
                "role": t.role.value,
                "jurisdiction_code": t.jurisdiction_code,
                "department_code": t.department_code,
                "token": t.token,
            }
            for t in tokens
        ],
    }
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
    tmp.replace(path)


@dataclass(frozen=True)
class SeedReport:
    regions: int
    grids: int
    categories: int
    departments: int
    routes: int
    users: int
    tokens: list[IssuedToken]


def seed_demo_city(
    url: str, *, seed: int = 20261122, now: datetime | None = None, by: str | None = None
) -> SeedReport:
    """Build the synthetic Tongzhou-shaped district with departments, routing and users.

    Every run issues a fresh token for each demo user and revokes its older ones.
    """
    now = now or datetime.now(UTC)
    by = by or default_actor()
    upgrade(url)
    specs = build_demo_city(seed)
    streets = [s for s in specs if s.kind is RegionKind.STREET]
    district = next(s for s in specs if s.kind is RegionKind.DISTRICT)
    engine = sync_engine(url)
    try:
        with Session(engine) as session:
            regions = write_regions(session, specs)
            categories = write_catalogue(session, load_standard_catalogue())
            dept_specs = [*PROFESSIONAL, *(street_office(s.code, s.name) for s in streets)]
            dept_ids = write_departments(session, dept_specs)
            routes = write_routes(session, dept_ids, streets)
            users = demo_users(
                district.code,
                [(s.code, s.name) for s in streets],
                [d.code for d in dept_specs],
            )
            tokens = [provision_user(session, u, now=now, by=by, label="demo") for u in users]
            session.commit()
    finally:
        engine.dispose()
    return SeedReport(
        regions=regions,
        grids=sum(1 for s in specs if s.kind is RegionKind.GRID),
        categories=categories,
        departments=len(dept_specs),
        routes=routes,
        users=len(tokens),
        tokens=tokens,
    )
