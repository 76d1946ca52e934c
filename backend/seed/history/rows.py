"""The history's rows, encoded from the workflow core's output: columns, time, JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.domain.workflow import FAR_FUTURE

Row = tuple[Any, ...]

CASE_COLUMNS = (
    "id", "serial", "state", "source", "category_kind", "category_code", "description",
    "urgency", "grid_code", "community_code", "street_code", "district_code", "area_class",
    "lon", "lat", "address", "reporters", "attachments", "department_id", "pending_kind",
    "pending_detail", "rework_count", "return_count", "extension_seconds", "supervised",
    "urge_count", "merged_into", "merge_snapshot", "verified", "self_disposed", "checker_id",
    "stage", "warn_at", "deadline_at", "paused_at", "due_key", "deadlines", "version",
    "created_at", "updated_at", "closed_at", "last_actor",
)  # fmt: skip
EVENT_COLUMNS = (
    "case_id", "serial", "action", "actor_id", "actor_name", "actor_role", "at", "data",
    "grid_code", "department_id", "prev_department_id",
)  # fmt: skip

US = 1_000_000  # the generator's timeline counts microseconds since the epoch
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)

# Compact JSON, as the database's JSON columns read it back.
to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def us(value: datetime) -> int:
    return (value - EPOCH) // _ONE_US


def instant(t: int) -> datetime:
    return EPOCH + timedelta(microseconds=t)


def sql_time(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS.ffffff``: how SQLAlchemy stores a UTC DateTime in SQLite."""
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def sql_us(t: int) -> str:
    return sql_time(instant(t))


FAR_FUTURE_TEXT = sql_time(FAR_FUTURE)  # ``due_key`` of a closed case
