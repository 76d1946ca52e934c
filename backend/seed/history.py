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
seeded database gives the same history.  Stage deadlines use the server's working
calendar and time-limit policy; working-time arithmetic runs on a precomputed table
of office windows (exactly :class:`~backend.domain.calendar.WorkingCalendar`'s
rules, without its day-by-day walk).

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

import gc
import json
import math
import multiprocessing
import os
import random
import sqlite3
import tempfile
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from statistics import NormalDist
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from backend.core.config import get_settings
from backend.core.db import sync_url
from backend.domain.calendar import WorkingCalendar
from backend.domain.geo import point_in_geometry
from backend.domain.routing import choose_department
from backend.domain.timelimits import WARN_FRACTION, TimeLimitPolicy
from backend.services.clockwork import FAR_FUTURE
from backend_client.mix import (
    COMMON_COMPONENTS,
    COMPONENT_CLASSES,
    MATTER_CLASSES,
    MATTER_SHARE,
)
from backend_client.vocab import AreaClass, CategoryKind, Stage, TimeUnit, Urgency

Row = tuple[Any, ...]

# --- volumes and mixes (domain.md §6–7; backend_client/simulator.py's class mix) ----------

CASES_PER_DAY = 40_000 * 12 / 365  # Dongcheng: about 40,000 cases a month
TAIL = timedelta(days=2)  # the newest history case is reported this long before ``end``
CHUNK_CASES = 50_000  # cases per generated chunk (whole days)
BIG_LOAD = 100_000  # from this many cases on, a sink may rebuild its indexes after the load

# Within a big class, the everyday matters come up far more often than the rare ones.
COMMON_MATTERS = {
    "06010": 6.0, "06012": 5.0, "06036": 4.0, "06042": 4.0, "06001": 2.0, "06013": 2.0,
    "06014": 2.0, "06017": 2.0, "06035": 2.0, "06041": 2.0,
    "09009": 6.0, "09010": 5.0, "09011": 5.0, "09006": 4.0, "09005": 4.0, "09001": 3.0,
    "07001": 6.0, "07003": 2.0, "08004": 3.0, "08002": 3.0, "08006": 2.0,
}  # fmt: skip
GRID_WEIGHT = {"A": 8.0, "B": 4.0, "C": 1.0}  # dense core grids report more than rural ones
SOURCES = (
    ("supervisor", 0.65),
    ("hotline", 0.28),
    ("video", 0.03),
    ("media", 0.01),
    ("leader", 0.01),
    ("open311", 0.01),
    ("other", 0.01),
)
HOUR_WEIGHTS = (
    0.3, 0.2, 0.15, 0.15, 0.2, 0.5, 1.5, 3.5, 6.0, 7.0, 7.0, 6.0,
    4.0, 4.5, 6.0, 6.0, 5.5, 4.5, 3.0, 2.2, 1.6, 1.1, 0.7, 0.4,
)  # fmt: skip
URGENT_SHARE = 0.05
SELF_DISPOSED_SHARE = 0.02  # of supervisor reports: fixed on the spot (自处置)
VERIFY_PUBLIC_SHARE = 0.4  # public reports sent to a supervisor to verify (核实)
TRUTHFUL_SHARE = 0.95
VOID_SHARE = 0.025  # voided straight after the report (plus the untrue public reports)
RETURN_SHARE = 0.02  # dispatched to the wrong unit, returned, re-dispatched
EXTENSION_SHARE = 0.03
EXTENSION_APPROVE = 0.85
EXTENSION_HOURS = (4.0, 8.0, 8.0, 16.0, 24.0, 48.0)
LATE_SIGN_SHARE = 0.03
LATE_DISPOSE_SHARE = 0.05  # disposals reported after the DISPOSE deadline
FAIL_FIRST = 0.04  # the first check fails: rework
FAIL_AGAIN = 0.10  # a rework fails again
MAX_ROUNDS = 3
ASSIGN_CHECK_SHARE = 0.75  # the rest are checked by the operator (phone call-back)
URGE_LATE = 0.5
SUPERVISE_LATE = 0.25
SUPERVISE_HIGH_PROFILE = 0.3  # media and leader sources

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
PATROL_NOTES = ("现场拍照取证，请尽快处理。", "影响行人通行。", "群众意见较大。", "已持续多日。")
HOTLINE_NOTES = ("希望尽快解决。", "多次反映未果。", "影响出行和生活。", "请相关部门到场处理。")
VOID_REASONS = (
    "重复上报，已有同一问题的案件。",
    "不属于城市管理范畴。",
    "信息不全，无法定位问题。",
    "现场问题已自行消失。",
)
EXTENSION_REASON = "需协调施工队伍及材料，申请延期。"
RETURN_REASON = "经现场查看不属于本单位职责范围，申请回退。"

_US = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_US = 86_400 * _US
_HMS = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))
_ZTABLE_SIZE = 4096
_Z = tuple(NormalDist().inv_cdf((i + 0.5) / _ZTABLE_SIZE) for i in range(_ZTABLE_SIZE))
SERIAL_TZ = ZoneInfo("Asia/Shanghai")  # backend/services/cases.py LOCAL_TZ
FAR_FUTURE_TEXT = FAR_FUTURE.strftime("%Y-%m-%d %H:%M:%S.%f")  # ``due_key`` of a closed case


@dataclass(frozen=True)
class HistoryReport:
    cases: int
    events: int
    seconds: float


