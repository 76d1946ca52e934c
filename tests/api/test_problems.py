"""Bad input gets a 4xx application/problem+json with a human sentence — never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import DEFAULT_REPORT, grid_in, report
from tests.conftest import Api

STREET = "110112001"


def assert_problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


async def test_malformed_json(api: Api) -> None:
    async with api.client("lead") as c:
        r = await c.post(
            "/cases", content=b'{"source": "hotline",', headers={"content-type": "application/json"}
        )
        assert_problem(r, 400, "not valid JSON")


@pytest.mark.parametrize(
    ("patch", "word"),
    [
        ({"urgency": 5}, "urgency"),
        ({"source": "pigeon"}, "source"),
        ({"category_code": "6042"}, "category_code"),
        ({"grid_code": "11011200100200X"}, "grid_code"),
        ({"grid_code": None, "lon": 181.0, "lat": 39.8}, "lon"),
        ({"grid_code": None, "lon": 116.6, "lat": -91}, "lat"),
        ({"description": ""}, "description"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
async def test_wrong_fields_are_named(api: Api, patch: dict[str, Any], word: str) -> None:
    async with api.client("lead") as c:
        body = {**DEFAULT_REPORT, "grid_code": await grid_in(c, STREET), **patch}
        body = {k: v for k, v in body.items() if v is not None}
        assert_problem(await c.post("/cases", json=body), 422, word)


@pytest.mark.parametrize(
    ("patch", "word"),
    [
        ({"self_disposed": 0}, "self_disposed"),
        ({"self_disposed": "false"}, "self_disposed"),
        ({"grid_code": None, "lon": "116.6", "lat": 39.8}, "lon"),
    ],
)
async def test_json_types_are_not_coerced(api: Api, patch: dict[str, Any], word: str) -> None:
    """The document says boolean and number: 0 and "116.6" are neither."""
    async with api.client("lead") as c:
        body = {**DEFAULT_REPORT, "grid_code": await grid_in(c, STREET), **patch}
        body = {k: v for k, v in body.items() if v is not None}
        assert_problem(await c.post("/cases", json=body), 422, word)


async def test_unknown_category(api: Api) -> None:
    async with api.client("lead") as c:
        body = {**DEFAULT_REPORT, "grid_code": await grid_in(c, STREET), "category_code": "99999"}
        assert_problem(await c.post("/cases", json=body), 422, "Unknown category")


async def test_unknown_grid_and_point_outside(api: Api) -> None:
    async with api.client("lead") as c:
        body = {**DEFAULT_REPORT, "grid_code": "110112001999999"}
        assert_problem(await c.post("/cases", json=body), 422, "Unknown grid")
        body = {**DEFAULT_REPORT, "lon": 120.0, "lat": 30.0}
        assert_problem(await c.post("/cases", json=body), 422, "outside every unit grid")
        assert_problem(await c.get("/grids/12345"), 422, "15")
        assert_problem(await c.get("/grids/locate", params={"lon": 200, "lat": 0}), 422, "lon")


async def test_one_megabyte_description(api: Api) -> None:
    async with api.client("lead") as c:
        body = {
            **DEFAULT_REPORT,
            "grid_code": await grid_in(c, STREET),
            "description": "脏" * 1_000_000,
        }
        assert_problem(await c.post("/cases", json=body), 413, "larger than")
        body["description"] = "x" * 5000  # under the body limit, over the field limit
        assert_problem(await c.post("/cases", json=body), 422, "description")


async def test_unknown_action_and_missing_fields(api: Api) -> None:
    async with api.client("lead") as c:
        serial = (await report(c, await grid_in(c, STREET)))["serial"]
        r = await c.post(f"/cases/{serial}/actions", json={"action": "teleport"})
        assert_problem(r, 422, "action")
        r = await c.post(f"/cases/{serial}/actions", json={"action": "void"})
        body = assert_problem(r, 422, "reason")
        assert body["missing"] == ["reason"]
        r = await c.post(f"/cases/{serial}/actions", json={"action": "dispatch"})
        body = assert_problem(r, 409, "待受理", "派遣")
        assert body["state"] == "reported" and body["action"] == "dispatch"
        r = await c.post(
            f"/cases/{serial}/actions", json={"action": "file"}, headers={"If-Match": "abc"}
        )
        assert_problem(r, 422, "If-Match")


async def test_auth_and_unknown_things(api: Api) -> None:
    async with httpx.AsyncClient(base_url=api.server.api) as anon:
        assert_problem(await anon.get("/cases"), 401, "Bearer")
        bad = {"Authorization": "Bearer nope"}
        assert_problem(await anon.get("/me", headers=bad), 401, "unknown")
    async with api.client("lead") as c:
        assert_problem(await c.get("/cases/2026-110112-999999"), 404, "No case")
        assert_problem(await c.get("/nowhere"), 404, "no endpoint")
        assert_problem(await c.delete("/cases"), 405, "not allowed")
        assert_problem(await c.get("/cases", params={"state": "lost"}), 422, "Unknown state")
        assert_problem(await c.get("/cases", params={"cursor": "!!!"}), 422, "cursor")
        assert_problem(await c.get("/cases", params={"limit": 0}), 422, "limit")
        assert_problem(await c.get("/cases", params={"sort": "colour"}), 422, "sort")


async def test_garbage_never_500(api: Api) -> None:
    payloads: list[Any] = [
        None,
        [],
        "text",
        1,
        {"action": None},
        {"action": ["file"]},
        {"action": "dispatch", "department_code": "NOPE"},
        {"action": "decide", "approve": "maybe"},
        {"action": "request_extension", "hours": -3, "reason": "x"},
        {"action": "merge", "target": "x" * 500},
    ]
    async with api.client("lead") as c:
        serial = (await report(c, await grid_in(c, STREET)))["serial"]
        await c.post(f"/cases/{serial}/actions", json={"action": "file"})
        for payload in payloads:
            r = await c.post(f"/cases/{serial}/actions", json=payload)
            assert 400 <= r.status_code < 500, (payload, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
