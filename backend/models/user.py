from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from backend.models.types import json_column


class UserRow(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    display_name: str = Field(max_length=64)
    role: str = Field(max_length=16)
    jurisdiction_code: str = Field(max_length=15)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    active: bool = True
    created_at: datetime


class TokenRow(SQLModel, table=True):
    """A bearer token, stored only as its SHA-256 (tokens are 256-bit random strings).

    A token is valid while it is neither revoked nor past ``expires_at`` and its user is
    active.  ``last_used_at`` is written at most about once a minute per token and worker.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    label: str = Field(default="", max_length=64)
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class AuthStateRow(SQLModel, table=True):
    """One row whose ``generation`` grows with every change to users or tokens.

    Workers poll it (and on PostgreSQL LISTEN for it) to drop cached sign-ins and close
    streams that are no longer allowed.  An UPDATE of one row serialises the writers,
    so the counter moves in commit order.
    """

    __tablename__ = "auth_state"

    id: int = Field(default=1, primary_key=True)
    generation: int = 0


class AuditRow(SQLModel, table=True):
    """Who changed which user or token, and when (written in the change's transaction)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    target: str = Field(max_length=128)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
