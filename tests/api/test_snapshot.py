"""``GET /cases/snapshot``: every open case the list holds, in the list's order, from one
database snapshot; the console loads it and follows the stream from its seq without
missing or doubling an event; a handler's snapshot is their department's cases."""

from __future__ import annotations

import gc
import gzip
from typing import Any

import httpx
import pytest
from textual.message import Message

from backend_client.client import CitygridClient
from backend_client.errors import Unauthorized
from backend_client.snapshot import SNAPSHOT_COLUMNS, SNAPSHOT_MEDIA_TYPE, parse_line
from backend_client.wire import CaseSummary
from console.connection import _load_snapshot
from console.messages import SnapshotLoaded
from tests.api.helpers import act, grid_in, read_stream, report
from tests.conftest import Api


async def listed(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """``GET /cases?state=open``, page after page, in deadline order."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"state": "open", "sort": "deadline", "limit": 1000}
    while True:
        page = (await client.get("/cases", params=params)).json()
        items += page["items"]
        if not page.get("next_cursor"):
            return items
        params["cursor"] = page["next_cursor"]


async def snapshot(client: httpx.AsyncClient, encoding: str) -> tuple[int, list[dict[str, Any]]]:
    response = await client.get("/cases/snapshot", headers={"Accept-Encoding": encoding})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(SNAPSHOT_MEDIA_TYPE)
    assert response.headers.get("content-encoding") == (encoding if encoding == "gzip" else None)
    lines = [parse_line(line) for line in response.content.splitlines()]
    head, *batches, end = lines
    assert not isinstance(head, list) and head.columns == list(SNAPSHOT_COLUMNS)  # type: ignore[union-attr]
    rows = [dict(zip(SNAPSHOT_COLUMNS, r, strict=True)) for b in batches for r in b]  # type: ignore[union-attr]
    assert end.count == len(rows)  # type: ignore[union-attr]
    return head.as_of_seq, rows  # type: ignore[union-attr]


def keyed(rows: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(r["serial"], r["state"], r["version"]) for r in rows]


async def test_the_snapshot_is_the_open_list_in_its_order_plain_or_gzipped(api: Api) -> None:
    async with api.client("lead") as lead:
        await report(lead, await grid_in(lead, "110112002"))  # at least one open case
        rows = await listed(lead)
        as_of, plain = await snapshot(lead, "identity")
        _, packed = await snapshot(lead, "gzip")
        head = (await lead.get("/health")).json()["head_seq"]
    assert plain and keyed(plain) == keyed(rows) == keyed(packed)
    # The same rows (the light may have turned between the two reads).
    sent = [
        CaseSummary.model_validate({**p, "light": r["light"]})
        for p, r in zip(plain, rows, strict=True)
    ]
    assert sent == [CaseSummary.model_validate(r) for r in rows]
    assert 0 < as_of <= head


async def test_the_raw_answer_is_gzip_when_accepted(api: Api) -> None:
    async with (
        api.client("lead") as lead,
        lead.stream("GET", "/cases/snapshot", headers={"Accept-Encoding": "gzip"}) as response,
    ):
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert parse_line(gzip.decompress(raw).splitlines()[-1]).count > 0  # type: ignore[union-attr]


async def test_a_handler_gets_only_their_departments_cases(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as hw:
        serial = (await report(lead, await grid_in(lead, "110112001")))["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch", department_code="HW")
        _, rows = await snapshot(hw, "gzip")
        listed_rows = await listed(hw)
    assert serial in {r["serial"] for r in rows}
    assert {r["department_code"] for r in rows} == {"HW"}
    assert keyed(rows) == keyed(listed_rows)


async def test_no_token_is_a_problem_not_a_snapshot(api: Api) -> None:
    async with httpx.AsyncClient(base_url=api.server.api) as anonymous:
        response = await anonymous.get("/cases/snapshot")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_console_loads_the_snapshot_then_the_stream_misses_nothing(api: Api) -> None:
    """The console's own loader, then the stream from its seq while others act: its view
    equals the server's, and no event arrives twice."""
    posted: list[SnapshotLoaded] = []
    collecting: list[bool] = []

    def post(message: Message) -> None:
        assert isinstance(message, SnapshotLoaded)
        posted.append(message)
        collecting.append(gc.isenabled())

    async with (
        CitygridClient(api.server.url, api.seeded.tokens["lead"]) as client,
        api.client("lead") as lead,
        api.client("operator2") as op,
    ):
        grid = await grid_in(lead, "110112003")
        for _ in range(3):  # cases the snapshot will hold and the churn will move on
            await report(op, grid)
        me = await client.me()
        assert gc.isenabled()
        as_of = await _load_snapshot(client, me, 0.0, post)
        # The cyclic collector pauses while the rows are made, and is back on after.
        assert collecting == [False] * len(posted) and gc.isenabled()
        assert posted[0].first and posted[-1].last and not any(m.last for m in posted[:-1])
        assert {m.as_of_seq for m in posted} == {as_of}
        view = {c.serial: (c.state.value, c.version) for m in posted for c in m.cases}
        made = []
        for _ in range(10):
            serial = (await report(op, grid))["serial"]
            await act(op, serial, "file")
            made.append(serial)
        head = (await lead.get("/health")).json()["head_seq"]
        events = await read_stream(lead, after=as_of, until=lambda ev: ev[-1]["seq"] >= head)
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(set(seqs)) and seqs[0] > as_of
        for event in events:
            held = view.get(event["serial"])
            if held is None or event["case"]["version"] > held[1]:
                view[event["serial"]] = (event["case"]["state"], event["case"]["version"])
        expected = {r["serial"]: (r["state"], r["version"]) for r in await listed(lead)}
    assert {s: v for s, v in view.items() if s in expected} == expected
    assert all(view[s][0] == "filed" for s in made)


async def test_a_failed_load_turns_the_collector_back_on(api: Api) -> None:
    """The server refuses the snapshot: the loader raises, the collector is on again."""
    async with CitygridClient(api.server.url, api.seeded.tokens["lead"]) as client:
        me = await client.me()
    async with CitygridClient(api.server.url, "cg_not-a-token") as refused:
        with pytest.raises(Unauthorized):
            await _load_snapshot(refused, me, 0.0, lambda _message: None)
    assert gc.isenabled()
