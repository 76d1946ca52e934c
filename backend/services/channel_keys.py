"""Channel keys for the Open311 façade: issue, list, revoke (run from the command line).

A key belongs to one channel (the 12345 hotline gateway, WeChat, the citizens' app,
handheld terminals) and one jurisdiction, and carries a rate limit.  Reports made with
it are made by that channel's user in that jurisdiction (created with the first key,
role 受理员 so that a report lands in 待受理 like any public report), so the workflow,
the audit trail and scope are the ones every other report goes through.

Keys are stored hashed and follow the token lifecycle: each change is audited and bumps
the auth generation (:func:`backend.services.admin.record`), so a revoked key is
refused by every worker within the auth poll interval.  The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from backend.core.security import hash_token, new_token
from backend.domain.tokens import TokenState, token_state
from backend.models import ChannelKeyRow, RegionRow, UserRow
from backend.services.admin import AdminError, record
from backend_client.labels import zh
from backend_client.vocab import CHANNELS, Role, Source

DEFAULT_RATE = 120  # requests a minute per key
RATE_MAX = 100_000
LABEL_MAX = 64


@dataclass(frozen=True)
class IssuedKey:
    id: int
    key: str
    channel: Source
    jurisdiction_code: str
    rate_per_minute: int
    username: str


@dataclass(frozen=True)
class KeyInfo:
    id: int
    channel: str
    jurisdiction_code: str
    rate_per_minute: int
    label: str
    created_at: datetime
    revoked_at: datetime | None
    state: TokenState


def channel_of(name: str) -> Source:
    try:
        source = Source(name)
    except ValueError:
        source = None
    if source not in CHANNELS:
        names = ", ".join(c.value for c in CHANNELS)
        raise AdminError(f"Unknown channel {name!r}; use one of {names}.")
    assert source is not None
    return source


def channel_username(channel: Source, jurisdiction_code: str) -> str:
    return f"channel.{channel.value}.{jurisdiction_code}"


def _channel_user(session: Session, channel: Source, jurisdiction: str, now: datetime) -> UserRow:
    username = channel_username(channel, jurisdiction)
    user = session.exec(select(UserRow).where(UserRow.username == username)).first()
    if user is None:
        user = UserRow(
            username=username,
            display_name=f"{zh(channel)}渠道 {jurisdiction}",
            role=Role.OPERATOR.value,
            jurisdiction_code=jurisdiction,
            created_at=now,
        )
        session.add(user)
        session.flush()
    return user


def add_key(
    session: Session,
    channel: str,
    jurisdiction: str,
    *,
    now: datetime,
    by: str,
    rate_per_minute: int = DEFAULT_RATE,
    label: str = "",
) -> IssuedKey:
    """A new key; its secret is in the answer only (the database keeps its hash)."""
    source = channel_of(channel)
    if session.get(RegionRow, jurisdiction) is None:
        raise AdminError(f"Unknown jurisdiction {jurisdiction}: no such region.")
    if not 1 <= rate_per_minute <= RATE_MAX:
        raise AdminError(f"The rate must be 1-{RATE_MAX} requests a minute.")
    if len(label) > LABEL_MAX:
        raise AdminError(f"The label is {len(label)} characters long; at most {LABEL_MAX} fit.")
    user = _channel_user(session, source, jurisdiction, now)
    assert user.id is not None
    secret = new_token()
    row = ChannelKeyRow(
        key_hash=hash_token(secret),
        channel=source.value,
        jurisdiction_code=jurisdiction,
        rate_per_minute=rate_per_minute,
        user_id=user.id,
        label=label,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    record(
        session,
        by=by,
        action="channel_key.add",
        target=user.username,
        now=now,
        key_id=row.id,
        channel=source.value,
        jurisdiction=jurisdiction,
        rate_per_minute=rate_per_minute,
        label=label,
    )
    return IssuedKey(row.id, secret, source, jurisdiction, rate_per_minute, user.username)


def _info(row: ChannelKeyRow, now: datetime) -> KeyInfo:
    assert row.id is not None
    state = token_state(revoked_at=row.revoked_at, expires_at=None, user_active=True, now=now)
    return KeyInfo(
        row.id,
        row.channel,
        row.jurisdiction_code,
        row.rate_per_minute,
        row.label,
        row.created_at,
        row.revoked_at,
        state,
    )


def list_keys(session: Session, *, now: datetime) -> list[KeyInfo]:
    rows = session.exec(select(ChannelKeyRow).order_by(col(ChannelKeyRow.id))).all()
    return [_info(row, now) for row in rows]


def revoke_key(session: Session, key_id: int, *, now: datetime, by: str) -> KeyInfo | None:
    """Revoke one key; ``None`` if it already was (nothing changes, nothing audited)."""
    row = session.get(ChannelKeyRow, key_id) if 0 < key_id < 2**31 else None
    if row is None:
        raise AdminError(f"There is no channel key {key_id}; 'citygrid keys list' shows them.")
    if row.revoked_at is not None:
        return None
    row.revoked_at = now
    session.add(row)
    user = session.get(UserRow, row.user_id)
    record(
        session,
        by=by,
        action="channel_key.revoke",
        target=user.username if user else str(row.user_id),
        now=now,
        key_id=key_id,
    )
    return _info(row, now)
