"""The traffic light of a stage deadline — one rule, used by the API and the console.

Green while less than 80% of the limit is used (before ``warn_at``), yellow until the
deadline, red when overdue; a suspended case (挂账) is paused, a stage without a clock
has none.

The rule only compares instants, so it takes them as ``datetime`` or as UTC ISO 8601 text
of one fixed width (``2026-12-02T08:00:00.000000+00:00``), which sorts as time does.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from backend_client.vocab import Light

Instant = TypeVar("Instant", datetime, str)


def light_of(
    now: Instant,
    warn_at: Instant | None,
    deadline_at: Instant | None,
    paused_at: Instant | None,
) -> Light:
    if paused_at is not None:
        return Light.PAUSED
    if deadline_at is None:
        return Light.NONE
    if now >= deadline_at:
        return Light.RED
    if warn_at is not None and now >= warn_at:
        return Light.YELLOW
    return Light.GREEN
