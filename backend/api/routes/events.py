from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from backend.api.deps import ActorDep, ServicesDep, SignInDep, header_number
from backend.api.openapi import EVENT_STREAM
from backend.services.queries import event_page
from backend.services.streams import until_closed
from backend_client.text import INT64_MAX
from backend_client.wire import EventPage

router = APIRouter(tags=["events"])

RETRY_MS = 2000


@router.get("/events")
async def events(
    services: ServicesDep,
    actor: ActorDep,
    after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> EventPage:
    """The event log after ``after``, as far as you may see it."""
    async with services.db.read() as session:
        return await event_page(session, services.ref, actor, after, limit)


@router.get(
    "/events/stream",
    response_class=StreamingResponse,
    responses=EVENT_STREAM,
)
async def stream(
    services: ServicesDep,
    signin: SignInDep,
    after: Annotated[int | None, Query(ge=0, le=INT64_MAX)] = None,
    last_event_id: Annotated[
        str | None, Header(json_schema_extra={"pattern": r"^\s*[0-9]*\s*$"})
    ] = None,
) -> StreamingResponse:
    """Server-sent events, ``id`` = event seq, ``event`` = action name, ``data`` = the
    event with the case's queue row; ``event: gone`` (seq and serial only) says you may
    no longer see that case.  Resume with ``Last-Event-ID`` (or ``?after=``); ``: ping``
    comments keep idle connections alive; ``event: resync`` (then the stream ends) says
    you are ahead of the log (a restored database) or too far behind — reload ``/cases``
    and continue.  The stream also ends within about a second of its token being revoked
    or expiring, or its user being disabled (reconnecting then answers 401 with the
    reason)."""
    start = after
    if last_event_id:
        start = header_number("Last-Event-ID", last_event_id, "an event seq")

    async def body() -> AsyncIterator[bytes]:
        yield f": citygrid event stream\nretry: {RETRY_MS}\n\n".encode()
        with services.auth.guard(signin) as guard:
            events = services.broadcaster.stream(signin.actor, start)
            async for chunk in until_closed(events, guard.closed):
                yield chunk
            if guard.closed.is_set():
                yield f": closed: {guard.reason}\n\n".encode()

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
