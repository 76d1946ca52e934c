"""Scroll-step cost of LineTable at 1,000 vs 1,000,000 rows (headless, 120×40 by default).

Usage::

    python bench/bench_table_scroll.py [--steps 150] [--size 120x40] [--model list|lazy]

For each model the script mounts one ``LineTable`` (8 columns, one live countdown
column) in ``App.run_test`` and presses ``down`` and then ``pagedown`` ``--steps`` times
each (a step that would hit the end first jumps back to the top, untimed, so every timed
step really moves and scrolls).  Three figures per step:

* ``step``: wall time of ``await pilot.press(key)`` + ``await pilot.pause()``.  The pause
  ends with a forced screen update, so this *includes the frame*.  It also includes
  Pilot's fixed event-loop overhead (the same for both models), which dilutes any
  difference; hence the two figures below.
* ``frame``: time inside the screen compositor's ``render_update`` for that step, i.e.
  the frame itself: every dirty widget's ``render_lines`` plus cutting and joining the
  strips.  This is what would grow if anything in the table iterated the model.
* ``table``: the part of ``frame`` spent in ``LineTable.render_lines``.

Each figure is the mean and p95 over the timed steps; the budget is that the 1M / 1k
ratio of the mean frame and step times stays ≤ 1.2×.  ``--model list`` (default) holds
real row objects in a list plus a key → index dict, like the console's queue view;
``lazy`` builds rows on demand from the index.  The models are built before timing and
``gc.freeze()`` moves them out of the collector's way, as a long-running console would
after its initial load; ``--no-freeze`` measures without that.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass
class Timings:
    step: list[float]
    frame: list[float]
    table: list[float]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(model: Any, steps: int, size: tuple[int, int]) -> dict[str, Timings]:
    app = BenchApp(model)
    results: dict[str, Timings] = {}
    async with app.run_test(size=size) as pilot:
        table = app.query_one(LineTable)
        compositor = app.screen._compositor
        spent = {"frame": 0.0, "table": 0.0}

        original_update = compositor.render_update
        original_lines = table.render_lines

        def timed_update(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original_update(*args, **kwargs)
            finally:
                spent["frame"] += time.perf_counter() - start

        def timed_lines(crop: Region) -> list[Strip]:
            start = time.perf_counter()
            try:
                return original_lines(crop)
            finally:
                spent["table"] += time.perf_counter() - start

        compositor.render_update = timed_update  # type: ignore[method-assign]
        table.render_lines = timed_lines  # type: ignore[method-assign]
        await pilot.pause()

        for key, stride in (("down", 1), ("pagedown", table.body_height)):
            timings = Timings([], [], [])
            for warmup in range(steps + 10):
                if table.cursor_index + stride >= len(model):
                    await pilot.press("home")
                    await pilot.pause()
                spent["frame"] = spent["table"] = 0.0
                start = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                elapsed = time.perf_counter() - start
                if warmup >= 10:
                    timings.step.append(elapsed)
                    timings.frame.append(spent["frame"])
                    timings.table.append(spent["table"])
            results[key] = timings
    return results


def ms(value: float) -> str:
    return f"{value * 1000:7.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=150, help="timed steps per key")
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

    results: dict[int, dict[str, Timings]] = {}
    for count, model in models.items():
        results[count] = asyncio.run(measure(model, args.steps, (width, height)))

    small, large = args.small, args.large
    print(f"LineTable scroll step at {width}x{height}, {args.steps} steps per key")
    print(f"{'key':9} {'figure':6} {'rows':>9} {'mean ms':>8} {'p95 ms':>8}")
    ok = True
    for key in ("down", "pagedown"):
        for figure in ("step", "frame", "table"):
            means = {}
            for count in (small, large):
                values: list[float] = getattr(results[count][key], figure)
                means[count] = statistics.fmean(values)
                print(f"{key:9} {figure:6} {count:>9,} {ms(means[count])} {ms(p95(values))}")
            ratio = means[large] / means[small]
            gated = figure in ("step", "frame")
            verdict = ("ok" if ratio <= BUDGET else "OVER BUDGET") if gated else "(info)"
            ok &= ratio <= BUDGET or not gated
            print(f"{key:9} {figure:6} {'ratio':>9} {ratio:8.3f}x  {verdict}")
    print(f"budget 1M/1k <= {BUDGET}x on mean step and frame time: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
