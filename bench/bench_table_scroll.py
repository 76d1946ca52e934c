"""Scroll-step cost of LineTable at 1,000 vs 1,000,000 rows (headless, 120×40 by default).

Usage::

    python bench/bench_table_scroll.py [--steps 150] [--rounds 5] [--size 120x40]
                                       [--model list|lazy] [--no-freeze]

Both models are timed in the same run.  For each one the script mounts a ``LineTable``
(8 columns, one live countdown column) in ``App.run_test`` and presses ``down`` and
then ``pagedown``.  Every timed step scrolls: ``down`` starts from the bottom row of the
view, and a step that would hit the end first jumps back to the top (untimed).  The two
models alternate in ``--rounds`` rounds, so a load spike on the machine hits both alike.

How a step is timed, and why: each step is ``await pilot.press(key)`` followed by
``await pilot.pause()``, and ``pause()`` ends with a forced screen update, so the frame
is part of the step.  Four figures per step:

* ``wall``: wall-clock time of the step.  Mostly Pilot's fixed waits for the event
  loop to go idle, plus whatever the OS scheduler does to us on a busy box, so it is
  reported for information only.
* ``cpu``: CPU time of the event-loop thread over the same step (``time.thread_time``):
  the key dispatch, the cursor/scroll logic and the frame, without scheduler noise or
  idle waits.  **Gated.**
* ``frame``: CPU time inside the screen compositor's ``render_update`` during the step,
  i.e. the frame itself: every dirty widget's ``render_lines`` plus cutting and joining
  the strips.  This is what grows if anything iterates the model.  **Gated.**
* ``table``: the part of ``frame`` spent in ``LineTable.render_lines`` (information).

The budget: the 1M / 1k ratio of the mean ``cpu`` and ``frame`` times stays ≤ 1.2×.
``--model list`` (default) holds real row objects in a list plus a key → index dict,
like the console's queue view; ``lazy`` builds rows on demand from the index.  The
models are built before timing and ``gc.freeze()`` moves them out of the collector's
way, as a long-running console would after its initial load (``--no-freeze`` to
measure without).  Exit status 1 when over budget.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from widgets.countdown import COUNTDOWN_WIDTH, LIGHT_CLASS, format_countdown
from widgets.line_table import Column, LineTable

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BUDGET = 1.2
GATED = ("cpu", "frame")


@dataclass(slots=True)
class Row:
    serial: str
    grid: str
    category: str
    source: str
    department: str
    state: str
    warn_at: datetime
    deadline_at: datetime
    version: int = 1


_DEADLINES = [NOW + timedelta(minutes=m - 300) for m in range(2000)]
_WARNINGS = [deadline - timedelta(minutes=45) for deadline in _DEADLINES]
_CATEGORIES = ("0101 上水井盖", "0203 道路破损", "0512 暴露垃圾", "0601 违章停车")
_SOURCES = ("监督员", "12345", "视频", "媒体")
_DEPARTMENTS = ("市政所", "环卫所", "交警大队", "街道办")
_STATES = ("待派遣", "处置中", "待核查", "挂账")


def make_row(index: int) -> Row:
    minute = (index * 37) % 2000
    kind = index % 4
    return Row(
        f"2026-0101-{index:07d}",
        f"4401060{index % 997:05d}",
        _CATEGORIES[kind],
        _SOURCES[kind],
        _DEPARTMENTS[kind],
        _STATES[kind],
        _WARNINGS[minute],
        _DEADLINES[minute],
    )


class ListModel:
    def __init__(self, count: int) -> None:
        self.rows = [make_row(i) for i in range(count)]
        self.index = {row.serial: i for i, row in enumerate(self.rows)}

    def __len__(self) -> int:
        return len(self.rows)

    def key_at(self, index: int) -> str:
        return self.rows[index].serial

    def index_of(self, key: str) -> int | None:
        return self.index.get(key)

    def row_at(self, index: int) -> Row:
        return self.rows[index]


class LazyModel:
    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    def key_at(self, index: int) -> str:
        return f"2026-0101-{index:07d}"

    def index_of(self, key: str) -> int | None:
        index = int(key.rsplit("-", 1)[1])
        return index if 0 <= index < self.count else None

    def row_at(self, index: int) -> Row:
        return make_row(index)


def columns() -> list[Column]:
    def text(attr: str) -> Callable[[Row, datetime], tuple[str, str]]:
        return lambda row, _now: (str(getattr(row, attr)), "")

    def countdown(row: Row, now: datetime) -> tuple[str, str]:
        value, light = format_countdown(now, row.deadline_at, None, warn_at=row.warn_at)
        return value, LIGHT_CLASS[light]

    return [
        Column("serial", "编号", 18, text("serial")),
        Column("grid", "网格", 12, text("grid")),
        Column("category", "类别", 16, text("category")),
        Column("source", "来源", 6, text("source")),
        Column("department", "部门", 10, text("department")),
        Column("state", "状态", 8, text("state")),
        Column("version", "版", 3, text("version"), align="right"),
        Column("deadline", "期限", COUNTDOWN_WIDTH, countdown, live=True, align="right"),
    ]


class BenchApp(App[None]):
    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield LineTable(columns(), self.model, now=lambda: NOW)


FIGURES = ("wall", "cpu", "frame", "table")
KEYS = ("down", "pagedown")


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    frame: list[float] = field(default_factory=list)
    table: list[float] = field(default_factory=list)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(
    model: Any, steps: int, size: tuple[int, int], results: dict[str, Timings]
) -> None:
    """Mount one table and time ``steps`` presses of each key (after 5 untimed ones)."""
    app = BenchApp(model)
    clock = time.thread_time  # CPU time of this thread: immune to other processes' load
    async with app.run_test(size=size) as pilot:
        table = app.query_one(LineTable)
        compositor = app.screen._compositor
        spent = {"frame": 0.0, "table": 0.0}
        original_update = compositor.render_update
        original_lines = table.render_lines

        def timed_update(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return original_update(*args, **kwargs)
            finally:
                spent["frame"] += clock() - start

        def timed_lines(crop: Region) -> list[Strip]:
            start = clock()
            try:
                return original_lines(crop)
            finally:
                spent["table"] += clock() - start

        compositor.render_update = timed_update  # type: ignore[method-assign]
        table.render_lines = timed_lines  # type: ignore[method-assign]
        await pilot.pause()

        for key in KEYS:
            stride = 1 if key == "down" else table.body_height
            timings = results[key]
            for step in range(steps + 5):
                if table.cursor_index + stride >= len(model):
                    await pilot.press("home")  # untimed: every timed step really scrolls
                    await pilot.pause()
                bottom = table.scroll_offset.y + table.body_height - 1
                if key == "down" and table.cursor_index != bottom:
                    table.cursor_index = bottom  # untimed: the next down scrolls by one
                    await pilot.pause()
                spent["frame"] = spent["table"] = 0.0
                wall, cpu = time.perf_counter(), clock()
                await pilot.press(key)
                await pilot.pause()
                cpu, wall = clock() - cpu, time.perf_counter() - wall
                if step >= 5:
                    timings.wall.append(wall)
                    timings.cpu.append(cpu)
                    timings.frame.append(spent["frame"])
                    timings.table.append(spent["table"])


def ms(value: float) -> str:
    return f"{value * 1000:7.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=150, help="timed steps per key")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--size", default="120x40", help="terminal size WxH")
    parser.add_argument("--small", type=int, default=1_000, help="rows in the small model")
    parser.add_argument("--large", type=int, default=1_000_000, help="rows in the large model")
    parser.add_argument("--model", choices=("list", "lazy"), default="list")
    parser.add_argument("--no-freeze", action="store_true", help="do not gc.freeze() models")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.lower().split("x"))

    factory = ListModel if args.model == "list" else LazyModel
    started = time.perf_counter()
    models = {args.small: factory(args.small), args.large: factory(args.large)}
    print(f"built {args.model} models in {time.perf_counter() - started:.2f} s")
    if not args.no_freeze:
        gc.collect()
        gc.freeze()

    # Interleave the two models in rounds so that drift (a busy box) hits both alike.
    results = {count: {key: Timings() for key in KEYS} for count in models}
    per_round = max(1, args.steps // args.rounds)
    for _ in range(args.rounds):
        for count, model in models.items():
            asyncio.run(measure(model, per_round, (width, height), results[count]))

    small, large = args.small, args.large
    print(
        f"LineTable scroll step at {width}x{height}: {per_round * args.rounds} steps per key "
        f"in {args.rounds} interleaved rounds ({args.model} model)"
    )
    print(f"{'key':9} {'figure':6} {'rows':>10} {'mean ms':>8} {'p95 ms':>8}")
    ok = True
    for key in KEYS:
        for figure in FIGURES:
            means = {}
            for count in (small, large):
                values: list[float] = getattr(results[count][key], figure)
                means[count] = statistics.fmean(values)
                print(f"{key:9} {figure:6} {count:>10,} {ms(means[count])} {ms(p95(values))}")
            ratio = means[large] / means[small]
            gated = figure in GATED
            verdict = ("ok" if ratio <= BUDGET else "OVER BUDGET") if gated else "(info)"
            ok &= ratio <= BUDGET or not gated
            print(f"{key:9} {figure:6} {'1M/1k':>10} {ratio:8.3f}x  {verdict}")
    print(
        f"budget {large:,}/{small:,} <= {BUDGET}x on mean "
        f"{' and '.join(GATED)} time: {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
