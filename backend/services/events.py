"""The append-only event log: writing it, and what each actor may read of it.

Writing: :func:`append_event` runs inside the transaction that changes the case, as its
last statement.  On PostgreSQL the same statement first takes a transaction-scoped
advisory lock, so event seqs commit in seq order (otherwise a reader following
``seq > last`` could skip a slow transaction's row), and sends ``NOTIFY`` with only the
seq; the lock is held from there to the commit, so nothing else should come between.  On SQLite
the single writer gives the same guarantee.  The events a transaction wrote wait in
its :class:`Outbox`, encoded for the stream (:mod:`backend.services.sse`), and go to
this worker's :class:`~backend.services.broadcaster.Broadcaster` once it commits.

Who receives what is :meth:`Actor.event_sight`, applied alike to ``GET /events``, the
catch-up read from the table and the ring: an event carries its case row only to an
actor who may see that row (from the table: the case's row when it was read, reads
being shared by catching-up clients; from the ring: the row as the event left it); an
actor who may see the event but not the row gets ``gone`` (seq and serial), and
nothing more.  Either row is one the case had at or after the event, so a client
applying events in seq order ends with what it may see now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, Table, bindparam, cast, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.models import CaseRow, EventRow
from backend.models.plain import columns_of, row_of
from backend.services.access import Actor, Sight
from backend.services.reference import Reference
from backend.services.sse import Published, publish, sight_of
from backend.services.views import event_wire
from backend_client.eventdata import EventData
from backend_client.vocab import Action
from backend_client.wire import CaseGone, FeedItem, Resync

NOTIFY_CHANNEL = "citygrid_events"
APPEND_LOCK_KEY = 47_678_0005  # any constant; names the event-append critical section


EVENT_TABLE: Table = EventRow.__table__  # type: ignore[attr-defined]
_INSERT_COLUMNS = tuple(c for c in EVENT_TABLE.c if c.name != "seq")


def _locked_insert() -> Any:
    """PostgreSQL's append in one statement (one round trip): take the append lock, then
    insert (the seq is drawn only once the lock is held) and queue the ``NOTIFY``.  The
    lock is transaction-scoped: it is released by the commit, so seqs commit in order."""
    lock = sa_select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY).label("locked")).cte("append_lock")
    row = sa_select(*(bindparam(c.name, type_=c.type) for c in _INSERT_COLUMNS)).select_from(lock)
    return (
        EVENT_TABLE.insert()
        .from_select([c.name for c in _INSERT_COLUMNS], row)
        .returning(
            EVENT_TABLE.c.seq,
            func.pg_notify(NOTIFY_CHANNEL, cast(EVENT_TABLE.c.seq, String)),
        )
    )


# Built once: a statement built per call costs more CPU than SQLite takes to run it.
SQLITE_APPEND = EVENT_TABLE.insert().returning(EVENT_TABLE.c.seq)
POSTGRES_APPEND = _locked_insert()


async def append_event(
    session: AsyncSession,
    db: Database,
    *,
    case: CaseRow,
    actor: Actor,
    action: Action,
    data: EventData,
    at: datetime,
    prev_department_id: int | None,
    outbox: Outbox | None = None,
) -> EventRow:
    """Append the event in one Core statement (no ORM instance events or flush).  Call it
    as the last statement of the transaction where possible: on PostgreSQL every other
    append waits from here until this transaction commits."""
    assert case.id is not None
    row = row_of(
        EventRow,
        {
            "case_id": case.id,
            "serial": case.serial,
            "action": action.value,
            "actor_id": actor.id,
            "actor_name": actor.display_name,
            "actor_role": actor.role.value,
            "at": at,
            "data": data,
            "grid_code": case.grid_code,
            "department_id": case.department_id,
            "prev_department_id": prev_department_id,
        },
    )
    # On SQLite the single writer already orders the appends.
    stmt = SQLITE_APPEND if db.is_sqlite else POSTGRES_APPEND
    values = columns_of(EVENT_TABLE, row, skip="seq")
    row.seq = (await (await session.connection()).execute(stmt, values)).scalar_one()
    if outbox is not None:
        outbox.add(row, case)
    return row


class Outbox:
    """Events written by one transaction, encoded for the stream once it commits."""

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self.items: list[Published] = []

    def add(self, row: EventRow, case: CaseRow) -> None:
        self.items.append(publish(row, case, self.ref))


HEAD_QUERY = sa_select(func.max(EventRow.seq))


async def head_seq(session: AsyncSession) -> int:
    """The largest committed seq this session's transaction sees (a Core statement: the
    ORM's statement handling costs more than the read)."""
    value = (await (await session.connection()).execute(HEAD_QUERY)).scalar()
    return int(value or 0)


def event_scope(actor: Actor) -> list[ColumnElement[bool]]:
    """:meth:`Actor.sees_event` in SQL, so reads skip what the actor will not receive."""
    clauses: list[ColumnElement[bool]] = []
    if actor.scope_prefix:
        clauses.append(col(EventRow.grid_code).startswith(actor.scope_prefix, autoescape=True))
    if actor.is_handler:
        clauses.append(
            or_(
                col(EventRow.department_id) == actor.department_id,
                col(EventRow.prev_department_id) == actor.department_id,
            )
        )
    return clauses


def feed_item(actor: Actor, row: EventRow, case: CaseRow, ref: Reference) -> FeedItem | None:
    """One event as ``actor`` receives it with the case's current row (``GET /events``)."""
    sight = sight_of(actor, row, case.grid_code, case.department_id)
    if sight is Sight.FULL:
        return event_wire(row, case, ref)
    if sight is Sight.GONE:
        return CaseGone(seq=row.seq or 0, serial=row.serial)
    return None


def ahead_resync(head: int) -> Resync:
    """For a client that has seen more than the log holds (a restored database)."""
    return Resync(reason=f"ahead of the event log, which ends at {head}", head_seq=head)


def events_after(after: int, limit: int) -> Any:
    """Events with their case's current row, in seq order."""
    return (
        select(EventRow, CaseRow)
        .join(CaseRow, col(CaseRow.id) == col(EventRow.case_id))
        .where(col(EventRow.seq) > after)
        .order_by(col(EventRow.seq))
        .limit(limit)
    )


SIGHT_COLUMNS: tuple[Any, ...] = (
    col(EventRow.seq),
    col(EventRow.serial),
    col(EventRow.grid_code),
    col(EventRow.department_id),
    col(EventRow.prev_department_id),
    col(CaseRow.grid_code).label("case_grid_code"),
    col(CaseRow.department_id).label("case_department_id"),
    col(CaseRow.version),
)


def sight_columns(after: int, upto: int, actor: Actor, limit: int) -> Any:
    """What deciding an event's sight takes, without loading or encoding it."""
    return (
        select(*SIGHT_COLUMNS)
        .join(CaseRow, col(CaseRow.id) == col(EventRow.case_id))
        .where(col(EventRow.seq) > after, col(EventRow.seq) <= upto, *event_scope(actor))
        .order_by(col(EventRow.seq))
        .limit(limit)
    )
