"""Several server hosts on one PostgreSQL: one event order for every stream.

Two server processes on different loopback ports stand for two hosts behind a load
balancer.  Reports are written concurrently through both; every stream, whichever server
serves it, must carry exactly the acknowledged seqs, ascending, each once (a follower
that saw seq N+1 before N committed would skip N).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.helpers import DEFAULT_REPORT, grid_in, read_stream
from tests.conftest import Seeded, Server, start_server

WRITERS = 8
REPORTS_EACH = 6


def client(server: Server, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(30.0),
    )


def _reports(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events if e["_event"] == "report"]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("backend_name", ["postgres"], indirect=True)
async def test_two_servers_on_one_database_keep_one_stream_order(
    seeded: Seeded, tmp_path: Path
) -> None:
    one = start_server(seeded.url, tmp_path / "host-a.log")
    two = start_server(seeded.url, tmp_path / "host-b.log")
    assert one.url != two.url
    token = seeded.tokens["lead"]
    total = WRITERS * REPORTS_EACH
    try:
        async with client(one, token) as c1, client(two, token) as c2:
            grid = await grid_in(c1, "110112001")
            head = (await c2.get("/health")).json()["head_seq"]

            def complete(events: list[dict[str, Any]]) -> bool:
                return len(_reports(events)) >= total

            streams = [
                asyncio.create_task(read_stream(c, after=head, until=complete, limit_s=60))
                for c in (c1, c2)
            ]

            async def writer(first: httpx.AsyncClient, second: httpx.AsyncClient) -> list[int]:
                seqs = []
                for i in range(REPORTS_EACH):
                    target = first if i % 2 == 0 else second  # the balancer alternates
                    body = {**DEFAULT_REPORT, "grid_code": grid}
                    response = await target.post("/cases", json=body)
                    assert response.status_code == 201, response.text
                    seqs.append(response.json()["seq"])
                return seqs

            written = await asyncio.gather(
                *(writer(c1, c2) if w % 2 == 0 else writer(c2, c1) for w in range(WRITERS))
            )
            acknowledged = sorted(seq for seqs in written for seq in seqs)
            assert len(set(acknowledged)) == total
            assert acknowledged[0] > head

            on_one, on_two = await asyncio.gather(*streams)
            assert _reports(on_one) == acknowledged
            assert _reports(on_two) == acknowledged
            # Both hosts' stream order is the same, whatever else they carried.
            assert [e["seq"] for e in on_one][: len(on_two)] == [e["seq"] for e in on_two][
                : len(on_one)
            ]
            # And the paged log reads the same from either host.
            pages = [
                (await c.get("/events", params={"after": head, "limit": 500})).json()
                for c in (c1, c2)
            ]
            assert pages[0] == pages[1]
    finally:
        one.stop()
        two.stop()
