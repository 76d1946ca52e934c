"""The centre's wall clock: every time the console shows is in the working calendar's zone.

The server's calendar names the timezone and ``GET /time`` reports it; the link sets it
here once it has asked (:func:`use_zone`).  Until then it is the bundled calendar's.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend_client.vocab import DEFAULT_TIMEZONE

_zone: list[ZoneInfo] = [ZoneInfo(DEFAULT_TIMEZONE)]


def zone() -> ZoneInfo:
    """The centre's timezone as the server last reported it."""
    return _zone[0]


def use_zone(name: str) -> bool:
    """Show times in ``name`` (an IANA name) from now on; False (and no change) when this
    machine does not know that zone."""
    try:
        _zone[0] = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local(value: datetime) -> datetime:
    """``value`` on the centre's wall clock."""
    return value.astimezone(_zone[0])


def hhmm(value: datetime) -> str:
    return local(value).strftime("%H:%M")


def day_time(value: datetime | None, missing: str = "—") -> str:
    """``MM-DD HH:MM`` on the centre's clock, or ``missing``."""
    return local(value).strftime("%m-%d %H:%M") if value else missing
