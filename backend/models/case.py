from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from backend.domain.casejson import MergeSnapshot, PendingRequest, StageRecord, StoredAttachment
from backend.models.jsontypes import json_of
from backend_client.vocab import CaseState
from backend_client.wire import Reporter

# The one spelling of "open" in SQL: the partial index and the queries that should use it
# must say it identically (SQLite matches partial-index conditions term by term).
OPEN_STATES_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in CaseState if s.is_open))


class CaseRow(SQLModel, table=True):
    """A case (案件).  ``due_key`` is ``deadline_at`` or the far future, for keyset paging."""

    __tablename__ = "case_file"
    __table_args__ = (
        Index("ix_case_state_street_due", "state", "street_code", "due_key", "id"),
        Index("ix_case_dept_state_due", "department_id", "state", "due_key", "id"),
        Index("ix_case_state_due", "state", "due_key", "id"),
        Index("ix_case_grid_state", "grid_code", "state"),
        # The cases reported in a period, and those sent back for rework again and again
        # (the monthly notice counts and names them).
        Index("ix_case_created", "created_at"),
        Index("ix_case_rework", "rework_count"),
        # Open cases in deadline order (the console's start-up snapshot walks this).
        Index(
            "ix_case_open_due",
            "due_key",
            "id",
            sqlite_where=text(OPEN_STATES_SQL),
            postgresql_where=text(OPEN_STATES_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(unique=True, max_length=32)
    state: str = Field(max_length=16)
    source: str = Field(max_length=16)
    category_kind: str = Field(max_length=16)
    category_code: str = Field(max_length=5)
    description: str
    urgency: str = Field(max_length=8)
    grid_code: str = Field(max_length=15)
    community_code: str = Field(max_length=12)
    street_code: str = Field(max_length=9)
    district_code: str = Field(max_length=6)
    area_class: str = Field(max_length=1)
    lon: float | None = None
    lat: float | None = None
    address: str = Field(default="", max_length=256)
    reporters: list[Reporter] = Field(sa_column=json_of(list[Reporter]))
    attachments: list[StoredAttachment] = Field(
        sa_column=json_of(list[StoredAttachment], plain=True)
    )
    department_id: int | None = Field(default=None, foreign_key="department.id")
    pending_kind: str | None = Field(default=None, max_length=16)
    pending_detail: PendingRequest | None = Field(
        default=None, sa_column=json_of(PendingRequest, nullable=True, plain=True)
    )
    rework_count: int = 0
    return_count: int = 0
    extension_seconds: float = 0.0
    supervised: bool = False
    urge_count: int = 0
    merged_into: str | None = Field(default=None, max_length=32)
    merge_snapshot: MergeSnapshot | None = Field(
        default=None, sa_column=json_of(MergeSnapshot, nullable=True, plain=True)
    )
    verified: bool | None = None
    self_disposed: bool = False
    checker_id: int | None = Field(default=None, foreign_key="app_user.id")
    stage: str | None = Field(default=None, max_length=16)
    warn_at: datetime | None = None
    deadline_at: datetime | None = None
    paused_at: datetime | None = None
    due_key: datetime
    deadlines: list[StageRecord] = Field(sa_column=json_of(list[StageRecord], plain=True))
    version: int = 1
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    last_actor: str = Field(default="", max_length=64)


class SerialCounterRow(SQLModel, table=True):
    """Next sequence number for 案件流水号 ``YYYY-DDDDDD-NNNNNN``."""

    __tablename__ = "serial_counter"

    year: int = Field(primary_key=True)
    district_code: str = Field(primary_key=True, max_length=6)
    last_value: int = 0
