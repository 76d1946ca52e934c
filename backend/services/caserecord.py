"""Between the stored case row and the workflow core's :class:`CaseRecord`."""

from __future__ import annotations

from typing import Any

from backend.domain.workflow import CaseRecord
from backend.models import CaseRow
from backend_client.vocab import (
    AreaClass,
    CaseState,
    CategoryKind,
    PendingKind,
    Source,
    Stage,
    Urgency,
)
from backend_client.wire import Reporter


def has_contact(reporters: list[Reporter]) -> bool:
    """Did any reporter leave a phone or an email to call back (回访)?"""
    return any(r.phone or r.email for r in reporters)


def record_of(row: CaseRow) -> CaseRecord:
    return CaseRecord(
        state=CaseState(row.state),
        source=Source(row.source),
        urgency=Urgency(row.urgency),
        area_class=AreaClass(row.area_class),
        category_kind=CategoryKind(row.category_kind),
        category_code=row.category_code,
        self_disposed=row.self_disposed,
        has_contact=has_contact(row.reporters),
        department_id=row.department_id,
        pending_kind=PendingKind(row.pending_kind) if row.pending_kind else None,
        pending_detail=row.pending_detail,
        rework_count=row.rework_count,
        return_count=row.return_count,
        extension_seconds=row.extension_seconds,
        supervised=row.supervised,
        urge_count=row.urge_count,
        verified=row.verified,
        checker_id=row.checker_id,
        merged_into=row.merged_into,
        merge_snapshot=row.merge_snapshot,
        attachments=tuple(row.attachments),
        deadlines=tuple(row.deadlines),
        closed_at=row.closed_at,
        stage=Stage(row.stage) if row.stage else None,
        warn_at=row.warn_at,
        deadline_at=row.deadline_at,
        paused_at=row.paused_at,
        due_key=row.due_key,
    )


def record_columns(record: CaseRecord) -> dict[str, Any]:
    """The row's columns that a transition may change, as ``record`` has them (new lists:
    JSON columns only notice assignments)."""
    return {
        "state": record.state.value,
        "department_id": record.department_id,
        "pending_kind": record.pending_kind.value if record.pending_kind else None,
        "pending_detail": record.pending_detail,
        "rework_count": record.rework_count,
        "return_count": record.return_count,
        "extension_seconds": record.extension_seconds,
        "supervised": record.supervised,
        "urge_count": record.urge_count,
        "verified": record.verified,
        "checker_id": record.checker_id,
        "merged_into": record.merged_into,
        "merge_snapshot": record.merge_snapshot,
        "attachments": list(record.attachments),
        "deadlines": list(record.deadlines),
        "closed_at": record.closed_at,
        "stage": record.stage.value if record.stage else None,
        "warn_at": record.warn_at,
        "deadline_at": record.deadline_at,
        "paused_at": record.paused_at,
        "due_key": record.due_key,
    }


def write_record(row: CaseRow, record: CaseRecord) -> None:
    """Copy what a transition may change onto the row."""
    for name, value in record_columns(record).items():
        setattr(row, name, value)
