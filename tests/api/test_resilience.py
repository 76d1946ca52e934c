"""Crashes, restarts, resync and several workers: the log never loses an acknowledged change."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.helpers import act, grid_in, read_stream, report
from tests.conftest import Seeded, Server, start_server

BODY: dict[str, Any] = {
    "source": "supervisor",
    "category_kind": "matter",
    "category_code": "09006",
    "description": "占道经营",
}


def client(server: Server, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(10.0),
    )


@pytest.mark.slow
async def test_kill_9_loses_no_acknowledged_action(seeded: Seeded, tmp_path: Path) -> None:
    server = start_server(seeded.url, tmp_path / "crash.log")
    token = seeded.tokens["lead"]
    acknowledged: dict[str, str] = {}  # idempotency key -> serial
    attempted: list[str] = []
    async with client(server, token) as c:
        grid = await grid_in(c, "110112007")
        killed = asyncio.Event()
        enough = asyncio.Event()

        async def writer(n: int) -> None:
            for i in range(200):
                if killed.is_set():
                    return
                key = f"crash-{n}-{i}-{uuid.uuid4().hex[:6]}"
                attempted.append(key)
                try:
                    r = await c.post(
                        "/cases", json={**BODY, "grid_code": grid}, headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError:
                    return
                if r.status_code == 201:
                    acknowledged[key] = r.json()["case"]["serial"]
                    if len(acknowledged) >= 40:
                        enough.set()

        async def killer() -> None:
            await enough.wait()
            server.proc.kill()  # SIGKILL mid-burst: no shutdown hooks run
            killed.set()

        await asyncio.gather(killer(), *(writer(n) for n in range(8)))
    server.proc.wait(timeout=10)
    assert len(acknowledged) >= 40

    restarted = start_server(seeded.url, tmp_path / "crash2.log", port=server.port)
    try:
        async with client(restarted, token) as c:
            for serial in acknowledged.values():
                detail = await c.get(f"/cases/{serial}")
                assert detail.status_code == 200, (serial, detail.text)
                assert [t["action"] for t in detail.json()["timeline"]] == ["report"]
            # Retrying every attempted request is safe: acknowledged ones are replayed,
            # the rest are applied now, and nothing is doubled.
            serials = []
            for key in attempted:
                r = await c.post(
                    "/cases", json={**BODY, "grid_code": grid}, headers={"Idempotency-Key": key}
                )
                assert r.status_code == 201
                serials.append(r.json()["case"]["serial"])
                if key in acknowledged:
                    assert r.json()["case"]["serial"] == acknowledged[key]
            assert len(set(serials)) == len(attempted)
    finally:
        restarted.stop()


@pytest.mark.slow
async def test_stream_survives_restart_and_resumes(seeded: Seeded, tmp_path: Path) -> None:
    server = start_server(seeded.url, tmp_path / "r1.log")
    token = seeded.tokens["lead"]
    async with client(server, token) as c:
        grid = await grid_in(c, "110112008")
        serial = (await report(c, grid))["serial"]
        head = (await c.get("/health")).json()["head_seq"]
    server.stop()
    again = start_server(seeded.url, tmp_path / "r2.log", port=server.port)
    try:
        async with client(again, token) as c:
            await act(c, serial, "file")
            events = await read_stream(
                c,
                headers={"Last-Event-ID": str(head)},
                until=lambda ev: any(e["serial"] == serial and e["action"] == "file" for e in ev),
            )
            assert events[0]["seq"] == head + 1
    finally:
        again.stop()


@pytest.mark.slow
async def test_client_too_far_behind_is_told_to_resync(seeded: Seeded, tmp_path: Path) -> None:
    server = start_server(
        seeded.url, tmp_path / "resync.log", extra_env={"CITYGRID_STREAM_MAX_BACKLOG": "3"}
    )
    try:
        async with client(server, seeded.tokens["lead"]) as c:
            grid = await grid_in(c, "110112009")
            for _ in range(5):
                await report(c, grid)
            head = (await c.get("/health")).json()["head_seq"]
            events = await read_stream(c, after=0, until=lambda ev: len(ev) >= 1)
            assert events[0]["_event"] == "resync"
            assert events[0]["head_seq"] == head
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("backend_name", ["postgres"], indirect=True)
async def test_two_postgres_workers_share_the_stream(seeded: Seeded, tmp_path: Path) -> None:
    """An action through one worker process reaches a stream served by another."""
    one = start_server(seeded.url, tmp_path / "w1.log")
    two = start_server(seeded.url, tmp_path / "w2.log")
    token = seeded.tokens["lead"]
    try:
        async with client(one, token) as c1, client(two, token) as c2:
            grid = await grid_in(c1, "110112001")
            head = (await c2.get("/health")).json()["head_seq"]

            async def act_through_one() -> str:
                serial = (await report(c1, grid))["serial"]
                await act(c1, serial, "file")
                return serial

            listener = asyncio.create_task(
                read_stream(c2, after=head, until=lambda ev: any(e["action"] == "file" for e in ev))
            )
            serial = await act_through_one()
            events = await listener
            assert [(e["serial"], e["action"]) for e in events] == [
                (serial, "report"),
                (serial, "file"),
            ]
        # and the real multi-process server starts and answers
        multi = start_server(seeded.url, tmp_path / "multi.log", workers=2)
        try:
            async with client(multi, token) as c:
                assert (await c.get("/health")).json()["database"] == "postgresql"
        finally:
            multi.stop()
    finally:
        one.stop()
        two.stop()
