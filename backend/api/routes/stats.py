from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import ActorDep, ServicesDep
from backend.services.queries import grid_stats
from backend_client.wire import GridStats

router = APIRouter(tags=["stats"])


@router.get("/stats/grids")
async def grids(services: ServicesDep, actor: ActorDep) -> GridStats:
    """Open, overdue and supervised counts per grid, for the map."""
    async with services.db.snapshot() as session:
        return await grid_stats(session, actor, services.now())
