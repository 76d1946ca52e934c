"""The assessment projection: per-case facts, per-day counters, and how far the log is folded.

``assessment_day`` has one column per :class:`~backend.domain.assessment.counters.Counters`
field, so a period's figures are one ``SUM … GROUP BY`` over its days. ``assessment_month``
holds the same counters summed per calendar month (kept by the same fold, in the same
transaction), so a period reads whole months from it and only its ragged ends by day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Float, Integer, PrimaryKeyConstraint, String, Table
from sqlmodel import Field, SQLModel

from backend.domain.assessment.counters import COUNTER_FIELDS
from backend.models.types import BigId, json_column

COUNTER_COLUMNS: tuple[str, ...] = COUNTER_FIELDS


class AssessmentFactRow(SQLModel, table=True):
    __tablename__ = "assessment_fact"

    case_id: int = Field(primary_key=True, foreign_key="case_file.id")
    facts: list[Any] | dict[str, Any] = Field(sa_column=json_column())  # see CaseFacts.to_json
    last_seq: int = Field(sa_type=BigId)


class AssessmentCursorRow(SQLModel, table=True):
    """One row: the last event seq folded into the projection."""

    __tablename__ = "assessment_cursor"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_type=BigId)


def _counter_column(name: str) -> Column[Any]:
    kind = Float() if name == "extension_hours" else Integer()
    return Column(name, kind, nullable=False, server_default="0")


def _sums_table(name: str, when: str, width: int) -> Table:
    return Table(
        name,
        SQLModel.metadata,
        Column(when, String(width), nullable=False),
        Column("object_type", String(16), nullable=False),
        Column("object_id", String(15), nullable=False),
        *(_counter_column(name) for name in COUNTER_COLUMNS),
        PrimaryKeyConstraint(when, "object_type", "object_id"),
    )


assessment_day = _sums_table("assessment_day", "day", 10)  # local date, YYYY-MM-DD
assessment_month = _sums_table("assessment_month", "month", 7)  # local month, YYYY-MM
