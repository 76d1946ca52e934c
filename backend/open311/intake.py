"""A report through the façade becomes a case the one way every report does:
:meth:`CaseService.create`, as the channel's user, with the channel as its source.

A retried POST creates one case: with an ``Idempotency-Key`` header the first answer is
stored under it (per channel key); without one, the same key, device and body inside
:data:`DEDUP_WINDOW` are taken for a retry too (the answer is recorded at the end of the
write in one statement; a retry that meets it rolls back and replays it).  A photo sent
as the file ``media`` is attached as the ``before`` photo in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from backend.api.deps import Services
from backend.core.problems import describe_validation
from backend.domain.imaging import PreparedPhoto
from backend.models import IdempotencyRow
from backend.open311 import reports
from backend.open311.catalogue import OBJECT_ID, OBJECT_ID_MAX, URGENCY, parse_service_code
from backend.open311.errors import Open311Error
from backend.open311.location import location
from backend.open311.submission import Submission
from backend.services import idempotency
from backend.services.channel_gate import ChannelSignIn
from backend.services.events import Outbox
from backend_client.vocab import AttachmentPhase, Urgency
from backend_client.wire import DESCRIPTION_MAX, CaseCreate

DEDUP_WINDOW = timedelta(minutes=10)
NOTICE = "已受理登记，工作人员核实后将尽快处理；可凭编号查询进度。"


class _Retried(Exception):
    """A report already made inside the dedup window: this write is rolled back."""


@dataclass
class Accepted:
    status_code: int
    body: list[dict[str, Any]]
    replayed: bool


def _attributes(sub: Submission, kind: str) -> tuple[Urgency, str]:
    raw = sub.attributes.get(URGENCY, "").strip() or Urgency.NORMAL.value
    try:
        urgency = Urgency(raw)
    except ValueError as exc:
        names = ", ".join(u.value for u in Urgency)
        raise Open311Error(400, f"attribute[{URGENCY}] must be one of {names}.") from exc
    object_id = sub.attributes.get(OBJECT_ID, "").strip()
    if object_id and (kind != "component" or len(object_id) > OBJECT_ID_MAX):
        raise Open311Error(
            400,
            f"attribute[{OBJECT_ID}] is for components only, at most {OBJECT_ID_MAX} characters.",
        )
    return urgency, object_id


async def case_body(services: Services, signin: ChannelSignIn, sub: Submission) -> CaseCreate:
    """The native report for this submission, or a 400 saying what is wrong."""
    code = sub.get("service_code")
    if not code:
        raise Open311Error(400, "service_code is required (GET services lists them).")
    parsed = parse_service_code(code)
    category = await services.ref.category(*parsed) if parsed else None
    if parsed is None or category is None:
        raise Open311Error(400, f"Unknown service_code {code[:40]!r}; GET services lists them.")
    urgency, object_id = _attributes(sub, parsed[0])
    description = sub.get("description") or category.name
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(
            400, f"The description is {len(description)} characters; at most {DESCRIPTION_MAX}."
        )
    if object_id:
        description = f"{description}\n部件标识码：{object_id}"[:DESCRIPTION_MAX]
    media_url = sub.get("media_url")
    if media_url and not media_url.startswith(("http://", "https://")):
        raise Open311Error(400, "media_url must be an http:// or https:// URL.")
    name = " ".join(p for p in (sub.get("first_name"), sub.get("last_name")) if p)
    fields: dict[str, Any] = {
        "source": signin.channel.value,
        "category_kind": parsed[0],
        "category_code": parsed[1],
        "description": description,
        "urgency": urgency.value,
        "address": sub.get("address_string")[:256],
        "reporter_name": name[:50],
        "reporter_phone": sub.get("phone"),
        "reporter_email": sub.get("email"),
        "attachments": [{"ref": media_url, "phase": "before", "note": "media_url"}]
        if media_url
        else [],
        **location(services.ref, sub, signin.actor.scope_prefix),
    }
    try:
        return CaseCreate.model_validate(fields)
    except ValidationError as exc:
        detail, _compact, _bad = describe_validation(list(exc.errors()))
        raise Open311Error(400, detail) from exc


def _key(signin: ChannelSignIn, header: str | None, sub: Submission, body: bytes) -> str:
    if header:
        seed = f"key:{signin.key_id}:{header}".encode()
    else:
        seed = f"auto:{signin.key_id}:{sub.get('device_id')}:".encode() + body
    return "open311:" + hashlib.sha256(seed).hexdigest()


async def submit(
    services: Services,
    signin: ChannelSignIn,
    sub: Submission,
    body: bytes,
    idempotency_key: str | None,
    photo: PreparedPhoto | None,
    lang: str,
) -> Accepted:
    native = await case_body(services, signin, sub)
    actor = signin.actor
    now = services.now()
    key = _key(signin, idempotency_key, sub, body)
    print_ = idempotency.fingerprint("POST", "/open311/v2/requests", body)
    outbox = Outbox(services.ref)
    tz = services.cases.clockwork.calendar.tz
    user = actor.id
    try:
        async with services.db.write() as session:
            if idempotency_key:
                stored = await idempotency.claim(session, services.db, user, key, print_, now)
                if stored is not None:
                    return Accepted(stored.status_code, list(stored.body["requests"]), True)
            case, _result = await services.cases.create_row(session, actor, native, now, outbox)
            if photo is not None:
                await services.photos.attach_photo(
                    session, actor, case, photo, AttachmentPhase.BEFORE, now=now, outbox=outbox
                )
            answer = {
                **reports.request(case, services.ref, tz, lang),
                "service_notice": NOTICE,
                "account_id": None,
            }
            stored_body = {"requests": [answer]}
            if idempotency_key:
                await idempotency.store(session, user, key, 201, stored_body)
            elif not await idempotency.record_once(
                session, services.db, user, key, now, DEDUP_WINDOW, 201, stored_body
            ):
                raise _Retried  # the same report inside the window: undo this one
    except _Retried:
        async with services.db.read() as session:
            row = await session.get(IdempotencyRow, (user, key))
        assert row is not None
        return Accepted(row.status_code, list(row.body["requests"]), True)
    services.broadcaster.offer(outbox.items)
    return Accepted(201, [answer], False)
