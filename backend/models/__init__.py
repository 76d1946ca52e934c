"""SQLModel tables.  Importing this package registers every table on ``SQLModel.metadata``."""

from backend.models.assessment import (
    AssessmentCursorRow,
    AssessmentFactRow,
    assessment_day,
    assessment_month,
)
from backend.models.case import CaseRow, SerialCounterRow
from backend.models.catalogue import CategoryRow
from backend.models.channel import ChannelKeyRow
from backend.models.department import DepartmentRow, RoutingRuleRow
from backend.models.event import EventRow, IdempotencyRow
from backend.models.handover import HandoverRow
from backend.models.photo import PhotoRow
from backend.models.publication import AdjustmentRow, AppealRow, PublicationRow
from backend.models.region import RegionRow
from backend.models.user import AuditRow, AuthStateRow, TokenRow, UserRow

__all__ = [
    "AdjustmentRow",
    "AppealRow",
    "AssessmentCursorRow",
    "AssessmentFactRow",
    "AuditRow",
    "AuthStateRow",
    "CaseRow",
    "CategoryRow",
    "ChannelKeyRow",
    "DepartmentRow",
    "EventRow",
    "HandoverRow",
    "IdempotencyRow",
    "PhotoRow",
    "PublicationRow",
    "RegionRow",
    "RoutingRuleRow",
    "SerialCounterRow",
    "TokenRow",
    "UserRow",
    "assessment_day",
    "assessment_month",
]
