"""The server's stage clock: the working calendar and time limits the workflow core uses.

The deadline rules themselves live in :mod:`backend.domain.workflow`; this name stays so
the application wires one ``Clockwork(calendar, policy)``.
"""

from __future__ import annotations

from backend.domain.workflow import FAR_FUTURE, WORKING_UNITS, DeadlinePolicy

__all__ = ["FAR_FUTURE", "WORKING_UNITS", "Clockwork"]


class Clockwork(DeadlinePolicy):
    """The calendar and time-limit policy the server was started with."""
