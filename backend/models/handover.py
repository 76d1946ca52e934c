from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from backend.models.types import json_column


class HandoverRow(SQLModel, table=True):
    """A shift handover record (交接班记录): one per jurisdiction and shift.

    The snapshot is frozen when the outgoing lead builds (or rebuilds) the draft; signing
    freezes the whole record, and only the incoming lead's acknowledgement is added after.
    """

    __tablename__ = "handover"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    jurisdiction_code: str = Field(max_length=15)
    scope_prefix: str = Field(max_length=15, index=True)
    shift: dict[str, Any] = Field(sa_column=json_column())
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    to_shift: dict[str, Any] = Field(sa_column=json_column())
    author_id: int = Field(foreign_key="app_user.id")
    author: str = Field(max_length=64)
    author_name: str = Field(max_length=64)
    created_at: datetime
    updated_at: datetime
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    checklist: list[dict[str, Any]] = Field(sa_column=json_column())
    snapshot: dict[str, Any] = Field(sa_column=json_column())
    signed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_by_name: str | None = Field(default=None, max_length=64)
    version: int = 1
