"""Writes reference data, users and tokens.  Synchronous: run from the CLI, not a server.

Every function here is idempotent where that makes sense, so ``citygrid seed`` can
be run again on an existing database without duplicating anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from backend.core.db import sync_engine
from backend.core.schema import upgrade
from backend.domain.catalogue import load_standard_catalogue
from backend.domain.gridcode import RegionSpec
from backend.domain.tokens import IssuedToken
from backend.models import DepartmentRow, RoutingRuleRow
from backend.seed.citylayout import build_demo_city
from backend.seed.departments import (
    PROFESSIONAL,
    ROUTES,
    TOWN_SANITATION,
    DepartmentSpec,
    street_office,
)
from backend.seed.users import demo_users
from backend.services.admin import default_actor, provision_user
from backend.services.reference_data import write_catalogue, write_regions
from backend_client.vocab import RegionKind


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
