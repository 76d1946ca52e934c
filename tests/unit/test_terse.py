"""The terse partial update draws the same screen as Textual's, in fewer bytes.

Both outputs go to a small VT emulator (cursor moves, BS, CUF/CUB/CUD, SGR, text);
the cells (character and SGR in force) must come out the same.  Random chops, spans and
styles, seeded.
"""

from __future__ import annotations

import random
import re

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from widgets.terse import TerseChopsUpdate, changed_spans

W, H = 30, 6
_SEQ = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|(\x08)|(\n)|([^\x1b\x08\n])")


def emulate(data: str, screen: list[list[tuple[str, str]]]) -> None:
    x = y = 0
    sgr = ""
    for params, final, bs, lf, char in _SEQ.findall(data):
        if bs:
            x = max(0, x - 1)
        elif lf:
            y = min(H - 1, y + 1)
        elif char:
            screen[y][x] = (char, sgr)
            x = min(W - 1, x + cell_len(char))
        elif final == "H":
            row, col = (int(p) for p in params.split(";"))
            y, x = row - 1, col - 1
        elif final == "C":
            x = min(W - 1, x + int(params or 1))
        elif final == "D":
            x = max(0, x - int(params or 1))
        elif final == "B":
            y = min(H - 1, y + int(params or 1))
        elif final == "m":
            sgr = "" if params in ("", "0") else params
        else:
            raise AssertionError(f"unexpected sequence {final!r}")


STYLES = [
    Style(color="red", bgcolor="black"),
    Style(color="green", bgcolor="black", bold=True),
    Style(color="#808080"),
    Style(),
]


def random_update(rng: random.Random) -> tuple[list[dict[int, Strip | None]], list, list]:
    chops: list[dict[int, Strip | None]] = []
    ends: list[list[int]] = []
    for _ in range(H):
        cuts = sorted(rng.sample(range(1, W), 3))
        line: dict[int, Strip | None] = {}
        start = 0
        for end in [*cuts, W]:
            segments = []
            x = start
            while x < end:
                n = rng.randint(1, end - x)
                text = "".join(rng.choice("abc0123:") for _ in range(n))
                segments.append(Segment(text, rng.choice(STYLES)))
                x += n
            line[start] = Strip(segments)
            start = end
        chops.append(line)
        ends.append([*cuts, W])
    spans = []
    for y in sorted(rng.sample(range(H), 4)):
        x1 = rng.randint(0, W - 2)
        spans.append((y, x1, rng.randint(x1 + 1, W)))
    return chops, spans, ends


def test_the_terse_update_draws_what_textual_draws_in_fewer_bytes() -> None:
    console = Console(color_system="256", force_terminal=True, width=W)
    rng = random.Random(7)
    stock_bytes = terse_bytes = 0
    for _ in range(200):
        chops, spans, ends = random_update(rng)
        blank = [[(".", "")] * W for _ in range(H)]
        stock_screen = [row[:] for row in blank]
        terse_screen = [row[:] for row in blank]
        # Textual re-sends whole chops from their left edge; paint the same cells first
        # so the comparison is about the spans only.
        full = "".join(
            f"\x1b[{y + 1};{x + 1}H" + strip.render(console)
            for y, line in enumerate(chops)
            for x, strip in line.items()
            if strip is not None
        )
        emulate(full, stock_screen)
        emulate(full, terse_screen)
        stock = ChopsUpdate(chops, spans, ends).render_segments(console)
        terse = TerseChopsUpdate(chops, spans, ends).render_segments(console)
        emulate(stock, stock_screen)
        emulate(terse, terse_screen)
        assert terse_screen == stock_screen
        stock_bytes += len(stock.encode())
        terse_bytes += len(terse.encode())
    assert terse_bytes < stock_bytes


def test_a_countdown_tick_sends_about_the_digit() -> None:
    console = Console(color_system="256", force_terminal=True, width=W)
    style = Style(color="green", bgcolor="black")
    chops = [{0: Strip([Segment(" " * 10, style)]), 10: Strip([Segment("  00:12:40", style)])}]
    chops += [dict(chops[0]) for _ in range(H - 1)]
    ends = [[10, 20, W] for _ in range(H)]
    spans = [(y, 19, 20) for y in range(H)]  # the last digit of every row
    terse = TerseChopsUpdate(chops, spans, ends).render_segments(console)
    stock = ChopsUpdate(chops, spans, ends).render_segments(console)
    assert terse.count("0") >= H and "12:4" not in terse
    assert len(terse) < len(stock) / 3, (terse, stock)


def test_changed_spans() -> None:
    assert changed_spans("00:12:41", "00:12:40") == [(7, 8)]
    assert changed_spans("00:12:40", "00:11:59") == [(4, 5), (6, 8)]
    assert changed_spans("same", "same") == []
    assert changed_spans("短", "长") == [(0, 2)]
