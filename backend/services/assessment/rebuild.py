"""Rebuilding the assessment projection from the whole event log, fast.

The incremental fold (:class:`~backend.services.assessment.projector.Projector`) reads
stored facts back, takes their old contributions out and upserts; a rebuild starts from
nothing, so it needs none of that. It reads the log with the database driver as plain
tuples, case-id range by range in (case, seq) order, folds each case once with the same
:func:`~backend.domain.assessment.facts.fold` and :func:`~backend.domain.assessment.daily.add_case`
the incremental path uses, and bulk-writes the facts and the summed day rows (SQLite:
each range's facts into a shadow table, the day rows with ``executemany``; PostgreSQL:
``COPY``). Ranges are folded by a pool of worker processes when the log is large; this
process writes what they return, in case order.

The new projection replaces the old in one last write transaction
(:mod:`~backend.services.assessment.rebuild_store`), so readers see the old one until
the new one commits whole. The log is folded up to its last seq when the rebuild began;
the cursor is set there, and the incremental fold carries on from it.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from backend.domain.assessment.daily import (
    LocalDays,
    Sums,
    add_case,
    add_sums,
    by_month,
    by_object,
    new_change,
    rows_of,
)
from backend.domain.assessment.facts import LoggedEvent, fold
from backend.services.assessment.rebuild_store import FactRow, Store, stage_facts, writer_for

RANGE_CASES = 4_000  # case ids a worker folds per task
PARALLEL_FROM = 50_000  # case ids; below, spawning workers (~1 s of imports each) costs more
WORKERS = 2
LOGGED = (
    "seq, case_id, action, actor_id, actor_role, at, data, grid_code, department_id, "
    "prev_department_id"
)  # the event_log columns a LoggedEvent holds, in its field order
_case_of = itemgetter(1)
# orjson: a million facts encoded, and millions of events' data decoded, at a seventh and
# two thirds of the standard library's cost; the same text (compact, ASCII) both ways.
_object = orjson.loads


def encode(facts: Any) -> str:
    """Facts (:meth:`CaseFacts.to_json`) as the JSON text they are stored as."""
    return orjson.dumps(facts).decode()


@dataclass(frozen=True)
class Task:
    store: Store
    tz: str
    first: int  # case id, inclusive
    end: int  # case id, exclusive
    through: int  # the last seq folded
    stage: str | None = None  # SQLite: the file the facts go to, not back to the caller


@dataclass
class Folded:
    events: int = 0
    facts: list[FactRow] = field(default_factory=list)  # empty when staged
    staged: str | None = None  # the task's stage file, with its facts in table ``fact``
    days: Sums = field(default_factory=dict)  # each object's counters by day


def rebuild(
    url: str,
    tz: ZoneInfo,
    workers: int = WORKERS,
    range_cases: int = RANGE_CASES,
    parallel_from: int = PARALLEL_FROM,
) -> int:
    """Clear the projection and fold the whole log again; returns the events folded.
    ``workers`` processes fold ranges of ``range_cases`` case ids once the log spans
    ``parallel_from`` case ids; below that this process folds alone."""
    store = Store.of(url)
    writer = writer_for(store)
    try:
        through, first, last = writer.start()
        folded = 0
        if through is not None:
            tasks = [
                Task(
                    store, tz.key, start, min(start + range_cases, last + 1), through,
                    writer.stage_for(start),
                )
                for start in range(first, last + 1, range_cases)
            ]  # fmt: skip
            days: Sums = {}
            for part in _fold_all(tasks, workers if last - first >= parallel_from else 1):
                writer.put_facts(part.facts, part.staged)
                add_sums(days, part.days)
                folded += part.events
            writer.finish(rows_of(days), rows_of(by_month(days)), through)
        else:
            writer.finish((), (), None)
    finally:
        writer.close()
    return folded


def _fold_all(tasks: Sequence[Task], workers: int) -> Iterator[Folded]:
    if workers <= 1 or len(tasks) <= 1:
        yield from map(fold_range, tasks)
        return
    # Spawned, not forked: the caller may have threads and open connections. A worker that
    # cannot start breaks the pool with an error (it is not restarted for ever). A worker
    # only folds, and the fold makes millions of short-lived objects but no reference
    # cycles: the cycle collector's passes over them would be pure cost, so it is off.
    context = multiprocessing.get_context("spawn")
    count = min(workers, len(tasks))
    with ProcessPoolExecutor(count, mp_context=context, initializer=gc.disable) as pool:
        yield from pool.map(fold_range, tasks)  # in case order: facts go in in key order


def fold_range(task: Task) -> Folded:
    """Fold the cases with ids in [first, end) over the log up to ``through``; the facts
    are written to the task's stage file if it has one. The day counters come back summed
    per object, so the caller only adds parts where they meet (ranges follow time)."""
    conn = task.store.connect()
    try:
        rows = read_events(conn, task)
    finally:
        conn.close()
    day_of = LocalDays(ZoneInfo(task.tz))
    change = new_change()
    facts: list[FactRow] = []
    for case_id, events in groupby(logged_events(rows, task.store.sqlite), key=_case_of):
        case = fold(events)
        add_case(change, case, +1, day_of)
        facts.append((case_id, encode(case.to_json()), case.last_seq))
    if task.stage is None:
        return Folded(len(rows), facts, None, by_object(change))
    stage_facts(task.stage, facts)
    return Folded(len(rows), [], task.stage, by_object(change))


def read_events(conn: Any, task: Task) -> list[tuple[Any, ...]]:
    mark = "?" if task.store.sqlite else "%s"
    sql = (
        f"SELECT {LOGGED} FROM event_log WHERE case_id >= {mark} AND case_id < {mark} "
        f"AND seq <= {mark} ORDER BY case_id, seq"
    )
    rows: list[tuple[Any, ...]] = conn.execute(sql, (task.first, task.end, task.through)).fetchall()
    return rows


def logged_events(rows: Iterable[tuple[Any, ...]], sqlite: bool) -> Iterator[LoggedEvent]:
    """Raw rows as the fold's events: SQLite keeps instants as naive UTC text and ``data``
    as JSON text; PostgreSQL's driver already gives aware datetimes and parsed JSON."""
    make = tuple.__new__
    if not sqlite:
        for row in rows:
            yield make(LoggedEvent, row)
        return
    for seq, case, action, actor, role, at, data, grid, department, previous in rows:
        yield make(
            LoggedEvent,
            (seq, case, action, actor, role, _stamp(at), _object(data), grid, department,
             previous),
        )  # fmt: skip


def _stamp(text: str) -> str:
    """SQLite's naive UTC text as the ISO instant the fold stamps with (what ``isoformat``
    gives the aware datetime): rewritten in place when it is the usual full form."""
    if len(text) == 26 and text[10] == " " and text[19] == "." and text[20:] != "000000":
        return f"{text[:10]}T{text[11:]}+00:00"
    return datetime.fromisoformat(f"{text}+00:00").isoformat()
