"""Inputs an outside audit found answering 500 (or doing the wrong thing): each is now a
4xx problem with a sentence, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import httpx
import pytest

from tests.api.helpers import DEFAULT_REPORT, grid_in, report
from tests.api.test_problems import assert_problem
from tests.conftest import Api

STREET = "110112001"
ABOVE_INT64 = str(2**63)


def cursor_of(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def test_numbers_above_int64_are_refused(api: Api) -> None:
    async with api.client("lead") as c:
        assert_problem(await c.get("/events", params={"after": ABOVE_INT64}), 422, "after")
        assert_problem(await c.get("/events/stream", params={"after": ABOVE_INT64}), 422, "after")
        assert_problem(await c.get("/events", params={"after": "1" * 5000}), 422, "after")
        assert_problem(await c.get("/cases", params={"limit": ABOVE_INT64}), 422, "limit")
        assert (await c.get("/events", params={"after": str(2**63 - 1)})).status_code == 200


@pytest.mark.parametrize(
    ("values", "sort"),
    [
        ([1e30], "created"),
        ([True], "created"),
        ([2**70], "-created"),
        ([-1], "created"),
        (["2026-01-01", 1], "deadline"),  # no time zone
        (["2026-01-01T00:00:00+00:00", True], "deadline"),
        (["2026-01-01T00:00:00+00:00", 1e30], "-deadline"),
        ([1e30, 1], "deadline"),
        ({"id": 1}, "created"),
    ],
)
async def test_crafted_cursors_are_not_ours(api: Api, values: Any, sort: str) -> None:
    async with api.client("lead") as c:
        r = await c.get("/cases", params={"cursor": cursor_of(values), "sort": sort})
        assert_problem(r, 422, "not one this server issued")


async def test_superscript_digits_in_headers(api: Api) -> None:
    async with api.client("lead") as c:
        serial = (await report(c, await grid_in(c, STREET)))["serial"]
        r = await c.post(
            f"/cases/{serial}/actions", json={"action": "file"}, headers={"If-Match": b"\xb2"}
        )
        assert_problem(r, 422, "If-Match")
        assert (await c.get(f"/cases/{serial}")).json()["state"] == "reported"
        r = await c.get("/events/stream", headers={"Last-Event-ID": b"\xb2"})
        assert_problem(r, 422, "Last-Event-ID")
        r = await c.get("/events/stream", headers={"Last-Event-ID": ABOVE_INT64})
        assert_problem(r, 422, "Last-Event-ID")


@pytest.mark.parametrize(
    "patch",
    [
        {"description": "垃圾\u0000满溢"},
        {"address": "通州\u0000北苑"},
        {"reporter_name": "王\u0001"},
        {"address": "two\nlines"},
    ],
)
async def test_control_characters_in_text_are_refused(api: Api, patch: dict[str, str]) -> None:
    async with api.client("lead") as c:
        body = {**DEFAULT_REPORT, "grid_code": await grid_in(c, STREET), **patch}
        problem = assert_problem(await c.post("/cases", json=body), 422, "control characters")
        assert problem["errors"][0]["field"] == next(iter(patch))


async def test_multi_line_text_keeps_newlines_and_tabs(api: Api) -> None:
    async with api.client("lead") as c:
        case = await report(c, await grid_in(c, STREET), description="第一行\n\t第二行\r\n")
        assert case["summary"].startswith("第一行\n\t第二行")


async def test_nul_in_query_and_path_is_refused(api: Api) -> None:
    async with api.client("lead") as c:
        assert_problem(await c.get("/cases", params={"q": "a\u0000b"}), 422, "control")
        assert_problem(await c.get("/cases/2026-110112-%00"), 422, "control")
        r = await c.post("/cases/2026-110112-%00/actions", json={"action": "file"})
        assert_problem(r, 422, "control")
        r = await c.post(
            "/cases/2026-110112-000001/actions",
            json={"action": "merge", "target": "2026-\u0000"},
        )
        assert_problem(r, 422, "control")


@pytest.mark.parametrize("code", ["９９９０１", "٩٩٩٠١", "99९01"])
async def test_unicode_digits_are_not_codes(api: Api, code: str) -> None:
    async with api.client("admin") as admin, api.client("lead") as lead:
        r = await admin.post(
            "/catalogue", json={"kind": "matter", "code": code, "name": "全角代码"}
        )
        assert_problem(r, 422, "code")
        body = {**DEFAULT_REPORT, "grid_code": await grid_in(lead, STREET), "category_code": code}
        assert_problem(await lead.post("/cases", json=body), 422, "category_code")
        grid = "１１０１１２００１００１００１"
        assert_problem(await lead.post("/cases", json={**body, "grid_code": grid}), 422)
        assert_problem(await lead.get("/cases", params={"region": "１１０１１２"}), 422, "region")
        assert_problem(await lead.get("/cases", params={"category": "０６"}), 422, "category")


async def test_like_wildcards_in_q_are_literal(api: Api) -> None:
    async with api.client("lead") as c:
        grid = await grid_in(c, STREET)
        marked = await report(c, grid, description="满溢率100%_无人清理")
        plain = await report(c, grid, description="普通描述")
        for needle in ("%", "_", "0%_"):
            found = (await c.get("/cases", params={"q": needle, "limit": 5000})).json()["items"]
            serials = {item["serial"] for item in found}
            assert marked["serial"] in serials and plain["serial"] not in serials
        found = (await c.get("/cases", params={"q": "\\", "limit": 5000})).json()["items"]
        assert marked["serial"] not in {item["serial"] for item in found}


def raw_request(port: int, head: bytes, piece: int | None = None) -> bytes:
    """Send a request head over a plain socket (in ``piece``-byte writes if given) and read
    the whole answer.  Uvicorn closes a connection the client half-closes, so the socket
    stays open; a refused head is answered at once and closed by the server after it
    drained the rest (the client closing first ends that wait)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(head), piece or len(head)):
            sock.sendall(head[start : start + (piece or len(head))])
        chunks: list[bytes] = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if _complete(b"".join(chunks)):
                break
    return b"".join(chunks)


