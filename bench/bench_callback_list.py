"""The 回访 list (``GET /cases?state=closed&stage=callback``) against a closed history.

Builds ``case_file`` (the real table and indexes) in a temp SQLite file with ``--closed``
closed cases whose clock stopped (``due_key`` in the far future) and ``--due`` whose
callback runs, then times the list's query as ``CaseFilter`` writes it, with the
far-future bound, against the same query without it (the baseline, same run, same
file). Prints both plans, the ratio and the load average.

    python bench/bench_callback_list.py                  # 300,000 closed, 500 due: a few minutes
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlmodel import col, select

from backend.domain.workflow import FAR_FUTURE
from backend.models import CaseRow
from backend.services.queries import CaseFilter

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def filler(column: Any) -> Any:
    name = type(column.type).__name__.lower()
    if "date" in name:
        return NOW
    if "bool" in name:
        return False
    if "int" in name or "float" in name or "numeric" in name:
        return 0
    if "json" in name:
        return {}
    return "x"


def build(path: Path, closed: int, due: int) -> Any:
    engine = create_engine(f"sqlite:///{path}")
    CaseRow.metadata.create_all(engine, tables=[CaseRow.__table__])  # type: ignore[attr-defined]
    table = CaseRow.__table__  # type: ignore[attr-defined]
    base = {
        c.name: filler(c)
        for c in table.columns
        if not c.nullable and not c.primary_key and c.default is None
    }
    rows = []
    spread, running_so_far = max(1, (closed + due) // due), 0
    for n in range(closed + due):
        running = n % spread == 0 and running_so_far < due
        running_so_far += running
        rows.append(
            {
                **base,
                "serial": f"2026-110112-{n:07d}",
                "state": "closed",
                "stage": "callback" if running else None,
                "due_key": NOW + timedelta(minutes=n % 2880) if running else FAR_FUTURE,
                "version": 1,
            }
        )
    with engine.begin() as conn:
        for start in range(0, len(rows), 20_000):
            conn.execute(insert(table), rows[start : start + 20_000])
        conn.execute(text("ANALYZE"))
    return engine


def statement(bounded: bool) -> Any:
    clauses = CaseFilter(states=["closed"], stage="callback").clauses(NOW)
    if not bounded:  # the baseline: the same filter without the far-future bound
        clauses = clauses[:-1]
    return (
        select(col(CaseRow.id), col(CaseRow.version))
        .where(*clauses)
        .order_by(col(CaseRow.due_key), col(CaseRow.id))
        .limit(5001)
    )


def timed(engine: Any, stmt: Any, runs: int) -> tuple[list[float], int]:
    times, found = [], 0
    with engine.connect() as conn:
        conn.execute(stmt).all()  # warm the page cache
        for _ in range(runs):
            started = time.perf_counter()
            found = len(conn.execute(stmt).all())
            times.append((time.perf_counter() - started) * 1000)
    return times, found


def plan(engine: Any, stmt: Any) -> str:
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        return "; ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--closed", type=int, default=300_000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        engine = build(Path(tmp) / "cases.db", args.closed, args.due)
        took = time.perf_counter() - started
        print(f"built {args.closed:,} closed + {args.due:,} due in {took:.0f} s")
        results = {}
        for name, bounded in (("without the bound (baseline)", False), ("with the bound", True)):
            stmt = statement(bounded)
            times, found = timed(engine, stmt, args.runs)
            results[name] = statistics.median(times)
            print(
                f"{name:30} median {results[name]:8.2f} ms  max {max(times):8.2f} ms  "
                f"rows {found}  plan: {plan(engine, stmt)}"
            )
        engine.dispose()
    ratio = results["without the bound (baseline)"] / results["with the bound"]
    print(f"ratio baseline / bounded: {ratio:.1f}x faster with the bound")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