def _us(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(microseconds=1)


def _esc(text: str) -> str:
    """``text`` escaped for use inside a JSON string literal."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


# --- time: formatting and working-time arithmetic ---------------------------------------------


class _Clock:
    """Microsecond timestamps → stored text, and working time on precomputed office windows.

    ``pos(t)`` is the working time (µs) before instant ``t`` since the table's start and
    ``at(w)`` the earliest instant with ``pos == w``; so ``at(pos(t) + b)`` is exactly
    ``WorkingCalendar.add_seconds(t, b)`` for ``b > 0`` (a budget that ends on a window's
    end returns that end, as the calendar's walk does).
    """

    def __init__(self, calendar: WorkingCalendar, first: date, last: date) -> None:
        self.day0 = _us(datetime.combine(first, datetime.min.time(), UTC)) // _DAY_US
        self.days = [
            (first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)
        ]
        starts: list[int] = []
        cum: list[int] = []
        cum_end: list[int] = []
        total = 0
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                for begin, end in calendar.office_hours:
                    s = _us(datetime.combine(day, begin, calendar.tz))
                    e = _us(datetime.combine(day, end, calendar.tz))
                    starts.append(s)
                    cum.append(total)
                    total += e - s
                    cum_end.append(total)
            day += timedelta(days=1)
        self.starts, self.cum, self.cum_end = starts, cum, cum_end
        self.ends = [s + (ce - c) for s, c, ce in zip(starts, cum, cum_end, strict=True)]

    def pos(self, t: int) -> int:
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum[i] + ((t if t < end else end) - self.starts[i])

    def at(self, w: int) -> int:
        i = bisect_left(self.cum_end, w)
        return self.starts[i] + (w - self.cum[i])

    def sql(self, t: int) -> str:
        """``YYYY-MM-DD HH:MM:SS.ffffff``: how SQLAlchemy stores a UTC DateTime in SQLite."""
        s, us = divmod(t, _US)
        d, sod = divmod(s, 86_400)
        return f"{self.days[d - self.day0]} {_HMS[sod]}.{us:06d}"

    def iso(self, t: int) -> str:
        """``datetime.isoformat()`` of the UTC instant, as clockwork writes it."""
        s, us = divmod(t, _US)
        d, sod = divmod(s, 86_400)
        if us:
            return f"{self.days[d - self.day0]}T{_HMS[sod]}.{us:06d}+00:00"
        return f"{self.days[d - self.day0]}T{_HMS[sod]}+00:00"


@dataclass(frozen=True)
class _Limit:
    stage: str
    working: bool
    budget: int  # µs of (working or clock) time
    warn: int  # µs of the same time after which the light turns yellow
    unit: str
    label: str


def _limit(
    policy: TimeLimitPolicy,
    calendar: WorkingCalendar,
    stage: Stage,
    urgency: Urgency,
    area: AreaClass,
    kind: CategoryKind,
    code: str,
) -> _Limit:
    limit = policy.limit_for(
        stage, urgency=urgency, area_class=area, category_kind=kind, category_code=code
    )
    budget = timedelta(seconds=limit.amount * calendar.unit_seconds(limit.unit))
    warn = timedelta(seconds=budget.total_seconds() * WARN_FRACTION)
    return _Limit(
        stage.value,
        limit.unit not in (TimeUnit.CLOCK_HOUR, TimeUnit.NATURAL_DAY),
        budget // timedelta(microseconds=1),
        warn // timedelta(microseconds=1),
        limit.unit.value,
        limit.label_zh(),
    )


# --- reference data read from the seeded database ---------------------------------------------


@dataclass(frozen=True)
class _User:
    id: int
    username: str
    name: str
    role: str
    check_json: str  # the assign_check event's fields naming this supervisor


@dataclass(frozen=True)
class _Dept:
    id: int
    code: str
    kind: str
    region_code: str | None


@dataclass(frozen=True)
class _Rule:
    category_kind: str | None
    category_prefix: str
    region_prefix: str
    department_id: int


@dataclass(frozen=True)
class _Grid:
    code: str
    area: str
    place: str  # community (or street) name, for descriptions
    street_name: str
    community_name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class _Category:
    kind: str
    code: str
    name: str
    big_class: str


@dataclass(frozen=True)
class _Reference:
    grids: list[_Grid]
    categories: list[_Category]
    departments: list[_Dept]
    rules: list[_Rule]
    users: list[_User]
    handlers: dict[int, _User]  # department id -> its (first) handler
    supervisors: dict[str, _User]  # street code -> its (first) supervisor


def route(
    rules: Sequence[_Rule],
    departments: Mapping[int, _Dept],
    category_kind: str,
    category_code: str,
    grid_code: str,
) -> _Dept | None:
    """``Reference.route`` without the async service: the same rule, from
    ``backend.domain.routing``.  ``departments`` by id, in id order."""
    return choose_department(rules, departments, category_kind, category_code, grid_code)


def _grid_points(
    rng: random.Random,
    geometry: dict[str, Any],
    bbox: tuple[float, ...],
    centroid: tuple[float, float],
) -> tuple[tuple[float, float], ...]:
    """A few report locations inside the grid (rejection sampling in its bounding box)."""
    x0, y0, x1, y1 = bbox
    found: list[tuple[float, float]] = []
    for _ in range(40):
        lon, lat = x0 + (x1 - x0) * rng.random(), y0 + (y1 - y0) * rng.random()
        if point_in_geometry(lon, lat, geometry):
            found.append((round(lon, 6), round(lat, 6)))
            if len(found) == 8:
                break
    return tuple(found) or (centroid,)


def _load_reference(query: Callable[[str], list[Any]], rng: random.Random) -> _Reference:
    names = {
        code: name
        for code, name in query(
            "SELECT code, name FROM region WHERE kind IN ('street', 'community')"
        )
    }
    grids: list[_Grid] = []
    rows = query(
        "SELECT code, area_class, geometry, min_lon, min_lat, max_lon, max_lat, centroid_lon,"
        " centroid_lat FROM region WHERE kind = 'grid' ORDER BY code"
    )
    for code, area, geometry, x0, y0, x1, y1, cx, cy in rows:
        shape = json.loads(geometry) if isinstance(geometry, str) else geometry
        street, community = names.get(code[:9], ""), names.get(code[:12], "")
        grids.append(
            _Grid(
                code=code,
                area=area if area in GRID_WEIGHT else "B",
                place=community or street or f"网格{code}",
                street_name=street,
                community_name=community,
                points=_grid_points(rng, shape, (x0, y0, x1, y1), (cx, cy)),
            )
        )
    categories = [
        _Category(kind, code, name, big)
        for kind, code, name, big in query(
            "SELECT kind, code, name, big_class FROM category ORDER BY kind, code"
        )
    ]
    departments = [
        _Dept(int(i), code, kind, region)
        for i, code, kind, region in query(
            "SELECT id, code, kind, region_code FROM department ORDER BY id"
        )
    ]
    rules = [
        _Rule(kind, prefix or "", region or "", int(dept))
        for kind, prefix, region, dept in query(
            "SELECT category_kind, category_prefix, region_prefix, department_id"
            " FROM routing_rule ORDER BY id"
        )
    ]
    users: list[_User] = []
    handlers: dict[int, _User] = {}
    supervisors: dict[str, _User] = {}
    for uid, username, name, role, scope, dept, active in query(
        "SELECT id, username, display_name, role, jurisdiction_code, department_id, active"
        " FROM app_user ORDER BY username"
    ):
        if not active:
            continue
        pair = f'"supervisor":"{_esc(username)}","checker":"{_esc(name)}",'
        user = _User(int(uid), username, name, role, pair)
        users.append(user)
        if role == "handler" and dept is not None:
            handlers.setdefault(int(dept), user)
        if role == "supervisor":
            supervisors.setdefault(scope, user)
    return _Reference(grids, categories, departments, rules, users, handlers, supervisors)


# --- the plan: when and where each case is reported, its id and serial ------------------------


@dataclass(frozen=True)
class _Chunk:
    index: int
    seed: int
    first_id: int
    times: list[int]  # µs, ascending
    grids: list[int]  # index into _Reference.grids
    serials: list[str]
    boundary: int | None  # the next chunk's first instant (None for the last chunk)


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
    grid_cum: list[float] = []
    acc = 0.0
    for g in ref.grids:
        acc += GRID_WEIGHT[g.area]
        grid_cum.append(acc)
    hour_cum: list[float] = []
    acc = 0.0
    for w in HOUR_WEIGHTS:
        acc += w
        hour_cum.append(acc)
    hour_total, grid_total = hour_cum[-1], grid_cum[-1]
    year_starts = {  # serials number by the local year, as CaseService does
        y: _us(datetime(y, 1, 1, tzinfo=SERIAL_TZ))
        for y in range(days[0].year - 1, days[-1].year + 2)
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
            midnight = _us(datetime.combine(day, datetime.min.time(), tz))
            stamps = sorted(
                midnight
                + bisect_right(hour_cum, r() * hour_total) * 3600 * _US
                + int(r() * 3600 * _US)
                for _ in range(n)
            )
            times.extend(stamps)
            grids.extend(bisect_left(grid_cum, r() * grid_total) for _ in range(n))
        serials: list[str] = []
        for t, gi in zip(times, grids, strict=True):
            year = max(y for y, s in year_starts.items() if s <= t)
            district = ref.grids[gi].code[:6]
            value = counters.get((year, district), 0) + 1
            counters[(year, district)] = value
            serials.append(f"{year}-{district}-{value:06d}")
        following = start + chunk_days
        boundary = (
            _us(datetime.combine(days[following], datetime.min.time(), tz))
            if following < ndays
            else None
        )
        yield _Chunk(index, rng.getrandbits(64), next_id, times, grids, serials, boundary)
        next_id += len(times)


# --- generating one chunk of cases and events -------------------------------------------------

CASE_COLUMNS = (
    "id", "serial", "state", "source", "category_kind", "category_code", "description",
    "urgency", "grid_code", "community_code", "street_code", "district_code", "area_class",
    "lon", "lat", "address", "reporters", "attachments", "department_id", "pending_kind",
    "pending_detail", "rework_count", "return_count", "extension_seconds", "supervised",
    "urge_count", "merged_into", "merge_snapshot", "verified", "self_disposed", "checker_id",
    "stage", "warn_at", "deadline_at", "paused_at", "due_key", "deadlines", "version",
    "created_at", "updated_at", "closed_at", "last_actor",
)  # fmt: skip
EVENT_COLUMNS = (
    "case_id", "serial", "action", "actor_id", "actor_name", "actor_role", "at", "data",
    "grid_code", "department_id", "prev_department_id",
)  # fmt: skip
_STAGES = (Stage.INTAKE, Stage.VERIFY, Stage.SIGN, Stage.DISPOSE, Stage.CHECK)
_INTAKE, _VERIFY, _SIGN, _DISPOSE, _CHECK = range(5)


class _Generator:
    """Turns a chunk's (time, grid, serial) plan into case rows and event rows."""

    def __init__(
        self,
        ref: _Reference,
        calendar: WorkingCalendar,
        policy: TimeLimitPolicy,
        clock: _Clock,
        end_us: int,
    ) -> None:
        self.ref = ref
        self.calendar = calendar
        self.policy = policy
        self.clock = clock
        self.end_us = end_us
        roles: dict[str, list[_User]] = {}
        for u in ref.users:
            roles.setdefault(u.role, []).append(u)
        fallback = roles.get("admin") or roles.get("shift_lead") or ref.users
        if not fallback:
            raise ValueError("history needs the demo users: run 'citygrid seed' first")
        self.leads = roles.get("shift_lead") or fallback
        self.dispatchers = roles.get("dispatcher") or self.leads
        self.operators = roles.get("operator") or self.leads
        self.admin = fallback[0]
        self.depts = {d.id: d for d in ref.departments}
        self.offices = {d.region_code: d for d in ref.departments if d.kind == "street_office"}
        self.professional = [d for d in ref.departments if d.kind != "street_office"]
        self._category_rules: dict[tuple[str, str], list[_Rule]] = {}
        self._routes: dict[tuple[str, str, str], _Dept | None] = {}
        self._limits: dict[tuple[bool, str, str, str], tuple[_Limit, ...]] = {}
        # Category weights: big-class share, split among its items (common ones boosted).
        pool = [c for c in ref.categories if c.kind in ("matter", "component")]
        if not pool:
            raise ValueError("history needs the catalogue: run 'citygrid seed' first")
        boosts: dict[tuple[str, str], float] = {}
        for c in pool:
            boosts[(c.kind, c.big_class)] = boosts.get((c.kind, c.big_class), 0.0) + self._boost(c)
        cum: list[float] = []
        acc = 0.0
        kinds_present = {c.kind for c in pool}
        for c in pool:
            if c.kind == "matter":
                table, share = MATTER_CLASSES, MATTER_SHARE
            else:
                table, share = COMPONENT_CLASSES, 1 - MATTER_SHARE
            if len(kinds_present) == 1:
                share = 1.0
            acc += (
                share * table.get(c.big_class, 0.5) * self._boost(c) / boosts[(c.kind, c.big_class)]
            )
            cum.append(acc)
        self.categories = pool
        self.category_cum = cum
        src_cum: list[float] = []
        acc = 0.0
        for _, w in SOURCES:
            acc += w
            src_cum.append(acc)
        self.source_cum = src_cum

    @staticmethod
    def _boost(c: _Category) -> float:
        if c.kind == "component":
            common = c.big_class == "01" and any(w in c.name for w in COMMON_COMPONENTS)
            return 5.0 if common else 1.0
        return COMMON_MATTERS.get(c.code, 1.0)

    def route(self, kind: str, code: str, grid: str) -> _Dept | None:
        key = (kind, code, grid)
        if key in self._routes:
            return self._routes[key]
        rules = self._category_rules.get((kind, code))
        if rules is None:  # the rules that can match this category, in table order
            rules = self._category_rules[(kind, code)] = [
                rule
                for rule in self.ref.rules
                if (not rule.category_kind or rule.category_kind == kind)
                and code.startswith(rule.category_prefix)
            ]
        found = self._routes[key] = route(rules, self.depts, kind, code, grid)
        return found

    def limits(self, urgent: bool, area: str, kind: str, code: str) -> tuple[_Limit, ...]:
        key = (urgent, area, kind, code)
        found = self._limits.get(key)
        if found is None:
            urgency = Urgency.URGENT if urgent else Urgency.NORMAL
            found = tuple(
                _limit(
                    self.policy,
                    self.calendar,
                    s,
                    urgency,
                    AreaClass(area),
                    CategoryKind(kind),
                    code,
                )
                for s in _STAGES
            )
            self._limits[key] = found
        return found

    def chunk(self, spec: _Chunk) -> tuple[list[Row], list[Row]]:
        # Millions of fresh tuples would set off the cyclic collector again and again
        # (a third of the time); the rows hold no cycles, so it can rest meanwhile.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._chunk(spec)
        finally:
            if enabled:
                gc.enable()

    def _chunk(self, spec: _Chunk) -> tuple[list[Row], list[Row]]:
        rng = random.Random(spec.seed)
        cases: list[Row] = []
        events: list[Row] = []
        for i, (t0, gi, serial) in enumerate(
            zip(spec.times, spec.grids, spec.serials, strict=True)
        ):
            case, evs, last = self.case(rng, spec.first_id + i, serial, t0, gi, 0)
            for hurry in (1, 2):
                if last < self.end_us - 60 * _US:
                    break
                # Would still be open at ``end``: the same case again, only faster.
                redo = random.Random(spec.seed ^ (i * 7919 + hurry))
                case, evs, last = self.case(redo, spec.first_id + i, serial, t0, gi, hurry)
            cases.append(case)
            events.extend(evs)
        return cases, events

    # The chain of one case.  Long, because it is the whole workflow in one place; every
    # step appends the event a live server would have written for the same action.
    def case(
        self, rng: random.Random, cid: int, serial: str, t0: int, gi: int, hurry: int
    ) -> tuple[Row, list[Row], int]:
        r = rng.random
        clock = self.clock
        iso, sql = clock.iso, clock.sql
        g = self.ref.grids[gi]
        grid = g.code
        cat = self.categories[bisect_left(self.category_cum, r() * self.category_cum[-1])]
        source = SOURCES[bisect_left(self.source_cum, r() * self.source_cum[-1])][0]
        urgent = r() < URGENT_SHARE
        lims = self.limits(urgent, g.area, cat.kind, cat.code)
        supervisor = self.ref.supervisors.get(grid[:9])
        routed = self.route(cat.kind, cat.code, grid)
        pace = 0.4 if urgent else 1.0
        cap = (0, 2 * 3600 * _US, 600 * _US)[hurry]

        def lognormal(median_s: float, sigma: float = 0.7) -> int:
            value = median_s * pace * math.exp(sigma * _Z[int(r() * _ZTABLE_SIZE)])
            delay = int(value * _US) + int(r() * _US)
            return min(delay, cap) if cap else delay

        def point(start: int, lim: _Limit, fraction: float) -> int:
            """The instant ``fraction`` of the stage's limit after ``start`` (working time
            stays in office hours)."""
            amount = int(lim.budget * fraction) + int(r() * _US)
            if cap:
                return start + min(amount, cap)
            if lim.working:
                return clock.at(clock.pos(start) + amount)
            return start + amount

        def on_time(median: float) -> float:
            return min(0.97, median * math.exp(0.8 * _Z[int(r() * _ZTABLE_SIZE)]))

        def overdue() -> float:
            return 1.0 + 0.3 * math.exp(0.9 * _Z[int(r() * _ZTABLE_SIZE)])

        events: list[Row] = []
        # One list per stage run: stage, started, warn, due, unit, label, done (ISO text),
        # extended hours.
        records: list[list[Any]] = []
        dept_id: int | None = None
        last = t0
        last_actor = ""
        due = 0
        due_iso = ""

        def emit(t: int, action: str, user: _User | None, data: str, new_dept: int | None) -> int:
            nonlocal last, last_actor, dept_id
            if t <= last and events:
                t = last + _US + int(r() * 30 * _US)
            who = user or self.admin
            events.append(
                (
                    cid,
                    serial,
                    action,
                    who.id,
                    who.name,
                    who.role if user else "admin",
                    sql(t),
                    data,
                    grid,
                    new_dept,
                    dept_id,
                )
            )
            dept_id = new_dept
            last, last_actor = t, who.name
            return t

        def start(t: int, stage: int) -> None:
            nonlocal due, due_iso
            now = iso(t)
            if records and records[-1][6] is None:
                records[-1][6] = now
            lim = lims[stage]
            if lim.working:
                p = clock.pos(t)
                due = clock.at(p + lim.budget)
                warn = clock.at(p + lim.warn)
            else:
                due, warn = t + lim.budget, t + lim.warn
            due_iso = iso(due)
            records.append([lim.stage, now, iso(warn), due_iso, lim.unit, lim.label, None, None])

        def stop(t: int) -> None:
            if records and records[-1][6] is None:
                records[-1][6] = iso(t)

        def due_json(extra: str = "") -> str:
            return f'{{{extra}"due_at":"{due_iso}"}}'

        operator = self.operators[int(r() * len(self.operators))]
        dispatcher = self.dispatchers[int(r() * len(self.dispatchers))]
        lead = self.leads[int(r() * len(self.leads))]
        by_supervisor = source == "supervisor" and supervisor is not None
        reporter = supervisor if by_supervisor else operator
        self_disposed = by_supervisor and r() < SELF_DISPOSED_SHARE
        state = "closed"
        closed_at = 0
        verified: bool | None = None
        checker_id: int | None = None
        rework = returns = urges = 0
        supervised = False
        extension_seconds = 0.0

        # --- report -------------------------------------------------------------------
        place = g.place
        caller = phone = ""
        attachments: list[str] = []  # JSON objects (refs are plain ASCII)
        if by_supervisor or source == "video":
            photo = f"photo://{grid}/{rng.getrandbits(32):08x}-before.jpg"
            attachments.append(f'{{"ref":"{photo}","phase":"before","note":""}}')
        if by_supervisor:
            assert supervisor is not None
            tail = "已现场处置完毕。" if self_disposed else PATROL_NOTES[int(r() * 4)]
            description = f"巡查发现{place}{cat.name}，{tail}"
        elif source == "hotline":
            caller = SURNAMES[int(r() * len(SURNAMES))] + ("先生", "女士")[int(r() * 2)]
            phone = "1" + "3578"[int(r() * 4)] + f"{int(r() * 1e9):09d}"
            description = f"市民来电反映：{place}附近{cat.name}，{HOTLINE_NOTES[int(r() * 4)]}"
        else:
            description = f"{place}{cat.name}，请相关部门处理。"
        lon, lat = g.points[int(r() * len(g.points))]
        address = f"{g.street_name}{g.community_name}网格{grid[-3:]}号"
        urgency = "urgent" if urgent else "normal"
        start(t0, _CHECK if self_disposed else _INTAKE)
        emit(
            t0,
            "report",
            reporter,
            f'{{"source":"{source}","urgency":"{urgency}","category":"{cat.kind}:{cat.code}",'
            f'"self_disposed":{"true" if self_disposed else "false"}}}',
            None,
        )
        t = t0
        pending_flow = True
        if self_disposed:
            t = t + lognormal(3600)
            if r() < 0.95:
                stop(t)
                t = emit(
                    t,
                    "verify",
                    operator,
                    '{"note":"审核通过。","passed":true,"outcome":"pass"}',
                    None,
                )
                closed_at = t
                pending_flow = False
            else:  # not fixed after all: back to intake like any report
                start(t, _INTAKE)
                t = emit(
                    t,
                    "verify",
                    operator,
                    due_json('"note":"现场未处置到位，转立案。","passed":false,"outcome":"fail",'),
                    None,
                )
        voided = False
        if pending_flow and not by_supervisor and r() < VERIFY_PUBLIC_SHARE and supervisor:
            t = t + lognormal(900)
            start(t, _VERIFY)
            emit(
                t, "request_verification", operator, due_json('"note":"请监督员现场核实。",'), None
            )
            t = point(t, lims[_VERIFY], on_time(0.4))
            truthful = r() < TRUTHFUL_SHARE
            verified = truthful
            start(t, _INTAKE)
            note = "现场情况属实。" if truthful else "现场未发现所述问题。"
            flag = "true" if truthful else "false"
            emit(
                t,
                "confirm_report",
                supervisor,
                due_json(f'"note":"{note}","truthful":{flag},"outcome":"{flag}",'),
                None,
            )
            voided = not truthful
        elif pending_flow and r() < VOID_SHARE:
            voided = True
        if pending_flow and voided:
            t = t + lognormal(1200)
            reason = (
                "经监督员核实，反映情况不属实。"
                if verified is False
                else VOID_REASONS[int(r() * len(VOID_REASONS))]
            )
            stop(t)
            t = emit(t, "void", lead, f'{{"reason":"{reason}"}}', None)
            state, closed_at = "voided", t
            pending_flow = False

        if pending_flow:
            # --- file and dispatch ------------------------------------------------------
            t = emit(t + lognormal(180), "file", operator, due_json(), None)
            target = routed or self.offices.get(grid[:9]) or self.ref.departments[0]
            if r() < RETURN_SHARE:
                wrong = self.offices.get(grid[:9])
                if (wrong is None or wrong.id == target.id) and self.professional:
                    wrong = self.professional[int(r() * len(self.professional))]
                if wrong is not None and wrong.id != target.id:
                    t = t + lognormal(240)
                    start(t, _SIGN)
                    t = emit(
                        t,
                        "dispatch",
                        dispatcher,
                        due_json(f'"department_code":"{wrong.code}","department":"{wrong.code}",'),
                        wrong.id,
                    )
                    t = point(t, lims[_SIGN], on_time(0.5))
                    t = emit(
                        t,
                        "request_return",
                        self.ref.handlers.get(wrong.id),
                        due_json(f'"reason":"{RETURN_REASON}",'),
                        wrong.id,
                    )
                    t = t + lognormal(1800)
                    start(t, _INTAKE)
                    t = emit(
                        t,
                        "decide",
                        dispatcher,
                        due_json(
                            '"note":"同意。","approve":true,"outcome":"return:approve",'
                            '"request":"return",'
                        ),
                        None,
                    )
                    returns = 1
            t = t + lognormal(240)
            start(t, _SIGN)
            t = emit(
                t, "dispatch", dispatcher, due_json(f'"department":"{target.code}",'), target.id
            )
            handler = self.ref.handlers.get(target.id)
            checked_by_supervisor = supervisor is not None and r() < ASSIGN_CHECK_SHARE
            for round_ in range(MAX_ROUNDS):
                # --- sign -----------------------------------------------------------------
                sign_at = point(
                    t, lims[_SIGN], overdue() if r() < LATE_SIGN_SHARE else on_time(0.35)
                )
                start(sign_at, _DISPOSE)
                t = emit(sign_at, "sign", handler, due_json(), target.id)
                dispose_start = t
                lim = lims[_DISPOSE]
                # --- extension ------------------------------------------------------------
                if round_ == 0 and r() < EXTENSION_SHARE:
                    hours = EXTENSION_HOURS[int(r() * len(EXTENSION_HOURS))]
                    t = emit(
                        point(t, lim, 0.2 + 0.4 * r()),
                        "request_extension",
                        handler,
                        due_json(f'"reason":"{EXTENSION_REASON}","hours":{hours},'),
                        target.id,
                    )
                    t = t + lognormal(2700)
                    if r() < EXTENSION_APPROVE:
                        step = int(hours * 3600 * _US)
                        due = clock.at(clock.pos(due) + step) if lim.working else due + step
                        current = records[-1]
                        elapsed = (
                            clock.pos(due) - clock.pos(dispose_start)
                            if lim.working
                            else due - dispose_start
                        )
                        warn_budget = timedelta(seconds=elapsed / _US * WARN_FRACTION)
                        warn_us = warn_budget // timedelta(microseconds=1)
                        current[2] = iso(
                            clock.at(clock.pos(dispose_start) + warn_us)
                            if lim.working and warn_us
                            else dispose_start + warn_us
                        )
                        due_iso = current[3] = iso(due)
                        current[7] = hours
                        extension_seconds += hours * 3600
                        t = emit(
                            t,
                            "decide",
                            dispatcher,
                            due_json(
                                '"note":"同意。","approve":true,'
                                '"outcome":"extension:approve","request":"extension",'
                                f'"hours":{hours},'
                            ),
                            target.id,
                        )
                    else:
                        t = emit(
                            t,
                            "decide",
                            dispatcher,
                            due_json(
                                '"note":"不同意，请继续处置。","approve":false,'
                                '"outcome":"extension:reject","request":"extension",'
                            ),
                            target.id,
                        )
                # --- disposal (late for a few) ------------------------------------------
                late = r() < LATE_DISPOSE_SHARE
                if lim.working and not cap:
                    budget = clock.pos(due) - clock.pos(dispose_start)
                    disposed = clock.at(
                        clock.pos(dispose_start)
                        + int(budget * (overdue() if late else on_time(0.35)))
                        + int(r() * _US)
                    )
                elif cap:
                    disposed = point(dispose_start, lim, overdue() if late else on_time(0.35))
                else:
                    disposed = (
                        dispose_start
                        + int((due - dispose_start) * (overdue() if late else on_time(0.35)))
                        + int(r() * _US)
                    )
                disposed = max(disposed, t + 60 * _US + int(r() * 600 * _US))
                if disposed > due:
                    gap = disposed - max(due, t)
                    if r() < URGE_LATE:
                        urges += 1
                        t = emit(
                            max(due, t) + int(gap * 0.3 * r()) + _US,
                            "urge",
                            dispatcher,
                            due_json('"note":"已超期，请尽快处置。",'),
                            target.id,
                        )
                    if r() < SUPERVISE_LATE:
                        supervised = True
                        t = emit(
                            t + int((disposed - t) * 0.5 * r()) + _US,
                            "supervise",
                            lead,
                            due_json('"note":"请加强督办，限期办结。",'),
                            target.id,
                        )
                elif (
                    source in ("media", "leader")
                    and not supervised
                    and (r() < SUPERVISE_HIGH_PROFILE)
                ):
                    supervised = True
                    t = emit(
                        t + int((disposed - t) * 0.2 * r()) + _US,
                        "supervise",
                        lead,
                        due_json('"note":"领导关注，请优先处置。",'),
                        target.id,
                    )
                after = f"photo://{serial}/after-{round_ + 1}.jpg"
                attachments.append(f'{{"ref":"{after}","phase":"after","note":""}}')
                start(max(disposed, t + _US), _CHECK)
                t = emit(
                    disposed,
                    "report_disposal",
                    handler,
                    due_json(
                        '"note":"已按要求处置完毕，见处置后照片。",'
                        f'"attachments":[{{"ref":"{after}","phase":"after"}}],'
                    ),
                    target.id,
                )
                # --- check ------------------------------------------------------------------
                fails = round_ < MAX_ROUNDS - 1 and r() < (FAIL_AGAIN if round_ else FAIL_FIRST)
                if checked_by_supervisor:
                    assert supervisor is not None
                    checker_id = supervisor.id
                    t = emit(
                        t + lognormal(600),
                        "assign_check",
                        operator,
                        due_json(supervisor.check_json),
                        target.id,
                    )
                    t = point(t, lims[_CHECK], on_time(0.4))
                    checker = supervisor
                    note = "现场核查未整改到位，请重新处置。" if fails else "现场核查已整改到位。"
                else:
                    t = t + lognormal(1800)
                    checker = operator
                    note = "电话回访反映仍未解决。" if fails else "电话回访确认已处置。"
                if fails:
                    rework += 1
                    start(t, _SIGN)
                    t = emit(
                        t,
                        "verify",
                        checker,
                        due_json(f'"note":"{note}","passed":false,"outcome":"fail",'),
                        target.id,
                    )
                    continue
                stop(t)
                t = emit(
                    t,
                    "verify",
                    checker,
                    f'{{"note":"{note}","passed":true,"outcome":"pass"}}',
                    target.id,
                )
                closed_at = t
                break

        deadlines = ",".join(
            f'{{"stage":"{s}","started_at":"{st}","warn_at":"{w}",'
            f'"due_at":"{d}","unit":"{u}","limit_label":"{lab}",'
            f'"done_at":{"null" if done is None else chr(34) + done + chr(34)},'
            f'"paused_at":null' + ("}" if ext is None else f',"extended_hours":{ext}}}')
            for s, st, w, d, u, lab, done, ext in records
        )
        case = (
            cid, serial, state, source, cat.kind, cat.code, description, urgency, grid,
            grid[:12], grid[:9], grid[:6], g.area, lon, lat, address,
            f'[{{"name":"{caller}","phone":"{phone}","source":"{source}","serial":"{serial}"}}]',
            f"[{','.join(attachments)}]", dept_id, None, "null", rework,
            returns, extension_seconds, supervised, urges, None, "null", verified,
            self_disposed, checker_id, None, None, None, None, FAR_FUTURE_TEXT,
            f"[{deadlines}]", len(events), sql(t0), sql(last), sql(closed_at), last_actor,
        )  # fmt: skip
        return case, events, last


# --- writing ----------------------------------------------------------------------------------
#
# A generated chunk goes to a scratch SQLite file (``cases`` and ``events`` tables without
# declared types, so values keep their Python types).  The writer attaches it and copies
# the rows with one INSERT … SELECT each (SQLite) or streams them into COPY (PostgreSQL).
# Events of cases still open at the chunk's end wait in a ``pending`` table for the next
# chunk, so every chunk's events are older than the next one's: seq order is time order.

_CASE_LIST = ", ".join(CASE_COLUMNS)
_EVENT_LIST = ", ".join(EVENT_COLUMNS)


def _write_chunk_file(path: str, cases: list[Row], events: list[Row]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(f"CREATE TABLE cases ({_CASE_LIST})")
        conn.execute(f"CREATE TABLE events ({_EVENT_LIST})")
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO cases VALUES ({', '.join('?' * len(CASE_COLUMNS))})", cases)
        conn.executemany(
            f"INSERT INTO events VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", events
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


class _Sink:
    """Where the rows go.  ``staging`` is the SQLite connection that attaches chunk files
    and keeps the ``pending`` events between chunks."""

    staging: sqlite3.Connection
    dropped: list[str]
    # Drop the case/event secondary indexes for a big load and build them afterwards?
    rebuild_indexes = False

    def _init_staging(self, conn: sqlite3.Connection) -> None:
        self.staging = conn
        self.dropped = []
        conn.execute(f"CREATE TEMP TABLE pending ({_EVENT_LIST})")

    def load(self, path: str, boundary: str | None) -> tuple[int, int]:
        """Copy one chunk file in; returns (cases, events) written."""
        conn = self.staging
        conn.execute("ATTACH DATABASE ? AS chunk", (path,))
        try:
            with self.transaction():
                conn.execute("INSERT INTO temp.pending SELECT * FROM chunk.events")
                cases = self.put_cases(f"SELECT {_CASE_LIST} FROM chunk.cases ORDER BY rowid")
                events = self.flush(boundary)
        finally:
            conn.execute("DETACH DATABASE chunk")
        return cases, events

    def flush(self, boundary: str | None) -> int:
        where, params = ("WHERE at < ?", (boundary,)) if boundary is not None else ("", ())
        events = self.put_events(
            f"SELECT {_EVENT_LIST} FROM temp.pending {where} ORDER BY at, rowid", params
        )
        self.staging.execute(f"DELETE FROM temp.pending {where}", params)
        return events

    # Backend specifics ------------------------------------------------------------------------

    def transaction(self) -> Any:
        raise NotImplementedError

    def put_cases(self, select: str) -> int:
        raise NotImplementedError

    def put_events(self, select: str, params: tuple[str, ...]) -> int:
        raise NotImplementedError

    def query(self, sql: str) -> list[Any]:
        raise NotImplementedError

    def max_case_id(self) -> int:
        raise NotImplementedError

    def drop_indexes(self) -> None:
        raise NotImplementedError

    def restore_indexes(self) -> None:
        raise NotImplementedError

    def finish(self, counters: dict[tuple[int, str], int], last_id: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def counters(self) -> dict[tuple[int, str], int]:
        rows = self.query("SELECT year, district_code, last_value FROM serial_counter")
        return {(int(y), str(d)): int(v) for y, d, v in rows}


_INDEXED_TABLES = ("case_file", "event_log")


class _SqliteSink(_Sink):
    # Measured: keeping the indexes costs about the CPU time a rebuild would, but it is
    # spread over the load, where the generator processes overlap it; a rebuild at the
    # end would be a serial tail of 20-30 s for a million cases.
    rebuild_indexes = False

    def __init__(self, path: str) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=OFF",
            "PRAGMA busy_timeout=10000",
            "PRAGMA cache_size=-262144",
            "PRAGMA temp_store=MEMORY",
        ):
            conn.execute(pragma)
        self._init_staging(conn)
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def put_cases(self, select: str) -> int:
        cur = self.conn.execute(f"INSERT INTO main.case_file ({_CASE_LIST}) {select}")
        return int(cur.rowcount)

    def put_events(self, select: str, params: tuple[str, ...]) -> int:
        cur = self.conn.execute(f"INSERT INTO main.event_log ({_EVENT_LIST}) {select}", params)
        return int(cur.rowcount)

    def query(self, sql: str) -> list[Any]:
        return self.conn.execute(sql).fetchall()

    def max_case_id(self) -> int:
        return int(self.query("SELECT COALESCE(MAX(id), 0) FROM case_file")[0][0])

    def drop_indexes(self) -> None:
        marks = ", ".join("?" * len(_INDEXED_TABLES))
        rows = self.conn.execute(
            f"SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks}) ORDER BY name",
            _INDEXED_TABLES,
        ).fetchall()
        for name, ddl in rows:
            self.conn.execute(f'DROP INDEX main."{name}"')
            self.dropped.append(ddl)

    def restore_indexes(self) -> None:
        while self.dropped:
            self.conn.execute(self.dropped.pop())

    def finish(self, counters: dict[tuple[int, str], int], last_id: int) -> None:
        self.restore_indexes()
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO serial_counter (year, district_code, last_value) VALUES (?, ?, ?)"
                " ON CONFLICT (year, district_code) DO UPDATE"
                " SET last_value = MAX(serial_counter.last_value, excluded.last_value)",
                [(y, d, v) for (y, d), v in sorted(counters.items())],
            )
        self.conn.execute("PRAGMA analysis_limit=1000")
        self.conn.execute("ANALYZE main")

    def close(self) -> None:
        try:
            self.restore_indexes()
        finally:
            self.conn.close()


class _PostgresSink(_Sink):
    rebuild_indexes = True  # COPY into unindexed tables, then CREATE INDEX: the usual way

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)
        self.conn.execute("SET TIME ZONE 'UTC'")  # the generated timestamps are UTC
        self.conn.execute("SET synchronous_commit = off")
        self._init_staging(sqlite3.connect(":memory:", isolation_level=None))

    def transaction(self) -> Any:
        return self.conn.transaction()

    def _copy(self, table: str, columns: str, select: str, params: tuple[str, ...]) -> int:
        n = 0
        rows = self.staging.execute(select, params)
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n

    def put_cases(self, select: str) -> int:
        return self._copy("case_file", _CASE_LIST, select, ())

    def put_events(self, select: str, params: tuple[str, ...]) -> int:
        return self._copy("event_log", _EVENT_LIST, select, params)

    def query(self, sql: str) -> list[Any]:
        return self.conn.execute(sql).fetchall()

    def max_case_id(self) -> int:
        """The highest id in use, counting ids the sequence has handed out already."""
        ((used, sequence),) = self.query(
            "SELECT COALESCE(MAX(id), 0), pg_get_serial_sequence('case_file', 'id') FROM case_file"
        )
        used = int(used)
        if sequence:
            ((last, called),) = self.query(f"SELECT last_value, is_called FROM {sequence}")
            used = max(used, int(last) - (0 if called else 1))
        return used

    def drop_indexes(self) -> None:
        rows = self.conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            " ORDER BY i.indexname",
            (list(_INDEXED_TABLES),),
        ).fetchall()
        for name, ddl in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
            self.dropped.append(ddl)

    def restore_indexes(self) -> None:
        while self.dropped:
            self.conn.execute(self.dropped.pop())

    def finish(self, counters: dict[tuple[int, str], int], last_id: int) -> None:
        self.restore_indexes()
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO serial_counter (year, district_code, last_value) VALUES (%s, %s, %s)"
                " ON CONFLICT (year, district_code) DO UPDATE"
                " SET last_value = GREATEST(serial_counter.last_value, excluded.last_value)",
                [(y, d, v) for (y, d), v in sorted(counters.items())],
            )
            # Explicit ids bypassed the sequence: move it past them (never backwards).
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('case_file', 'id'),"
                " GREATEST(%s, (SELECT COALESCE(MAX(id), 1) FROM case_file)))",
                (last_id,),
            )
        for table in ("case_file", "event_log", "serial_counter"):
            self.conn.execute(f"ANALYZE {table}")

    def close(self) -> None:
        try:
            self.restore_indexes()
        finally:
            self.conn.close()
            self.staging.close()


