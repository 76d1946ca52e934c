from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import ActorDep, ServicesDep
from backend.api.openapi import problems
from backend.core.problems import Conflict, Forbidden
from backend.models import CategoryRow, DepartmentRow
from backend_client.text import SINGLE_LINE_PATTERN
from backend_client.vocab import CategoryKind, Role
from backend_client.wire import Category, CategoryCreate, Department

router = APIRouter(tags=["reference"])


def category_wire(row: CategoryRow) -> Category:
    return Category(
        kind=CategoryKind(row.kind),
        code=row.code,
        name=row.name,
        gloss=row.gloss,
        big_class=row.big_class,
        big_class_name=row.big_class_name,
        big_class_gloss=row.big_class_gloss,
        local=row.local,
    )


@router.get("/catalogue")
async def catalogue(
    services: ServicesDep,
    _actor: ActorDep,
    kind: CategoryKind | None = None,
    q: Annotated[str | None, Query(max_length=50, pattern=SINGLE_LINE_PATTERN)] = None,
) -> list[Category]:
    """GB/T 47678.5-2026 components and matters, plus local extensions; ``q`` matches code,
    Chinese name or English gloss."""
    needle = (q or "").lower()
    rows = sorted(services.ref.categories.values(), key=lambda c: (c.kind, c.code))
    return [
        category_wire(r)
        for r in rows
        if (kind is None or r.kind == kind.value)
        and (not needle or needle in r.code or needle in r.name or needle in r.gloss.lower())
    ]


@router.post("/catalogue", status_code=201, responses=problems(403, 409))
async def add_local_category(
    services: ServicesDep, actor: ActorDep, body: CategoryCreate
) -> Category:
    """Add a city's local extension class (admin only)."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can extend the catalogue.")
    row = CategoryRow(
        kind=body.kind.value,
        code=body.code,
        big_class=body.code[:2],
        big_class_name=body.big_class_name or "扩展",
        big_class_gloss=body.big_class_gloss or "local extension",
        name=body.name,
        gloss=body.gloss,
        local=True,
    )
    async with services.db.write() as session:
        if await session.get(CategoryRow, (row.kind, row.code)) is not None:
            raise Conflict(f"{body.kind.value} {body.code} already exists in the catalogue.")
        session.add(row)
    await services.ref.load_codes()
    return category_wire(row)


@router.get("/departments")
async def departments(services: ServicesDep, _actor: ActorDep) -> list[Department]:
    rows: list[DepartmentRow] = sorted(services.ref.departments.values(), key=lambda d: d.code)
    return [
        Department(code=d.code, name=d.name, kind=d.kind, region_code=d.region_code) for d in rows
    ]
