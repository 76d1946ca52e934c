from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import ActorDep, ServicesDep
from backend.api.openapi import problems
from backend_client.wire import Health, Me, ServerTime

router = APIRouter(tags=["system"])


@router.get("/health", responses=problems(503))
async def health(services: ServicesDep) -> Health:
    head = await services.head.read()
    return Health(status="ok", version="0.1.0", database=services.db.dialect, head_seq=head)


@router.get("/time")
async def server_time(services: ServicesDep) -> ServerTime:
    """The server clock, so consoles can correct their countdowns for local clock skew,
    and the working calendar's timezone, so they show the centre's wall clock."""
    return ServerTime(now=services.now(), timezone=services.cases.clockwork.calendar.tz.key)


@router.get("/me")
async def me(actor: ActorDep, services: ServicesDep) -> Me:
    dept = services.ref.department(actor.department_id)
    return Me(
        id=actor.id,
        username=actor.username,
        display_name=actor.display_name,
        role=actor.role,
        jurisdiction_code=actor.jurisdiction_code,
        jurisdiction_name=services.ref.name_of(actor.jurisdiction_code),
        department_code=dept.code if dept else None,
        department_name=dept.name if dept else None,
    )
