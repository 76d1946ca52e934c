"""Every open case in one answer, compactly (:mod:`backend_client.snapshot` is its wire form).

The rows are read in one database snapshot together with the head seq, streamed in
deadline order straight from the partial index of open cases, and each batch is encoded
with one ``json.dumps`` of plain values: no pydantic model per row and no page cursor to
re-seek.  :func:`row_values` is held to :func:`~backend.services.views.summary_fields`,
the one place that shapes a queue row, by a test.  With ``gzip`` each batch is flushed
(``Z_SYNC_FLUSH``) so a client can decode and paint the first batch before the rest
arrives.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, String, type_coerce
from sqlmodel import col, select

from backend.core.db import Database
from backend.models import CaseRow
from backend.services.access import Actor
from backend.services.events import head_seq
from backend.services.queries import CASE_TABLE, OPEN_STATES_CLAUSE, SUMMARY_COLUMNS, scope_clauses
from backend.services.reference import Reference
from backend_client.lights import light_of
from backend_client.snapshot import (
    BATCH,
    FIRST_BATCH,
    SNAPSHOT_COLUMNS,
    TIME_COLUMNS,
    SnapshotEnd,
    SnapshotHead,
)

GZIP_LEVEL = 1  # the fastest: the rows repeat a lot, level 1 already takes most of it
SQLITE_TEXT = 26  # "2026-12-02 08:00:00.000000": how SQLite holds a UTC instant

Iso = Callable[[Any], str | None]


def iso_of_sqlite(text: str | None) -> str | None:
    """SQLite's UTC text → fixed-width ISO 8601 with its offset, without parsing it (the
    times are read as text: turning 500,000 of them into datetimes cost seconds)."""
    if text is None:
        return None
    if len(text) == SQLITE_TEXT and text[10] == " ":
        return f"{text[:10]}T{text[11:]}+00:00"
    return iso_of_datetime(datetime.fromisoformat(text))


def iso_of_datetime(when: datetime | None) -> str | None:
    if when is None:
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.isoformat(timespec="microseconds")


# The columns the snapshot reads, in the order :func:`row_values` unpacks them.
READ = (
    "serial",
    "state",
    "source",
    "category_kind",
    "category_code",
    "grid_code",
    "street_code",
    "address",
    "description",
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
)


def row_values(r: Sequence[Any], ref: Reference, now: str, iso: Iso) -> list[Any]:
    """A result row (columns :data:`READ`) as its ``CaseSummary`` values in
    ``SNAPSHOT_COLUMNS`` order, ready for ``json.dumps`` (``tests/unit/test_snapshot.py``
    holds it to ``summary_fields``).  ``now`` is fixed-width ISO text like the times, so
    the light compares text.  Unpacking the tuple is several times faster than reading
    100,000 rows' attributes by name."""
    (
        serial,
        state,
        source,
        kind,
        code,
        grid,
        street,
        address,
        summary,
        urgency,
        dept_id,
        rework,
        supervised,
        urges,
        pending,
        stage,
        warn_at,
        deadline_at,
        paused_at,
        merged_into,
        version,
        created_at,
        updated_at,
    ) = r
    dept = ref.department(dept_id)
    warn, deadline, paused = iso(warn_at), iso(deadline_at), iso(paused_at)
    return [
        serial,
        state,
        source,
        kind,
        code,
        ref.category_name(kind, code),
        grid,
        street,
        address,
        summary,
        urgency,
        dept.code if dept else None,
        dept.name if dept else None,
        rework,
        bool(supervised),
        urges,
        pending,
        stage,
        warn,
        deadline,
        paused,
        light_of(now, warn, deadline, paused),
        merged_into,
        version,
        iso(created_at),
        iso(updated_at),
    ]


def _line(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def snapshot_query(sqlite: bool) -> Select[Any]:
    """The open cases' queue columns in deadline order (times as text on SQLite)."""
    by_name: dict[str, Any] = {c.key: c for c in SUMMARY_COLUMNS}  # type: ignore[attr-defined]
    columns = [
        type_coerce(by_name[name], String).label(name)
        if sqlite and name in TIME_COLUMNS
        else by_name[name]
        for name in READ
    ]
    return (
        select(*columns)
        .with_hint(CASE_TABLE, "INDEXED BY ix_case_open_due", "sqlite")
        .order_by(col(CaseRow.due_key), col(CaseRow.id))
    )


async def snapshot_lines(
    db: Database, ref: Reference, actor: Actor, now: datetime
) -> AsyncIterator[bytes]:
    """The head line, the batches (most urgent first), the end line."""
    stmt = snapshot_query(db.is_sqlite).where(*scope_clauses(actor), OPEN_STATES_CLAUSE)
    iso = iso_of_sqlite if db.is_sqlite else iso_of_datetime
    at = iso_of_datetime(now) or ""
    count = 0
    async with db.snapshot() as session:
        as_of = await head_seq(session)  # first statement: the snapshot the rows come from
        head = SnapshotHead(as_of_seq=as_of, columns=list(SNAPSHOT_COLUMNS))
        yield head.model_dump_json().encode() + b"\n"
        connection = await session.connection()
        result = await connection.stream(stmt)
        size = FIRST_BATCH
        while rows := await result.fetchmany(size):
            count += len(rows)
            yield _line([row_values(r, ref, at, iso) for r in rows])
            size = BATCH
    yield SnapshotEnd(count=count).model_dump_json().encode() + b"\n"


async def gzipped(lines: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """One gzip stream, flushed after each line so each arrives whole and at once."""
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    async for line in lines:
        yield packer.compress(line) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()
