"""Administering users and tokens: synchronous, run from the command line (not a server).

Every change is written with an audit row (who, when, what) and a bump of the auth
generation in the same transaction, so each worker drops cached sign-ins and closes
streams that are no longer allowed within a second; on PostgreSQL a ``NOTIFY`` on
:data:`AUTH_CHANNEL` makes that immediate.  The caller commits.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session, col, select

from backend.core.db import sync_engine
from backend.core.security import hash_token, new_token
from backend.domain.tokens import IssuedToken, TokenState, token_state
from backend.models import AuditRow, AuthStateRow, DepartmentRow, RegionRow, TokenRow, UserRow
from backend_client.vocab import Role

AUTH_CHANNEL = "citygrid_auth"

T = TypeVar("T")


class AdminError(ValueError):
    """A refused admin change, with a sentence saying what to do instead."""


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    role: Role
    jurisdiction_code: str
    department_code: str | None = None


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    state: TokenState


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    jurisdiction_code: str
    department_code: str
    active: bool


def in_transaction(url: str, change: Callable[[Session], T]) -> T:
    """Run ``change`` in one transaction on the database at ``url`` and commit it; an
    :class:`AdminError` rolls it back and propagates."""
    engine = sync_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            result = change(session)
            session.commit()
            return result
    finally:
        engine.dispose()


def default_actor() -> str:
    """Who is running the command, for the audit log."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return "unknown"


def audit_row(*, by: str, action: str, target: str, now: datetime, **detail: Any) -> AuditRow:
    """The audit log's one row shape (who, when, what), for any change that is audited."""
    return AuditRow(at=now, actor=by[:64], action=action, target=target[:128], detail=detail)


def record(
    session: Session, *, by: str, action: str, target: str, now: datetime, **detail: Any
) -> None:
    """Audit one change and tell every worker that sign-ins must be checked again."""
    session.add(audit_row(by=by, action=action, target=target, now=now, **detail))
    state = session.get(AuthStateRow, 1)
    if state is None:
        session.add(AuthStateRow(id=1, generation=1))
    else:
        state.generation += 1
        session.add(state)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:c, '')"), {"c": AUTH_CHANNEL})


NAME_MAX = 64  # usernames, display names and token labels (the columns' width)


def _check_length(what: str, value: str) -> None:
    if len(value) > NAME_MAX:
        raise AdminError(f"The {what} is {len(value)} characters long; at most {NAME_MAX} fit.")


def _user(session: Session, username: str) -> UserRow:
    user = session.exec(select(UserRow).where(UserRow.username == username)).first()
    if user is None:
        raise AdminError(f"There is no user {username!r}; 'citygrid users list' shows them.")
    return user


def _apply_spec(session: Session, user: UserRow | None, spec: UserSpec, now: datetime) -> UserRow:
    if not spec.username.strip():
        raise AdminError("A user needs a name.")
    _check_length("username", spec.username)
    _check_length("display name", spec.display_name)
    dept_id = None
    if spec.department_code:
        dept = session.exec(
            select(DepartmentRow).where(DepartmentRow.code == spec.department_code)
        ).first()
        if dept is None:
            raise AdminError(f"Unknown department {spec.department_code}.")
        dept_id = dept.id
    if spec.role is Role.HANDLER and dept_id is None:
        raise AdminError("A department handler must be bound to a department (--department).")
    if session.get(RegionRow, spec.jurisdiction_code) is None:
        raise AdminError(f"Unknown jurisdiction {spec.jurisdiction_code}: no such region.")
    if user is None:
        user = UserRow(
            username=spec.username,
            display_name=spec.display_name,
            created_at=now,
            role=spec.role.value,
            jurisdiction_code=spec.jurisdiction_code,
        )
    user.display_name, user.role = spec.display_name, spec.role.value
    user.jurisdiction_code, user.department_id = spec.jurisdiction_code, dept_id
    session.add(user)
    session.flush()
    return user


