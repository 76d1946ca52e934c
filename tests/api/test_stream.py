"""The event stream: resume, snapshot + stream with nothing missed, jurisdiction isolation."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.helpers import act, grid_in, read_stream, report
from tests.conftest import Api


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
            read_stream(zf, after=head, until=lambda ev: any(e["action"] == "decide" for e in ev)),
            read_stream(lead, after=head, until=done),
        )
        assert {e["serial"] for e in seen_sup} == {mine["serial"]}
        assert {e["serial"] for e in seen_hw} == {mine["serial"]}
        assert [e["action"] for e in seen_hw] == ["dispatch"]
        assert {e["serial"] for e in seen_zf} == {other["serial"]}
        assert [e["action"] for e in seen_zf] == ["dispatch", "request_return", "decide"]
        assert {mine["serial"], other["serial"]} <= {e["serial"] for e in seen_lead}
        # lists and details follow the same rule
        listed = (await sup1.get("/cases", params={"limit": 5000})).json()["items"]
        assert all(c["grid_code"].startswith("110112001") for c in listed)
        assert (await sup1.get(f"/cases/{other['serial']}")).status_code == 404
        assert (await hw.get(f"/cases/{other['serial']}")).status_code == 404
        page = (await hw.get("/events", params={"after": head})).json()["items"]
        assert {e["serial"] for e in page} == {mine["serial"]}


async def test_too_far_behind_gets_resync(api: Api) -> None:
    async with api.client("lead") as lead:
        await report(lead, await grid_in(lead, "110112006"))
        events = await read_stream(lead, after=0, until=lambda ev: len(ev) >= 1)
        head = (await lead.get("/health")).json()["head_seq"]
        # the default backlog limit is far above this test's event count, so no resync
        assert events[0]["_event"] != "resync" and events[0]["seq"] == 1
        assert head >= 1
