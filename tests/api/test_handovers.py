"""Shift handover (交接班) against a real server: build, sign, acknowledge, read back,
export, replay, and jurisdiction like cases.

The server loads its own shifts file (``CITYGRID_SHIFTS_PATH``) with one shift covering
the whole day, so the current shift cannot change under a test except at local midnight.
Each test works in its own street, so their handovers never meet.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from backend.core.db import sync_engine
from tests.api.helpers import ONE_SHIFT, act, grid_in, report
from tests.conftest import (
    Seeded,
    Server,
    add_user,
    drop_pg_database,
    fresh_pg_database,
    seed_database,
    start_server,
)

DISTRICT = "110112"


World = tuple[Server, Seeded, str]


@pytest.fixture(scope="module")
def world(backend_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"handover-{backend_name}")
    url = f"sqlite:///{tmp / 'handover.db'}" if backend_name == "sqlite" else fresh_pg_database()
    seeded = seed_database(url, tmp)
    shifts = tmp / "shifts.toml"
    shifts.write_text(ONE_SHIFT, encoding="utf-8")
    server = start_server(url, tmp / "server.log", extra_env={"CITYGRID_SHIFTS_PATH": str(shifts)})
    try:
        yield server, seeded, url
    finally:
        server.stop()
        if backend_name == "postgres":
            drop_pg_database(url)


def client(world: World, user: str) -> httpx.AsyncClient:
    server, seeded, _ = world
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {seeded.tokens[user]}"},
        timeout=httpx.Timeout(30.0),
    )


def lead_of(world: World, jurisdiction: str, role: str = "shift_lead") -> str:
    name = f"{role[:4]}_{uuid.uuid4().hex[:8]}"
    add_user(world[1], name, role, jurisdiction)
    return name


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["detail"]  # a sentence, not a stack trace
    return body


BUILD = {
    "notes": "视频墙 3 号屏闪烁，已报修。\n12345 转来两件噪音投诉待回访。",
    "checklist": [
        {"id": "video_wall", "checked": False, "remark": "3 号屏闪烁"},
        {"id": "phones", "checked": True},
    ],
}


async def test_build_sign_acknowledge_read_back_with_audit(
    world: World,
) -> None:
    street = "110112001"
    outgoing, incoming = lead_of(world, street), lead_of(world, street)
    async with client(world, outgoing) as out, client(world, incoming) as inc:
        grid = await grid_in(out, street)
        filed = await report(out, grid)
        await act(out, filed["serial"], "file")
        await report(out, grid)

        current = (await out.get("/shifts/current")).json()
        assert current["shift"]["id"] == "all_day"
        assert current["handover_id"] is None
        assert [c["id"] for c in current["checklist"]] == ["phones", "video_wall"]

        built = await out.post("/handovers", json=BUILD)
        assert built.status_code == 201, built.text
        h = built.json()
        assert built.headers["Location"].endswith(f"/handovers/{h['id']}")
        assert h["status"] == "draft" and h["author"] == outgoing
        assert h["starts_at"] == current["starts_at"]
        assert h["notes"] == BUILD["notes"]
        # Every item of the file, in its order, with what the lead said about each.
        assert h["checklist"] == [
            {"id": "phones", "checked": True, "remark": ""},
            {"id": "video_wall", "checked": False, "remark": "3 号屏闪烁"},
        ]
        snap = h["snapshot"]
        assert snap["open_by_state"].get("filed", 0) >= 1
        assert snap["open_by_state"].get("reported", 0) >= 1
        assert snap["filed"] >= 1
        assert snap["open_total"] == sum(snap["open_by_state"].values())

        rebuilt = await out.post("/handovers", json={"notes": "更新", "checklist": []})
        assert rebuilt.status_code == 200, rebuilt.text
        assert rebuilt.json()["id"] == h["id"] and rebuilt.json()["version"] == 2
        assert (await out.get("/shifts/current")).json()["handover_id"] == h["id"]

        problem(await inc.post(f"/handovers/{h['id']}/acknowledge"), 409)  # not signed
        problem(await inc.post(f"/handovers/{h['id']}/sign"), 403)  # not theirs to sign
        signed = await out.post(f"/handovers/{h['id']}/sign")
        assert signed.status_code == 200, signed.text
        assert signed.json()["status"] == "signed" and signed.json()["signed_at"]
        assert (
            "already signed" in problem(await out.post(f"/handovers/{h['id']}/sign"), 409)["detail"]
        )
        problem(await out.post("/handovers", json=BUILD), 409)  # signed: frozen
        problem(await out.post(f"/handovers/{h['id']}/acknowledge"), 403)  # your own

        waiting = (await inc.get("/handovers", params={"status": "signed"})).json()["items"]
        assert [w["id"] for w in waiting] == [h["id"]]

        acked = await inc.post(f"/handovers/{h['id']}/acknowledge")
        assert acked.status_code == 200, acked.text
        problem(await inc.post(f"/handovers/{h['id']}/acknowledge"), 409)

        back = (await out.get(f"/handovers/{h['id']}")).json()
        assert back["status"] == "acknowledged"
        assert back["acknowledged_by"] == incoming
        assert back["notes"] == "更新" and back["version"] == 4
        assert (await inc.get("/handovers", params={"status": "signed"})).json()["items"] == []

    engine = sync_engine(world[2])
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, action FROM audit_log WHERE target = :t ORDER BY id"),
            {"t": f"handover:{h['id']}"},
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (outgoing, "handover.build"),
        (outgoing, "handover.rebuild"),
        (outgoing, "handover.sign"),
        (incoming, "handover.acknowledge"),
    ]


async def test_scoped_like_cases(world: World) -> None:
    mine, other = "110112002", "110112003"
    street_lead, other_lead = lead_of(world, mine), lead_of(world, other)
    district_lead = lead_of(world, DISTRICT)
    leader = lead_of(world, DISTRICT, "leader")
    async with (
        client(world, street_lead) as sl,
        client(world, other_lead) as ol,
        client(world, district_lead) as dl,
        client(world, leader) as ld,
        client(world, "h_hw") as handler,
    ):
        before = (await sl.post("/handovers", json={})).json()["snapshot"]["open_total"]
        await report(ol, await grid_in(ol, other))  # another street's case
        await report(sl, await grid_in(sl, mine))
        h = (await sl.post("/handovers", json={})).json()
        assert h["snapshot"]["open_total"] == before + 1  # only the street's own case

        problem(await ol.get(f"/handovers/{h['id']}"), 404)
        problem(await ol.get(f"/handovers/{h['id']}/export"), 404)
        problem(await ol.get(f"/handovers/{h['id']}/events"), 404)
        problem(await ol.post(f"/handovers/{h['id']}/sign"), 404)
        assert h["id"] not in [x["id"] for x in (await ol.get("/handovers")).json()["items"]]

        assert (await dl.get(f"/handovers/{h['id']}")).status_code == 200
        assert h["id"] in [x["id"] for x in (await dl.get("/handovers")).json()["items"]]

        assert (await ld.get(f"/handovers/{h['id']}")).json()["id"] == h["id"]
        problem(await ld.post("/handovers", json={}), 403)
        problem(await ld.post(f"/handovers/{h['id']}/acknowledge"), 403)

        problem(await handler.get("/handovers"), 403)
        problem(await handler.get(f"/handovers/{h['id']}"), 403)
        problem(await handler.get("/shifts/current"), 403)


async def test_bad_input_is_a_sentence(world: World) -> None:
    lead = lead_of(world, "110112004")
    async with client(world, lead) as c:
        body = problem(await c.post("/handovers", json={"checklist": [{"id": "coffee"}]}), 422)
        assert "coffee" in body["detail"] and "phones" in body["detail"]
        twice = {"checklist": [{"id": "phones"}, {"id": "phones"}]}
        problem(await c.post("/handovers", json=twice), 422)
        problem(await c.post("/handovers", json={"notes": "x" * 5000}), 422)
        problem(await c.get("/handovers/999999"), 404)
        problem(await c.get("/handovers/0"), 422)
        problem(await c.get("/handovers", params={"status": "lost"}), 422)


async def test_build_is_idempotent(world: World) -> None:
    lead = lead_of(world, "110112005")
    async with client(world, lead) as c:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        first = await c.post("/handovers", json=BUILD, headers=key)
        again = await c.post("/handovers", json=BUILD, headers=key)
        assert first.status_code == again.status_code == 201
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()
        assert (await c.get(f"/handovers/{first.json()['id']}")).json()["version"] == 1


async def test_export_markdown_and_csv(world: World) -> None:
    lead = lead_of(world, "110112006")
    async with client(world, lead) as c:
        h = (await c.post("/handovers", json=BUILD)).json()
        await c.post(f"/handovers/{h['id']}/sign")

        md = await c.get(f"/handovers/{h['id']}/export")
        assert md.status_code == 200
        assert md.headers["content-type"].startswith("text/markdown")
        assert f"# 交接班记录 Shift handover #{h['id']}" in md.text
        assert "全天班 all-day shift" in md.text
        assert "> 视频墙 3 号屏闪烁，已报修。" in md.text
        assert "- 视频墙 video wall: ✗ 3 号屏闪烁" in md.text
        assert "已签字 signed" in md.text

        raw = await c.get(f"/handovers/{h['id']}/export", params={"format": "csv"})
        assert raw.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(raw.text.removeprefix("\ufeff"))))
        assert rows[0] == ["section", "item", "value"]
        assert ["检查项 checklist", "热线电话 hotline phones", "✓"] in rows
        assert rows[-1] == ["交班留言 notes", "", BUILD["notes"]]
        problem(await c.get(f"/handovers/{h['id']}/export", params={"format": "pdf"}), 422)


async def test_replay_lists_the_shifts_events_in_order(world: World) -> None:
    mine, other = "110112007", "110112008"
    lead = lead_of(world, mine)
    async with client(world, lead) as c, client(world, "lead") as district:
        ours = await report(c, await grid_in(c, mine))
        await act(c, ours["serial"], "file")
        theirs = await report(district, await grid_in(district, other))
        h = (await c.post("/handovers", json={})).json()

        page = (await c.get(f"/handovers/{h['id']}/events", params={"limit": 1000})).json()
        seqs = [e["seq"] for e in page["items"]]
        assert seqs == sorted(seqs)
        serials = {e["serial"] for e in page["items"]}
        assert ours["serial"] in serials and theirs["serial"] not in serials
        mine_actions = [e["action"] for e in page["items"] if e["serial"] == ours["serial"]]
        assert mine_actions == ["report", "file"]
        assert all(e["case"]["grid_code"].startswith(mine) for e in page["items"])

        after = seqs[0]
        rest = (await c.get(f"/handovers/{h['id']}/events", params={"after": after})).json()
        assert [e["seq"] for e in rest["items"]] == seqs[1:]


async def test_two_leads_building_at_once_make_one_record(world: World) -> None:
    street = "110112009"
    first, second = lead_of(world, street), lead_of(world, street)
    async with client(world, first) as a, client(world, second) as b:
        answers = await asyncio.gather(
            *(c.post("/handovers", json={"notes": n}) for c, n in ((a, "A"), (b, "B")) * 3)
        )
        codes = sorted(r.status_code for r in answers)
        assert codes.count(201) == 1, [r.text for r in answers]
        assert set(codes) <= {200, 201, 409}  # a lost race is a sentence, never a 500
        for r in answers:
            if r.status_code == 409:
                problem(r, 409)
        ids = {r.json()["id"] for r in answers if r.status_code in (200, 201)}
        assert len(ids) == 1
        listed = (await a.get("/handovers")).json()["items"]
        assert [h["id"] for h in listed if h["jurisdiction_code"] == street] == list(ids)
