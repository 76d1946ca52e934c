"""The traffic light of a stage deadline — one rule, used by the API and the console.

Green while less than 80% of the limit is used (before ``warn_at``), yellow until the
deadline, red when overdue; a suspended case (挂账) is paused, a stage without a clock
has none.
"""

from __future__ import annotations

from datetime import datetime

from backend_client.vocab import Light


def light_of(
    now: datetime,
    warn_at: datetime | None,
    deadline_at: datetime | None,
    paused_at: datetime | None,
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
