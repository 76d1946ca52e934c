"""widgets.countdown: traffic light and fixed-width countdown text (fixed datetimes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len

from backend_client.vocab import Light
from widgets.countdown import COUNTDOWN_WIDTH, LIGHT_CLASS, format_countdown, light_of

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def at(**kw: float) -> datetime:
    return NOW + timedelta(**kw)


# --- light_of ---------------------------------------------------------------------------


def test_light_paused_wins_over_everything() -> None:
    assert light_of(NOW, at(hours=-2), at(hours=-1), at(hours=-3)) is Light.PAUSED
    assert light_of(NOW, None, None, at(hours=-3)) is Light.PAUSED


def test_light_none_without_deadline() -> None:
    assert light_of(NOW, at(hours=-1), None, None) is Light.NONE


def test_light_red_at_and_after_deadline() -> None:
    assert light_of(NOW, at(hours=-1), NOW, None) is Light.RED
    assert light_of(NOW, at(hours=-1), at(seconds=-1), None) is Light.RED


def test_light_yellow_between_warn_and_deadline() -> None:
    assert light_of(NOW, NOW, at(hours=1), None) is Light.YELLOW
    assert light_of(NOW, at(minutes=-5), at(seconds=1), None) is Light.YELLOW


def test_light_green_before_warn() -> None:
    assert light_of(NOW, at(seconds=1), at(hours=1), None) is Light.GREEN
    assert light_of(NOW, None, at(hours=1), None) is Light.GREEN


# --- format_countdown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "text", "light"),
    [
        # green: hh:mm:ss remaining, right-aligned
        ({"deadline_at": at(hours=3, minutes=12, seconds=40)}, "   03:12:40", Light.GREEN),
        # a fraction of a second left still counts as one second
        ({"deadline_at": at(seconds=0.2)}, "   00:00:01", Light.GREEN),
        # days
        ({"deadline_at": at(days=2, hours=4, minutes=10, seconds=59)}, "    2d04:10", Light.GREEN),
        ({"deadline_at": at(days=150)}, "       150d", Light.GREEN),
        # yellow
        (
            {"deadline_at": at(minutes=12, seconds=40), "warn_at": at(minutes=-1)},
            "▲  00:12:40",
            Light.YELLOW,
        ),
        # red: overdue by
        ({"deadline_at": at(hours=-1, minutes=-5, seconds=-10)}, "! -01:05:10", Light.RED),
        ({"deadline_at": NOW}, "! -00:00:00", Light.RED),
        ({"deadline_at": at(days=-3, hours=-2)}, "!  -3d02:00", Light.RED),
        # paused: remaining frozen at the pause instant (hh:mm)
        (
            {"deadline_at": at(hours=1, minutes=30), "paused_at": at(minutes=10)},
            "‖暂停 01:20",
            Light.PAUSED,
        ),
        (
            {"deadline_at": at(hours=-1), "paused_at": at(hours=-2, minutes=-5)},
            "‖暂停 01:05",
            Light.PAUSED,
        ),
        # paused after the deadline: frozen overdue
        ({"deadline_at": at(hours=-2), "paused_at": at(hours=-1)}, "‖暂停-01:00", Light.PAUSED),
        ({"deadline_at": at(hours=250), "paused_at": NOW}, "‖暂停 10d10", Light.PAUSED),
        ({"deadline_at": None, "paused_at": NOW}, "‖暂停     —", Light.PAUSED),
        # none
        ({"deadline_at": None}, "          —", Light.NONE),
    ],
)
def test_format_zh(kwargs: dict[str, datetime | None], text: str, light: Light) -> None:
    deadline = kwargs.get("deadline_at")
    paused = kwargs.get("paused_at")
    got = format_countdown(NOW, deadline, paused, warn_at=kwargs.get("warn_at"))
    assert got == (text, light)
    assert cell_len(got[0]) == COUNTDOWN_WIDTH


def test_paused_english() -> None:
    text, light = format_countdown(NOW, at(hours=1, minutes=20), NOW, lang="en")
    assert (text, light) == ("‖hold 01:20", Light.PAUSED)
    assert cell_len(text) == COUNTDOWN_WIDTH


def test_language_does_not_change_running_clocks() -> None:
    deadline = at(hours=3)
    assert format_countdown(NOW, deadline, None, lang="en") == format_countdown(
        NOW, deadline, None, lang="zh-CN"
    )


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"deadline_at": at(minutes=5), "warn_at": at(minutes=-5)}, "^  00:05:00"),
        ({"deadline_at": at(minutes=-5)}, "! -00:05:00"),
        ({"deadline_at": at(minutes=50), "paused_at": NOW}, "=暂停 00:50"),
        ({"deadline_at": None}, "          -"),
        ({"deadline_at": at(minutes=5)}, "   00:05:00"),
    ],
)
def test_ascii_variant(kwargs: dict[str, datetime | None], text: str) -> None:
    got, _ = format_countdown(
        NOW,
        kwargs.get("deadline_at"),
        kwargs.get("paused_at"),
        warn_at=kwargs.get("warn_at"),
        ascii=True,
    )
    assert got == text
    assert cell_len(got) == COUNTDOWN_WIDTH
    assert got.replace("暂停", "").isascii()


def test_every_light_has_a_glyph_or_dash_in_the_first_cell() -> None:
    """Colour is never the only signal: each light starts differently."""
    cases = {
        Light.GREEN: format_countdown(NOW, at(hours=5), None, warn_at=at(hours=4)),
        Light.YELLOW: format_countdown(NOW, at(hours=5), None, warn_at=at(hours=-1)),
        Light.RED: format_countdown(NOW, at(hours=-5), None),
        Light.PAUSED: format_countdown(NOW, at(hours=5), NOW),
    }
    firsts = {light: text[0] for light, (text, got) in cases.items() if got is light}
    assert len(firsts) == 4
    assert len(set(firsts.values())) == 4
    assert set(LIGHT_CLASS) == set(Light)


@pytest.mark.parametrize("seconds", [0, 1, 59, 3599, 86_399, 86_400, 99 * 86_400, 10**9])
@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("ascii_", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_width_is_fixed(seconds: int, sign: int, ascii_: bool, lang: str) -> None:
    deadline = at(seconds=sign * seconds)
    for paused in (None, NOW):
        text, _ = format_countdown(NOW, deadline, paused, lang=lang, ascii=ascii_)
        assert cell_len(text) == COUNTDOWN_WIDTH, text
