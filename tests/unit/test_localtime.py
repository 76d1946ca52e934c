"""The console shows the centre's wall clock in the zone the server's calendar names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from backend_client.vocab import DEFAULT_TIMEZONE
from console import localtime


@pytest.fixture(autouse=True)
def _restore_zone() -> Iterator[None]:
    yield
    localtime.use_zone(DEFAULT_TIMEZONE)


def test_times_follow_the_zone_the_server_names() -> None:
    instant = datetime(2026, 12, 1, 19, 30, 21, 737581, tzinfo=UTC)
    assert localtime.hhmm(instant) == "03:30"  # the bundled calendar's zone (UTC+8)
    assert localtime.day_time(instant) == "12-02 03:30"
    assert localtime.use_zone("Europe/London")
    assert localtime.hhmm(instant) == "19:30"
    assert localtime.day_time(None) == "—"


def test_an_unknown_zone_keeps_the_current_one() -> None:
    assert not localtime.use_zone("Mars/Olympus_Mons")
    assert localtime.zone().key == DEFAULT_TIMEZONE
