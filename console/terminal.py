"""What the terminal can show, and the two places the console adapts to it.

* :func:`profile_for` reads ``TERM``, ``NO_COLOR`` and the console's options into a
  :class:`TerminalProfile`: glyphs (Unicode or ASCII), colours (none, 16, many), and
  whether the terminal takes the alternate screen and mouse tracking.
* :class:`AsciiFilter` is a Textual line filter: every line any widget draws (dialog
  borders, scrollbars, the footer, the status bar, the table, the map) passes through
  it, so under ``--ascii`` the UI's own glyphs become ASCII in one place.  It maps
  only the drawing and punctuation glyphs the UI uses, one cell to one cell, so the
  layout does not move and user data (Chinese case text, names) is left as it is.
* :class:`NoColorFilter` drops every colour (Textual's own ``NO_COLOR`` handling
  turns colours into greys); meaning stays in glyphs, bold, reverse and underline.
* :class:`PlainDriver` keeps a ``vt100``/``linux`` terminal out of modes it does not
  have: no alternate screen, mouse, bracketed paste, focus or synchronised-output
  sequences.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

from console.driver import ConsoleDriver

Colours = Literal["none", "16", "many"]

# Terminals that draw only ASCII and know neither the alternate screen nor mouse
# tracking; "linux" (the kernel console) has 16 colours, the others none.
PLAIN_TERMS: Mapping[str, Colours] = {
    "vt100": "none",
    "vt102": "none",
    "vt220": "none",
    "vt52": "none",
    "ansi": "16",
    "linux": "16",
    "cons25": "16",
}
DUMB_TERMS = frozenset({"", "dumb", "unknown"})


@dataclass(frozen=True)
class TerminalProfile:
    term: str
    ascii: bool
    colours: Colours
    plain: bool  # no alternate screen, no mouse, no private modes beyond the cursor

    @property
    def usable(self) -> bool:
        """A full-screen console needs cursor addressing: ``dumb`` has none."""
        return self.term not in DUMB_TERMS


def profile_for(
    env: Mapping[str, str], *, ascii: bool = False, ansi: bool = False
) -> TerminalProfile:
    term = env.get("TERM", "").strip().lower()
    base = term.split("-")[0]
    plain = base in PLAIN_TERMS
    colours: Colours = PLAIN_TERMS.get(base, "16" if ansi else "many")
    if "NO_COLOR" in env and env["NO_COLOR"] != "":
        colours = "none"
    return TerminalProfile(term, ascii or plain, colours, plain)


# One cell to one cell: box drawing, blocks, shapes and the UI's punctuation.
_ASCII_MAP: dict[int, str] = {}


def _span(first: int, last: int, char: str) -> None:
    for code in range(first, last + 1):
        _ASCII_MAP[code] = char


_span(0x2500, 0x257F, "+")  # box drawing: corners and crossings
for _code in (0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2550, 0x2574):
    _ASCII_MAP[_code] = "-"
for _code in (0x2576, 0x2578, 0x257A, 0x257C, 0x257E):
    _ASCII_MAP[_code] = "-"
for _code in (0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2551):
    _ASCII_MAP[_code] = "|"
for _code in (0x2575, 0x2577, 0x2579, 0x257B, 0x257D, 0x257F):
    _ASCII_MAP[_code] = "|"
# Block elements: scrollbar thumbs and their ends are drawn in colour, so a space keeps
# their look; full and shaded blocks become "#", the side bars of "tall" borders "|".
_span(0x2580, 0x259F, " ")
for _code in (0x2588, 0x2591, 0x2592, 0x2593):
    _ASCII_MAP[_code] = "#"
for _code in (*range(0x2589, 0x2590), 0x2590, 0x2595):
    _ASCII_MAP[_code] = "|"
_ASCII_MAP[0x2581] = "_"
_ASCII_MAP[0x2594] = "-"
_span(0x25A0, 0x25FF, "*")  # geometric shapes: ● ◆ ■ ...
_ASCII_MAP.update(
    {
        ord(k): v
        for k, v in {
            "▲": "^",
            "△": "^",
            "▼": "v",
            "▽": "v",
            "▶": ">",
            "►": ">",
            "◀": "<",
            "◄": "<",
            "◌": "o",
            "○": "o",
            "∘": "o",
            "●": "*",
            "◆": "S",
            "…": "~",
            "—": "-",
            "–": "-",
            "‒": "-",
            "―": "-",
            "‖": "=",
            "·": ".",
            "•": "*",
            "›": ">",
            "‹": "<",
            "»": ">",
            "«": "<",
            "→": ">",
            "←": "<",
            "↑": "^",
            "↓": "v",
            "⏎": "<",
            "✕": "x",
            "★": "*",
            "☆": "*",
            "✔": "v",
            "✘": "x",
            "✗": "x",
            "✓": "v",
            "×": "x",
            "≥": ">",
            "≤": "<",
            "≠": "#",
            "°": "o",
            "\u00a0": " ",
            "’": "'",
            "‘": "'",
            "“": '"',
            "”": '"',
        }.items()
    }
)
ASCII_TABLE = str.maketrans(_ASCII_MAP)
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_ASCII_MAP)) + "]")


def to_ascii(text: str) -> str:
    """The UI's glyphs as ASCII, cell for cell; other text (CJK) unchanged."""
    return text.translate(ASCII_TABLE) if _NEEDS_FOLD.search(text) else text


class AsciiFilter(LineFilter):
    """Every drawn line's UI glyphs as ASCII (see :func:`to_ascii`)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        search = _NEEDS_FOLD.search
        return [
            Segment(text.translate(ASCII_TABLE), style, control)
            if search(text)
            else Segment(text, style, control)
            for text, style, control in segments
        ]


_DEFAULT = Style.from_color(RichColor.default(), RichColor.default())
_NO_DIM = Style(dim=False)


class NoColorFilter(LineFilter):
    """No colour at all: the terminal's own foreground and background everywhere.

    ``dim`` goes too (Textual would blend it into a grey colour); bold, reverse,
    italic and underline stay."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, None if style is None else _strip(style), control)
            for text, style, control in segments
        ]


def _strip(style: Style) -> Style:
    return style + _DEFAULT + _NO_DIM if style.dim else style + _DEFAULT


# Private modes a plain terminal does not have; the cursor's own (?25) stays.
_PRIVATE_MODE = re.compile(r"\x1b\[\?(?!25[hl])[0-9;]*(?:[hl]|\$p)")


class PlainDriver(ConsoleDriver):
    """The console's driver, but it sends no alternate-screen, mouse or other private modes."""

    def write(self, data: str) -> None:
        super().write(_PRIVATE_MODE.sub("", data))
