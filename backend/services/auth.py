"""Signing in with a bearer token, per worker, and taking it back within a second.

A worker keeps recent sign-ins in memory so a request costs no query, but only as
long as it can vouch for them: a background task reads the auth generation (one row,
bumped with every user or token change by :mod:`backend.services.admin`) every
``auth_poll_interval`` seconds, and on PostgreSQL also wakes on ``NOTIFY`` from
:data:`~backend.services.admin.AUTH_CHANNEL`.  When the generation moves the cache is
dropped and every open stream's token is checked again; a stream whose token was
revoked or expired, or whose user was disabled, is closed.  A cached sign-in is only
used while the last read of the generation began less than three poll intervals ago;
when the watcher falls behind (a saturated event loop), the next request reads the
generation itself, one read shared by every request waiting for it, instead of each
looking up its token.  If the generation cannot be read, each request looks up its
token.  Last-use times are written in the background, at most about once a minute
per token and worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from backend.core.clock import Clock, system_clock
from backend.core.db import Database
from backend.core.problems import Unauthorized
from backend.core.security import hash_token
from backend.domain.gridcode import kind_for_code_length, scope_prefix
from backend.domain.tokens import UNKNOWN_TOKEN, TokenState, refusal, token_state
from backend.models import AuthStateRow, TokenRow, UserRow
from backend.services.access import Actor
from backend.services.admin import AUTH_CHANNEL
from backend_client.vocab import Role

log = logging.getLogger("citygrid.auth")

LAST_USED_EVERY = timedelta(seconds=60)
CACHE_LIMIT = 10_000


def actor_for(user: UserRow) -> Actor:
    kind = kind_for_code_length(user.jurisdiction_code)
    prefix = scope_prefix(kind, user.jurisdiction_code) if kind else user.jurisdiction_code
    assert user.id is not None
    return Actor(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        jurisdiction_code=user.jurisdiction_code,
        scope_prefix=prefix,
        department_id=user.department_id,
    )


def _with_user() -> Any:
    return select(TokenRow, UserRow).join(UserRow, col(UserRow.id) == col(TokenRow.user_id))


def _refusal(token: TokenRow, user: UserRow, now: datetime) -> str | None:
    """Why this token is refused now, or ``None`` if it is accepted."""
    state = token_state(
        revoked_at=token.revoked_at, expires_at=token.expires_at, user_active=user.active, now=now
    )
    if state is TokenState.ACTIVE:
        return None
    return refusal(state, user.username, token.revoked_at or token.expires_at)


@dataclass
class SignIn:
    """A token found valid at auth generation ``generation``."""

    token_id: int
    actor: Actor
    expires_at: datetime | None
    last_used_at: datetime | None
    generation: int


@dataclass(eq=False)
class StreamGuard:
    """One open stream: ``closed`` is set (with a reason) when its token stops being valid."""

    signin: SignIn
    checked_generation: int
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""

    def close(self, reason: str) -> None:
        self.reason = reason
        self.closed.set()


class AuthGate:
    def __init__(
        self,
        db: Database,
        poll_interval: float,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._interval = poll_interval
        self._clock = clock
        self._monotonic = monotonic
        self._reading = asyncio.Lock()  # one read of the generation at a time
        self._cache: dict[str, SignIn] = {}
        self._streams: set[StreamGuard] = set()
        self._used: dict[int, datetime] = {}
        self.generation = -1
        self._checked_at = float("-inf")
        self._wake = asyncio.Event()
        self._use_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.refresh()
        self._tasks.append(asyncio.create_task(self._watch(), name="auth-watch"))
        self._tasks.append(asyncio.create_task(self._record_use(), name="auth-last-used"))
        if not self._db.is_sqlite:
            self._tasks.append(
                asyncio.create_task(
                    self._db.listen(AUTH_CHANNEL, lambda _payload: self._wake.set()),
                    name="auth-listen",
                )
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        with contextlib.suppress(Exception):
            await self.flush_last_used()

    # --- signing in -------------------------------------------------------------------

    def trusted(self) -> bool:
        """The cache is only as good as the last look at the generation."""
        return self._fresh_for(self._monotonic())

    def _fresh_for(self, arrived: float) -> bool:
        """Did a read of the generation begin less than three poll intervals before
        ``arrived``?  (It saw every change committed before it began.)"""
        return arrived - self._checked_at < 3 * self._interval

    async def vouch(self) -> bool:
        """Whether the cache may serve a request arriving now: if the last look is too
        old, look now.  Requests waiting here share one read (it began after they
        arrived, so it vouches for each of them however long it took)."""
        arrived = self._monotonic()
        if self._fresh_for(arrived):
            return True
        try:
            async with self._reading:
                if not self._fresh_for(arrived):
                    before = self.generation
                    if await self._read_generation() != before and self._streams:
                        self._wake.set()  # the watcher checks the open streams again
        except Exception as exc:
            log.debug("cannot read the auth generation (%s); looking the token up", exc)
        return self._fresh_for(arrived)

    async def authenticate(self, token: str) -> SignIn:
        digest = hash_token(token)
        now = self._clock()
        signin = self._cache.get(digest) if await self.vouch() else None
        if signin is None:
            generation = self.generation
            signin = await self._lookup(digest, now, generation)
            if self.generation == generation:
                if len(self._cache) >= CACHE_LIMIT:
                    self._cache.clear()
                self._cache[digest] = signin
        elif signin.expires_at is not None and now >= signin.expires_at:
            self._cache.pop(digest, None)
            raise Unauthorized(
                refusal(TokenState.EXPIRED, signin.actor.username, signin.expires_at)
            )
        if signin.last_used_at is None or now - signin.last_used_at >= LAST_USED_EVERY:
            signin.last_used_at = now
            self._used[signin.token_id] = now
            self._use_wake.set()
        return signin

    async def _lookup(self, digest: str, now: datetime, generation: int) -> SignIn:
        async with self._db.read() as session:
            found = (await session.exec(_with_user().where(TokenRow.token_hash == digest))).first()
        if found is None:
            raise Unauthorized(UNKNOWN_TOKEN)
        token, user = found
        refused = _refusal(token, user, now)
        if refused is not None:
            raise Unauthorized(refused)
        assert token.id is not None
        return SignIn(token.id, actor_for(user), token.expires_at, token.last_used_at, generation)

    # --- open streams -----------------------------------------------------------------

    @contextlib.contextmanager
    def guard(self, signin: SignIn) -> Iterator[StreamGuard]:
        """Register an open stream for as long as the ``with`` block runs."""
        guard = StreamGuard(signin, checked_generation=signin.generation)
        self._streams.add(guard)
        if guard.checked_generation != self.generation:
            self._wake.set()
        try:
            yield guard
        finally:
            self._streams.discard(guard)

    # --- the watcher ------------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cannot read the auth generation (%s); looking tokens up", exc)

    async def refresh(self) -> None:
        """Look at the auth generation now; drop the cache and check streams if it moved."""
        async with self._reading:
            generation = await self._read_generation()
        now = self._clock()
        for guard in list(self._streams):
            expires = guard.signin.expires_at
            if expires is not None and now >= expires:
                guard.close(refusal(TokenState.EXPIRED, guard.signin.actor.username, expires))
        stale = [
            g for g in self._streams if g.checked_generation != generation and not g.closed.is_set()
        ]
        if stale:
            await self._recheck(stale, generation, now)

    async def _read_generation(self) -> int:
        """Read the generation (hold ``_reading``: reads must finish in the order they
        began) and drop the cache if it moved."""
        started = self._monotonic()  # the read sees every change committed before this
        async with self._db.read() as session:
            state = await session.get(AuthStateRow, 1)
        generation = state.generation if state else 0
        if generation != self.generation:
            self.generation = generation
            self._cache.clear()
        self._checked_at = started
        return generation

    async def _recheck(self, guards: list[StreamGuard], generation: int, now: datetime) -> None:
        ids = {g.signin.token_id for g in guards}
        async with self._db.read() as session:
            rows = (await session.exec(_with_user().where(col(TokenRow.id).in_(ids)))).all()
        found = {token.id: (token, user) for token, user in rows}
        for guard in guards:
            token, user = found.get(guard.signin.token_id, (None, None))
            if token is None or user is None:
                guard.close(UNKNOWN_TOKEN)
            elif (refused := _refusal(token, user, now)) is not None:
                guard.close(refused)
            elif actor_for(user) != guard.signin.actor:
                guard.close("The user's role or jurisdiction changed; reconnect to stream again.")
            else:
                guard.checked_generation = generation

    # --- last use -----------------------------------------------------------------------

    async def _record_use(self) -> None:
        while True:
            await self._use_wake.wait()
            self._use_wake.clear()
            try:
                await self.flush_last_used()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cannot record token use (%s); retrying", exc)
                self._use_wake.set()
            await asyncio.sleep(1.0)  # batch the next second's sign-ins into one write

    async def flush_last_used(self) -> None:
        if not self._used:
            return
        used, self._used = self._used, {}
        try:
            async with self._db.write() as session:
                connection = await session.connection()
                for token_id, at in used.items():
                    await connection.execute(
                        update(TokenRow)
                        .where(col(TokenRow.id) == token_id)
                        .where(
                            col(TokenRow.last_used_at).is_(None) | (col(TokenRow.last_used_at) < at)
                        )
                        .values(last_used_at=at)
                    )
        except BaseException:
            for token_id, at in used.items():
                self._used.setdefault(token_id, at)
            raise
