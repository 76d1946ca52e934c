"""The server's stage clock: the working calendar and time limits the workflow core uses.

The deadline rules themselves live in :mod:`backend.domain.workflow`; this name stays so
the application wires one ``Clockwork(calendar, policy)``.
"""

from __future__ import annotations

from backend.domain.workflow import DeadlinePolicy


class Clockwork(DeadlinePolicy):
    """The calendar and time-limit policy the server was started with."""
