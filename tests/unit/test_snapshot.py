"""The compact snapshot's rows are the queue rows the list sends, value for value: on
SQLite (times read as text) and on PostgreSQL (times as datetimes), in every light; the
console builds from them the rows it builds from a ``CaseSummary``, posts each batch as
it comes, and refuses an answer that was cut off or miscounted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from textual.message import Message

from backend.services.snapshot import READ, iso_of_datetime, iso_of_sqlite, row_values
from backend.services.views import case_summary
from backend_client.client import CitygridClient
from backend_client.errors import ProtocolError, Unavailable
from backend_client.snapshot import (
    SNAPSHOT_COLUMNS,
    SNAPSHOT_MEDIA_TYPE,
    SnapshotEnd,
    SnapshotHead,
    parse_line,
)
from backend_client.wire import CaseSummary
from console.connection import _load_snapshot
from console.messages import SnapshotLoaded
from console.rows import QueueRow
from tests.console.test_alerts import ME
from tests.unit.test_listrows import NOW, reference, row

ROWS = [
    row(1),
    row(2, version=4, supervised=True, warn_at=NOW - timedelta(minutes=1)),  # yellow
    row(3, department_id=None, deadline_at=None, warn_at=None),  # no light
    row(4, paused_at=NOW, pending_kind="extension"),
    row(5, deadline_at=NOW, stage="dispose"),  # red
    row(6, created_at=datetime(2026, 11, 30, 23, 0, 0, tzinfo=UTC)),  # no microseconds
]
TIMES = ("warn_at", "deadline_at", "paused_at", "created_at", "updated_at")


def as_sqlite(r: Any) -> tuple[Any, ...]:
    """The result row the SQLite query reads: times as SQLite holds them (UTC text)."""
    values = []
    for name in READ:
        value = getattr(r, name)
        if name in TIMES and value is not None:
            value = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        values.append(value)
    return tuple(values)


def as_postgres(r: Any) -> tuple[Any, ...]:
    return tuple(getattr(r, name) for name in READ)


@pytest.mark.parametrize("shape", [as_sqlite, as_postgres])
def test_a_snapshot_row_is_the_list_row_value_for_value(shape: Any) -> None:
    ref = reference()
    iso = iso_of_sqlite if shape is as_sqlite else iso_of_datetime
    for r in ROWS:
        for now in (NOW, NOW + timedelta(hours=3)):
            values = row_values(shape(r), ref, iso_of_datetime(now) or "", iso)
            assert len(values) == len(SNAPSHOT_COLUMNS)
            sent = CaseSummary.model_validate(dict(zip(SNAPSHOT_COLUMNS, values, strict=True)))
            assert sent == case_summary(r, ref, now)


def test_sqlite_text_in_other_shapes_is_read_as_the_same_instant() -> None:
    assert iso_of_sqlite("2026-12-01 08:00:00.000000") == "2026-12-01T08:00:00.000000+00:00"
    assert iso_of_sqlite("2026-12-01 08:00:00") == "2026-12-01T08:00:00.000000+00:00"
    assert iso_of_sqlite("2026-12-01T16:00:00+08:00") == "2026-12-01T08:00:00.000000+00:00"
    assert iso_of_sqlite(None) is None


def test_the_console_builds_the_same_row_from_values_as_from_a_summary() -> None:
    ref = reference()
    for r in ROWS:
        summary = case_summary(r, ref, NOW)
        values = row_values(as_sqlite(r), ref, iso_of_datetime(NOW) or "", iso_of_sqlite)
        fast, typed = QueueRow.from_values(values), QueueRow.from_summary(summary)
        for name in QueueRow.__slots__:
            assert getattr(fast, name) == getattr(typed, name), name


def test_lines_are_the_head_batches_and_the_end() -> None:
    head = parse_line(b'{"as_of_seq":7,"columns":["serial"]}')
    assert head == SnapshotHead(as_of_seq=7, columns=["serial"])
    assert parse_line(b'[["a"],["b"]]') == [["a"], ["b"]]
    assert parse_line(b'{"count":2}') == SnapshotEnd(count=2)
    with pytest.raises(ProtocolError, match="neither rows, head nor end"):
        parse_line(b'{"items":[]}')


def serve(body: bytes) -> CitygridClient:
    """A client whose server answers ``/cases/snapshot`` with ``body``."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/cases"):  # the callbacks due, after the open cases
            assert request.url.params["stage"] == "callback"
            return httpx.Response(200, json={"items": [], "next_cursor": None, "as_of_seq": 9})
        assert request.url.path.endswith("/cases/snapshot")
        return httpx.Response(200, content=body, headers={"Content-Type": SNAPSHOT_MEDIA_TYPE})

    return CitygridClient("http://centre", "t", transport=httpx.MockTransport(answer))


def snapshot_body(rows: int, count: int | None) -> bytes:
    ref = reference()
    values = [
        row_values(as_postgres(row(i)), ref, iso_of_datetime(NOW) or "", iso_of_datetime)
        for i in range(1, rows + 1)
    ]
    head = SnapshotHead(as_of_seq=9, columns=list(SNAPSHOT_COLUMNS)).model_dump_json()
    lines = [head.encode(), json.dumps(values[:2]).encode(), json.dumps(values[2:]).encode()]
    if count is not None:
        lines.append(SnapshotEnd(count=count).model_dump_json().encode())
    return b"\n".join(lines) + b"\n"


async def test_the_console_posts_each_batch_and_ends_on_the_end_line() -> None:
    posted: list[Message] = []
    async with serve(snapshot_body(5, 5)) as client:
        assert await _load_snapshot(client, ME, 0.0, posted.append) == 9
    loads = [m for m in posted if isinstance(m, SnapshotLoaded)]
    assert [(len(m.cases), m.first, m.last) for m in loads] == [
        (2, True, False),
        (3, False, False),
        (0, False, False),  # the end line; then the (here no) callbacks due end the load
        (0, False, True),
    ]
    assert [c.serial for m in loads for c in m.cases] == [row(i).serial for i in range(1, 6)]


async def test_a_cut_off_or_miscounted_snapshot_is_not_taken() -> None:
    async with serve(snapshot_body(5, None)) as client:
        with pytest.raises(Unavailable, match="cut off"):
            await _load_snapshot(client, ME, 0.0, lambda _m: None)
    async with serve(snapshot_body(5, 6)) as client:
        with pytest.raises(ProtocolError, match="5 rows, the end says 6"):
            await _load_snapshot(client, ME, 0.0, lambda _m: None)
