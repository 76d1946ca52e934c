"""The shared shape of every write: one transaction, idempotent, then wake the stream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.deps import Services
from backend.services import idempotency
from backend.services.access import Actor
from backend.services.events import Outbox
from backend_client.wire import ActionResult

R = TypeVar("R", bound=BaseModel)


class EncodedJSON(JSONResponse):
    """A JSON answer whose body is already encoded (by the model's own serializer)."""

    def render(self, content: object) -> bytes:
        assert isinstance(content, bytes)
        return content


async def run_write(
    request: Request,
    services: Services,
    actor: Actor,
    idempotency_key: str | None,
    status_code: int,
    change: Callable[[AsyncSession, Outbox], Awaitable[ActionResult]],
    *,
    fingerprint: str | None = None,
) -> JSONResponse:
    """A case write: ``ETag`` is the case's version, ``Location`` its serial."""
    return await run_model_write(
        request,
        services,
        actor,
        idempotency_key,
        change,
        status=lambda _result: status_code,
        tag=lambda result: (result.case.version, result.case.serial),
        fingerprint=fingerprint,
    )


def request_fingerprint(request: Request, body: bytes) -> str:
    """What a retry with the same ``Idempotency-Key`` must repeat: method, path and body."""
    return idempotency.fingerprint(request.method, request.url.path, body)


async def run_model_write(
    request: Request,
    services: Services,
    actor: Actor,
    idempotency_key: str | None,
    change: Callable[[AsyncSession, Outbox], Awaitable[R]],
    *,
    status: Callable[[R], int],
    tag: Callable[[R], tuple[int, str]],
    fingerprint: str | None = None,
) -> JSONResponse:
    """Any write: ``status`` picks the answer's code, ``tag`` gives the resource's version
    (``ETag``) and id (``Location`` under the request path, on 201).  ``fingerprint`` is
    :func:`request_fingerprint`, when the caller has already taken it (off the event
    loop, for a large body); otherwise it is taken before the write transaction."""
    now = services.now()
    if idempotency_key is not None and fingerprint is None:
        fingerprint = request_fingerprint(request, await request.body())
    outbox = Outbox(services.ref)
    async with services.db.write() as session:
        if idempotency_key is not None:
            assert fingerprint is not None
            stored = await idempotency.claim(
                session, services.db, actor.id, idempotency_key, fingerprint, now
            )
            if stored is not None:
                return JSONResponse(
                    stored.body,
                    status_code=stored.status_code,
                    headers={"Idempotent-Replayed": "true"},
                )
        result = await change(session, outbox)
        status_code = status(result)
        if idempotency_key is not None:
            payload = result.model_dump(mode="json")
            await idempotency.store(session, actor.id, idempotency_key, status_code, payload)
    services.broadcaster.offer(outbox.items)  # committed: hand the events to the stream
    services.projector.notify()
    version, resource = tag(result)
    headers = {"ETag": f'"{version}"'}
    if status_code == 201:
        headers["Location"] = f"{request.url.path.rstrip('/')}/{resource}"
    # Encoded once, straight from the model (no dict, then json.dumps, in between).
    return EncodedJSON(result.__pydantic_serializer__.to_json(result), status_code, headers)
