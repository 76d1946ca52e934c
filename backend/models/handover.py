from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from backend.models.jsontypes import json_of
from backend_client.wire import CheckEntry, HandoverSnapshot, ShiftInfo


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
    shift: ShiftInfo = Field(sa_column=json_of(ShiftInfo))
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    to_shift: ShiftInfo = Field(sa_column=json_of(ShiftInfo))
    author_id: int = Field(foreign_key="app_user.id")
    author: str = Field(max_length=64)
    author_name: str = Field(max_length=64)
    created_at: datetime
    updated_at: datetime
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    checklist: list[CheckEntry] = Field(sa_column=json_of(list[CheckEntry]))
    snapshot: HandoverSnapshot = Field(sa_column=json_of(HandoverSnapshot))
    signed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_by_name: str | None = Field(default=None, max_length=64)
    version: int = 1
