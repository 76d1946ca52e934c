"""Digits, whole numbers and text: ASCII 0-9 only, bounded to int64, no control characters."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DataError

from backend.core.problems import install_problem_handlers
from backend_client.text import INT64_MAX, is_digits, whole_number


@pytest.mark.parametrize("value", ["0", "0123", "9223372036854775807"])
def test_ascii_digits_are_digits(value: str) -> None:
    assert is_digits(value)


@pytest.mark.parametrize("value", ["", "²", "９", "٣", "1.5", "-1", " 1", "1\n"])
def test_other_digits_are_not(value: str) -> None:
    assert not is_digits(value)


def test_whole_number_bounds() -> None:
    assert whole_number(" 42 ") == 42
    assert whole_number(str(INT64_MAX)) == INT64_MAX
    assert whole_number("000" + str(INT64_MAX)) == INT64_MAX
    assert whole_number(str(INT64_MAX + 1)) is None
    assert whole_number("9" * 10_000) is None  # no int() of a huge string
    assert whole_number("²") is None
    assert whole_number("12", maximum=10) is None


async def test_a_database_data_error_is_a_422_problem() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise DataError("INSERT …", {}, Exception("invalid byte sequence: 0x00"))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "cannot store" in response.json()["detail"]
