"""Reading the upheld appeals' adjustments that the figures add to the log's counters,
and the cases behind them for a drill-down."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.assessment.periods import NamedPeriod
from backend.domain.assessment.tally import ObjectKey
from backend.models import AdjustmentRow, CaseRow
from backend_client.assessment import FigureCase, ObjectType


async def adjustments_in(
    session: AsyncSession, period: NamedPeriod, types: Sequence[ObjectType]
) -> dict[ObjectKey, dict[str, float]]:
    """Every adjustment to an object of ``types`` that counts on a day of ``period``."""
    rows = await session.exec(
        select(AdjustmentRow)
        .where(col(AdjustmentRow.day) >= period.first.isoformat())
        .where(col(AdjustmentRow.day) <= period.last.isoformat())
        .where(col(AdjustmentRow.object_type).in_(types))
    )
    found: dict[ObjectKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows.all():
        found[ObjectKey(row.object_type, row.object_id)][row.counter] += row.delta  # type: ignore[arg-type]
    return {key: dict(changes) for key, changes in found.items()}


async def adjusted_cases(
    session: AsyncSession, period: NamedPeriod, key: ObjectKey, counter: str
) -> list[FigureCase]:
    """The adjustments to one counter of one object in ``period``, as drill-down rows."""
    rows = await session.exec(
        select(CaseRow.serial, AdjustmentRow.delta, AdjustmentRow.at)
        .join(CaseRow, col(CaseRow.id) == col(AdjustmentRow.case_id))
        .where(col(AdjustmentRow.day) >= period.first.isoformat())
        .where(col(AdjustmentRow.day) <= period.last.isoformat())
        .where(col(AdjustmentRow.object_type) == key.type)
        .where(col(AdjustmentRow.object_id) == key.id)
        .where(col(AdjustmentRow.counter) == counter)
    )
    return [FigureCase(serial=serial, counted=delta, at=at) for serial, delta, at in rows.all()]
