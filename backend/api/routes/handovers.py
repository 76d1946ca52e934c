"""Shift handover (交接班): the current shift, and the handover record's life.

Build (``POST /handovers``) → sign (outgoing lead) → acknowledge (incoming lead).  Reads
follow jurisdiction like cases; department handlers see none; only shift leads write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.deps import ActorDep, Services, ServicesDep
from backend.api.openapi import problems
from backend.api.params import IdempotencyKey, Instant
from backend.api.writes import run_model_write
from backend.models import EventRow
from backend.services.access import Actor
from backend.services.events import event_scope, events_after, feed_item, head_seq
from backend.services.handover import handover_wire, replay_window
from backend.services.handover_export import csv_text, markdown
from backend_client.text import INT64_MAX
from backend_client.wire import CheckItemDef, CurrentShift, EventPage, Handover, HandoverCreate
from backend_client.wire import HandoverPage as HandoverPageWire

router = APIRouter(tags=["handovers"])

HandoverId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Status = Literal["draft", "signed", "acknowledged"]


@router.get("/shifts/current", responses=problems(403))
async def current_shift(services: ServicesDep, actor: ActorDep) -> CurrentShift:
    """The shift on duty now (from the centre's shifts file), the next one, the handover
    checklist, and this shift's handover in your jurisdiction if one was built."""
    async with services.db.read() as session:
        return await services.handovers.current(session, actor, services.now())


@router.post(
    "/handovers",
    status_code=201,
    response_model=Handover,
    responses={
        200: {"model": Handover, "description": "The unsigned draft, rebuilt."},
        **problems(403, 409),
    },
)
async def build_handover(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    body: HandoverCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Build the current shift's handover with a fresh snapshot (201), or rebuild its
    unsigned draft (200).  Shift leads only; honours ``Idempotency-Key``."""
    return await run_model_write(
        request,
        services,
        actor,
        idempotency_key,
        lambda session, _outbox: services.handovers.build(session, actor, body, services.now()),
        status=lambda h: 201 if h.version == 1 else 200,
        tag=lambda h: (h.version, str(h.id)),
    )


Transition = Callable[[AsyncSession, Actor, int, datetime], Awaitable[Handover]]


async def _transition(
    change: Transition,
    handover_id: int,
    request: Request,
    services: Services,
    actor: Actor,
    idempotency_key: str | None,
) -> JSONResponse:
    """Sign or acknowledge: one write of the stored handover, honouring ``Idempotency-Key``."""
    return await run_model_write(
        request,
        services,
        actor,
        idempotency_key,
        lambda session, _outbox: change(session, actor, handover_id, services.now()),
        status=lambda _h: 200,
        tag=lambda h: (h.version, str(h.id)),
    )


@router.post(
    "/handovers/{handover_id}/sign", response_model=Handover, responses=problems(403, 404, 409)
)
async def sign_handover(
    handover_id: HandoverId,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The outgoing lead signs; the record cannot change after.  Signing twice is 409."""
    return await _transition(
        services.handovers.sign, handover_id, request, services, actor, idempotency_key
    )


@router.post(
    "/handovers/{handover_id}/acknowledge",
    response_model=Handover,
    responses=problems(403, 404, 409),
)
async def acknowledge_handover(
    handover_id: HandoverId,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The incoming lead acknowledges a signed handover (not their own: 403)."""
    return await _transition(
        services.handovers.acknowledge, handover_id, request, services, actor, idempotency_key
    )


@router.get("/handovers", responses=problems(403))
async def handovers(
    services: ServicesDep,
    actor: ActorDep,
    status: Status | None = None,
    since: Annotated[Instant | None, Query()] = None,
    until: Annotated[Instant | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> HandoverPageWire:
    """Handovers in your jurisdiction, newest shift first; ``status=signed`` lists those
    waiting for the incoming lead; ``since``/``until`` bound the shifts' times."""
    async with services.db.read() as session:
        items = await services.handovers.page(
            session, actor, status=status, since=since, until=until, limit=limit
        )
    return HandoverPageWire(items=items)


@router.get("/handovers/{handover_id}", responses=problems(403, 404))
async def handover(handover_id: HandoverId, services: ServicesDep, actor: ActorDep) -> Handover:
    async with services.db.read() as session:
        return handover_wire(await services.handovers.get(session, actor, handover_id))


@router.get(
    "/handovers/{handover_id}/export",
    response_class=Response,
    responses={
        200: {"content": {"text/markdown": {}, "text/csv": {}}},
        **problems(403, 404),
    },
)
async def export_handover(
    handover_id: HandoverId,
    services: ServicesDep,
    actor: ActorDep,
    format: Literal["md", "csv"] = "md",
) -> Response:
    """The handover as Markdown (``format=md``) or CSV (``format=csv``), UTF-8."""
    async with services.db.read() as session:
        row = await services.handovers.get(session, actor, handover_id)
    plan = services.handovers.plan
    items = [CheckItemDef(id=c.id, zh=c.zh, en=c.en) for c in plan.checklist]
    h = handover_wire(row)
    name = f"handover-{h.id}-{h.starts_at.astimezone(plan.tz):%Y%m%d-%H%M}"
    if format == "csv":
        # A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
        body = "\ufeff" + csv_text(h, items, plan.tz)
        media, ext = "text/csv; charset=utf-8", "csv"
    else:
        body, media, ext = markdown(h, items, plan.tz), "text/markdown; charset=utf-8", "md"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'},
    )


@router.get("/handovers/{handover_id}/events", responses=problems(403, 404))
async def handover_events(
    handover_id: HandoverId,
    services: ServicesDep,
    actor: ActorDep,
    after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> EventPage:
    """The shift's events in order (its start to its end, or to now while it runs), in
    the handover's jurisdiction and as far as you may see them; page with ``after``."""
    async with services.db.read() as session:
        row = await services.handovers.get(session, actor, handover_id)
        start, end = replay_window(row, services.now())
        stmt = events_after(after, limit).where(
            col(EventRow.at) >= start,
            col(EventRow.at) <= end,
            col(EventRow.grid_code).startswith(row.scope_prefix, autoescape=True),
            *event_scope(actor),
        )
        rows = (await session.exec(stmt)).all()
        head = await head_seq(session)
    items = [item for e, c in rows if (item := feed_item(actor, e, c, services.ref)) is not None]
    return EventPage(items=items, head_seq=head)
