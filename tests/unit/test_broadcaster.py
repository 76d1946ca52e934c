"""The broadcaster's ring path in-process: bounded writes, turns for other tasks between
steps, the one visibility rule, and a stalled client that fell too far behind."""

from __future__ import annotations

import asyncio
import contextlib
import re
from contextlib import aclosing
from typing import cast

from backend.core.config import Settings
from backend.core.db import Database
from backend.services.access import Actor
from backend.services.broadcaster import Broadcaster
from backend.services.reference import Reference
from backend.services.sse import Published, sse_frame
from backend_client.vocab import Role

GRID = "110112001001001"
LEAD = Actor(1, "lead", "值班长", Role.SHIFT_LEAD, "110112", "110112", None)
HANDLER_HW = Actor(2, "h_hw", "环卫", Role.HANDLER, "110112", "110112", 7)
HANDLER_ZF = Actor(3, "h_zf", "执法", Role.HANDLER, "110112", "110112", 8)


def item(seq: int, size: int = 100, dept: int | None = 7, prev: int | None = None) -> Published:
    return Published(
        seq=seq,
        serial=f"2026-110112-{seq:06d}",
        grid_code=GRID,
        department_id=dept,
        prev_department_id=prev,
        case_grid_code=GRID,
        case_department_id=dept,
        frame=sse_frame(seq, "comment", "x" * size),
    )


def broadcaster(**settings: int) -> Broadcaster:
    """Only the ring is used here, so no database or reference data is needed."""
    return Broadcaster(cast(Database, None), cast(Reference, None), Settings(**settings))  # type: ignore[arg-type]


def ids(data: bytes) -> list[int]:
    return [int(m) for m in re.findall(rb"^id: (\d+)$", data, re.MULTILINE)]


async def test_a_backlog_goes_out_in_bounded_writes_with_turns_for_others() -> None:
    hub = broadcaster(stream_ring_size=5000)
    hub.offer([item(s, size=7000) for s in range(1, 1001)])
    got: list[bytes] = []
    seen_by_other: list[int] = []

    async def other() -> None:
        seen_by_other.append(len(ids(b"".join(got))))

    async with aclosing(hub.stream(LEAD, 0)) as stream:
        other_task = asyncio.create_task(other())
        async for chunk in stream:
            got.append(chunk)
            if ids(chunk) and ids(chunk)[-1] == 1000:
                break
    await other_task
    assert ids(b"".join(got)) == list(range(1, 1001))
    assert max(len(c) for c in got) <= Broadcaster.CHUNK_BYTES
    assert seen_by_other and seen_by_other[0] < 1000, "the catch-up never let another task run"


async def test_the_ring_sends_a_lost_case_as_gone_and_nothing_to_others() -> None:
    hub = broadcaster()
    hub.offer([item(1, dept=7), item(2, dept=8, prev=7)])  # HW had it, then ZF
    frames: dict[str, bytes] = {}
    for actor in (HANDLER_HW, HANDLER_ZF):
        async with aclosing(hub.stream(actor, 0)) as stream:
            frames[actor.username] = await anext(stream)
    hw = frames["h_hw"].decode()
    assert ids(frames["h_hw"]) == [1, 2]
    assert hw.endswith('id: 2\nevent: gone\ndata: {"seq":2,"serial":"2026-110112-000002"}\n\n')
    assert ids(frames["h_zf"]) == [2] and "event: comment" in frames["h_zf"].decode()


async def test_a_stalled_client_that_falls_too_far_behind_gets_resync_and_is_closed() -> None:
    hub = broadcaster(stream_max_backlog=50, stream_ring_size=1000)
    hub.offer([item(s) for s in range(1, 11)])
    async with aclosing(hub.stream(LEAD, 0)) as stream:
        assert ids(await anext(stream)) == list(range(1, 11))
        hub.offer([item(s) for s in range(11, 111)])  # the client stalls meanwhile
        rest = [chunk async for chunk in stream]  # ends: the server closes the stream
    assert len(rest) == 1 and b"event: resync" in rest[0]
    assert ids(rest[0]) == [110]


def test_a_notify_for_an_event_this_worker_offers_reads_nothing_from_the_table() -> None:
    hub = broadcaster()
    hub.offer([item(1), item(2)])
    for payload in ("1", "2"):
        hub._notified(payload)
        assert not hub._wake.is_set(), f"NOTIFY {payload} woke the pump for an offered event"

    hub._notified("3")  # announced before this worker's own hand-off of seq 3
    assert hub._wake.is_set()
    hub.offer([item(3)])
    assert not hub._needs_read(), "seq 3 was offered, yet the pump would read the table"

    hub._notified("5")
    hub.offer([item(4)])
    assert hub._needs_read(), "seq 5 is not in the ring, yet the pump would not read"


def test_a_reconnect_or_an_unknown_notify_or_a_gap_always_reads_the_table() -> None:
    hub = broadcaster()
    hub.offer([item(1)])
    for payload in (None, "not-a-seq"):
        hub._notified(payload)
        assert hub._wake.is_set() and hub._needs_read(), f"NOTIFY {payload!r} read nothing"
        assert not hub._needs_read(), "the reason to read was not forgotten after one read"
    hub.offer([item(3)])  # seq 2 is missing: another worker's, or a late hand-off
    assert hub._needs_read()


async def test_a_failed_read_is_read_again_on_the_next_wake_up_whatever_it_is() -> None:
    hub = broadcaster(stream_poll_interval=3600)  # no poll: only wake-ups run the pump
    hub.READ_RETRY_S = 0.0
    hub.offer([item(1)])
    failed, read_again = asyncio.Event(), asyncio.Event()
    reads: list[int] = []

    async def fetch_new() -> None:
        reads.append(hub.head_seq)
        if len(reads) == 1:
            failed.set()
            raise OSError("the database went away")
        read_again.set()

    hub._fetch_new = fetch_new  # type: ignore[method-assign]
    pump = asyncio.create_task(hub._pump())
    try:
        hub._notified("2")  # above the head: the pump reads, and the read fails
        await failed.wait()
        hub.offer([item(2)])  # the NOTIFY's event arrives by hand-off after all...
        hub._wake.set()  # ...and a wake-up that alone would need no read
        await asyncio.wait_for(read_again.wait(), 10)  # bounds a failure; no pacing
        assert reads == [1, 2]
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
