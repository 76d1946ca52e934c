"""Publishing a period and appealing its deductions, over HTTP against a real server.

Each test publishes its own period (a day range around today that holds the cases it
plays), since a period is published once. The module seeds its own city with no history.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.core.db import sync_engine
from backend.models import AdjustmentRow, AuditRow, PublicationRow
from tests.api.helpers import act, grid_in, report
from tests.conftest import (
    REPO,
    Seeded,
    Server,
    drop_pg_database,
    fresh_pg_database,
    seed_database,
    start_server,
)

STREET = "110112001"
HW = "区环境卫生服务中心"
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()

World = tuple[Server, Seeded]


def period(days_before: int) -> str:
    """A period of its own for each test, holding today and the next forty days."""
    return f"{TODAY - timedelta(days=days_before)}..{TODAY + timedelta(days=40)}"


@pytest.fixture(scope="module")
def world(backend_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"publication-{backend_name}")
    url = f"sqlite:///{tmp / 'publish.db'}" if backend_name == "sqlite" else fresh_pg_database()
    seeded = seed_database(url, tmp)
    server = start_server(url, tmp / "server.log")
    try:
        yield server, seeded
    finally:
        server.stop()
        if backend_name == "postgres":
            drop_pg_database(url)


def client(world: World, user: str) -> httpx.AsyncClient:
    server, seeded = world
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {seeded.tokens[user]}"},
        timeout=httpx.Timeout(30.0),
    )


async def _closed_case(world: World, *, reworked: bool = False) -> tuple[str, int]:
    """A hotline case in the street through to closed (after one failed check if
    ``reworked``), disposed by sanitation; its serial and the last write's seq."""
    async with client(world, "lead") as lead, client(world, "h_hw") as handler:
        serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch")
        await act(handler, serial, "sign")
        await act(handler, serial, "report_disposal", note="已清运")
        if reworked:
            await act(lead, serial, "verify", passed=False, reason="仍有垃圾")
            await act(handler, serial, "sign")
            await act(handler, serial, "report_disposal", note="再次清运")
        answer = await lead.post(
            f"/cases/{serial}/actions", json={"action": "verify", "passed": True}
        )
        assert answer.status_code == 200, answer.text
        return serial, answer.json()["seq"]


async def _publish(c: httpx.AsyncClient, name: str, **extra: Any) -> dict[str, Any]:
    answer = await c.post("/assessment/publications", json={"period": name, **extra})
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"].endswith(f"/assessment/publications/{name}")
    body: dict[str, Any] = answer.json()
    return body


def _object(publication: dict[str, Any], family: str, name: str) -> dict[str, Any]:
    ranking = next(r for r in publication["rankings"] if r["family"] == family)
    return next(o for o in ranking["objects"] if o["name"] == name)


def _audit(world: World, target: str) -> list[AuditRow]:
    engine = sync_engine(world[1].url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(AuditRow).where(col(AuditRow.target).startswith(target))
            ).all()
            return list(rows)
    finally:
        engine.dispose()


async def test_publishing_freezes_the_period(world: World) -> None:
    name = period(2)
    await _closed_case(world)
    async with client(world, "lead") as lead:
        published = await _publish(lead, name)
        assert published["revision"] == 1 and published["published_by"] == "lead"
        assert published["policy_version"] and published["notice"]["text_zh"]
        assert {r["family"] for r in published["rankings"]} == {"region", "department", "post"}
        frozen = _object(published, "department", HW)["counters"]

        _, seq = await _closed_case(world)  # a later event moves the live figures …
        live = await lead.get(
            "/assessment/rankings",
            params={"period": name, "family": "department", "after": seq},
        )
        assert live.status_code == 200, live.text
        live_hw = next(o for o in live.json()["objects"] if o["name"] == HW)
        assert live_hw["counters"]["closed"] == frozen["closed"] + 1
        # … but not the published ones
        again = await lead.get(f"/assessment/publications/{name}")
        assert again.status_code == 200
        assert _object(again.json(), "department", HW)["counters"] == frozen
        ranking = await lead.get(
            "/assessment/rankings",
            params={"period": name, "family": "department", "published": "true"},
        )
        assert next(o for o in ranking.json()["objects"] if o["name"] == HW)["counters"] == frozen

        twice = await lead.post("/assessment/publications", json={"period": name})
        assert twice.status_code == 409 and "already published" in twice.json()["detail"]
        listed = await lead.get("/assessment/publications")
        assert any(p["period"]["name"] == name and p["revision"] == 1 for p in listed.json())
    [row] = _audit(world, f"assessment/{name}")
    assert row.action == "assessment.publish" and row.actor == "lead"
    assert row.detail["revision"] == 1


