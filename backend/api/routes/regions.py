from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from backend.api.deps import ActorDep, ServicesDep
from backend.api.openapi import problems
from backend.core.problems import Invalid, NotFound
from backend.domain.gridcode import GRID_CODE_PATTERN, InvalidGridCode, parse_grid_code
from backend.models import RegionRow
from backend_client.vocab import RegionKind
from backend_client.wire import GridCell, GridPublic, RegionNode

router = APIRouter(tags=["regions"])


@router.get("/regions")
async def regions(
    services: ServicesDep,
    _actor: ActorDep,
    depth: Annotated[int, Query(ge=1, le=5)] = 5,
) -> list[RegionNode]:
    """The region tree, city → district → street → community → grid (no geometry)."""
    infos = services.ref.regions
    children: dict[str | None, list[str]] = {}
    for info in infos.values():
        children.setdefault(info.parent_code, []).append(info.code)

    def build(code: str, level: int) -> RegionNode:
        info = infos[code]
        kids = sorted(children.get(code, [])) if level < depth else []
        return RegionNode(
            code=info.code,
            name=info.name,
            kind=info.kind,
            area_class=info.area_class,
            children=[build(k, level + 1) for k in kids],
        )

    roots = sorted(c for c in children.get(None, []) if c in infos)
    return [build(code, 1) for code in roots]


@router.get("/grids")
async def grid_cells(services: ServicesDep, _actor: ActorDep) -> list[GridCell]:
    """Every unit grid's code and centroid, for drawing the character map."""
    return [
        GridCell(code=g.code, lon=g.centroid[0], lat=g.centroid[1])
        for g in sorted(services.ref.grids(), key=lambda g: g.code)
    ]


@router.get("/grids/locate", responses=problems(404))
async def locate(
    services: ServicesDep,
    _actor: ActorDep,
    lon: Annotated[float, Query(ge=-180, le=180, examples=[116.5872])],
    lat: Annotated[float, Query(ge=-90, le=90, examples=[39.8720])],
) -> GridPublic:
    code = services.ref.locate(lon, lat)
    if code is None:
        raise NotFound(f"The point ({lon}, {lat}) is outside every unit grid.")
    return await _grid(services, code)


@router.get("/grids/{code}", responses=problems(404))
async def grid(
    services: ServicesDep,
    _actor: ActorDep,
    code: Annotated[
        str,
        Path(
            description="A 15-digit unit-grid code.",
            examples=["110112001001001"],
            json_schema_extra={"pattern": GRID_CODE_PATTERN},
        ),
    ],
) -> GridPublic:
    # Checked here rather than by FastAPI, for a sentence that says what is wrong.
    try:
        parse_grid_code(code)
    except InvalidGridCode as exc:
        raise Invalid(str(exc), field="code") from exc
    return await _grid(services, code)


async def _grid(services: ServicesDep, code: str) -> GridPublic:
    async with services.db.read() as session:
        row = await session.get(RegionRow, code)
    if row is None or row.kind != RegionKind.GRID:
        raise NotFound(f"No unit grid has the code {code}.")
    ref = services.ref
    return GridPublic(
        code=row.code,
        name=row.name,
        area_class=row.area_class,
        street_code=code[:9],
        street_name=ref.name_of(code[:9]),
        community_code=code[:12],
        community_name=ref.name_of(code[:12]),
        centroid=(row.centroid_lon, row.centroid_lat),
        geometry=row.geometry,
    )
