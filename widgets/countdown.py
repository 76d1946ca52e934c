"""Deadline countdown text and traffic light (pure: no Textual, no Rich).

Every result is a fixed-width string of exactly :data:`COUNTDOWN_WIDTH` terminal cells
whose first cell is a glyph, so the urgency reads without colour (``NO_COLOR``, a
16-colour console, a monochrome printout):

==========  =================  ==============================================
light       example            meaning
==========  =================  ==============================================
GREEN       ``   03:12:40``    hh:mm:ss left (``  2d04:10`` = 2 days 4 h 10 min)
YELLOW      ``▲  00:12:40``    past the warning time, still in time
RED         ``! -01:05:10``    overdue by 1 h 5 min 10 s
PAUSED      ``‖暂停 01:20``     clock stopped (挂账) with 1 h 20 min left (en ``‖hold 01:20``)
NONE        ``          —``    no deadline on this stage
==========  =================  ==============================================

The digits are right-aligned so they line up in a column.  ``ascii=True`` swaps the
East-Asian "ambiguous width" glyphs (``▲ ‖ —``, drawn two cells wide by CJK-locale
terminals) for ``^ = -``; the red ``!`` is ASCII already.

Remaining time is rounded *up* to the second (``00:00:01`` until the deadline instant)
and overdue time *down*, so the display flips to red exactly when :func:`light_of` does.
"""

from __future__ import annotations

import math
from datetime import datetime

from backend_client.lights import light_of
from backend_client.vocab import Light

__all__ = ["COUNTDOWN_WIDTH", "LIGHT_CLASS", "format_countdown", "light_of"]

COUNTDOWN_WIDTH = 11
"""Cells taken by every :func:`format_countdown` text."""

_BODY = COUNTDOWN_WIDTH - 2  # after the glyph and one space
_DAY = 86_400

_GLYPHS = {
    # light: (unicode, ascii)
    Light.GREEN: (" ", " "),
    Light.YELLOW: ("▲", "^"),
    Light.RED: ("!", "!"),
    Light.PAUSED: ("‖", "="),
}
_DASH = ("—", "-")
_PAUSED_WORD = {"zh": "暂停", "en": "hold"}  # both 4 cells: "‖" + word + 6-cell time = 11

LIGHT_CLASS: dict[Light, str] = {
    Light.GREEN: "green",
    Light.YELLOW: "yellow",
    Light.RED: "red",
    Light.PAUSED: "paused",
    Light.NONE: "muted",
}
"""Light -> LineTable cell class suffix (``line-table--<suffix>``)."""


def _span(seconds: int) -> str:
    """``hh:mm:ss`` under a day, else ``{d}d{hh}:{mm}`` (at most 8 cells up to 99 days)."""
    if seconds < _DAY:
        hours, rest = divmod(seconds, 3600)
        return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    days, rest = divmod(seconds, _DAY)
    if days > 99:
        return f"{days}d"
    return f"{days}d{rest // 3600:02d}:{rest % 3600 // 60:02d}"


def _compact(seconds: int) -> str:
    """``hh:mm`` under 100 hours, else ``{d}d{hh}`` (at most 5 cells)."""
    minutes = seconds // 60
    hours = minutes // 60
    if hours < 100:
        return f"{hours:02d}:{minutes % 60:02d}"
    days = hours // 24
    if days > 99:
        return f"{min(days, 99_999)}d"[:5]
    return f"{days}d{hours % 24:02d}"


def _fit(text: str) -> str:
    """Right-align ``text`` in the body field (all body text here is single-width)."""
    return text.rjust(_BODY)[-_BODY:]


def format_countdown(
    now: datetime,
    deadline_at: datetime | None,
    paused_at: datetime | None,
    *,
    warn_at: datetime | None = None,
    lang: str = "zh",
    ascii: bool = False,
) -> tuple[str, Light]:
    """Countdown text (exactly :data:`COUNTDOWN_WIDTH` cells) and its light.

    ``warn_at`` is keyword-only so that the three-argument call keeps working; without it
    a running deadline is GREEN until it is due (there is no yellow phase).
    """
    light = light_of(now, warn_at, deadline_at, paused_at)
    pick = 1 if ascii else 0
    if light is Light.NONE:
        return " " * (COUNTDOWN_WIDTH - 1) + _DASH[pick], light
    assert deadline_at is not None or light is Light.PAUSED
    glyph = _GLYPHS[light][pick]
    if light is Light.PAUSED:
        assert paused_at is not None
        word = _PAUSED_WORD["zh" if lang.startswith("zh") else "en"]
        if deadline_at is None:
            time = _DASH[pick]
        else:
            left = math.ceil((deadline_at - paused_at).total_seconds())
            time = _compact(left) if left >= 0 else "-" + _compact(-left)
        # glyph (1) + word (4 cells) + time right-aligned in 6 cells
        return f"{glyph}{word}{time.rjust(COUNTDOWN_WIDTH - 5)[-(COUNTDOWN_WIDTH - 5) :]}", light
    assert deadline_at is not None
    delta = (deadline_at - now).total_seconds()
    # remaining time rounds up, overdue time rounds down: both flip at the deadline
    body = "-" + _span(math.floor(-delta)) if light is Light.RED else _span(math.ceil(delta))
    return f"{glyph} {_fit(body)}", light
