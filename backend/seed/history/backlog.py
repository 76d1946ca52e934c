"""The open backlog a district holds at the start of a shift, stopped midway near ``now``.

``citygrid seed --backlog N`` (and the demo) adds ``N`` open cases spread over every
stage a case waits in: 待受理, 待核实, 待派遣, 待签收 (some with a return request), 处置中
(some with an extension or suspension request, some suspended), 待核查 and 核查中; some
supervised, some urged.  Each is a history case (:class:`~backend.seed.history.case._CaseRun`)
played through the workflow core with its detours forced where its stop needs one, that
stops at the first event leaving it where it should wait.  Its time is chosen so the
running stage has used a chosen share of its limit by ``now``: about one in eight are
overdue, about a third are close to their deadline (past the warning point), the rest
have time left.  The deadlines are the core's: nothing here computes one.

How it is timed: a first play from an arbitrary report time says how long the case takes
from its report to the start of the stage it stops in (the chain before the stop runs
with the "hurry" cap, so that span does not depend on the report time); the report time
is then set so that stage starts when the chosen share of its limit before ``now``
begins, and the case is played again.  A case whose play misses its stop (the dice
voided it, say) or ends too close to ``now`` is tried with another seed.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.seed import behaviour as B
from backend.seed.history.case import StopAt, Stopped, _CaseRun
from backend.seed.history.generator import _Generator
from backend.seed.history.plan import grid_cumulative, next_serial
from backend.seed.history.rows import US, Row, instant, us
from backend_client.vocab import Action, CaseState, PendingKind

S, P = CaseState, PendingKind


@dataclass(frozen=True)
class BacklogStop:
    """Where a share of the backlog waits, and the detours that lead there."""

    name: str
    at: StopAt
    force: frozenset[str]
    share: float


def _stop(name: str, states: set[CaseState], pending: PendingKind | None, force: set[str],
          share: float) -> BacklogStop:  # fmt: skip
    return BacklogStop(name, (frozenset(states), pending), frozenset(force), share)


STOPS: tuple[BacklogStop, ...] = (
    _stop("reported", {S.REPORTED, S.SELF_DISPOSED}, None, set(), 0.10),
    _stop("verifying", {S.VERIFYING}, None, {"verify"}, 0.06),
    _stop("filed", {S.FILED}, None, set(), 0.08),
    _stop("dispatched", {S.DISPATCHED}, None, set(), 0.10),
    _stop("return_requested", {S.DISPATCHED}, P.RETURN, {"return"}, 0.03),
    _stop("in_progress", {S.IN_PROGRESS}, None, set(), 0.33),
    _stop("extension_requested", {S.IN_PROGRESS}, P.EXTENSION, {"extension"}, 0.04),
    _stop("suspension_requested", {S.IN_PROGRESS}, P.SUSPENSION, {"suspension"}, 0.02),
    _stop("suspended", {S.SUSPENDED}, None, {"suspension"}, 0.04),
    _stop("disposed", {S.DISPOSED}, None, set(), 0.10),
    _stop("checking", {S.CHECKING}, None, set(), 0.10),
)
# Share of the running stage's limit used by now: (share of the backlog, low, high).
AGES = ((0.12, 1.02, 3.0), (0.35, 0.8, 0.999), (0.53, 0.05, 0.8))
MAX_AGE = timedelta(days=10)  # no backlog stage started longer ago than this
QUIET = 120 * US  # the newest backlog event is at least this long before now
TRIES = 40
SUPERVISED = (0.08, 0.4)  # share supervised: of cases with time left, of overdue ones
URGED = (0.12, 0.5)  # share urged (cases with a department): with time left, overdue


@dataclass(frozen=True)
class Planned:
    """A backlog case found to stop where it should: replayed with its serial later."""

    t0: int  # report time, µs
    grid: int  # index into the reference grids
    seed: int
    stop: int  # index into STOPS


def _counts(count: int) -> list[int]:
    """``count`` split over the stops by share (largest remainder), each at least one."""
    exact = [count * s.share for s in STOPS]
    counts = [max(1, int(x)) if count >= len(STOPS) else int(x) for x in exact]
    order = sorted(range(len(STOPS)), key=lambda i: counts[i] - exact[i])
    i = 0
    while sum(counts) < count:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > count:
        j = max(range(len(counts)), key=lambda k: counts[k])
        counts[j] -= 1
    return counts


def _fraction(rng: random.Random) -> float:
    pick = rng.random()
    for share, low, high in AGES:
        if pick < share:
            return low + (high - low) * rng.random()
        pick -= share
    return AGES[-1][1]


def _run(gen: _Generator, seed: int, stop: BacklogStop, t0: int, grid: int,
         cid: int = 0, serial: str = "") -> _CaseRun | None:  # fmt: skip
    """The case played until it stops (None when its play ended elsewhere)."""
    run = _CaseRun(gen, random.Random(seed), cid, serial, t0, grid, 1)
    run.force, run.stop = stop.force, stop.at
    try:
        run.play()
    except Stopped:
        return run
    return None


def _stage_start(run: _CaseRun) -> int:
    running = run.record.running
    assert running is not None
    return us(datetime.fromisoformat(running["started_at"]))


def plan_backlog(gen: _Generator, rng: random.Random, count: int, now: int) -> list[Planned]:
    """Where and when each of ``count`` open cases starts, oldest first."""
    calendar = gen.policy.calendar
    grid_cum = grid_cumulative(gen.ref)
    stops = [i for i, n in enumerate(_counts(count)) for _ in range(n)]
    rng.shuffle(stops)
    out: list[Planned] = []
    for index in stops:
        stop = STOPS[index]
        for _ in range(TRIES):
            seed = rng.getrandbits(64)
            grid = bisect_left(grid_cum, rng.random() * grid_cum[-1])
            fraction = _fraction(rng)
            probe_t0 = now - 3 * 86_400 * US
            probe = _run(gen, seed, stop, probe_t0, grid)
            if probe is None:
                continue
            record = probe.record
            assert record.stage is not None
            limit = gen.policy.stage_limit(record, record.stage)
            begin = calendar.add_seconds(instant(now), -fraction * limit.seconds, limit.limit.unit)
            entry = max(us(begin), now - int(MAX_AGE.total_seconds()) * US)
            t0 = entry - (_stage_start(probe) - probe_t0)
            played = _run(gen, seed, stop, t0, grid)
            if played is not None and played.last < now - QUIET:
                out.append(Planned(t0, grid, seed, index))
                break
    out.sort(key=lambda p: p.t0)
    return out


def _decorate(run: _CaseRun, rng: random.Random, now: int) -> None:
    """Supervision and urging between the stop and now, more often on overdue cases."""
    run.stop = None  # it waits where it stopped; these events leave it there
    record = run.record
    late = (
        record.paused_at is None and record.deadline_at is not None and us(record.deadline_at) < now
    )
    for action, shares, who, note in (
        (Action.SUPERVISE, SUPERVISED, run.lead, B.SUPERVISE_LATE_NOTE),
        (Action.URGE, URGED, run.dispatcher, B.URGE_NOTE if late else B.URGE_DUE_NOTE),
    ):
        if rng.random() >= shares[late]:
            continue
        if action is Action.URGE and run.record.department_id is None:
            continue
        room = now - QUIET // 2 - run.last
        if room < 60 * US:
            return
        run.act(run.last + int(room * rng.random() * 0.8) + US, action, who, {"note": note})


def backlog_rows(
    gen: _Generator,
    planned: list[Planned],
    now: int,
    counters: dict[tuple[int, str], int],
    first_id: int,
) -> tuple[list[Row], list[Row]]:
    """The planned cases played for good with their ids and serials (in report order)."""
    tz = gen.policy.calendar.tz
    cases: list[Row] = []
    events: list[Row] = []
    for offset, p in enumerate(planned):
        year = instant(p.t0).astimezone(tz).year
        serial = next_serial(counters, year, gen.ref.grids[p.grid].code[:6])
        run = _run(gen, p.seed, STOPS[p.stop], p.t0, p.grid, first_id + offset, serial)
        assert run is not None, "a planned backlog case plays the same way again"
        _decorate(run, random.Random(p.seed ^ 0x5EED), now)
        cases.append(run.row())
        events.extend(run.events)
    return cases, events
