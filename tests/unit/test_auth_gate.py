"""The worker's sign-in cache against a real SQLite database, driven step by step: a
change by the admin functions is seen at the next look at the generation, an open
stream is closed, a stale look is renewed by one read rather than a token lookup per
request, and last use is written at most once a minute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import event
from sqlmodel import Session

from backend.core.clock import FrozenClock
from backend.core.db import Database, sync_engine
from backend.core.problems import Unauthorized
from backend.core.schema import upgrade
from backend.domain.gridcode import RegionSpec
from backend.models import TokenRow
from backend.services import admin
from backend.services.auth import AuthGate
from backend.services.reference_data import write_regions
from backend_client.vocab import AreaClass, RegionKind, Role

T = TypeVar("T")
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@dataclass
class Ticks:
    """The gate's monotonic clock, moved by hand."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    url: str
    db: Database
    gate: AuthGate
    clock: FrozenClock
    ticks: Ticks
    token: str
    token_id: int

    def statements(self) -> list[str]:
        """Every statement the gate's reads run from now on."""
        seen: list[str] = []

        def _seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            seen.append(statement)

        event.listen(self.db.reader.sync_engine, "before_cursor_execute", _seen)
        return seen

    def change(self, fn: Callable[..., T], *args: object) -> T:
        engine = sync_engine(self.url)
        try:
            with Session(engine) as session:
                result = fn(session, *args, now=self.clock(), by="test")
                session.commit()
                return result
        finally:
            engine.dispose()

    def last_used(self) -> datetime | None:
        engine = sync_engine(self.url)
        try:
            with Session(engine) as session:
                row = session.get(TokenRow, self.token_id)
                assert row is not None
                return row.last_used_at
        finally:
            engine.dispose()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    upgrade(url)
    engine = sync_engine(url)
    with Session(engine) as session:
        square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
        write_regions(
            session,
            [RegionSpec("110112", "通州区", RegionKind.DISTRICT, None, AreaClass.A, square)],
        )
        spec = admin.UserSpec("lead", "Lead", Role.SHIFT_LEAD, "110112")
        issued = admin.add_user(session, spec, now=START, by="test")
        session.commit()
    engine.dispose()
    clock = FrozenClock(START)
    ticks = Ticks()
    db = Database(url)
    gate = AuthGate(db, poll_interval=3600, clock=clock, monotonic=ticks)  # looks when told to
    await gate.refresh()
    yield World(url, db, gate, clock, ticks, issued.token, issued.token_id)
    await db.dispose()


async def test_a_revocation_is_seen_at_the_next_look(world: World) -> None:
    signin = await world.gate.authenticate(world.token)
    assert signin.actor.username == "lead"
    world.change(admin.revoke_token, world.token_id)
    assert (await world.gate.authenticate(world.token)).token_id == world.token_id  # cached
    await world.gate.refresh()
    with pytest.raises(Unauthorized, match="revoked"):
        await world.gate.authenticate(world.token)


async def test_a_stale_look_is_renewed_once_not_by_a_lookup_per_request(world: World) -> None:
    """The watcher starved (a busy event loop): the requests that find the last look too
    old share one read of the generation, and then sign in from the cache."""
    await world.gate.authenticate(world.token)
    world.ticks.now += 3 * 3600  # three poll intervals without a look
    assert not world.gate.trusted()
    seen = world.statements()
    signins = await asyncio.gather(*(world.gate.authenticate(world.token) for _ in range(20)))
    assert {s.token_id for s in signins} == {world.token_id}
    reads = [s for s in seen if s != "BEGIN"]
    assert len(reads) == 1 and "FROM auth_state" in reads[0], seen
    assert world.gate.trusted()


