"""Photo evidence: upload (multipart) and serve, to users who may see the case only."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.api.deps import ActorDep, Services, ServicesDep
from backend.api.multipart import FormError, parse_form
from backend.api.openapi import ETAG, REPLAYED, header, problems
from backend.api.params import IdempotencyKey, SerialPath
from backend.api.writes import request_fingerprint, run_write
from backend.core.problems import BadRequest, Invalid, UnsupportedMediaType
from backend.domain.imaging import PreparedPhoto
from backend.services.access import Actor
from backend.services.events import Outbox
from backend.services.views import case_summary
from backend_client.vocab import AttachmentPhase
from backend_client.wire import ATTACHMENT_NOTE_MAX, ActionResult

router = APIRouter(tags=["photos"])

PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PHASES = ", ".join(p.value for p in AttachmentPhase)

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "phase"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "JPEG, PNG or WebP (checked by content)",
                        },
                        "phase": {"type": "string", "enum": [p.value for p in AttachmentPhase]},
                        "note": {"type": "string", "maxLength": ATTACHMENT_NOTE_MAX},
                    },
                }
            }
        },
    }
}


@router.post(
    "/cases/{serial}/attachments",
    status_code=201,
    response_model=ActionResult,
    responses={
        201: {"headers": {**ETAG, "Location": header("The new photo's URL."), **REPLAYED}},
        **problems(403, 404, 409, 413, 415),
    },
    openapi_extra=UPLOAD_BODY,
)
async def upload_photo(
    serial: SerialPath,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Attach a photo, tagged ``before`` or ``after``.  Location metadata is stripped;
    the upload is an ``attach`` event on the case's timeline.  Honours ``Idempotency-Key``."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "Send the photo as multipart/form-data: a file field named 'file' and "
            f"a field 'phase' ({PHASES}).",
        )
    body = await request.body()
    # Parse, check and clean the photo in a worker thread while the scope is read: the
    # answer still says 404 to a stranger first, and nothing of theirs is stored.
    checking = asyncio.create_task(
        asyncio.to_thread(
            _check_upload, services, body, content_type, request, idempotency_key is not None
        )
    )
    try:
        async with services.db.read() as session:
            await services.cases.load(session, serial, actor)
    except BaseException:
        checking.cancel()
        raise
    upload = await checking
    await asyncio.to_thread(services.photos.store.put, upload.photo)

    made: list[str] = []

    async def change(session: AsyncSession, outbox: Outbox) -> ActionResult:
        result, ref = await _attach(services, actor, serial, session, outbox, upload)
        made.append(ref)
        return result

    response = await run_write(
        request, services, actor, idempotency_key, 201, change, fingerprint=upload.fingerprint
    )
    if made:
        response.headers["Location"] = made[-1]
    return response


async def _attach(
    services: Services,
    actor: Actor,
    serial: str,
    session: AsyncSession,
    outbox: Outbox,
    upload: CheckedUpload,
) -> tuple[ActionResult, str]:
    now = services.now()
    case = await services.cases.load(session, serial, actor, lock=True)
    attachment, event = await services.photos.attach_photo(
        session, actor, case, upload.photo, upload.phase, now=now, note=upload.note, outbox=outbox
    )
    result = ActionResult(case=case_summary(case, services.ref, now), seq=event.seq or 0)
    return result, attachment.ref


@dataclass(frozen=True)
class CheckedUpload:
    photo: PreparedPhoto  # checked and cleaned, not stored yet
    phase: AttachmentPhase
    note: str
    fingerprint: str | None  # of the request, when it carries an Idempotency-Key


def _check_upload(
    services: Services, body: bytes, content_type: str, request: Request, keyed: bool
) -> CheckedUpload:
    """The form read and the photo checked: CPU work, run in a worker thread."""
    try:
        form = parse_form(body, content_type, max_files=1, max_fields=8)
    except FormError as exc:
        raise BadRequest(str(exc)) from exc
    files = [f for f in form.files if f.name == "file"]
    if not files:
        raise Invalid("Attach the photo as a file field named 'file'.", field="file")
    raw_phase = form.get("phase") or form.get("tag")
    if raw_phase is None or raw_phase not in set(AttachmentPhase):
        raise Invalid(
            f"Say which photo this is: the field 'phase' must be one of {PHASES}.",
            field="phase",
        )
    note = form.get("note") or ""
    if len(note) > ATTACHMENT_NOTE_MAX:
        raise Invalid(
            f"The note must be text of at most {ATTACHMENT_NOTE_MAX} characters.",
            field="note",
        )
    return CheckedUpload(
        photo=services.photos.prepare(files[0].data),
        phase=AttachmentPhase(raw_phase),
        note=note.strip(),
        fingerprint=request_fingerprint(request, body) if keyed else None,
    )


async def _serve(
    services: Services, actor: Actor, serial: str, photo_id: int, *, thumbnail: bool
) -> Response:
    async with services.db.read() as session:
        case = await services.cases.load(session, serial, actor)
        row = await services.photos.photo_of(session, case, photo_id)
    data = await asyncio.to_thread(services.photos.store.read, row, thumbnail=thumbnail)
    return Response(
        data,
        media_type="image/jpeg" if thumbnail else row.media_type,
        headers={
            "ETag": f'"{row.sha256}{"-t" if thumbnail else ""}"',
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
        },
    )


PHOTO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
    **problems(404),
}


@router.get(
    "/cases/{serial}/attachments/{photo_id}",
    response_class=Response,
    responses=PHOTO_RESPONSES,
)
async def photo(
    serial: SerialPath, photo_id: PhotoId, services: ServicesDep, actor: ActorDep
) -> Response:
    """The photo as stored (location stripped), if you may see the case."""
    return await _serve(services, actor, serial, photo_id, thumbnail=False)


@router.get(
    "/cases/{serial}/attachments/{photo_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **problems(404)},
)
async def thumbnail(
    serial: SerialPath, photo_id: PhotoId, services: ServicesDep, actor: ActorDep
) -> Response:
    """A JPEG thumbnail (at most 320 pixels on its longer side)."""
    return await _serve(services, actor, serial, photo_id, thumbnail=True)
