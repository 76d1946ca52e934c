"""Applies the state machine's clock effects to a case's stage deadlines.

The current stage's ``warn_at``/``deadline_at`` live in indexed columns; the full
history of stage deadlines is kept in ``case.deadlines`` (one record per stage
run) for the detail view and for KPIs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.domain.calendar import WorkingCalendar
from backend.domain.timelimits import TimeLimitPolicy
from backend.models import CaseRow
from backend_client.vocab import AreaClass, CategoryKind, Stage, TimeUnit, Urgency

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
WORKING_UNITS = {TimeUnit.WORKING_HOUR, TimeUnit.WORKING_DAY}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


class Clockwork:
    def __init__(self, calendar: WorkingCalendar, policy: TimeLimitPolicy) -> None:
        self.calendar = calendar
        self.policy = policy

    def _current(self, case: CaseRow) -> dict[str, Any] | None:
        """The running stage record, as a fresh copy: JSON columns only notice new values,
        so every change rebuilds ``case.deadlines`` instead of editing it in place."""
        records = [dict(r) for r in case.deadlines]
        case.deadlines = records
        if records and records[-1].get("done_at") is None:
            return records[-1]
        return None

    def _close_current(self, case: CaseRow, now: datetime) -> None:
        current = self._current(case)
        if current is not None:
            current["done_at"] = _iso(now)

    def _set_columns(self, case: CaseRow, record: dict[str, Any] | None) -> None:
        if record is None:
            case.stage = case.warn_at = case.deadline_at = case.paused_at = None
            case.due_key = FAR_FUTURE
            return
        case.stage = record["stage"]
        case.warn_at = _dt(record["warn_at"])
        case.deadline_at = _dt(record["due_at"])
        case.paused_at = _dt(record["paused_at"]) if record.get("paused_at") else None
        case.due_key = FAR_FUTURE if case.paused_at else case.deadline_at

    def start(self, case: CaseRow, stage: Stage, now: datetime) -> None:
        self._close_current(case, now)
        deadline = self._deadline(case, stage, now)
        record = {
            "stage": stage.value,
            "started_at": _iso(deadline.started_at),
            "warn_at": _iso(deadline.warn_at),
            "due_at": _iso(deadline.due_at),
            "unit": deadline.limit.unit.value,
            "limit_label": deadline.limit.label_zh(),
            "done_at": None,
            "paused_at": None,
        }
        case.deadlines = [*case.deadlines, record]
        self._set_columns(case, record)

    def preview(self, case: CaseRow, stage: Stage, now: datetime) -> dict[str, Any]:
        """The record ``start`` would write for ``stage`` now, without touching the case."""
        deadline = self._deadline(case, stage, now)
        return {
            "stage": stage.value,
            "started_at": _iso(deadline.started_at),
            "warn_at": _iso(deadline.warn_at),
            "due_at": _iso(deadline.due_at),
            "unit": deadline.limit.unit.value,
            "limit_label": deadline.limit.label_zh(),
        }

    def limit_label(self, case: CaseRow, stage: Stage) -> str:
        return self.policy.limit_for(
            stage,
            urgency=Urgency(case.urgency),
            area_class=AreaClass(case.area_class),
            category_kind=CategoryKind(case.category_kind),
            category_code=case.category_code,
        ).label_zh()

    def _deadline(self, case: CaseRow, stage: Stage, now: datetime) -> Any:
        return self.policy.deadline(
            self.calendar,
            stage,
            now,
            urgency=Urgency(case.urgency),
            area_class=AreaClass(case.area_class),
            category_kind=CategoryKind(case.category_kind),
            category_code=case.category_code,
        )

    def stop(self, case: CaseRow, now: datetime) -> None:
        self._close_current(case, now)
        self._set_columns(case, None)

    def pause(self, case: CaseRow, now: datetime) -> None:
        current = self._current(case)
        if current is None:
            return
        current["paused_at"] = _iso(now)
        self._set_columns(case, current)

    def resume(self, case: CaseRow, now: datetime) -> None:
        current = self._current(case)
        if current is None or not current.get("paused_at"):
            return
        unit = TimeUnit(current["unit"])
        paused_at = _dt(current["paused_at"])
        for key in ("warn_at", "due_at"):
            shifted = self.calendar.shift_after_pause(_dt(current[key]), paused_at, now, unit)
            current[key] = _iso(shifted)
        current["paused_at"] = None
        current["paused_seconds"] = (
            current.get("paused_seconds", 0) + (now - paused_at).total_seconds()
        )
        self._set_columns(case, current)

    def extend(self, case: CaseRow, hours: float, now: datetime) -> None:
        """An approved extension adds ``hours`` of the stage's own kind of time."""
        current = self._current(case)
        if current is None:
            return
        unit = TimeUnit(current["unit"])
        step = TimeUnit.WORKING_HOUR if unit in WORKING_UNITS else TimeUnit.CLOCK_HOUR
        due = self.calendar.add(_dt(current["due_at"]), hours, step)
        start = _dt(current["started_at"])
        current["due_at"] = _iso(due)
        current["warn_at"] = _iso(self.calendar.fraction_point(start, due, unit, 0.8))
        current["extended_hours"] = current.get("extended_hours", 0) + hours
        case.extension_seconds += hours * 3600
        self._set_columns(case, current)

    def snapshot(self, case: CaseRow) -> dict[str, Any]:
        return {"state": case.state, "deadlines": list(case.deadlines)}

    def restore(self, case: CaseRow, snapshot: dict[str, Any], now: datetime) -> None:
        """Put back the clock a merged case had; time spent merged does not count."""
        case.deadlines = list(snapshot["deadlines"])
        current = self._current(case)
        self._set_columns(case, current)
