"""Token rules without a server: expiry spellings, states, refusal sentences, and ending
a stream from outside."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from backend.domain.tokens import (
    ExpiryError,
    TokenState,
    parse_expiry,
    refusal,
    token_state,
)
from backend.services.streams import until_closed

NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", NOW + timedelta(days=90)),
        ("12h", NOW + timedelta(hours=12)),
        (" 30m ", NOW + timedelta(minutes=30)),
        ("45s", NOW + timedelta(seconds=45)),
        ("2w", NOW + timedelta(weeks=2)),
        ("2027-01-31", datetime(2027, 1, 31, tzinfo=UTC)),
        ("2027-01-31T12:00", datetime(2027, 1, 31, 12, tzinfo=UTC)),
        ("2027-01-31T12:00+08:00", datetime(2027, 1, 31, 4, tzinfo=UTC)),
    ],
)
def test_expiry_spellings(text: str, expected: datetime) -> None:
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0d", "already expired"),
        ("2020-01-01", "not in the future"),
        ("2026-12-01T08:30:00Z", "not in the future"),
        ("soon", "90d"),
        ("９０d", "90d"),  # full-width digits are not digits here
        ("90y", "90d"),
    ],
)
def test_bad_expiries_say_what_to_write(text: str, words: str) -> None:
    with pytest.raises(ExpiryError, match=words):
        parse_expiry(text, NOW)


def test_states_in_order_of_precedence() -> None:
    later = NOW + timedelta(seconds=1)

    def state(**kw: object) -> TokenState:
        args: dict[str, object] = {"revoked_at": None, "expires_at": None, "user_active": True}
        return token_state(**{**args, **kw}, now=NOW)  # type: ignore[arg-type]

    assert state() is TokenState.ACTIVE
    assert state(expires_at=later) is TokenState.ACTIVE
    assert state(expires_at=NOW) is TokenState.EXPIRED
    assert state(user_active=False) is TokenState.USER_DISABLED
    assert state(revoked_at=NOW, expires_at=NOW, user_active=False) is TokenState.REVOKED


def test_refusals_name_the_way_back() -> None:
    assert "revoked on 2026-12-01 08:30 UTC" in refusal(TokenState.REVOKED, "lead", NOW)
    assert "citygrid tokens add lead" in refusal(TokenState.EXPIRED, "lead", NOW)
    assert "citygrid users enable lead" in refusal(TokenState.USER_DISABLED, "lead")
    with pytest.raises(ValueError, match="not refused"):
        refusal(TokenState.ACTIVE, "lead")


async def test_until_closed_passes_everything_through_when_not_closed() -> None:
    async def source() -> AsyncIterator[int]:
        for i in range(5):
            yield i

    assert [i async for i in until_closed(source(), asyncio.Event())] == [0, 1, 2, 3, 4]


async def test_until_closed_ends_a_waiting_source() -> None:
    closed, waiting, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def source() -> AsyncIterator[int]:
        try:
            yield 1
            async with asyncio.timeout(3600):  # a task-bound context across the wait
                waiting.set()
                await asyncio.Event().wait()
            yield 2
        finally:
            finished.set()

    got: list[int] = []

    async def consume() -> None:
        async for item in until_closed(source(), closed):
            got.append(item)

    consumer = asyncio.create_task(consume())
    async with asyncio.timeout(10):
        await waiting.wait()
        closed.set()
        await consumer
    assert got == [1] and finished.is_set()


async def test_until_closed_reraises_the_source_error() -> None:
    async def source() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("boom")

    got: list[int] = []

    async def consume() -> None:
        async for item in until_closed(source(), asyncio.Event()):
            got.append(item)

    with pytest.raises(RuntimeError, match="boom"):
        await consume()
    assert got == [1]
