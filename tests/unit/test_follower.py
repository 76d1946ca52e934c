"""EventFollower against an ``httpx.MockTransport`` that serves SSE bytes and disconnects."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from backend_client.client import CitygridClient
from backend_client.errors import Forbidden, Unauthorized
from backend_client.events import (
    BACKOFF_MAX,
    EventFollower,
    FollowItem,
    ResyncNeeded,
    StreamState,
    backoff_delay,
)
from backend_client.wire import CaseGone, Event, EventPage

AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC).isoformat()
SSE = {"Content-Type": "text/event-stream"}


def event_json(seq: int, action: str = "sign") -> str:
    case = {
        "serial": "110112-0001",
        "state": "in_progress",
        "source": "supervisor",
        "category_kind": "matter",
        "category_code": "06010",
        "category_name": "暴露垃圾",
        "grid_code": "110112001001001",
        "street_code": "110112001",
        "address": "",
        "summary": "暴露垃圾",
        "urgency": "normal",
        "version": seq,
        "created_at": AT,
        "updated_at": AT,
    }
    return json.dumps(
        {
            "seq": seq,
            "serial": "110112-0001",
            "action": action,
            "actor": "王伟",
            "actor_role": "handler",
            "at": AT,
            "data": {},
            "case": case,
        },
        ensure_ascii=False,
    )


def frame(seq: int, action: str = "sign") -> str:
    return f"id: {seq}\nevent: {action}\ndata: {event_json(seq, action)}\n\n"


def unauthorized() -> httpx.Response:
    body = {"title": "Not signed in", "status": 401, "detail": "This token is unknown."}
    return httpx.Response(401, json=body)


class Server:
    """Serves one scripted answer per connection and records the Last-Event-ID sent."""

    def __init__(self, answers: list[Callable[[], httpx.Response]], head: int = 0) -> None:
        self.answers = answers
        self.head = head
        self.last_ids: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/health":
            return httpx.Response(
                200, json={"status": "ok", "version": "t", "database": "t", "head_seq": self.head}
            )
        assert request.url.path == "/api/v1/events/stream"
        assert request.headers["Accept"] == "text/event-stream"
        self.last_ids.append(request.headers.get("Last-Event-ID"))
        return self.answers[len(self.last_ids) - 1]()


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def drain(follower: EventFollower, items: list[FollowItem]) -> None:
    async for item in follower.items():
        items.append(item)


async def collect(follower: EventFollower, error: type[Exception]) -> list[FollowItem]:
    """Every item the follower yields until it stops with ``error``."""
    items: list[FollowItem] = []
    with pytest.raises(error):
        await drain(follower, items)
    return items


def make(server: Server, after: int | None, sleeps: Sleeps, **kw: Any) -> EventFollower:
    api = CitygridClient("http://test", "tok", transport=httpx.MockTransport(server))
    return EventFollower(api, after=after, sleep=sleeps, rng=random.Random(1), **kw)


async def test_skips_keepalives_resumes_with_last_event_id_reports_resync_and_stops_on_401() -> (
    None
):
    first = (
        ": citygrid event stream\nretry: 500\n\n"
        ": ping\n\n" + frame(6) + ": ping\n\n" + ": ping\n\n" + frame(7, "report_disposal")
    )
    resync = json.dumps({"reason": "too far behind", "head_seq": 100})
    second = f": hello\n\nevent: resync\nid: 100\ndata: {resync}\n\n: ping\n\n"
    server = Server(
        [
            lambda: httpx.Response(200, headers=SSE, content=first.encode()),
            lambda: httpx.Response(200, headers=SSE, content=second.encode()),
            unauthorized,
        ]
    )
    sleeps = Sleeps()
    follower = make(server, 5, sleeps)

    items = await collect(follower, Unauthorized)

    assert server.last_ids == ["5", "7", "100"]
    kinds = [type(i).__name__ for i in items]
    assert kinds == [
        "StreamState", "Event", "Event", "StreamState",
        "StreamState", "ResyncNeeded", "StreamState",
    ]  # fmt: skip
    events = [i for i in items if isinstance(i, Event)]
    assert [e.seq for e in events] == [6, 7]  # no empty keep-alive events got through
    states = [i for i in items if isinstance(i, StreamState)]
    assert [s.state for s in states] == ["live", "reconnecting", "live", "reconnecting"]
    assert states[1].error == "the server closed the stream"
    assert items[5] == ResyncNeeded(100, "too far behind")
    # The server's retry hint (500 ms) is the base of the backoff, jittered up to +25%.
    assert len(sleeps.delays) == 2
    assert all(0.5 <= d <= 0.625 for d in sleeps.delays)
    assert follower.last_seq == 100


async def test_after_none_pins_the_head_and_5xx_backs_off_exponentially() -> None:
    def busy() -> httpx.Response:
        body = {"title": "busy", "status": 503, "detail": "The database is busy."}
        return httpx.Response(503, json=body)

    def cut() -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    def forbidden() -> httpx.Response:
        return httpx.Response(403, json={"title": "no", "status": 403, "detail": "Not yours."})

    server = Server([busy, cut, busy, forbidden], head=41)
    sleeps = Sleeps()
    follower = make(server, None, sleeps, backoff_max=3.0, stale_after=3600)

    items = await collect(follower, Forbidden)

    assert server.last_ids == ["41", "41", "41", "41"]
    assert all(isinstance(i, StreamState) and i.state == "reconnecting" for i in items)
    assert next(i.error for i in items if isinstance(i, StreamState)) == "The database is busy."
    # Default base 1 s, doubled per failure, capped by backoff_max; jitter ≤ 25%
    # (above the doubling, and below the cap once capped).
    assert 1.0 <= sleeps.delays[0] <= 1.25
    assert 2.0 <= sleeps.delays[1] <= 2.5
    assert 2.25 <= sleeps.delays[2] <= 3.0


async def test_a_long_outage_is_reported_as_stale() -> None:
    def cut() -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    server = Server([cut, unauthorized])
    follower = make(server, 3, Sleeps(), stale_after=0.0)
    items = await collect(follower, Unauthorized)
    assert [i.state for i in items if isinstance(i, StreamState)] == ["stale"]


def test_capped_waits_stay_short_and_spread_out() -> None:
    """With the server's 2 s hint every wait is capped; the cap keeps a console quick to
    come back, and the jitter below it keeps a room of consoles from retrying in step."""
    rng = random.Random(7)
    waits = [backoff_delay(2.0, attempt, BACKOFF_MAX, rng) for attempt in range(40)]
    assert BACKOFF_MAX <= 2.0
    assert all(0.75 * BACKOFF_MAX <= w <= BACKOFF_MAX for w in waits)
    assert len({round(w, 3) for w in waits}) > 20


async def test_gone_is_parsed_and_a_resync_reconnects_from_its_head() -> None:
    gone = json.dumps({"seq": 8, "serial": "110112-0001"})
    resync = json.dumps({"reason": "ahead of the event log, which ends at 3", "head_seq": 3})
    server = Server(
        [
            lambda: httpx.Response(
                200,
                headers=SSE,
                content=(frame(6) + f"id: 8\nevent: gone\ndata: {gone}\n\n").encode(),
            ),
            lambda: httpx.Response(
                200, headers=SSE, content=f"id: 3\nevent: resync\ndata: {resync}\n\n".encode()
            ),
            lambda: httpx.Response(200, headers=SSE, content=frame(4).encode()),
            unauthorized,
        ]
    )
    sleeps = Sleeps()
    items = await collect(make(server, 5, sleeps), Unauthorized)
    assert server.last_ids == ["5", "8", "3", "4"]
    drops = [i for i in items if isinstance(i, CaseGone)]
    assert drops == [CaseGone(seq=8, serial="110112-0001")]
    kinds = [type(i).__name__ for i in items if not isinstance(i, StreamState)]
    assert kinds == ["Event", "CaseGone", "ResyncNeeded", "Event"]


def test_an_event_page_holds_events_and_gone_items_in_seq_order() -> None:
    page = EventPage.model_validate(
        {"items": [json.loads(event_json(4)), {"seq": 5, "serial": "110112-0001"}], "head_seq": 5}
    )
    assert [type(i) for i in page.items] == [Event, CaseGone] and page.resync is None
