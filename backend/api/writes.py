"""The shared shape of every write: one transaction, idempotent, then wake the stream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.deps import Services
from backend.services import idempotency
from backend.services.access import Actor
from backend.services.events import Outbox
from backend_client.wire import ActionResult


async def run_write(
    request: Request,
    services: Services,
    actor: Actor,
    idempotency_key: str | None,
    status_code: int,
    change: Callable[[AsyncSession, Outbox], Awaitable[ActionResult]],
) -> JSONResponse:
    now = services.now()
    body = await request.body()
    outbox = Outbox(services.ref)
    async with services.db.write() as session:
        if idempotency_key is not None:
            print_ = idempotency.fingerprint(request.method, request.url.path, body)
            stored = await idempotency.claim(
                session, services.db, actor.id, idempotency_key, print_, now
            )
            if stored is not None:
                return JSONResponse(
                    stored.body,
                    status_code=stored.status_code,
                    headers={"Idempotent-Replayed": "true"},
                )
        result = await change(session, outbox)
        payload = result.model_dump(mode="json")
        if idempotency_key is not None:
            await idempotency.store(session, actor.id, idempotency_key, status_code, payload)
    services.broadcaster.offer(outbox.items)  # committed: hand the events to the stream
    headers = {"ETag": f'"{result.case.version}"'}
    if status_code == 201:
        headers["Location"] = f"{request.url.path.rstrip('/')}/{result.case.serial}"
    return JSONResponse(payload, status_code=status_code, headers=headers)
