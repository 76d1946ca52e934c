"""The wire schema of published assessment periods (考核发布) and appeals (申诉)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from backend_client.assessment import Notice, ObjectFamily, ObjectType, PeriodInfo, Ranking
from backend_client.text import MULTI_LINE_PATTERN
from backend_client.wire import Flag, Serial, WireModel, line

AppealState = Literal["pending", "upheld", "rejected"]
PeriodText = Annotated[
    str,
    line(22, 4),
    Field(description="2026-11, 2026-W48, 2026-Q4, 2026 or 2026-11-01..2026-11-15."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=MULTI_LINE_PATTERN)]


class PublicationCreate(WireModel):
    period: PeriodText
    family: ObjectFamily | None = None  # None: every family


class PublicationInfo(WireModel):
    period: PeriodInfo
    revision: int  # 1 as published; each upheld appeal adds one
    policy_version: str
    published_by: str  # username
    published_at: datetime
    appeal_id: int | None  # the upheld appeal a revision answers
    reason: str
    families: list[ObjectFamily]


class Publication(PublicationInfo):
    """A period's figures as frozen at publication (or revised by an appeal), as far as
    the reader's jurisdiction reaches; ranks are the published ones."""

    rankings: list[Ranking]
    notice: Notice | None  # the centre's; None for a department's reader


class AppealCreate(WireModel):
    period: PeriodText
    serial: Serial
    counter: Annotated[
        str, line(32, 1), Field(description="The deduction's counter, e.g. closed_on_time.")
    ]
    reason: Text
    evidence: Annotated[list[Text], Field(default_factory=list, max_length=20)]  # photo refs, text


class AppealDecision(WireModel):
    upheld: Flag
    note: Text


class Appeal(WireModel):
    id: int
    period: str
    revision: int  # the revision appealed against
    serial: str
    type: ObjectType  # the appellant's object: its department or street
    object_id: str
    object_name: str  # the department's or the region's name
    counter: str
    delta: float  # what upholding changes the counter by
    reason: str
    evidence: list[str]
    appellant: str
    filed_at: datetime
    deadline: datetime  # the last instant to appeal this period
    state: AppealState
    reviewer: str | None
    decided_at: datetime | None
    note: str
    revised_to: int | None  # the revision an upheld appeal created
