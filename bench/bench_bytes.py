"""Idle terminal bytes per second: the console against htop, in the same pty harness.

The script seeds the demo city (fixed seed) into a fresh SQLite store, puts
``--templates`` open cases in it through the real API (reported, filed, dispatched,
signed or disposal-reported, as in ``bench_console.py``), and starts the server on
loopback.  No simulator runs, so nothing changes on screen but the clock and the
countdowns.  For each size (80×24 and 120×40) it then spawns, on a fresh pty of that
size with ``TERM=xterm-256color``:

* ``citygrid console`` as the shift lead, waits for the queue, switches to the 全部
  (all open cases) queue, waits ``--settle`` seconds and counts every byte the console
  writes during ``--idle`` seconds;
* ``htop`` with the same window, after its first screen.

It prints bytes per second for both and the ratio console / htop.  Budget: ratio < 1.0
at both sizes (the aim is 0.5).  htop is the reference, so without it the script says
so and exits with status 2: install it first (``apt-get install -y htop``).

    .venv/bin/python bench/bench_bytes.py            # 30 s idle per process and size
    .venv/bin/python bench/bench_bytes.py --idle 10  # quicker
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_console import (
    CITYGRID,
    PtyProcess,
    Store,
    _child_env,
    console_argv,
    make_templates,
    measure_idle,
)
from benchlib import (
    Check,
    environment_line,
    fresh_database,
    running_server,
    seed_city,
    table,
    verdicts,
)

SIZES = ((80, 24), (120, 40))
BUDGET_RATIO = 1.0
AIM_RATIO = 0.5


@dataclass
class Sample:
    size: tuple[int, int]
    console: float | None  # bytes/s
    htop: float | None


def console_idle(
    url: str, token: str, size: tuple[int, int], tmp: Path, args: argparse.Namespace
) -> float | None:
    p = PtyProcess(console_argv(url, token), _child_env(tmp), size)
    try:
        p.watch("rows", "-000")  # a serial (short or long): the rows are painted
        if p.wait_mark("rows", 60) is None:
            print(f"  {size[0]}×{size[1]}: the console never painted its queue; it shows:")
            print(p.tail())
            return None
        p.send(b"0")  # the 全部 queue: every open case
        time.sleep(args.settle)  # let the queue switch and the first ticks settle
        return measure_idle(p, args.idle).bytes_per_s
    finally:
        p.close(b"q")


def htop_idle(size: tuple[int, int], tmp: Path, args: argparse.Namespace) -> float | None:
    htop = shutil.which("htop")
    if htop is None:
        return None
    p = PtyProcess([htop], _child_env(tmp), size)
    try:
        p.watch("ready", "Load average")
        if p.wait_mark("ready", 15) is None:
            print(f"  {size[0]}×{size[1]}: htop never painted; it shows:\n{p.tail()}")
            return None
        time.sleep(args.settle)
        return measure_idle(p, args.idle).bytes_per_s
    finally:
        p.close(b"q")


def run(args: argparse.Namespace) -> list[Sample]:
    samples: list[Sample] = []
    with fresh_database(None, keep=args.keep, prefix="citygrid-bench-bytes-") as ws:
        store = Store(ws, seed_city(ws))
        print(f"{args.templates} open cases through the API…", flush=True)
        make_templates(store, args.templates, args.seed)
        with running_server(ws, log_name="server-bytes.log") as server:
            for size in SIZES:
                label = f"{size[0]}×{size[1]}"
                print(f"  {label}: console, {args.idle:.0f} s idle…", flush=True)
                console = console_idle(server.base, store.tokens["lead"], size, ws.tmp, args)
                print(f"  {label}: htop, {args.idle:.0f} s idle…", flush=True)
                samples.append(Sample(size, console, htop_idle(size, ws.tmp, args)))
    return samples


def report(samples: list[Sample]) -> list[Check]:
    rows: list[list[str]] = []
    checks: list[Check] = []
    for s in samples:
        label = f"{s.size[0]}×{s.size[1]}"
        ratio = s.console / s.htop if s.console is not None and s.htop else None
        rows.append(
            [
                label,
                "—" if s.console is None else f"{s.console:,.0f} B/s",
                "—" if s.htop is None else f"{s.htop:,.0f} B/s",
                "—" if ratio is None else f"{ratio:.2f}",
            ]
        )
        checks.append(
            Check(
                f"idle bytes at {label}, console / htop",
                "—" if ratio is None else f"{ratio:.2f}",
                f"< {BUDGET_RATIO} (aim {AIM_RATIO})",
                ratio is not None and ratio < BUDGET_RATIO,
            )
        )
    print()
    print(table(["pty", "console", "htop", "ratio"], rows, title="Idle output to the terminal"))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--templates", type=int, default=120, help="open cases via the API")
    parser.add_argument("--idle", type=float, default=30.0, help="idle window, seconds")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (db, logs)")
    args = parser.parse_args()
    if shutil.which("htop") is None:
        print(
            "htop is not installed: it is this benchmark's reference. "
            "Install it (apt-get install -y htop) and run again.",
            file=sys.stderr,
        )
        return 2
    if not CITYGRID.exists():
        parser.error(f"{CITYGRID} not found: install the project (pip install -e .)")
    print(environment_line())
    checks = report(run(args))
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
