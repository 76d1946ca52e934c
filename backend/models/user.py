from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


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
    """A bearer token, stored only as its SHA-256 (tokens are 256-bit random strings)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    label: str = Field(default="", max_length=64)
    created_at: datetime
