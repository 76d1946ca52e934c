"""Published assessment periods (考核发布), appeals (申诉) and their adjustments.

A publication freezes a period's figures as they were answered, with the policy version
they used; an upheld appeal writes an adjustment and a new revision of the period.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from backend.models.jsontypes import json_of
from backend.models.types import json_column
from backend_client.assessment import Notice, Ranking
from backend_client.wirebase import WireModel


class PublishedFigures(WireModel):
    """What a publication froze: the rankings, and the notice (通报) if there was one."""

    rankings: list[Ranking]
    notice: Notice | None


class PublicationRow(SQLModel, table=True):
    __tablename__ = "assessment_publication"
    __table_args__ = (UniqueConstraint("period", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=22, index=True)
    revision: int
    policy_version: str = Field(max_length=32)
    published_by: int = Field(foreign_key="app_user.id")
    published_at: datetime
    appeal_id: int | None = None  # the upheld appeal a revision answers
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    figures: PublishedFigures = Field(sa_column=json_of(PublishedFigures))


class AppealRow(SQLModel, table=True):
    __tablename__ = "assessment_appeal"
    __table_args__ = (UniqueConstraint("period", "object_type", "object_id", "case_id", "counter"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=22, index=True)
    revision: int  # the revision appealed against
    case_id: int = Field(foreign_key="case_file.id")
    serial: str = Field(max_length=32)
    object_type: str = Field(max_length=16)
    object_id: str = Field(max_length=15)
    counter: str = Field(max_length=32)
    delta: float  # what upholding changes the counter by
    at: str = Field(max_length=40)  # the instant the deduction counts at
    reason: str = Field(sa_column=Column(Text, nullable=False))
    evidence: list[str] = Field(sa_column=json_column())
    appellant_id: int = Field(foreign_key="app_user.id", index=True)
    filed_at: datetime
    state: str = Field(default="pending", max_length=16)
    reviewer_id: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class AdjustmentRow(SQLModel, table=True):
    """One upheld appeal's change to one object's counter, on the day the case counts."""

    __tablename__ = "assessment_adjustment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id")
    object_type: str = Field(max_length=16)
    object_id: str = Field(max_length=15)
    counter: str = Field(max_length=32)
    delta: float
    day: str = Field(max_length=10, index=True)  # local date, YYYY-MM-DD
    at: str = Field(max_length=40)  # the instant the adjusted deduction counts at
    reason: str = Field(sa_column=Column(Text, nullable=False))
    appeal_id: int = Field(foreign_key="assessment_appeal.id", unique=True)
    made_by: int = Field(foreign_key="app_user.id")
    made_at: datetime
