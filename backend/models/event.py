from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, event
from sqlalchemy.orm import QueryContext
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Field, SQLModel

from backend.models.jsontypes import EventDataJSON, event_data
from backend.models.types import BigId, json_column
from backend_client.eventdata import EventData


class EventRow(SQLModel, table=True):
    """The append-only event log: the source of timelines, the stream and KPIs.

    Rows stay narrow (a million history cases make six million rows): what changed is in
    ``data``, the action's :class:`~backend_client.eventdata.EventData` (stored as its
    plain JSON object); the stream attaches the case's current queue row when it publishes.
    ``grid_code`` and the departments at the time are kept for jurisdiction filtering.
    """

    __tablename__ = "event_log"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    case_id: int = Field(foreign_key="case_file.id", index=True)
    serial: str = Field(max_length=32)
    action: str = Field(max_length=32)
    actor_id: int | None = None
    actor_name: str = Field(max_length=64)
    actor_role: str = Field(max_length=16)
    at: datetime
    data: EventData = Field(sa_column=Column(EventDataJSON(), nullable=False))
    grid_code: str = Field(max_length=15)
    department_id: int | None = None
    prev_department_id: int | None = None


@event.listens_for(EventRow, "load")
def _typed_on_load(row: EventRow, context: QueryContext) -> None:
    """A loaded row's ``data`` is its action's model (the column can't see ``action``)."""
    set_committed_value(row, "data", event_data(row.action, row.data))


@event.listens_for(EventRow, "refresh")
def _typed_on_refresh(row: EventRow, context: QueryContext, names: Any) -> None:
    if names is None or "data" in names:
        _typed_on_load(row, context)


class IdempotencyRow(SQLModel, table=True):
    """A POST's stored answer, so a retried request is never applied twice."""

    __tablename__ = "idempotency_key"

    user_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=128)
    fingerprint: str = Field(max_length=64)
    status_code: int
    body: dict[str, Any] = Field(sa_column=json_column())
    created_at: datetime