async def test_only_centre_staff_publish_and_readers_see_their_own(world: World) -> None:
    name = period(3)
    await _closed_case(world)
    async with client(world, "h_hw") as handler, client(world, "sup001") as street:
        for who in (handler, street):
            refused = await who.post("/assessment/publications", json={"period": name})
            assert refused.status_code == 403
            assert refused.headers["content-type"].startswith("application/problem+json")
        missing = await street.get(f"/assessment/publications/{name}")
        assert missing.status_code == 404 and "published" in missing.json()["detail"]
        async with client(world, "admin") as admin:
            full = await _publish(admin, name)
        mine = (await handler.get(f"/assessment/publications/{name}")).json()
        departments = next(r for r in mine["rankings"] if r["family"] == "department")
        assert [o["name"] for o in departments["objects"]] == [HW]
        assert departments["objects"][0]["rank"] == _object(full, "department", HW)["rank"]
        assert mine["notice"] is None
        assert all(not r["objects"] for r in mine["rankings"] if r["family"] != "department")
        frozen = await handler.get(
            "/assessment/rankings",
            params={"period": name, "family": "department", "published": "true"},
        )
        assert [o["name"] for o in frozen.json()["objects"]] == [HW]
        theirs = (await street.get(f"/assessment/publications/{name}")).json()
        regions = next(r for r in theirs["rankings"] if r["family"] == "region")
        assert regions["objects"] and all(o["id"].startswith(STREET) for o in regions["objects"])