def _open_sink(url: str) -> _Sink:
    parsed = make_url(sync_url(url))
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("history needs a database file, not an in-memory database")
        return _SqliteSink(parsed.database)
    return _PostgresSink(parsed.set(drivername="postgresql").render_as_string(False))


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
) -> HistoryReport:
    """Add ``count`` finished past cases (and their events) before ``end`` (default now).

    The database must have been seeded (``citygrid seed``); live cases are left alone and
    serials continue the ``serial_counter`` rows.  ``workers`` generator processes run
    ahead of the writer (default: two for big loads on a multi-core machine, else none);
    the result does not depend on it.  ``progress(cases_done, count)`` is called after
    each chunk.
    """
    started = time.perf_counter()
    if count <= 0:
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
        clock = _Clock(calendar, first_day, end.date() + timedelta(days=800))
        generator = _Generator(ref, calendar, policy, clock, _us(end))
        specs = _plan(rng, ref, calendar, count, end, counters, first_id)
        if count >= BIG_LOAD and sink.rebuild_indexes:
            sink.drop_indexes()
        made_cases = made_events = 0
        with tempfile.TemporaryDirectory(prefix="citygrid-history-") as directory:
            for spec, path in _chunk_files(generator, specs, directory, workers):
                boundary = None if spec.boundary is None else clock.sql(spec.boundary)
                cases, events = sink.load(path, boundary)
                os.unlink(path)
                made_cases += cases
                made_events += events
                if progress is not None:
                    progress(made_cases, count)
        made_events += sink.flush(None)  # nothing is left over after the last chunk
        sink.finish(counters, first_id + made_cases - 1)
    finally:
        sink.close()
    return HistoryReport(made_cases, made_events, time.perf_counter() - started)
