"""Table rows → wire models.  The only place that shapes what clients see of a case."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from backend.domain import statemachine
from backend.domain.casejson import StagePreview
from backend.models import CaseRow, EventRow
from backend.services.access import Actor
from backend.services.reference import Reference
from backend_client.lights import light_of
from backend_client.vocab import Action, CaseState, PendingKind, Stage
from backend_client.wire import (
    Attachment,
    CaseDetail,
    CaseSummary,
    Department,
    Event,
    StageDeadline,
    TimelineEntry,
)

SUMMARY_CHARS = 80


def department_wire(ref: Reference, dept_id: int | None) -> Department | None:
    dept = ref.department(dept_id)
    if dept is None:
        return None
    return Department(code=dept.code, name=dept.name, kind=dept.kind, region_code=dept.region_code)


def summary_fields(case: Any, ref: Reference, now: datetime | None = None) -> dict[str, Any]:
    """A CaseRow, or a result row with the same column names (the list selects only these)."""
    dept = ref.department(case.department_id)
    light = light_of(now or datetime.now(UTC), case.warn_at, case.deadline_at, case.paused_at)
    return {
        "serial": case.serial,
        "state": case.state,
        "source": case.source,
        "category_kind": case.category_kind,
        "category_code": case.category_code,
        "category_name": ref.category_name(case.category_kind, case.category_code),
        "grid_code": case.grid_code,
        "street_code": case.street_code,
        "address": case.address,
        "summary": case.description[:SUMMARY_CHARS],
        "urgency": case.urgency,
        "department_code": dept.code if dept else None,
        "department_name": dept.name if dept else None,
        "rework_count": case.rework_count,
        "supervised": case.supervised,
        "urge_count": case.urge_count,
        "pending": case.pending_kind,
        "stage": case.stage,
        "warn_at": case.warn_at,
        "deadline_at": case.deadline_at,
        "paused_at": case.paused_at,
        "light": light,
        "merged_into": case.merged_into,
        "version": case.version,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def case_summary(case: Any, ref: Reference, now: datetime | None = None) -> CaseSummary:
    return CaseSummary.model_validate(summary_fields(case, ref, now))


def timeline_entry(row: EventRow) -> TimelineEntry:
    return TimelineEntry(
        seq=row.seq or 0,
        action=Action(row.action),
        actor=row.actor_name,
        actor_role=row.actor_role,
        at=row.at,
        data=row.data,
    )


def case_detail(
    case: CaseRow,
    ref: Reference,
    actor: Actor,
    events: list[EventRow],
    checker_name: str | None,
    preview: tuple[StagePreview, str] | None = None,
    now: datetime | None = None,
) -> CaseDetail:
    state = CaseState(case.state)
    pending = PendingKind(case.pending_kind) if case.pending_kind else None
    stage = Stage(case.stage) if case.stage else None
    allowed = statemachine.allowed_actions(state, pending, actor.role, stage)
    if actor.is_handler and case.department_id != actor.department_id:
        allowed = []
    suggested = None
    if state in (CaseState.FILED, CaseState.REPORTED, CaseState.VERIFYING):
        dept = ref.route(case.category_kind, case.category_code, case.grid_code)
        suggested = department_wire(ref, dept.id if dept else None)
    return CaseDetail.model_validate(
        {
            **summary_fields(case, ref, now),
            "description": case.description,
            "lon": case.lon,
            "lat": case.lat,
            "area_class": case.area_class,
            "verified": case.verified,
            "self_disposed": case.self_disposed,
            "reporters": case.reporters,
            "attachments": [Attachment.model_validate(a) for a in case.attachments],
            "deadlines": [_stage_deadline(d) for d in case.deadlines],
            "extension_hours": case.extension_seconds / 3600,
            "pending_detail": case.pending_detail,
            "checker": checker_name,
            "suggested_department": suggested,
            "dispatch_preview": _stage_deadline(preview[0]) if preview else None,
            "dispose_limit": preview[1] if preview else None,
            "allowed_actions": allowed,
            "timeline": [timeline_entry(e) for e in events],
        }
    )


def _stage_deadline(record: StagePreview) -> StageDeadline:
    """A stage run (a StageRecord) or a preview (no ``done_at``/``paused_at``) for clients."""
    run: Mapping[str, Any] = record

    def dt(key: str) -> datetime | None:
        value = run.get(key)
        return datetime.fromisoformat(value) if value else None

    return StageDeadline.model_validate(
        {
            "stage": record["stage"],
            "started_at": dt("started_at"),
            "warn_at": dt("warn_at"),
            "due_at": dt("due_at"),
            "unit": record["unit"],
            "limit_label": record["limit_label"],
            "done_at": dt("done_at"),
            "paused_at": dt("paused_at"),
        }
    )


def event_wire(row: EventRow, case: CaseRow, ref: Reference) -> Event:
    return Event.model_validate(
        {
            "seq": row.seq,
            "serial": row.serial,
            "action": row.action,
            "actor": row.actor_name,
            "actor_id": row.actor_id,
            "actor_role": row.actor_role,
            "at": row.at,
            "data": row.data,
            "case": summary_fields(case, ref),
        }
    )
