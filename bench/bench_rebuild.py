"""Rebuilding the assessment projection, per case, against plain reads of the same log.

    python bench/bench_rebuild.py [--history 20000] [--database PG_ADMIN_URL] [--no-sqlite]
    python bench/bench_rebuild.py --url sqlite:////path/to/seeded.db   # a store you seeded

Seeds a fresh database with the demo city and ``--history`` past cases (not folded), or
takes ``--url`` as it is (it clears and rebuilds its projection), then in this process:

* baseline: a plain read of the log as the rebuild reads it (``SELECT`` of the folded
  columns in (case, seq) order, every row fetched with the driver), and the same read
  that also parses each row into the fold's event;
* ``rebuild`` as ``citygrid assessment rebuild`` runs it (the worker processes), and
  the same alone in this process (``--workers 1``);
* unless ``--no-incremental``: the incremental fold from nothing, batch after batch
  (what a rebuild was before it was bulk: the same fold, read back and upserted).

Each is timed on the wall and in CPU (this process and its workers). The rebuild's
per-case wall time is extrapolated to 1,000,000 cases (budget 60 s) and given as a
multiple of the plain read, which moves with the machine the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from benchlib import (
    REPO,
    Check,
    add_database_options,
    environment_line,
    fresh_database,
    on_each_database,
    seed_city,
    table,
    verdicts,
)

sys.path.insert(0, str(REPO))
from backend.core.db import Database
from backend.services.assessment.projector import Projector
from backend.services.assessment.rebuild import Task, logged_events, read_events, rebuild
from backend.services.assessment.rebuild_store import PROJECTION, Store

TZ = ZoneInfo("Asia/Shanghai")
BUDGET_S = 60.0
MILLION = 1_000_000


@dataclass
class Timed:
    name: str
    wall: float
    cpu: float  # this process and the children it waited for


def timed(name: str, run: Callable[[], object]) -> Timed:
    def cpu() -> float:
        own, kids = (
            resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    wall0, cpu0 = time.perf_counter(), cpu()
    run()
    return Timed(name, time.perf_counter() - wall0, cpu() - cpu0)


def cases_and_head(url: str) -> tuple[int, int]:
    conn = Store.of(url).connect()
    try:
        cases, head = conn.execute(
            "SELECT count(DISTINCT case_id), max(seq) FROM event_log"
        ).fetchone()
    finally:
        conn.close()
    return int(cases), int(head)


def read_log(url: str, parse: bool) -> None:
    store = Store.of(url)
    conn = store.connect()
    try:
        rows = read_events(conn, Task(store, TZ.key, 0, 2**62, 2**62))
    finally:
        conn.close()
    if parse:
        for _ in logged_events(rows, store.sqlite):
            pass


def incremental(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            projector = Projector(db, TZ)
            while await projector.catch_up(50_000) > 0:
                pass
        finally:
            await db.dispose()

    conn = Store.of(url).connect()
    try:
        for name in PROJECTION:
            conn.execute(f"DELETE FROM {name}")
        conn.commit()
    finally:
        conn.close()
    asyncio.run(go())


def measure(url: str, label: str, args: argparse.Namespace) -> list[Check]:
    cases, events = cases_and_head(url)
    print(f"\n{label}: {cases:,} cases, {events:,} events; {environment_line()}")
    runs = [
        timed("plain read of the log (baseline)", lambda: read_log(url, parse=False)),
        timed("read + parse into events", lambda: read_log(url, parse=True)),
        timed(f"rebuild, {args.workers} workers", lambda: rebuild(url, TZ, workers=args.workers)),
        timed("rebuild, this process alone", lambda: rebuild(url, TZ, workers=1)),
    ]
    if not args.no_incremental:
        runs.append(timed("incremental fold from nothing", lambda: incremental(url)))
        runs.append(
            timed("rebuild again (after it)", lambda: rebuild(url, TZ, workers=args.workers))
        )
    base = runs[0].wall
    rows = [
        [r.name, f"{r.wall:.2f}", f"{r.wall / cases * 1e6:.0f}", f"{r.cpu / cases * 1e6:.0f}",
         f"{r.wall / base:.1f}×", f"{r.wall / cases * MILLION:.0f}"]
        for r in runs
    ]  # fmt: skip
    head = ["run", "wall s", "wall µs/case", "CPU µs/case", "÷ plain read", "1M cases ≈ s"]
    print(table(head, rows))
    print(environment_line())
    best = min(r.wall for r in runs if r.name.startswith("rebuild"))  # alone may be faster
    million = best / cases * MILLION
    budget = f"<= {BUDGET_S:.0f} s"
    checks = [
        Check(f"{label} rebuild 1M (extrapolated)", f"{million:.0f} s", budget, million <= BUDGET_S)
    ]
    if not args.no_incremental:
        speedup = runs[4].wall / best
        print(f"rebuild is {speedup:.1f}× faster than the incremental fold from nothing")
    return checks


def seeded(pg_admin: str | None, args: argparse.Namespace) -> list[Check]:
    with fresh_database(pg_admin, keep=args.keep) as ws:
        seed_city(ws)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "citygrid", "seed", "--database", ws.url, "--history",
                        str(args.history), "--no-fold", "--tokens-out", str(ws.tmp / "t.json")],
                       check=True, cwd=REPO, capture_output=True)  # fmt: skip
        print(f"seeded {args.history:,} history cases in {time.perf_counter() - started:.0f} s")
        return measure(ws.url, ws.kind, args)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--history", type=int, default=20_000, help="history cases to seed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-incremental", action="store_true", help="skip the slow old way")
    parser.add_argument("--url", help="rebuild this seeded database instead of a fresh one")
    add_database_options(parser)
    args = parser.parse_args()
    print(environment_line())
    checks = measure(args.url, "given", args) if args.url else on_each_database(args, seeded)
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
