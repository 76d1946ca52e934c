"""Read models: case lists with filters and keyset paging, grid statistics, event pages."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, text, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.problems import Invalid
from backend.domain.workflow import FAR_FUTURE
from backend.models import CaseRow
from backend.models.case import OPEN_STATES_SQL
from backend.services.access import Actor
from backend.services.events import ahead_resync, event_scope, events_after, feed_item, head_seq
from backend.services.listrows import RowCache, page_json
from backend.services.reference import Reference
from backend.services.views import SUMMARY_CHARS
from backend_client.text import INT64_MAX
from backend_client.vocab import CaseState, Stage
from backend_client.wire import EventPage, GridStat, GridStats

OPEN_STATES = [s.value for s in CaseState if s.is_open]
OPEN_STATES_CLAUSE: ColumnElement[bool] = text(OPEN_STATES_SQL).self_group()  # type: ignore[assignment]
CASE_TABLE = CaseRow.__table__  # type: ignore[attr-defined]

# What a queue row needs, and no more: the list never decodes the JSON columns, and the
# description is cut in SQL.
SUMMARY_COLUMNS = (
    *(
        col(getattr(CaseRow, name))
        for name in (
            "id",
            "serial",
            "state",
            "source",
            "category_kind",
            "category_code",
            "grid_code",
            "street_code",
            "address",
            "urgency",
            "department_id",
            "rework_count",
            "supervised",
            "urge_count",
            "pending_kind",
            "stage",
            "warn_at",
            "deadline_at",
            "paused_at",
            "merged_into",
            "version",
            "created_at",
            "updated_at",
            "due_key",
        )
    ),
    func.substr(col(CaseRow.description), 1, SUMMARY_CHARS).label("description"),
)
SORTS = ("deadline", "-deadline", "created", "-created")


def region_clause(prefix: str) -> ColumnElement[bool]:
    """Cases inside the region with this scope prefix, using the denormalised code columns."""
    columns = {
        6: CaseRow.district_code,
        9: CaseRow.street_code,
        12: CaseRow.community_code,
        15: CaseRow.grid_code,
    }
    column = columns.get(len(prefix))
    if column is not None:
        return col(column) == prefix
    return col(CaseRow.district_code).startswith(prefix)


def scope_clauses(actor: Actor) -> list[ColumnElement[bool]]:
    clauses = [region_clause(actor.scope_prefix)] if actor.scope_prefix else []
    if actor.is_handler:
        clauses.append(col(CaseRow.department_id) == actor.department_id)
    return clauses


LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (use with ``escape=LIKE_ESCAPE``):
    a user's ``%`` or ``_`` is a character to find, not a wildcard."""
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


@dataclass
class CaseFilter:
    states: list[str] = field(default_factory=list)
    region: str | None = None
    department_id: int | None = None
    category: str | None = None
    source: str | None = None
    overdue: bool | None = None
    supervised: bool | None = None
    pending: bool | None = None
    urgent: bool | None = None
    stage: str | None = None  # the running stage (a closed case's is ``callback`` while due)
    serials: list[str] = field(default_factory=list)
    q: str | None = None

    def is_open_snapshot(self) -> bool:
        """Every open case and no other filter: what a console loads at start-up."""
        others = (
            self.region,
            self.department_id,
            self.category,
            self.source,
            self.overdue,
            self.supervised,
            self.pending,
            self.urgent,
            self.stage,
            self.q,
        )
        return (
            set(self.states) == set(OPEN_STATES)
            and not self.serials
            and all(v is None for v in others)
        )

    def clauses(self, now: datetime) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.states and set(self.states) == set(OPEN_STATES):
            out.append(OPEN_STATES_CLAUSE)  # spelled exactly like ix_case_open_due
        elif self.states:
            out.append(col(CaseRow.state).in_(self.states))
        if self.region:
            out.append(region_clause(self.region))
        if self.department_id is not None:
            out.append(col(CaseRow.department_id) == self.department_id)
        if self.category:
            kind, _, code = self.category.rpartition(":")
            if len(code) == 2:
                out.append(col(CaseRow.category_code).startswith(code))
            else:
                out.append(col(CaseRow.category_code) == code)
            if kind:
                out.append(col(CaseRow.category_kind) == kind)
        if self.source:
            out.append(col(CaseRow.source) == self.source)
        if self.overdue is not None:
            late = col(CaseRow.due_key) < now
            out.append(late if self.overdue else ~late)
        if self.supervised is not None:
            out.append(col(CaseRow.supervised) == self.supervised)
        if self.pending is not None:
            waiting = col(CaseRow.pending_kind).is_not(None)
            out.append(waiting if self.pending else ~waiting)
        if self.urgent is not None:
            out.append(col(CaseRow.urgency) == ("urgent" if self.urgent else "normal"))
        if self.stage:
            out.append(col(CaseRow.stage) == self.stage)
            if self.stage == Stage.CALLBACK:
                # A callback's clock never pauses, and a closed case's clock runs only
                # while its callback is due: the bound lets ix_case_state_due stop at the
                # far future instead of walking every closed case of the history.
                out.append(col(CaseRow.due_key) < FAR_FUTURE)
        if self.serials:
            out.append(col(CaseRow.serial).in_(self.serials))
        if self.q:
            like = contains_pattern(self.q)
            out.append(
                or_(
                    col(CaseRow.serial).like(like, escape=LIKE_ESCAPE),
                    col(CaseRow.address).like(like, escape=LIKE_ESCAPE),
                    col(CaseRow.description).like(like, escape=LIKE_ESCAPE),
                )
            )
        return out


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The keyset position a cursor from ``encode_cursor`` holds, checked value by value:
    ``[due_key, id]`` for the deadline sorts, ``[id]`` otherwise; anything else is 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(values, list):
            raise ValueError
        if sort.lstrip("-") == "deadline":
            if len(values) != 2 or not isinstance(values[0], str):
                raise ValueError
            due = datetime.fromisoformat(values[0])
            if due.tzinfo is None:
                raise ValueError
            return [due, _row_id(values[1])]
        if len(values) != 1:
            raise ValueError
        return [_row_id(values[0])]
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise Invalid(
            "The cursor is not one this server issued; start again without it.", field="cursor"
        ) from exc


