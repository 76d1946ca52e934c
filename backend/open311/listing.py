"""``GET requests``: the standard's filters, the ``page``/``page_size`` extension, always
inside the channel key's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import CaseRow
from backend.open311.catalogue import parse_service_code
from backend.open311.errors import Open311Error
from backend.services.access import Actor
from backend.services.queries import region_clause, scope_clauses
from backend_client.vocab import TERMINAL_STATES

SPAN = timedelta(days=90)
PAGE_SIZE_MAX = 1000
IDS_MAX = 100


@dataclass
class RequestQuery:
    ids: list[str] = field(default_factory=list)
    categories: list[tuple[str, str]] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: set[str] = field(default_factory=set)
    page: int = 1
    page_size: int = PAGE_SIZE_MAX
    region: str | None = None


def _bad(detail: str) -> Open311Error:
    return Open311Error(400, detail)


def _instant(name: str, text: str, tz: Any) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise _bad(
            f"{name} must be an ISO 8601 date and time, e.g. 2026-11-23T08:00:00+08:00."
        ) from exc
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _whole(name: str, text: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise _bad(f"{name} must be a whole number {low}-{high}.")
    return int(text)


def parse_query(params: dict[str, str], now: datetime, tz: Any) -> RequestQuery:
    """Empty parameters count as absent; ``service_request_id`` overrides the others."""
    q = RequestQuery()
    if raw := params.get("page"):
        q.page = _whole("page", raw, 1, 1_000_000)
    if raw := params.get("page_size"):
        q.page_size = _whole("page_size", raw, 1, PAGE_SIZE_MAX)
    if raw := params.get("service_request_id"):
        q.ids = [part.strip() for part in raw.split(",") if part.strip()][: IDS_MAX + 1]
        if len(q.ids) > IDS_MAX:
            raise _bad(f"Ask for at most {IDS_MAX} service_request_id values at once.")
        return q
    if raw := params.get("service_code"):
        for part in raw.split(","):
            parsed = parse_service_code(part.strip())
            if parsed is None:
                raise _bad(f"Unknown service_code {part.strip()[:40]!r}; GET services lists them.")
            q.categories.append(parsed)
    if raw := params.get("status"):
        q.statuses = {part.strip() for part in raw.split(",")}
        if not q.statuses <= {"open", "closed"}:
            raise _bad("status must be open, closed, or both separated by a comma.")
    start = params.get("start_date")
    end = params.get("end_date")
    q.start = _instant("start_date", start, tz) if start else None
    q.end = _instant("end_date", end, tz) if end else None
    if q.start is None and q.end is None:
        q.start = now - SPAN
    elif q.start is None:
        assert q.end is not None
        q.start = q.end - SPAN
    elif q.end is not None and q.end - q.start > SPAN:
        raise _bad("start_date and end_date may be at most 90 days apart.")
    if q.end is not None and q.end < q.start:
        raise _bad("end_date is before start_date.")
    return q


def _clauses(q: RequestQuery) -> list[ColumnElement[bool]]:
    if q.ids:
        return [col(CaseRow.serial).in_(q.ids)]
    found: list[ColumnElement[bool]] = []
    if q.categories:
        found.append(
            or_(
                *(
                    and_(col(CaseRow.category_kind) == kind, col(CaseRow.category_code) == code)
                    for kind, code in q.categories
                )
            )
        )
    if q.start is not None:
        found.append(col(CaseRow.created_at) >= q.start)
    if q.end is not None:
        found.append(col(CaseRow.created_at) <= q.end)
    closed = [s.value for s in TERMINAL_STATES]
    if q.statuses == {"open"}:
        found.append(col(CaseRow.state).not_in(closed))
    elif q.statuses == {"closed"}:
        found.append(col(CaseRow.state).in_(closed))
    return found


async def find(session: AsyncSession, actor: Actor, q: RequestQuery) -> list[CaseRow]:
    stmt = select(CaseRow).where(*scope_clauses(actor), *_clauses(q))
    if q.region:
        stmt = stmt.where(region_clause(q.region))
    stmt = stmt.order_by(col(CaseRow.created_at).desc(), col(CaseRow.id).desc())
    return list(await session.exec(stmt.offset((q.page - 1) * q.page_size).limit(q.page_size)))
