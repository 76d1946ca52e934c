"""Partial screen updates that send only the cells that changed, with few escape bytes.

Textual's partial update (``ChopsUpdate``) re-sends every changed line fragment from the
left edge of its widget, moves the cursor with a full ``CSI row;col H`` before each
fragment, and wraps every segment in its own ``SGR … SGR 0``.  For a console whose only
idle change is a column of ticking seconds that is ~45 bytes per row per second, where
the change itself is one digit.

:class:`TerseChopsUpdate` writes the same screen content with:

* each fragment cropped to the changed span itself (widened to a character boundary, so
  a wide character is never cut in half);
* the SGR state carried from one segment to the next: a style already in force is not
  sent again, and nothing is reset between fragments (cursor moves do not touch SGR);
* the shortest cursor move from where the cursor is: backspaces or ``CSI n C`` on the
  same row, ``CSI B`` to the next, ``CSI row;col H`` otherwise.

A :class:`TerseScreen` uses it for every partial update; full updates (first paint,
resize, scroll of the whole screen) are Textual's own.  ``tests/unit/test_terse.py``
feeds both outputs to a terminal emulator and compares the resulting screens.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, Compositor
from textual.screen import Screen
from textual.strip import Strip

__all__ = ["TerseChopsUpdate", "TerseCompositor", "TerseScreen", "changed_spans"]

RESET = "\x1b[0m"


def changed_spans(old: str, new: str) -> list[tuple[int, int]]:
    """Cell ranges ``(start, end)`` where ``new`` differs from ``old`` (single-width text).

    Texts of different cell lengths (or with wide characters) count as changed whole.
    """
    if len(old) != len(new) or cell_len(new) != len(new) or cell_len(old) != len(old):
        return [(0, cell_len(new))] if old != new else []
    spans: list[tuple[int, int]] = []
    start = -1
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        if a != b:
            if start < 0:
                start = i
        elif start >= 0:
            spans.append((start, i))
            start = -1
    if start >= 0:
        spans.append((start, len(new)))
    return spans


def _crop_from(strip: Strip, offset: int) -> tuple[int, list[Segment]]:
    """Segments of ``strip`` from cell ``offset`` on, starting on a character boundary.

    Returns the cell where the result starts (``offset``, or one less when ``offset``
    falls on the right half of a wide character) and the segments.
    """
    x = 0
    segments = list(strip)
    for index, segment in enumerate(segments):
        width = cell_len(segment.text)
        if x + width <= offset:
            x += width
            continue
        text = segment.text
        if x == offset or segment.control:
            return x, segments[index:]
        # Walk the characters up to the one holding ``offset``.
        cut = 0
        at = x
        for char in text:
            char_width = cell_len(char)
            if at + char_width > offset:
                break
            at += char_width
            cut += 1
        head = Segment(text[cut:], segment.style, segment.control)
        return at, [head, *segments[index + 1 :]]
    return x, []


class _Writer:
    """Builds the byte stream, tracking the cursor and the SGR state."""

    def __init__(self, color_system: ColorSystem) -> None:
        self.out: list[str] = []
        self.color_system = color_system
        self.sgr = ""  # the attributes in force ("" = the terminal's defaults)
        self.x: int | None = None  # the cursor, when known
        self.y: int | None = None

    def move(self, x: int, y: int) -> None:
        cx, cy = self.x, self.y
        absolute = f"\x1b[{y + 1};{x + 1}H"
        best = absolute
        if cx is not None and cy is not None:
            if cy == y:
                horizontal = self._horizontal(cx, x)
            elif cy + 1 == y:
                horizontal = "\x1b[B" + self._horizontal(cx, x)
            else:
                horizontal = absolute
            if len(horizontal) < len(best):
                best = horizontal
        self.out.append(best)
        self.x, self.y = x, y

    @staticmethod
    def _horizontal(cx: int, x: int) -> str:
        if x == cx:
            return ""
        if x < cx:
            back = cx - x
            return "\b" * back if back <= 3 else f"\x1b[{back}D"
        return f"\x1b[{x - cx}C"

    def segments(self, segments: Iterable[Segment], width: int) -> None:
        out = self.out
        for text, style, control in segments:
            if not text:
                continue
            if control:  # raw escape codes: state unknown afterwards
                self.reset()
                out.append(text)
                self.x = self.y = None
                continue
            if style is not None and style._link:  # a hyperlink: Textual's own rendering
                self.reset()
                out.append(Strip.render_style(style, text, self.color_system))
            else:
                sgr = "" if style is None else self._ansi(style)
                if sgr != self.sgr:
                    if self.sgr:
                        out.append(RESET)
                    if sgr:
                        out.append(f"\x1b[{sgr}m")
                    self.sgr = sgr
                out.append(text)
            if self.x is not None:
                self.x += cell_len(text)
                if self.x >= width:  # at the last column the cursor's place varies
                    self.x = self.y = None

    def _ansi(self, style: Style) -> str:
        ansi = style._ansi
        if ansi is None:
            ansi = Strip.render_ansi(style, self.color_system)
        return ansi

    def reset(self) -> None:
        if self.sgr:
            self.out.append(RESET)
            self.sgr = ""

    def text(self) -> str:
        self.reset()
        return "".join(self.out)


class TerseChopsUpdate(ChopsUpdate):
    def render_segments(self, console: Console) -> str:
        writer = _Writer(console._color_system or ColorSystem.TRUECOLOR)
        chops = self.chops
        chop_ends = self.chop_ends
        for y, x1, x2 in self.spans:
            line = chops[y]
            ends = chop_ends[y]
            width = ends[-1] if ends else x2
            for end, (x, strip) in zip(ends, line.items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                if x < x1:
                    start, segments = _crop_from(strip, x1 - x)
                    x += start
                    strip = Strip(segments)
                if x + strip.cell_length > x2:
                    strip = strip.crop(0, x2 - x)
                writer.move(x, y)
                writer.segments(strip, width)
        return writer.text()


class TerseCompositor(Compositor):
    def render_partial_update(self) -> ChopsUpdate | None:
        update = super().render_partial_update()
        if update is None:
            return None
        return TerseChopsUpdate(update.chops, update.spans, update.chop_ends)


class TerseScreen(Screen[None]):
    """A screen whose partial updates are :class:`TerseChopsUpdate`."""

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._compositor = TerseCompositor()