async def test_an_upheld_appeal_revises_the_period(world: World) -> None:
    name = period(4)
    serial, _ = await _closed_case(world, reworked=True)
    async with client(world, "lead") as lead, client(world, "h_hw") as handler:
        first = await _publish(lead, name)
        before = _object(first, "department", HW)["counters"]
        assert before["reworks"] >= 1
        filed = await handler.post(
            "/assessment/appeals",
            json={
                "period": name,
                "serial": serial,
                "counter": "reworks",
                "reason": "核查时垃圾已清运，照片为证",
                "evidence": ["photo://after.jpg"],
            },
        )
        assert filed.status_code == 201, filed.text
        appeal = filed.json()
        assert appeal["state"] == "pending" and appeal["delta"] == -1
        assert appeal["type"] == "department" and appeal["revision"] == 1

        self_decided = await handler.post(
            f"/assessment/appeals/{appeal['id']}/decision", json={"upheld": True, "note": "x"}
        )
        assert self_decided.status_code == 403
        decided = await lead.post(
            f"/assessment/appeals/{appeal['id']}/decision",
            json={"upheld": True, "note": "照片属实，不计返工"},
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["state"] == "upheld" and decided.json()["revised_to"] == 2
        again = await lead.post(
            f"/assessment/appeals/{appeal['id']}/decision", json={"upheld": False, "note": "x"}
        )
        assert again.status_code == 409

        revised = (await lead.get(f"/assessment/publications/{name}")).json()
        assert revised["revision"] == 2 and revised["appeal_id"] == appeal["id"]
        after = _object(revised, "department", HW)["counters"]
        changed = {k for k in {*before, *after} if before.get(k) != after.get(k)}
        assert changed == {"reworks"} and after.get("reworks", 0) == before["reworks"] - 1
        one = await lead.get(f"/assessment/publications/{name}", params={"revision": 1})
        assert _object(one.json(), "department", HW)["counters"] == before
        live = await lead.get("/assessment/rankings", params={"period": name})
        hw = next(o for o in live.json()["objects"] if o["name"] == HW)
        behind = await lead.get(
            "/assessment/cases",
            params={"period": name, "type": "department", "id": hw["id"], "counter": "reworks"},
        )
        assert behind.json()["total"] == hw["counters"].get("reworks", 0)  # live holds it too
        counted = [c["counted"] for c in behind.json()["cases"] if c["serial"] == serial]
        assert sorted(counted) == [-1, 1]  # the log's rework and the appeal's adjustment
        mine = (await handler.get("/assessment/appeals", params={"mine": "true"})).json()
        assert [(a["id"], a["state"], a["note"]) for a in mine] == [
            (appeal["id"], "upheld", "照片属实，不计返工")
        ]
    actions = [row.action for row in _audit(world, f"assessment/{name}")]
    assert actions == [
        "assessment.publish",
        "assessment.appeal.file",
        "assessment.appeal.uphold",
        "assessment.revise",
    ]
    engine = sync_engine(world[1].url)
    with Session(engine) as session:
        [adjustment] = session.exec(
            select(AdjustmentRow).where(AdjustmentRow.appeal_id == appeal["id"])
        ).all()
    engine.dispose()
    assert (adjustment.counter, adjustment.delta) == ("reworks", -1)


async def test_appeals_are_refused_with_a_sentence(world: World) -> None:
    name = period(5)
    serial, _ = await _closed_case(world, reworked=True)
    clean, _ = await _closed_case(world)
    body = {"period": name, "serial": serial, "counter": "reworks", "reason": "复核"}
    async with (
        client(world, "lead") as lead,
        client(world, "h_hw") as handler,
        client(world, "h_zf") as other,
        client(world, "sup001") as street,
        client(world, "leader") as leader,
    ):
        unpublished = await handler.post("/assessment/appeals", json=body)
        assert unpublished.status_code == 404
        await _publish(lead, name)
        not_theirs = await other.post("/assessment/appeals", json=body)
        assert not_theirs.status_code == 422 and "nothing to appeal" in not_theirs.json()["detail"]
        no_deduction = await handler.post("/assessment/appeals", json={**body, "serial": clean})
        assert no_deduction.status_code == 422
        not_a_counter = await handler.post(
            "/assessment/appeals", json={**body, "counter": "closed"}
        )
        assert not_a_counter.status_code == 422 and "not a deduction" in not_a_counter.text
        nul = await handler.post("/assessment/appeals", json={**body, "reason": "复\u0000核"})
        assert nul.status_code == 422 and "control characters" in nul.text
        assert (await leader.post("/assessment/appeals", json=body)).status_code == 403
        by_street = await street.post("/assessment/appeals", json=body)
        assert by_street.status_code == 201, by_street.text
        assert by_street.json()["type"] == "street" and by_street.json()["object_id"] == STREET
        assert (await handler.post("/assessment/appeals", json=body)).status_code == 201
        second = await handler.post("/assessment/appeals", json=body)
        assert second.status_code == 409 and "already appealed" in second.json()["detail"]
        rejected = await lead.post(
            f"/assessment/appeals/{by_street.json()['id']}/decision",
            json={"upheld": False, "note": "返工属实"},
        )
        assert rejected.json()["state"] == "rejected"
        outcome = (await street.get("/assessment/appeals", params={"mine": "true"})).json()
        assert [(a["state"], a["note"]) for a in outcome] == [("rejected", "返工属实")]
        seen = (await other.get("/assessment/appeals")).json()
        assert all(a["object_id"] != STREET for a in seen)  # another department's staff
        assert all(a["type"] == "department" and a["object_id"] != "" for a in seen)
        revision = (await lead.get(f"/assessment/publications/{name}")).json()["revision"]
        assert revision == 1  # a rejected appeal revises nothing


async def test_an_appeal_after_the_window_is_late(world: World) -> None:
    name = period(6)
    serial, _ = await _closed_case(world, reworked=True)
    async with client(world, "lead") as lead, client(world, "h_hw") as handler:
        await _publish(lead, name)
        engine = sync_engine(world[1].url)
        with Session(engine) as session:  # published three weeks ago: past five working days
            session.exec(
                update(PublicationRow)
                .where(col(PublicationRow.period) == name)
                .values(published_at=datetime.now(ZoneInfo("UTC")) - timedelta(days=21))
            )
            session.commit()
        engine.dispose()
        late = await handler.post(
            "/assessment/appeals",
            json={"period": name, "serial": serial, "counter": "reworks", "reason": "复核"},
        )
    assert late.status_code == 409
    assert "closed at" in late.json()["detail"] and "working day" in late.json()["detail"]


def _cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", "assessment", *args, "--database", world[1].url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_command_line_publishes_and_lists_appeals(world: World) -> None:
    name = period(7)
    serial, _ = await _closed_case(world, reworked=True)
    done = _cli(world, "publish", "--period", name, "--as", "lead")
    assert done.returncode == 0, done.stderr
    assert f"published {name} revision 1" in done.stdout
    again = _cli(world, "publish", "--period", name)
    assert again.returncode != 0 and "already published" in again.stdout + again.stderr
    async with client(world, "lead") as lead, client(world, "h_hw") as handler:
        published = (await lead.get(f"/assessment/publications/{name}")).json()
        assert published["published_by"] == "lead"
        filed = await handler.post(
            "/assessment/appeals",
            json={"period": name, "serial": serial, "counter": "reworks", "reason": "复核"},
        )
        assert filed.status_code == 201, filed.text
    listed = _cli(world, "appeals", "--as", "lead")
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if f"\t{name}\t{serial}\t" in row)
    assert "\treworks -1\tpending\th_hw\t" in line
