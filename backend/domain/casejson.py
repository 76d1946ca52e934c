"""The JSON a case keeps: its stage runs, attachments, pending request and merge snapshot.

Each is a :class:`TypedDict`: the workflow core and the history seeder build and read
plain dicts (no model objects in the hot path, and the seeder encodes them as they are),
and the table's typed columns (:class:`~backend.models.jsontypes.JSONOf`) validate them
when read and write them as built: keys in the order they were set, a key left out stays
out.  Instants are ISO 8601 strings (UTC), enum members their values.

What clients see of them is the wire schema's: :class:`~backend_client.wire.StageDeadline`
for a stage run, :class:`~backend_client.wire.Attachment` for an attachment.
"""

from __future__ import annotations

from typing import Any, NotRequired, cast

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict  # pydantic validates this one before Python 3.12

from backend_client.wirebase import AttachmentRef

_STORED = ConfigDict(extra="forbid")  # a stored value of another shape is refused when read


@with_config(_STORED)
class StagePreview(TypedDict):
    """What starting a stage now would set (the dispatch dialog's preview)."""

    stage: str
    started_at: str
    warn_at: str
    due_at: str
    unit: str  # a TimeUnit's value
    limit_label: str  # the limit as the policy words it (e.g. 2个工作日)


@with_config(_STORED)
class StageRecord(StagePreview):
    """One stage run, as stored in ``case.deadlines`` (the last one runs while ``done_at``
    is null).  ``paused_seconds`` appears at the first resume, ``extended_hours`` at the
    first approved extension."""

    done_at: str | None
    paused_at: str | None
    paused_seconds: NotRequired[float]
    extended_hours: NotRequired[float]


@with_config(_STORED)
class PendingRequest(TypedDict):
    """A department's request awaiting a decision (``case.pending_detail``)."""

    kind: str  # a PendingKind's value
    reason: str | None
    hours: float | None  # an extension's
    by: str  # the requester's display name
    at: str


@with_config(_STORED)
class MergeSnapshot(TypedDict):
    """What a merged case had (``case.merge_snapshot``); an unmerge puts it back."""

    state: str  # a CaseState's value
    deadlines: list[StageRecord]


@with_config(_STORED)
class StoredAttachment(TypedDict):
    """An attachment in ``case.attachments``: an :class:`AttachmentRef` as JSON, and for a
    photo uploaded to the server the rest of an :class:`~backend_client.wire.Attachment`."""

    ref: str
    phase: str  # an AttachmentPhase's value
    note: str
    id: NotRequired[int | None]
    media_type: NotRequired[str | None]
    size: NotRequired[int | None]
    width: NotRequired[int | None]
    height: NotRequired[int | None]
    by: NotRequired[str | None]
    at: NotRequired[str | None]


def stored_attachment(attachment: AttachmentRef) -> StoredAttachment:
    """``attachment`` as the case keeps it (an Attachment's JSON has the same keys)."""
    dumped: dict[str, Any] = attachment.model_dump(mode="json")
    return cast(StoredAttachment, dumped)
