"""The event stream: resume, snapshot + stream with nothing missed, jurisdiction isolation."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from textual.message import Message

from backend_client.client import CitygridClient
from backend_client.events import EventFollower
from backend_client.vocab import Action
from backend_client.wire import Event
from console.connection import _follow as follow_stream
from console.messages import CaseEvents
from tests.api.helpers import act, grid_in, read_stream, report
from tests.conftest import Api, Seeded, start_server

TIGHT_BACKLOG = 20


@pytest.fixture(scope="module")
def tight(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A second server on the same database with a tiny ring (catch-up reads the table)
    and a tiny backlog limit."""
    log = tmp_path_factory.mktemp("tight") / "server.log"
    env = {
        "CITYGRID_STREAM_RING_SIZE": "2",
        "CITYGRID_STREAM_MAX_BACKLOG": str(TIGHT_BACKLOG),
    }
    srv = start_server(seeded.url, log, extra_env=env)
    try:
        yield Api(srv, seeded)
    finally:
        srv.stop()


async def head_of(client: httpx.AsyncClient) -> int:
    head: int = (await client.get("/health")).json()["head_seq"]
    return head


async def whole_stream(
    client: httpx.AsyncClient, url: str = "/events/stream", headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every event until the server ends the stream (bounded, for a failing test)."""
    events: list[dict[str, Any]] = []
    kind = ""
    async with asyncio.timeout(20), client.stream("GET", url, headers=headers or {}) as r:
        assert r.status_code == 200
        async for line in r.aiter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                events.append({**json.loads(line[5:]), "_event": kind})
    return events


async def whole_log(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """``GET /events`` from 0 to the head, page by page."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (await client.get("/events", params={"after": after, "limit": 1000})).json()
        items += page["items"]
        if not page["items"]:
            return items
        after = page["items"][-1]["seq"]


async def test_snapshot_then_stream_misses_nothing(api: Api) -> None:
    """Load /cases, follow from as_of_seq while others keep acting: the client's view
    equals the server's, and no event arrives twice."""
    async with api.client("lead") as lead, api.client("operator2") as op:
        grid = await grid_in(lead, "110112003")
        page = (await lead.get("/cases", params={"state": "open", "limit": 5000})).json()
        view: dict[str, dict[str, Any]] = {c["serial"]: c for c in page["items"]}
        as_of = page["as_of_seq"]

        async def churn() -> list[str]:
            made = []
            for _ in range(15):
                serial = (await report(op, grid))["serial"]
                await act(op, serial, "file")
                made.append(serial)
            return made

        made = await churn()
        head = (await lead.get("/health")).json()["head_seq"]
        events = await read_stream(lead, after=as_of, until=lambda ev: ev[-1]["seq"] >= head)
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(set(seqs)), "events out of order or doubled"
        assert seqs[0] > as_of
        for event in events:
            held = view.get(event["serial"])
            if held is None or event["case"]["version"] > held["version"]:
                view[event["serial"]] = event["case"]
        server = (await lead.get("/cases", params={"state": "open", "limit": 5000})).json()
        expected = {c["serial"]: (c["state"], c["version"]) for c in server["items"]}
        mine = {s: (c["state"], c["version"]) for s, c in view.items() if s in expected}
        assert mine == expected
        assert all(view[s]["state"] == "filed" for s in made)


async def test_resume_with_last_event_id(api: Api) -> None:
    async with api.client("lead") as lead:
        grid = await grid_in(lead, "110112004")
        first = await report(lead, grid)
        head = (await lead.get("/health")).json()["head_seq"]
        await act(lead, first["serial"], "file")
        await act(lead, first["serial"], "urge", expect=409)  # refused: no event
        await act(lead, first["serial"], "comment", note="回访")
        events = await read_stream(
            lead,
            headers={"Last-Event-ID": str(head)},
            until=lambda ev: any(
                e["action"] == "comment" and e["serial"] == first["serial"] for e in ev
            ),
        )
        mine = [e["action"] for e in events if e["serial"] == first["serial"]]
        assert mine == ["file", "comment"]
        assert events[0]["seq"] == head + 1


async def test_stream_respects_jurisdiction_and_department(api: Api) -> None:
    """A street supervisor sees only their street; a handler only their department's
    cases (plus the event that takes a case away from them)."""
    async with (
        api.client("lead") as lead,
        api.client("sup001") as sup1,
        api.client("h_hw") as hw,
        api.client("h_zf") as zf,
    ):
        head = (await lead.get("/health")).json()["head_seq"]
        mine = await report(lead, await grid_in(lead, "110112001"))
        other = await report(lead, await grid_in(lead, "110112005"))
        for serial in (mine["serial"], other["serial"]):
            await act(lead, serial, "file")
        await act(lead, mine["serial"], "dispatch", department_code="HW")
        await act(lead, other["serial"], "dispatch", department_code="ZF")
        await act(zf, other["serial"], "request_return", reason="非本单位")
        await act(lead, other["serial"], "decide", approve=True)
        last = (await lead.get("/health")).json()["head_seq"]

        def done(ev: list[dict[str, Any]]) -> bool:
            return bool(ev) and ev[-1]["seq"] >= last

        seen_sup, seen_hw, seen_zf, seen_lead = await asyncio.gather(
            read_stream(
                sup1,
                after=head,
                until=lambda ev: any(
                    e["serial"] == mine["serial"] and e["action"] == "dispatch" for e in ev
                ),
            ),
            read_stream(
                hw, after=head, until=lambda ev: any(e["action"] == "dispatch" for e in ev)
            ),
            read_stream(zf, after=head, until=lambda ev: any(e["_event"] == "gone" for e in ev)),
            read_stream(lead, after=head, until=done),
        )
        assert {e["serial"] for e in seen_sup} == {mine["serial"]}
        assert {e["serial"] for e in seen_hw} == {mine["serial"]}
        assert [e["action"] for e in seen_hw] == ["dispatch"]
        assert {e["serial"] for e in seen_zf} == {other["serial"]}
        # the decision takes the case away from ZF: they learn that, and nothing more
        assert [e["_event"] for e in seen_zf] == ["dispatch", "request_return", "gone"]
        assert seen_zf[-1] == {
            "seq": seen_zf[-1]["seq"],
            "serial": other["serial"],
            "_event": "gone",
        }
        assert {mine["serial"], other["serial"]} <= {e["serial"] for e in seen_lead}
        # lists and details follow the same rule
        listed = (await sup1.get("/cases", params={"limit": 5000})).json()["items"]
        assert all(c["grid_code"].startswith("110112001") for c in listed)
        assert (await sup1.get(f"/cases/{other['serial']}")).status_code == 404
        assert (await hw.get(f"/cases/{other['serial']}")).status_code == 404
        page = (await hw.get("/events", params={"after": head})).json()["items"]
        assert {e["serial"] for e in page} == {mine["serial"]}


async def test_a_handler_who_lost_a_case_sees_nothing_of_where_it_went(
    api: Api, tight: Api
) -> None:
    """Dispatched to ZF, returned, re-dispatched to HW: ZF's log and stream (ring and
    table) say only that the case is gone — no HW row, state or version."""
    async with api.client("lead") as lead, api.client("h_zf") as zf:
        before = await head_of(lead)
        serial = (await report(lead, await grid_in(lead, "110112002")))["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch", department_code="ZF")
        await act(zf, serial, "request_return", reason="非本单位")
        await act(lead, serial, "decide", approve=True)
        now = await act(lead, serial, "dispatch", department_code="HW")
        assert now["department_code"] == "HW"

        def leaks(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                e["case"]
                for e in items
                if e["serial"] == serial
                and "case" in e
                and (e["case"]["department_code"] != "ZF" or e["case"]["version"] >= now["version"])
            ]

        log = [e for e in await whole_log(zf) if e["serial"] == serial]
        assert log and all(set(e) == {"seq", "serial"} for e in log), log  # all "gone" now
        for server, start in ((api, 0), (tight, before)):  # tight: from the table
            async with server.client("h_zf") as reader:
                seen = await read_stream(
                    reader, after=start, until=lambda ev: ev[-1]["seq"] >= log[-1]["seq"]
                )
            mine = [e for e in seen if e["serial"] == serial]
            assert not leaks(mine), (server.server.url, mine)
            assert mine[-1]["_event"] == "gone" and set(mine[-1]) == {"seq", "serial", "_event"}
        assert (await zf.get(f"/cases/{serial}")).status_code == 404


async def test_ahead_of_the_head_gets_resync(api: Api) -> None:
    """A client that has seen more than the log holds (a restored database) is told to
    reload, on the stream and on ``GET /events``, instead of silently waiting."""
    async with api.client("lead") as lead:
        await report(lead, await grid_in(lead, "110112006"))
        head = await head_of(lead)
        for events in (
            await whole_stream(lead, headers={"Last-Event-ID": str(head + 3)}),
            await whole_stream(lead, f"/events/stream?after={head + 1}"),
        ):
            assert [e["_event"] for e in events] == ["resync"]
            assert events[0]["head_seq"] == head
        page = (await lead.get("/events", params={"after": head + 3})).json()
        assert page["items"] == [] and page["resync"]["head_seq"] == head
        assert (await lead.get("/events", params={"after": head})).json()["resync"] is None


async def test_too_far_behind_gets_resync(tight: Api) -> None:
    """More than ``stream_max_backlog`` events behind: one resync at the head, then the
    stream ends (the client reloads and reconnects from there)."""
    async with tight.client("lead") as lead:
        grid = await grid_in(lead, "110112006")
        for _ in range(TIGHT_BACKLOG + 2):
            await report(lead, grid)
        head = await head_of(lead)
        events = await whole_stream(lead, headers={"Last-Event-ID": str(head - TIGHT_BACKLOG - 1)})
        assert [e["_event"] for e in events] == ["resync"]
        assert events[0]["head_seq"] == head
        within = await read_stream(
            lead, after=head - TIGHT_BACKLOG, until=lambda ev: ev[-1]["seq"] >= head
        )
        assert "resync" not in {e["_event"] for e in within}


def roll_back_an_event(database_url: str) -> None:
    """What a crashed or refused write does on PostgreSQL: take a seq, then roll back."""
    import psycopg

    columns = (
        "case_id, serial, action, actor_id, actor_name, actor_role, at, data, grid_code, "
        "department_id, prev_department_id"
    )
    with psycopg.connect(database_url) as conn:
        conn.execute(
            f"INSERT INTO event_log ({columns}) "
            f"SELECT {columns} FROM event_log ORDER BY seq DESC LIMIT 1"
        )
        conn.rollback()


@pytest.mark.postgres
@pytest.mark.parametrize("backend_name", ["postgres"], indirect=True)
async def test_a_seq_gap_is_not_a_loss(api: Api) -> None:
    """A rolled-back write burns a seq on PostgreSQL (SQLite hands out seqs only on
    commit, so its log has no gaps).  The next committed event still reaches a follower
    and the console without a resync, and nothing reloads."""
    async with api.client("lead") as lead:
        serial = (await report(lead, await grid_in(lead, "110112003")))["serial"]
        head = await head_of(lead)
        roll_back_an_event(api.seeded.url)
        await act(lead, serial, "comment", note="提交在回滚之后")
        posted: list[Message] = []
        arrived = asyncio.Event()

        def post(message: Message) -> None:
            posted.append(message)
            if isinstance(message, CaseEvents):
                arrived.set()

        async with CitygridClient(api.server.url, api.seeded.tokens["lead"]) as client:
            follower = EventFollower(client, after=head)
            link = asyncio.create_task(follow_stream(follower, post))
            async with asyncio.timeout(20):
                await arrived.wait()
            assert not link.done(), "the console asked for a reload"
            link.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await link
        events = [e for m in posted if isinstance(m, CaseEvents) for e in m.events]
        assert [(e.seq, e.serial) for e in events] == [(head + 2, serial)]  # seq head+1 burnt
        assert isinstance(events[0], Event) and events[0].action is Action.COMMENT
