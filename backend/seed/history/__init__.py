"""Past cases for the demo city: months of closed and voided cases with their event log.

``citygrid seed --history N`` calls :func:`seed_history`, which adds ``N`` finished cases
spread over the months before ``end`` (about 40,000 a month, Dongcheng's rate, so a
million cases reach two years back), each with the event chain a live case would
have left: report → (verify) → file → dispatch → sign → report_disposal →
(assign_check) → verify → closed, with the usual detours at field rates (domain.md
§6–7): voids, returns and re-dispatch, extensions, urging and supervision, late
disposals and failed checks with rework rounds.

Everything comes from ``random.Random(seed)`` and the database's own reference data
(grids, departments, routing rules, users, catalogue), so the same seed on the same
seeded database gives the same history.  The random choices only decide each case's
path and timing; every transition goes through the state machine and the workflow core
(:mod:`backend.domain.workflow`) with the server's calendar and time limits, so the
events, records and deadlines are what the live service would have written.

Modules: ``behaviour`` (shares and texts), ``reference`` (the seeded database's
reference data), ``plan`` (when and where cases are reported), ``generator`` (a chunk
of cases), ``case`` (one case step by step), ``rows`` (encoding), ``sinks`` (writing to
SQLite or PostgreSQL).

Every history case is finished before ``end``: the newest are reported ``TAIL`` before
it, and the rare case whose chain would still run past ``end`` is played again faster.

Speed (a million cases, 7 million events, in well under three minutes on two cores):
worker processes generate chunks of whole days and ``executemany`` them into scratch
SQLite files; the parent attaches each file and copies it in with INSERT … SELECT in
one transaction (SQLite, WAL, ``synchronous=OFF``), or streams it into ``COPY``
(PostgreSQL).  Events go in global time order, so ``seq`` order is time order across
the whole history.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from backend.core.config import get_settings
from backend.domain.calendar import WorkingCalendar
from backend.domain.timelimits import TimeLimitPolicy
from backend.domain.workflow import DeadlinePolicy
from backend.seed.behaviour import CASES_PER_DAY, CHUNK_CASES, TAIL
from backend.seed.history.backlog import backlog_rows, plan_backlog
from backend.seed.history.generator import _Generator
from backend.seed.history.plan import _Chunk, _plan
from backend.seed.history.reference import _Dept, _load_reference, _Rule, route
from backend.seed.history.rows import sql_us, us
from backend.seed.history.sinks import _open_sink, _PostgresSink, _SqliteSink, _write_chunk_file

__all__ = [
    "BIG_LOAD",
    "HistoryReport",
    "_Dept",
    "_PostgresSink",
    "_Rule",
    "_SqliteSink",
    "route",
    "seed_history",
]

BIG_LOAD = 100_000  # from this many cases on, a sink may rebuild its indexes after the load


@dataclass(frozen=True)
class HistoryReport:
    cases: int
    events: int
    seconds: float


# --- worker processes -------------------------------------------------------------------------

_WORKER: _Generator | None = None


def _init_worker(generator: _Generator) -> None:
    global _WORKER
    _WORKER = generator


def _make_chunk(spec: _Chunk, directory: str) -> str:
    """Generate one chunk into a scratch file (in a worker process); returns its path."""
    assert _WORKER is not None
    cases, events = _WORKER.chunk(spec)
    path = os.path.join(directory, f"chunk-{spec.index:05d}.db")
    _write_chunk_file(path, cases, events)
    return path


def _chunk_files(
    generator: _Generator, specs: Iterator[_Chunk], directory: str, workers: int
) -> Iterator[tuple[_Chunk, str]]:
    """Chunk files in order; with workers, up to ``workers + 1`` chunks are made ahead."""
    if workers <= 0:
        _init_worker(generator)
        for spec in specs:
            yield spec, _make_chunk(spec, directory)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(generator,),
    ) as pool:
        ahead: list[tuple[_Chunk, Future[str]]] = []
        try:
            for spec in specs:
                ahead.append((spec, pool.submit(_make_chunk, spec, directory)))
                if len(ahead) > workers:
                    done, future = ahead.pop(0)
                    yield done, future.result()
            while ahead:
                done, future = ahead.pop(0)
                yield done, future.result()
        finally:
            for _, future in ahead:
                future.cancel()


@lru_cache(maxsize=1)
def _calendar_and_policy() -> tuple[WorkingCalendar, TimeLimitPolicy]:
    settings = get_settings()
    return (
        WorkingCalendar.load(settings.calendar_path),
        TimeLimitPolicy.load(settings.timelimits_path),
    )


def seed_history(
    url: str,
    *,
    count: int,
    seed: int = 20261122,
    end: datetime | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    backlog: int = 0,
) -> HistoryReport:
    """Add ``count`` finished past cases (and their events) before ``end`` (default now),
    and ``backlog`` cases still open at ``end`` (:mod:`backend.seed.history.backlog`).

    The database must have been seeded (``citygrid seed``); live cases are left alone and
    serials continue the ``serial_counter`` rows.  ``workers`` generator processes run
    ahead of the writer (default: two for big loads on a multi-core machine, else none);
    the result does not depend on it.  ``progress(cases_done, count)`` is called after
    each chunk.
    """
    started = time.perf_counter()
    if count <= 0 and backlog <= 0:
        return HistoryReport(0, 0, 0.0)
    end = (end or datetime.now(UTC)).astimezone(UTC)
    calendar, policy = _calendar_and_policy()
    rng = random.Random(seed)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if count > CHUNK_CASES else 0
        workers = workers if workers > 1 else 0
    sink = _open_sink(url)
    try:
        ref = _load_reference(sink.query, rng)
        if not ref.grids:
            raise ValueError("history needs the unit grids: run 'citygrid seed' first")
        counters = sink.counters()
        first_id = sink.max_case_id() + 1
        ndays = max(1, math.ceil(count / CASES_PER_DAY))
        first_day = (end - TAIL).astimezone(calendar.tz).date() - timedelta(days=ndays + 2)
        # Build the calendar's window table for the whole span before the workers fork.
        calendar.working_seconds_between(
            datetime.combine(first_day, datetime.min.time(), UTC), end + timedelta(days=800)
        )
        generator = _Generator(ref, DeadlinePolicy(calendar, policy), us(end))
        specs = _plan(rng, ref, calendar, count, end, counters, first_id) if count > 0 else None
        # The backlog's own dice, so the history is the same with or without it.
        planned = plan_backlog(generator, random.Random(seed ^ 0xBAC106), backlog, us(end))
        # History events from the backlog's first report on wait for the backlog's, so
        # that all go in time order.
        backlog_from = sql_us(planned[0].t0) if planned else None
        if count >= BIG_LOAD and sink.rebuild_indexes:
            sink.drop_indexes()
        made_cases = made_events = 0
        with tempfile.TemporaryDirectory(prefix="citygrid-history-") as directory:
            for spec, path in _chunk_files(generator, specs or iter(()), directory, workers):
                boundary = None if spec.boundary is None else sql_us(spec.boundary)
                if backlog_from is not None:
                    boundary = backlog_from if boundary is None else min(boundary, backlog_from)
                cases, events = sink.load(path, boundary)
                os.unlink(path)
                made_cases += cases
                made_events += events
                if progress is not None:
                    progress(made_cases, count)
            if planned:
                rows = backlog_rows(generator, planned, us(end), counters, first_id + made_cases)
                path = os.path.join(directory, "backlog.db")
                _write_chunk_file(path, *rows)
                cases, events = sink.load(path, None)
                made_cases += cases
                made_events += events
        made_events += sink.flush(None)  # nothing is left over after the last chunk
        sink.finish(counters, first_id + made_cases - 1)
    finally:
        sink.close()
    return HistoryReport(made_cases, made_events, time.perf_counter() - started)