async def test_a_read_slower_than_the_window_still_vouches_for_who_waited(world: World) -> None:
    """A read that takes longer than three poll intervals (a very busy machine) is stale
    once it ends, yet it began after the waiting requests arrived: one read serves them."""
    await world.gate.authenticate(world.token)
    world.ticks.now += 3 * 3600
    seen = world.statements()

    def _slow(*_: object) -> None:
        world.ticks.now += 4 * 3600

    event.listen(world.db.reader.sync_engine, "before_cursor_execute", _slow)
    signins = await asyncio.gather(*(world.gate.authenticate(world.token) for _ in range(20)))
    assert {s.token_id for s in signins} == {world.token_id}
    assert len([s for s in seen if "FROM auth_state" in s]) == 1, seen
    assert not [s for s in seen if "api_token" in s], seen


async def test_a_revocation_is_seen_by_the_first_request_after_a_stale_look(
    world: World,
) -> None:
    await world.gate.authenticate(world.token)
    world.change(admin.revoke_token, world.token_id)
    world.ticks.now += 3 * 3600
    with pytest.raises(Unauthorized, match="revoked"):
        await world.gate.authenticate(world.token)


async def test_an_open_stream_is_closed_when_its_user_is_disabled(world: World) -> None:
    signin = await world.gate.authenticate(world.token)
    with world.gate.guard(signin) as guard:
        await world.gate.refresh()
        assert not guard.closed.is_set()  # nothing changed
        world.change(admin.set_user_active, "lead", False)
        await world.gate.refresh()
        assert guard.closed.is_set() and "disabled" in guard.reason


async def test_an_open_stream_is_closed_when_its_token_expires(world: World) -> None:
    issued = world.change(
        lambda s, **kw: admin.issue_token(s, "lead", expires_at=START + timedelta(hours=1), **kw)
    )
    signin = await world.gate.authenticate(issued.token)
    with world.gate.guard(signin) as guard:
        world.clock.advance(minutes=59)
        await world.gate.refresh()
        assert not guard.closed.is_set()
        world.clock.advance(minutes=1)
        await world.gate.refresh()
        assert guard.closed.is_set() and "expired" in guard.reason
    with pytest.raises(Unauthorized, match="expired"):
        await world.gate.authenticate(issued.token)


async def test_last_use_is_written_at_most_once_a_minute(world: World) -> None:
    await world.gate.authenticate(world.token)
    await world.gate.flush_last_used()
    assert world.last_used() == START
    world.clock.advance(seconds=59)
    for _ in range(20):
        await world.gate.authenticate(world.token)
    await world.gate.flush_last_used()
    assert world.last_used() == START
    world.clock.advance(seconds=1)
    await world.gate.authenticate(world.token)
    await world.gate.flush_last_used()
    assert world.last_used() == START + timedelta(seconds=60)


async def test_an_unknown_token_is_refused(world: World) -> None:
    with pytest.raises(Unauthorized, match="not one this server issued"):
        await world.gate.authenticate("cg_" + "x" * 43)


def test_bad_admin_input_gets_a_sentence_not_a_database_error(world: World) -> None:
    with pytest.raises(admin.AdminError, match="at most 64"):
        world.change(lambda s, **kw: admin.issue_token(s, "lead", label="x" * 65, **kw))
    with pytest.raises(admin.AdminError, match="no token 9223372036854775808"):
        world.change(admin.revoke_token, 2**63)
    with pytest.raises(admin.AdminError, match="no user 'nobody'"):
        world.change(admin.rotate_tokens, "nobody")


def test_revoking_twice_changes_and_audits_once(world: World) -> None:
    assert world.change(admin.revoke_token, world.token_id) is not None
    assert world.change(admin.revoke_token, world.token_id) is None
    assert world.change(admin.set_user_active, "lead", False) is True
    assert world.change(admin.set_user_active, "lead", False) is False
    engine = sync_engine(world.url)
    try:
        with Session(engine) as session:
            actions = [r.action for r in admin.audit_entries(session, target="lead")]
    finally:
        engine.dispose()
    assert actions == ["user.add", "token.revoke", "user.disable"]
