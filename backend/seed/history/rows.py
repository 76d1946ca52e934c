"""The history's rows, encoded from the workflow core's output: columns, time, JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
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

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The C encoder made once (``JSONEncoder.encode`` makes one per call): compact JSON of the
# plain values the workflow core returns.
_C_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _ENCODER.default, c_encode_basestring, None, ":", ",", False, False, True
    )
)


def to_json(value: Any) -> str:
    if value is None:
        return "null"  # a case's pending request and merge snapshot, mostly
    if _C_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


def us(value: datetime) -> int:
    return (value - EPOCH) // _ONE_US


def instant(t: int) -> datetime:
    return EPOCH + _ONE_US * t  # exact, and twice as quick as timedelta(microseconds=t)


def sql_time(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS.ffffff``: how SQLAlchemy stores a UTC DateTime in SQLite."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


_HMS = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))
_DAYS: dict[int, str] = {}


def sql_us(t: int) -> str:
    """``sql_time(instant(t))`` from tables: one event time in a few lookups."""
    seconds, micro = divmod(t, US)
    day, second = divmod(seconds, 86_400)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = (EPOCH + timedelta(days=day)).date().isoformat()
    return f"{text} {_HMS[second]}.{micro:06d}"


FAR_FUTURE_TEXT = sql_time(FAR_FUTURE)  # ``due_key`` of a closed case
