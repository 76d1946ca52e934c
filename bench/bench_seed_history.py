"""Benchmark ``seed_history``: how long a big history load takes against the 3-minute budget.

    python bench/bench_seed_history.py --count 1000000 [--database URL] [--keep]

Without ``--database`` it seeds a fresh SQLite file in a temporary directory (the demo
city first, then the history).  With a PostgreSQL URL the database must exist and be
empty; it is seeded the same way.  Besides the history's own figures it times, as an
in-run baseline, a plain ``sqlite3`` ``executemany`` of the same number of one-column
rows (cases + events), so a slow machine or a busy neighbour shows up as a ratio.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from backend.seed.history import seed_history  # noqa: E402

BUDGET_SECONDS = 180.0  # 1,000,000 cases on the 2-core reference machine


def seed_city(url: str, workdir: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "citygrid",
            "seed",
            "--database",
            url,
            "--tokens-out",
            str(workdir / "tokens.json"),
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
    )


def baseline(rows: int, workdir: Path) -> float:
    """Seconds for a bare sqlite3 executemany of ``rows`` trivial rows in one transaction."""
    path = workdir / "baseline.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t (v) VALUES (?)", ((i,) for i in range(rows)))
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()
        path.unlink(missing_ok=True)


def database_size(url: str) -> str:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        total = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        return f"{total / 1e6:,.0f} MB"
    import psycopg
    from sqlalchemy.engine import make_url

    from backend.core.db import sync_url

    dsn = make_url(sync_url(url)).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return f"{(row[0] if row else 0) / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-history-"))
    url = args.database or f"sqlite:///{workdir / 'citygrid.db'}"
    print(f"database: {url}")
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    seed_city(url, workdir)
    print(f"demo city seeded in {time.perf_counter() - started:.1f}s")

    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 10 or done == total:
            print(f"  {done:>9,} / {total:,} cases  {now - started_history:6.1f}s", flush=True)
            last[0] = now

    started_history = time.perf_counter()
    cpu_before = os.times()
    report = seed_history(
        url, count=args.count, seed=args.seed, workers=args.workers, progress=progress
    )
    cpu_after = os.times()
    own = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    workers = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    cpu = own + workers
    rows = report.cases + report.events
    print(f"history: {report.cases:,} cases, {report.events:,} events ({rows:,} rows)")
    print(
        f"  total     {report.seconds:8.1f} s   (budget {BUDGET_SECONDS:.0f} s for 1,000,000: "
        f"{'OK' if report.seconds * 1_000_000 / max(args.count, 1) <= BUDGET_SECONDS else 'OVER'}"
        f", scaled to 1M: {report.seconds * 1_000_000 / max(args.count, 1):.1f} s)"
    )
    print(f"  cases/s   {report.cases / report.seconds:10,.0f}")
    print(f"  events/s  {report.events / report.seconds:10,.0f}")
    print(f"  rows/s    {rows / report.seconds:10,.0f}")
    print(f"  cpu       {cpu:8.1f} s  (all processes; {cpu / report.seconds:.2f} cores busy)")
    per_case = 1e6 / max(report.cases, 1)
    print(
        f"  cpu/case  {cpu * per_case:8.0f} us  (generator processes {workers * per_case:.0f} us,"
        f" writer {own * per_case:.0f} us)"
    )
    print(f"  db size   {database_size(url)}")
    plain = baseline(rows, workdir)
    print(
        f"baseline: plain sqlite3 executemany of {rows:,} one-column rows: {plain:.1f} s "
        f"({rows / plain:,.0f} rows/s); history / baseline = {report.seconds / plain:.1f}x"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.keep or args.database:
        print(f"kept: {workdir}")
    else:
        for p in workdir.iterdir():
            p.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
