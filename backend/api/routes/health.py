from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from backend.api.deps import ActorDep, ServicesDep, services_of
from backend.api.openapi import problems
from backend_client.wire import Health, Me, ServerTime

router = APIRouter(tags=["system"])


def _json(model: BaseModel) -> Response:
    """The model as its JSON answer: FastAPI would otherwise validate it again first."""
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/health", response_model=Health, responses=problems(503))
async def health(request: Request) -> Response:
    services = services_of(request)
    head = await services.head.read()
    return _json(Health(status="ok", version="0.1.0", database=services.db.dialect, head_seq=head))


@router.get("/time", response_model=ServerTime)
async def server_time(request: Request) -> Response:
    """The server clock, so consoles can correct their countdowns for local clock skew,
    and the working calendar's timezone, so they show the centre's wall clock."""
    services = services_of(request)
    calendar = services.cases.clockwork.calendar
    return _json(ServerTime(now=services.now(), timezone=calendar.tz.key))


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
