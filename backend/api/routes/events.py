from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from backend.api.deps import ActorDep, ServicesDep
from backend.core.problems import Invalid
from backend.services.events import Ping, Published
from backend.services.queries import event_page
from backend_client.wire import EventPage, Resync

router = APIRouter(tags=["events"])

RETRY_MS = 2000


@router.get("/events")
async def events(
    services: ServicesDep,
    actor: ActorDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> EventPage:
    """The event log after ``after``, as far as you may see it."""
    async with services.db.read() as session:
        return await event_page(session, services.ref, actor, after, limit)


@router.get("/events/stream", response_class=EventSourceResponse)
async def stream(
    services: ServicesDep,
    actor: ActorDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events, ``id`` = event seq.  Resume with ``Last-Event-ID`` (or
    ``?after=``); keep-alive comments every few seconds; ``event: resync`` when you
    are too far behind — reload ``/cases`` and continue."""
    start = after
    if last_event_id:
        if not last_event_id.strip().isdigit():
            raise Invalid("Last-Event-ID must be an event seq (a whole number).")
        start = int(last_event_id)
    yield ServerSentEvent(comment="citygrid event stream", retry=RETRY_MS)
    async for item in services.broadcaster.stream(actor, start):
        if isinstance(item, Published):
            yield ServerSentEvent(raw_data=item.json, event=item.action, id=str(item.seq))
        elif isinstance(item, Resync):
            yield ServerSentEvent(
                raw_data=item.model_dump_json(), event="resync", id=str(item.head_seq)
            )
        elif isinstance(item, Ping):
            yield ServerSentEvent(comment="ping")
