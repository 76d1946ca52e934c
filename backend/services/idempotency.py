"""``Idempotency-Key`` for POSTs: the first request's answer is stored with its effect.

The key is claimed at the start of the write transaction; a concurrent duplicate
waits on the unique key (PostgreSQL) or on the single writer (SQLite) and then
finds the committed answer.  A failed request rolls back its claim, so retrying
it simply runs it again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.core.problems import Invalid
from backend.models import IdempotencyRow

MAX_KEY = 128


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def claim(
    session: AsyncSession,
    db: Database,
    user_id: int,
    key: str,
    print_: str,
    now: datetime,
) -> IdempotencyRow | None:
    """None if the key is new (and now ours); otherwise the stored answer."""
    if not key or len(key) > MAX_KEY:
        raise Invalid(f"Idempotency-Key must be 1–{MAX_KEY} characters.")
    insert = sqlite_insert if db.is_sqlite else pg_insert
    table = IdempotencyRow.__table__  # type: ignore[attr-defined]
    stmt = (
        insert(table)
        .values(
            user_id=user_id, key=key, fingerprint=print_, status_code=0, body={}, created_at=now
        )
        .on_conflict_do_nothing()
        .returning(table.c.key)
    )
    if (await (await session.connection()).execute(stmt)).first() is not None:
        return None
    existing = await session.get(IdempotencyRow, (user_id, key))
    assert existing is not None
    if existing.fingerprint != print_:
        raise Invalid(
            "This Idempotency-Key was already used for a different request; use a new key."
        )
    return existing


async def record_once(
    session: AsyncSession,
    db: Database,
    user_id: int,
    key: str,
    now: datetime,
    window: timedelta,
    status_code: int,
    body: dict[str, Any],
) -> bool:
    """Store the answer under a key that holds for ``window`` only, at the end of the
    write it answers, in one statement: ``False`` when a claim younger than the window
    exists (roll the write back and replay that answer); an older claim is taken over.
    For keys that are a hash of the whole request (the fingerprint is then the key)."""
    insert = sqlite_insert if db.is_sqlite else pg_insert
    table = IdempotencyRow.__table__  # type: ignore[attr-defined]
    values = {"fingerprint": key[-64:], "status_code": status_code, "body": body, "created_at": now}
    stmt = (
        insert(table)
        .values(user_id=user_id, key=key, **values)
        .on_conflict_do_update(
            index_elements=["user_id", "key"],
            set_=values,
            where=table.c.created_at < now - window,
        )
        .returning(table.c.key)
    )
    return (await (await session.connection()).execute(stmt)).first() is not None


async def store(
    session: AsyncSession, user_id: int, key: str, status_code: int, body: dict[str, Any]
) -> None:
    connection = await session.connection()
    await connection.execute(
        update(IdempotencyRow)
        .where(col(IdempotencyRow.user_id) == user_id)
        .where(col(IdempotencyRow.key) == key)
        .values(status_code=status_code, body=body)
    )
