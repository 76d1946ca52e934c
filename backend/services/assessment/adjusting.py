"""Reading the upheld appeals' adjustments that the figures add to the log's counters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.assessment.periods import NamedPeriod
from backend.domain.assessment.tally import ObjectKey
from backend.models import AdjustmentRow
from backend_client.assessment import ObjectType


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
