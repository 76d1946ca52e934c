"""Photo evidence on a case: the content-addressed store and the one way to attach.

Files live under the photo root as ``ab/abcdef….jpg`` (the SHA-256 of the served
bytes) with ``ab/abcdef….thumb.jpg`` beside them: a photo carried by many cases, or
uploaded twice, is one file.  Files are written before the row that names them
commits; a write that then fails leaves an unreferenced file, never a row without
its file.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.core.problems import Invalid, NotFound, PayloadTooLarge
from backend.domain import statemachine
from backend.domain.casejson import stored_attachment
from backend.domain.imaging import (
    EXTENSIONS,
    PhotoRefused,
    PhotoTooLarge,
    PreparedPhoto,
    prepare_photo,
)
from backend.models import CaseRow, EventRow, PhotoRow
from backend.services.access import Actor
from backend.services.events import Outbox, append_event
from backend_client.eventdata import AttachData
from backend_client.vocab import Action, AttachmentPhase, CaseState
from backend_client.wire import Attachment

API_PREFIX = "/api/v1"


def photo_ref(serial: str, photo_id: int) -> str:
    return f"{API_PREFIX}/cases/{serial}/attachments/{photo_id}"


class PhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str, media_type: str, *, thumbnail: bool = False) -> Path:
        suffix = "thumb.jpg" if thumbnail else EXTENSIONS[media_type]
        return self.root / sha256[:2] / f"{sha256}.{suffix}"

    def put(self, photo: PreparedPhoto) -> None:
        """Write the photo and its thumbnail unless the store has them already."""
        for path, data in (
            (self.path(photo.sha256, photo.media_type), photo.data),
            (self.path(photo.sha256, photo.media_type, thumbnail=True), photo.thumbnail),
        ):
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, path)  # atomic: readers see the whole file or none
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def read(self, row: PhotoRow, *, thumbnail: bool = False) -> bytes:
        path = self.path(row.sha256, row.media_type, thumbnail=thumbnail)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(
                f"Photo {row.id} is recorded but its file is missing from the photo store; "
                "ask the administrator to restore the photo directory.",
            ) from exc


@dataclass
class PhotoService:
    db: Database
    store: PhotoStore
    max_bytes: int
    max_pixels: int

    def prepare(self, data: bytes) -> PreparedPhoto:
        """The checked, cleaned photo; a refusal is the API's 413 or 422 sentence."""
        try:
            return prepare_photo(data, max_bytes=self.max_bytes, max_pixels=self.max_pixels)
        except PhotoTooLarge as exc:
            extra = {} if exc.limit_bytes is None else {"limit_bytes": exc.limit_bytes}
            raise PayloadTooLarge(str(exc), **extra) from exc
        except PhotoRefused as exc:
            raise Invalid(str(exc), field="file") from exc

    async def prepare_and_store(self, data: bytes) -> PreparedPhoto:
        """Check, clean and store an upload off the event loop (it is CPU and disk work)."""

        def work() -> PreparedPhoto:
            photo = self.prepare(data)
            self.store.put(photo)
            return photo

        return await asyncio.to_thread(work)

    async def attach_photo(
        self,
        session: AsyncSession,
        actor: Actor,
        case: CaseRow,
        data: bytes | PreparedPhoto,
        tag: AttachmentPhase,
        *,
        now: datetime,
        note: str = "",
        outbox: Outbox | None = None,
    ) -> tuple[Attachment, EventRow]:
        """Attach a photo to ``case`` inside the caller's write transaction: the row,
        the case's attachment list and version, and an ``attach`` event in the log.

        ``case`` must come from :meth:`CaseService.load` for ``actor`` (that is the scope
        check); the role and the state are checked here.  ``data`` is the upload's bytes,
        or a photo that :meth:`prepare_and_store` already checked and stored."""
        statemachine.check_attach(CaseState(case.state), actor.role)
        if isinstance(data, bytes):
            photo = self.prepare(data)
            self.store.put(photo)
        else:
            photo = data
        assert case.id is not None
        row = PhotoRow(
            case_id=case.id,
            sha256=photo.sha256,
            media_type=photo.media_type,
            size=photo.size,
            width=photo.width,
            height=photo.height,
            phase=tag.value,
            note=note,
            uploaded_by=actor.display_name,
            uploaded_at=now,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        attachment = Attachment(
            ref=photo_ref(case.serial, row.id),
            phase=tag,
            note=note,
            id=row.id,
            media_type=photo.media_type,
            size=photo.size,
            width=photo.width,
            height=photo.height,
            by=actor.display_name,
            at=now,
        )
        case.attachments = [*case.attachments, stored_attachment(attachment)]
        case.version += 1
        case.updated_at = now
        case.last_actor = actor.display_name
        session.add(case)
        await session.flush()
        event = await append_event(
            session,
            self.db,
            case=case,
            actor=actor,
            action=Action.ATTACH,
            data=AttachData(
                photo=row.id,
                phase=tag,
                media_type=photo.media_type,
                size=photo.size,
                note=note or None,
            ),
            at=now,
            prev_department_id=case.department_id,
            outbox=outbox,
        )
        return attachment, event

    async def photo_of(self, session: AsyncSession, case: CaseRow, photo_id: int) -> PhotoRow:
        row = (
            await session.exec(
                select(PhotoRow).where(PhotoRow.id == photo_id, PhotoRow.case_id == case.id)
            )
        ).first()
        if row is None:
            raise NotFound(f"Case {case.serial} has no photo {photo_id}.", serial=case.serial)
        return row
