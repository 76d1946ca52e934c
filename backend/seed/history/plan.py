"""When and where each history case is reported, its id and its serial."""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backend.domain.calendar import WorkingCalendar
from backend.seed.behaviour import (
    CASES_PER_DAY,
    CHUNK_CASES,
    GRID_WEIGHT,
    HOUR_WEIGHTS,
    TAIL,
)
from backend.seed.history.reference import _Reference
from backend.seed.history.rows import US, us


@dataclass(frozen=True)
class _Chunk:
    index: int
    seed: int
    first_id: int
    times: list[int]  # µs, ascending
    grids: list[int]  # index into _Reference.grids
    serials: list[str]
    boundary: int | None  # the next chunk's first instant (None for the last chunk)


def grid_cumulative(ref: _Reference) -> list[float]:
    """Cumulative report weights of the grids: dense core grids report more."""
    out: list[float] = []
    acc = 0.0
    for g in ref.grids:
        acc += GRID_WEIGHT[g.area]
        out.append(acc)
    return out


def next_serial(counters: dict[tuple[int, str], int], year: int, district: str) -> str:
    """The district's next serial in ``year`` (``counters`` updated in place)."""
    value = counters.get((year, district), 0) + 1
    counters[(year, district)] = value
    return f"{year}-{district}-{value:06d}"


def _day_counts(
    rng: random.Random, days: list[date], calendar: WorkingCalendar, count: int
) -> list[int]:
    """Split ``count`` over the days: weekends and holidays are quieter (largest remainder)."""
    weights = [
        (1.0 if calendar.is_working_day(d) else 0.75) * (0.9 + 0.2 * rng.random()) for d in days
    ]
    total = sum(weights)
    exact = [count * w / total for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(days)), key=lambda i: counts[i] - exact[i])
    for i in order[: count - sum(counts)]:
        counts[i] += 1
    return counts


def _plan(
    rng: random.Random,
    ref: _Reference,
    calendar: WorkingCalendar,
    count: int,
    end: datetime,
    counters: dict[tuple[int, str], int],
    first_id: int,
) -> Iterator[_Chunk]:
    """Chunks of whole days, oldest first; serials continue ``counters`` (updated in place)."""
    tz = calendar.tz
    last_day = (end - TAIL).astimezone(tz).date()
    ndays = max(1, math.ceil(count / CASES_PER_DAY))
    days = [last_day - timedelta(days=ndays - 1 - i) for i in range(ndays)]
    per_day = _day_counts(rng, days, calendar, count)
    grid_cum = grid_cumulative(ref)
    hour_cum: list[float] = []
    acc = 0.0
    for w in HOUR_WEIGHTS:
        acc += w
        hour_cum.append(acc)
    hour_total, grid_total = hour_cum[-1], grid_cum[-1]
    year_starts = {  # serials number by the local year, as CaseService does
        y: us(datetime(y, 1, 1, tzinfo=tz)) for y in range(days[0].year - 1, days[-1].year + 2)
    }
    chunk_days = max(1, int(CHUNK_CASES / CASES_PER_DAY))
    next_id = first_id
    r = rng.random
    for index, start in enumerate(range(0, ndays, chunk_days)):
        times: list[int] = []
        grids: list[int] = []
        for day, n in zip(
            days[start : start + chunk_days], per_day[start : start + chunk_days], strict=True
        ):
            midnight = us(datetime.combine(day, datetime.min.time(), tz))
            stamps = sorted(
                midnight
                + bisect_right(hour_cum, r() * hour_total) * 3600 * US
                + int(r() * 3600 * US)
                for _ in range(n)
            )
            times.extend(stamps)
            grids.extend(bisect_left(grid_cum, r() * grid_total) for _ in range(n))
        serials: list[str] = []
        for t, gi in zip(times, grids, strict=True):
            year = max(y for y, s in year_starts.items() if s <= t)
            serials.append(next_serial(counters, year, ref.grids[gi].code[:6]))
        following = start + chunk_days
        boundary = (
            us(datetime.combine(days[following], datetime.min.time(), tz))
            if following < ndays
            else None
        )
        yield _Chunk(index, rng.getrandbits(64), next_id, times, grids, serials, boundary)
        next_id += len(times)