def _row_id(value: Any) -> int:
    # bool is an int in Python; JSON true is not a row id.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise ValueError
    return value


async def list_cases(
    session: AsyncSession,
    rows_cache: RowCache,
    actor: Actor,
    flt: CaseFilter,
    *,
    sort: str,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> bytes:
    """A :class:`~backend_client.wire.CasePage` as JSON.  The page is chosen by id and
    version alone; only rows ``rows_cache`` does not hold yet are read in full (by id,
    in the same snapshot)."""
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}.", field="sort")
    as_of = await head_seq(session)  # first statement: the snapshot the rows come from
    stmt = select(col(CaseRow.id), col(CaseRow.version)).where(
        *scope_clauses(actor), *flt.clauses(now)
    )
    descending = sort.startswith("-")
    by_deadline = sort.lstrip("-") == "deadline"
    if by_deadline and flt.is_open_snapshot():
        # SQLite's planner prefers a state index plus a sort; the partial index of open
        # cases is already in deadline order (a page 7x faster at 20,000 open among a
        # million cases).
        stmt = stmt.with_hint(CASE_TABLE, "INDEXED BY ix_case_open_due", "sqlite")
    if cursor:
        values = decode_cursor(cursor, sort)
        if by_deadline:
            # A row-value comparison lets the index bound the deadline range too.
            key = tuple_(col(CaseRow.due_key), col(CaseRow.id))
            due_type = col(CaseRow.due_key).type  # type: ignore[attr-defined]
            mark = tuple_(literal(values[0], due_type), literal(values[1]))
            stmt = stmt.where(key < mark if descending else key > mark)
        else:
            stmt = stmt.where(
                col(CaseRow.id) < values[0] if descending else col(CaseRow.id) > values[0]
            )
    order: list[Any]
    if by_deadline:
        order = (
            [col(CaseRow.due_key).desc(), col(CaseRow.id).desc()]
            if descending
            else [col(CaseRow.due_key).asc(), col(CaseRow.id).asc()]
        )
    else:
        order = [col(CaseRow.id).desc() if descending else col(CaseRow.id).asc()]
    connection = await session.connection()  # Core rows: no ORM loading for a read model
    result = await connection.execute(stmt.order_by(*order).limit(limit + 1))
    keys = [(i, v) for i, v in result if i is not None]  # ids are never null
    more = len(keys) > limit
    keys = keys[:limit]
    rows = rows_cache.cached(keys)
    missing = [k[0] for k, row in zip(keys, rows, strict=True) if row is None]
    if missing:
        full = select(*SUMMARY_COLUMNS).where(col(CaseRow.id).in_(missing))
        made = rows_cache.add((await connection.execute(full)).all(), now)
        rows = [row or made.get(k) for k, row in zip(keys, rows, strict=True)]
    found = [(k[0], row) for k, row in zip(keys, rows, strict=True) if row is not None]
    next_cursor = None
    if more and found:
        last_id, last = found[-1]
        next_cursor = encode_cursor(
            [last.due_key.isoformat(), last_id] if by_deadline else [last_id]
        )
    return page_json([row.encoded(now) for _, row in found], next_cursor, as_of)


async def grid_stats(session: AsyncSession, actor: Actor, now: datetime) -> GridStats:
    as_of = await head_seq(session)
    overdue = func.sum(case((col(CaseRow.due_key) < now, 1), else_=0))
    supervised = func.sum(case((col(CaseRow.supervised), 1), else_=0))
    stmt = (
        select(col(CaseRow.grid_code), func.count(), overdue, supervised)
        .where(col(CaseRow.state).in_(OPEN_STATES), *scope_clauses(actor))
        .group_by(col(CaseRow.grid_code))
    )
    rows = (await session.exec(stmt)).all()
    return GridStats(
        items=[
            GridStat(grid_code=g, open=int(n), overdue=int(o or 0), supervised=int(s or 0))
            for g, n, o, s in rows
        ],
        as_of=now,
        as_of_seq=as_of,
    )


async def event_page(
    session: AsyncSession, ref: Reference, actor: Actor, after: int, limit: int
) -> EventPage:
    """The log after ``after`` as ``actor`` receives it (the same rule as the stream)."""
    head = await head_seq(session)
    if after > head:
        return EventPage(items=[], head_seq=head, resync=ahead_resync(head))
    stmt = events_after(after, limit).where(*event_scope(actor))
    rows = (await session.exec(stmt)).all()
    items = [item for e, c in rows if (item := feed_item(actor, e, c, ref)) is not None]
    return EventPage(items=items, head_seq=head)
