"""The typed client against ``httpx.MockTransport``: error mapping and idempotent retries.

Only a unit test of the client; the real server is exercised by the API tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend_client.client import CitygridClient
from backend_client.errors import (
    ApiError,
    CitygridError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ProtocolError,
    ServiceUnavailable,
    Unauthorized,
    Unavailable,
)
from backend_client.vocab import Action
from backend_client.wire import ActionRequest

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def problem(status: int, detail: str, **extra: Any) -> httpx.Response:
    body = {"type": "about:blank", "title": "x", "status": status, "detail": detail, **extra}
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


def summary_json(serial: str = "110112-0001", version: int = 3) -> dict[str, Any]:
    at = NOW.isoformat()
    return {
        "serial": serial,
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
        "version": version,
        "created_at": at,
        "updated_at": at,
    }


def case_json(serial: str = "110112-0001") -> dict[str, Any]:
    return {**summary_json(serial), "description": "暴露垃圾", "area_class": "A"}


def result_json(serial: str = "110112-0001") -> dict[str, Any]:
    return {"case": summary_json(serial), "seq": 42}


def client(handler: Handler) -> CitygridClient:
    return CitygridClient(
        "http://test", "tok", transport=httpx.MockTransport(handler), retry_backoff=0.0
    )


SIGN = ActionRequest(action=Action.SIGN)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, Invalid),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (413, Invalid),
        (422, Invalid),
        (500, ApiError),
    ],
)
async def test_error_status_maps_to_exception(status: int, cls: type[ApiError]) -> None:
    async with client(lambda r: problem(status, f"detail {status}")) as api:
        with pytest.raises(cls) as caught:
            await api.case("110112-0001")
    assert type(caught.value) is cls
    assert str(caught.value) == f"detail {status}"
    assert caught.value.status == status
    assert caught.value.problem.status == status
    assert not isinstance(caught.value, Unavailable)


async def test_conflict_exposes_problem_extras() -> None:
    answer = problem(409, "案件已被王伟修改", current_version=7, last_actor="王伟", state="filed")
    async with client(lambda r: answer) as api:
        with pytest.raises(Conflict) as caught:
            await api.act("110112-0001", SIGN, if_match=6)
    assert caught.value.current_version == 7
    assert caught.value.last_actor == "王伟"
    assert caught.value.state == "filed"
    assert str(caught.value) == "案件已被王伟修改"


async def test_non_problem_error_body_still_gives_a_sentence() -> None:
    async with client(lambda r: httpx.Response(502, text="<html>bad gateway</html>")) as api:
        with pytest.raises(ApiError) as caught:
            await api.health()
    assert caught.value.status == 502
    assert "502" in str(caught.value) and "/api/v1/health" in str(caught.value)


async def test_503_is_retried_then_both_api_error_and_unavailable() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return problem(503, "The database is busy")

    async with client(handler) as api:
        with pytest.raises(ServiceUnavailable) as caught:
            await api.act("110112-0001", SIGN)
    assert isinstance(caught.value, ApiError)
    assert isinstance(caught.value, Unavailable)
    assert len(calls) == 4  # the first try and three retries
    assert len({r.headers["Idempotency-Key"] for r in calls}) == 1


async def test_transport_failure_is_unavailable_not_api_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with client(handler) as api:
        with pytest.raises(Unavailable) as caught:
            await api.me()
    assert not isinstance(caught.value, ApiError)
    assert isinstance(caught.value, CitygridError)
    assert "connection refused" in str(caught.value)


async def test_retry_after_transport_error_reuses_the_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            # The request may have reached the server: only the key makes a retry safe.
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=result_json())

    async with client(handler) as api:
        result = await api.act("110112-0001", SIGN, if_match=3)
    assert result.seq == 42 and result.case.serial == "110112-0001"
    assert len(seen) == 2
    first, second = seen
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.content == second.content
    assert json.loads(second.content) == {"action": "sign", "attachments": []}
    assert second.headers["If-Match"] == '"3"'
    assert second.url.path == "/api/v1/cases/110112-0001/actions"
    assert second.headers["Authorization"] == "Bearer tok"


async def test_each_logical_post_gets_its_own_key_unless_given() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        return httpx.Response(200, json=result_json())

    async with client(handler) as api:
        await api.act("110112-0001", SIGN)
        await api.act("110112-0001", SIGN)
        await api.act("110112-0001", SIGN, idempotency_key="mine-1")
    assert keys[0] != keys[1]
    assert keys[2] == "mine-1"


async def test_gets_carry_no_idempotency_key_and_encode_filters() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "next_cursor": None, "as_of_seq": 9})

    async with client(handler) as api:
        page = await api.cases(state=["filed", "dispatched"], overdue=True, region="110112001")
    assert page.as_of_seq == 9
    request = seen[0]
    assert "Idempotency-Key" not in request.headers
    assert request.url.params["state"] == "filed,dispatched"
    assert request.url.params["overdue"] == "true"
    assert request.url.params["region"] == "110112001"


async def test_iter_cases_follows_the_cursor() -> None:
    pages = {
        None: {"items": [summary_json("A")], "next_cursor": "c2", "as_of_seq": 1},
        "c2": {"items": [summary_json("B")], "next_cursor": None, "as_of_seq": 1},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    async with client(handler) as api:
        serials = [c.serial async for c in api.iter_cases(state="open")]
    assert serials == ["A", "B"]


async def test_a_response_off_the_wire_schema_is_a_citygrid_error() -> None:
    async with client(lambda r: httpx.Response(200, json={"status": "ok"})) as api:
        with pytest.raises(ProtocolError, match="/api/v1/health"):
            await api.health()


async def test_measure_offset_uses_the_round_trip_midpoint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ahead = datetime.now(UTC) + timedelta(seconds=120)
        return httpx.Response(200, json={"now": ahead.isoformat()})

    async with client(handler) as api:
        offset = await api.measure_offset()
    assert 119 < offset < 121


async def test_errors_name_the_request_they_answer() -> None:
    async with client(lambda r: problem(409, "moved", current_version=3)) as api:
        with pytest.raises(Conflict) as conflict:
            await api.act("110112-0001", SIGN, if_match=2)
    assert (conflict.value.method, conflict.value.path) == (
        "POST",
        "/api/v1/cases/110112-0001/actions",
    )
    assert conflict.value.request_line == "POST /api/v1/cases/110112-0001/actions"

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with client(refuse) as api:
        with pytest.raises(Unavailable) as down:
            await api.case("110112-0001")
    assert (down.value.method, down.value.path) == ("GET", "/api/v1/cases/110112-0001")

    async with client(lambda r: httpx.Response(200, json={"status": "ok"})) as api:
        with pytest.raises(ProtocolError) as skew:
            await api.health()
    assert skew.value.request_line == "GET /api/v1/health"
