"""Signing in with an Open311 channel key, and its rate limit, per worker.

Keys are looked up by hash and cached like bearer tokens, on the same terms: the cache
holds only while the :class:`~backend.services.auth.AuthGate` vouches for it (it read
the auth generation recently, or reads it now, and the generation has not moved since
the key was cached).  Revoking a key bumps the generation, so every worker refuses it
within the auth poll interval.  The rate limit is a token bucket per key and worker.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sqlmodel import col, select

from backend.core.db import Database
from backend.core.security import hash_token
from backend.models import ChannelKeyRow, UserRow
from backend.services.access import Actor
from backend.services.auth import CACHE_LIMIT, AuthGate, actor_for
from backend_client.vocab import Source


class KeyRefused(Exception):
    """The key is unknown or revoked (403), or over its rate (429, ``retry_after`` s)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class ChannelSignIn:
    key_id: int
    channel: Source
    actor: Actor
    rate_per_minute: int


class ChannelGate:
    def __init__(self, db: Database, auth: AuthGate) -> None:
        self._db = db
        self._auth = auth
        self._cache: dict[str, ChannelSignIn] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # key id -> (tokens, at)
        self._generation = -1

    async def authenticate(self, api_key: str | None) -> ChannelSignIn:
        """The key's sign-in, with one request taken from its rate."""
        if not api_key:
            raise KeyRefused("Send your channel's api_key; 'citygrid keys add' issues one.")
        trusted = await self._auth.vouch()
        if self._auth.generation != self._generation or not trusted:
            self._cache.clear()
            self._generation = self._auth.generation
        digest = hash_token(api_key)
        signin = self._cache.get(digest)
        if signin is None:
            generation = self._auth.generation
            signin = await self._lookup(digest)
            if generation == self._auth.generation:
                if len(self._cache) >= CACHE_LIMIT:
                    self._cache.clear()
                self._cache[digest] = signin
        self._take(signin)
        return signin

    async def _lookup(self, digest: str) -> ChannelSignIn:
        async with self._db.read() as session:
            found = (
                await session.exec(
                    select(ChannelKeyRow, UserRow)
                    .join(UserRow, col(UserRow.id) == col(ChannelKeyRow.user_id))
                    .where(ChannelKeyRow.key_hash == digest)
                )
            ).first()
        if found is None:
            raise KeyRefused("This api_key is not a channel key of this centre.")
        key, user = found
        if key.revoked_at is not None:
            raise KeyRefused(
                f"This api_key (key {key.id}) was revoked at {key.revoked_at:%Y-%m-%d %H:%M} "
                "UTC; ask the centre for a new one."
            )
        assert key.id is not None
        return ChannelSignIn(key.id, Source(key.channel), actor_for(user), key.rate_per_minute)

    def _take(self, signin: ChannelSignIn) -> None:
        """A token bucket of ``rate_per_minute`` that refills continuously."""
        now = time.monotonic()
        capacity = float(signin.rate_per_minute)
        per_second = capacity / 60.0
        tokens, at = self._buckets.get(signin.key_id, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * per_second)
        if tokens < 1.0:
            self._buckets[signin.key_id] = (tokens, now)
            wait = max(1, math.ceil((1.0 - tokens) / per_second))
            raise KeyRefused(
                f"This key may send {signin.rate_per_minute} requests a minute; retry in {wait} s.",
                retry_after=wait,
            )
        self._buckets[signin.key_id] = (tokens - 1.0, now)