def _complete(answer: bytes) -> bool:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


@pytest.mark.parametrize("size", [40_000, 8_000_000])
async def test_huge_request_headers_get_431(api: Api, size: int) -> None:
    token = api.seeded.tokens["lead"]
    head = (
        f"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"X-Padding: {'a' * size}\r\n\r\n"
    ).encode()
    answer = raw_request(api.server.port, head)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 431"), answer[:300]
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"application/problem+json" in headers
    problem = json.loads(body)
    assert problem["status"] == 431 and "headers" in problem["detail"]
    # an ordinary request on a new connection is still served
    async with api.client("lead") as c:
        assert (await c.get("/me")).status_code == 200


@pytest.mark.parametrize("value", [b"a\x00b", b"a\x01b"])
async def test_a_control_character_in_a_header_is_a_400_problem(api: Api, value: bytes) -> None:
    head = b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: " + value + b"\r\n\r\n"
    status_line, _, rest = raw_request(api.server.port, head).partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 400"), status_line
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"application/problem+json" in headers
    assert json.loads(body)["status"] == 400


@pytest.mark.parametrize(
    ("piece", "padding", "status"),
    [(1, 0, b"200"), (7, 0, b"200"), (1000, 0, b"200"), (1000, 40_000, b"431")],
)
async def test_the_head_is_counted_across_reads(
    api: Api, piece: int, padding: int, status: bytes
) -> None:
    head = (
        f"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {api.seeded.tokens['lead']}"
        f"\r\nX-Padding: {'a' * padding}\r\nConnection: close\r\n\r\n"
    ).encode()
    assert raw_request(api.server.port, head, piece).startswith(b"HTTP/1.1 " + status)


async def test_body_bytes_do_not_count_as_header_bytes(api: Api) -> None:
    async with api.client("lead") as c:
        body = {**DEFAULT_REPORT, "grid_code": await grid_in(c, STREET), "description": "x" * 3000}
        assert (await c.post("/cases", json=body)).status_code == 201
        body["description"] = "x" * 200_000  # over the head cap, under the body cap
        assert_problem(await c.post("/cases", json=body), 422, "description")
        body["description"] = "x" * 400_000
        assert_problem(await c.post("/cases", json=body), 413, "larger than")


async def test_405_says_which_methods_are_allowed(api: Api) -> None:
    async with api.client("lead") as c:
        r = await c.delete("/cases")
        assert_problem(r, 405, "GET", "POST")
        assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


async def test_header_limit_keeps_keep_alive_requests_working(api: Api) -> None:
    async with httpx.AsyncClient(
        base_url=api.server.api,
        headers={"Authorization": f"Bearer {api.seeded.tokens['lead']}"},
    ) as c:
        for _ in range(20):  # many requests over one connection, each head counted afresh
            assert (await c.get("/me", headers={"X-Padding": "a" * 10_000})).status_code == 200