def _issue(
    session: Session, user: UserRow, *, now: datetime, label: str, expires_at: datetime | None
) -> IssuedToken:
    assert user.id is not None
    _check_length("label", label)
    token = new_token()
    row = TokenRow(
        user_id=user.id,
        token_hash=hash_token(token),
        label=label,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    dept = session.get(DepartmentRow, user.department_id) if user.department_id else None
    return IssuedToken(
        user.username,
        user.display_name,
        Role(user.role),
        user.jurisdiction_code,
        dept.code if dept else None,
        token,
        row.id,
    )


def _issue_audited(
    session: Session,
    user: UserRow,
    action: str,
    *,
    now: datetime,
    by: str,
    label: str,
    expires_at: datetime | None,
    **detail: Any,
) -> IssuedToken:
    """Issue a token and audit it (``action``: user.add, token.add or token.rotate)."""
    issued = _issue(session, user, now=now, label=label, expires_at=expires_at)
    record(
        session,
        by=by,
        action=action,
        target=user.username,
        now=now,
        **detail,
        token_id=issued.token_id,
        label=label,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return issued


def add_user(
    session: Session,
    spec: UserSpec,
    *,
    now: datetime,
    by: str,
    label: str = "",
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Create a user with its first token.  An existing user is refused: a second token
    is issued on purpose (``tokens add``) or replaces the old ones (``tokens rotate``)."""
    if session.exec(select(UserRow).where(UserRow.username == spec.username)).first():
        raise AdminError(
            f"The user {spec.username!r} already exists. Issue another token with "
            f"'citygrid tokens add {spec.username}', or replace its tokens with "
            f"'citygrid tokens rotate {spec.username}'."
        )
    user = _apply_spec(session, None, spec, now)
    return _issue_audited(
        session,
        user,
        "user.add",
        now=now,
        by=by,
        label=label,
        expires_at=expires_at,
        role=spec.role.value,
        jurisdiction=spec.jurisdiction_code,
        department=spec.department_code,
    )


def issue_token(
    session: Session,
    username: str,
    *,
    now: datetime,
    by: str,
    label: str = "",
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Another token for an existing user; the old ones stay valid."""
    user = _user(session, username)
    return _issue_audited(
        session, user, "token.add", now=now, by=by, label=label, expires_at=expires_at
    )


def _revoke_all(session: Session, user: UserRow, now: datetime) -> list[int]:
    rows = session.exec(
        select(TokenRow).where(TokenRow.user_id == user.id, col(TokenRow.revoked_at).is_(None))
    ).all()
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return [row.id for row in rows if row.id is not None]


def rotate_tokens(
    session: Session,
    username: str,
    *,
    now: datetime,
    by: str,
    label: str = "",
    expires_at: datetime | None = None,
) -> tuple[IssuedToken, list[int]]:
    """A new token for the user, and every older one revoked."""
    user = _user(session, username)
    revoked = _revoke_all(session, user, now)
    issued = _issue_audited(
        session,
        user,
        "token.rotate",
        now=now,
        by=by,
        label=label,
        expires_at=expires_at,
        revoked=revoked,
    )
    return issued, revoked


def revoke_token(session: Session, token_id: int, *, now: datetime, by: str) -> TokenInfo | None:
    """Revoke one token; ``None`` if it already was (nothing changes, nothing audited)."""
    row = session.get(TokenRow, token_id) if 0 < token_id < 2**31 else None
    if row is None:
        raise AdminError(f"There is no token {token_id}; 'citygrid tokens list' shows them.")
    user = session.get(UserRow, row.user_id)
    assert user is not None
    if row.revoked_at is not None:
        return None
    row.revoked_at = now
    session.add(row)
    record(session, by=by, action="token.revoke", target=user.username, now=now, token_id=token_id)
    return _info(row, user, now)


def revoke_user_tokens(session: Session, username: str, *, now: datetime, by: str) -> list[int]:
    user = _user(session, username)
    revoked = _revoke_all(session, user, now)
    if revoked:
        record(session, by=by, action="token.revoke", target=username, now=now, revoked=revoked)
    return revoked


def set_user_active(
    session: Session, username: str, active: bool, *, now: datetime, by: str
) -> bool:
    """Disable or enable a user; ``False`` if it already was in that state."""
    user = _user(session, username)
    if user.active == active:
        return False
    user.active = active
    session.add(user)
    record(
        session, by=by, action="user.enable" if active else "user.disable", target=username, now=now
    )
    return True


def _info(row: TokenRow, user: UserRow, now: datetime) -> TokenInfo:
    assert row.id is not None
    state = token_state(
        revoked_at=row.revoked_at, expires_at=row.expires_at, user_active=user.active, now=now
    )
    return TokenInfo(
        row.id,
        user.username,
        row.label,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.last_used_at,
        state,
    )


def list_tokens(session: Session, *, now: datetime, username: str | None = None) -> list[TokenInfo]:
    query = select(TokenRow, UserRow).join(UserRow, col(UserRow.id) == col(TokenRow.user_id))
    if username is not None:
        query = query.where(UserRow.id == _user(session, username).id)
    rows = session.exec(query.order_by(col(UserRow.username), col(TokenRow.id))).all()
    return [_info(token, user, now) for token, user in rows]


def list_users(session: Session) -> list[UserInfo]:
    depts = {d.id: d.code for d in session.exec(select(DepartmentRow)).all()}
    return [
        UserInfo(
            u.username,
            u.display_name,
            u.role,
            u.jurisdiction_code,
            depts.get(u.department_id, "") if u.department_id else "",
            u.active,
        )
        for u in session.exec(select(UserRow).order_by(col(UserRow.username))).all()
    ]


def audit_entries(
    session: Session, *, limit: int = 100, target: str | None = None
) -> list[AuditRow]:
    """The newest ``limit`` entries, oldest first."""
    query = select(AuditRow)
    if target is not None:
        query = query.where(AuditRow.target == target)
    rows = session.exec(query.order_by(col(AuditRow.id).desc()).limit(limit)).all()
    return list(reversed(rows))


def provision_user(
    session: Session, spec: UserSpec, *, now: datetime, by: str, label: str = ""
) -> IssuedToken:
    """Create the user, or bring an existing one to ``spec`` and rotate its tokens
    (re-seeding the demo replaces its users' tokens instead of piling up valid ones)."""
    user = session.exec(select(UserRow).where(UserRow.username == spec.username)).first()
    if user is None:
        return add_user(session, spec, now=now, by=by, label=label)
    _apply_spec(session, user, spec, now)
    issued, _ = rotate_tokens(session, spec.username, now=now, by=by, label=label)
    return issued
