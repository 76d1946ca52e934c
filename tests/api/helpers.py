"""Small helpers for API tests: report, act, and read the event stream until a condition."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

DEFAULT_REPORT: dict[str, Any] = {
    "source": "hotline",
    "category_kind": "matter",
    "category_code": "06042",
    "description": "垃圾箱满溢，周边有散落垃圾",
    "reporter_phone": "13800138000",
}


async def grid_in(client: httpx.AsyncClient, street_code: str) -> str:
    cells = (await client.get("/grids")).json()
    return next(c["code"] for c in cells if c["code"].startswith(street_code))


async def report(client: httpx.AsyncClient, grid_code: str, **overrides: Any) -> dict[str, Any]:
    body = {**DEFAULT_REPORT, "grid_code": grid_code, **overrides}
    response = await client.post("/cases", json=body)
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()["case"]
    return case


async def act(
    client: httpx.AsyncClient,
    serial: str,
    action: str,
    *,
    expect: int = 200,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    response = await client.post(
        f"/cases/{serial}/actions", json={"action": action, **fields}, headers=headers or {}
    )
    assert response.status_code == expect, f"{action}: {response.status_code} {response.text}"
    body: dict[str, Any] = response.json()
    return body["case"] if expect == 200 else body


async def detail(client: httpx.AsyncClient, serial: str) -> dict[str, Any]:
    """The case detail (actions answer with the queue row only)."""
    response = await client.get(f"/cases/{serial}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def read_stream(
    client: httpx.AsyncClient,
    *,
    after: int | None = None,
    until: Callable[[list[dict[str, Any]]], bool],
    limit_s: float = 20.0,
    headers: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Collect stream events until ``until(events)`` holds.  ``limit_s`` only bounds a
    failing test; the loop returns as soon as the condition is met."""
    params = {"after": after} if after is not None else {}
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + limit_s
    async with client.stream(
        "GET",
        "/events/stream",
        params=params,
        headers=headers or {},
        timeout=httpx.Timeout(limit_s, read=limit_s),
    ) as response:
        assert response.status_code == 200, await response.aread()
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                payload = json.loads(line[5:].strip())
                payload["_event"] = kind
                events.append(payload)
                if until(events):
                    return events
            if time.monotonic() > deadline:
                break
    raise AssertionError(f"stream condition not met; got {len(events)} events")


# A shifts file with one shift covering the whole day, for a server under test: the
# current shift then changes only at local midnight, never between two requests of a test.
ONE_SHIFT = """
timezone = "Asia/Shanghai"
due_within_working_hours = 4
[[shifts]]
id = "all_day"
zh = "全天班"
en = "all-day shift"
start = "00:00"
end = "24:00"
[[checklist]]
id = "phones"
zh = "热线电话"
en = "hotline phones"
[[checklist]]
id = "video_wall"
zh = "视频墙"
en = "video wall"
"""
