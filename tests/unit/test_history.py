"""History seeding: counts, determinism, event order, legal workflow paths, deadlines."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend.domain import statemachine as sm
from backend.domain.calendar import WorkingCalendar
from backend.domain.statemachine import ClockEffect, Effect
from backend.domain.timelimits import WARN_FRACTION, TimeLimitPolicy
from backend.seed import history
from backend.seed.history import HistoryReport, seed_history
from backend_client.vocab import (
    Action,
    AreaClass,
    CaseState,
    CategoryKind,
    Role,
    Stage,
    TimeUnit,
    Urgency,
)
from tests.conftest import PG_AVAILABLE, REPO, drop_pg_database, fresh_pg_database

END = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
COUNT = 2000
RECORD_KEYS = {
    "stage", "started_at", "warn_at", "due_at", "unit", "limit_label", "done_at", "paused_at"
}  # fmt: skip
SERIAL = re.compile(r"^(\d{4})-(\d{6})-(\d{6})$")


def seed_city(url: str, tmp: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "console", "seed", "--database", url, "--tokens-out",
         str(tmp / "tokens.json")],
        check=True,
        cwd=REPO,
        capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("history-base")
    path = tmp / "city.db"
    seed_city(f"sqlite:///{path}", tmp)
    return path


def fresh_copy(base: Path, target: Path) -> str:
    """A copy of the freshly seeded city (no cases yet) and its URL."""
    shutil.copy(base, target)
    return f"sqlite:///{target}"


@dataclass
class Seeded:
    path: Path
    report: HistoryReport


@pytest.fixture(scope="module")
def seeded(base_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    path = tmp_path_factory.mktemp("history") / "history.db"
    report = seed_history(fresh_copy(base_db, path), count=COUNT, seed=1, end=END)
    return Seeded(path, report)


@pytest.fixture
def db(seeded: Seeded) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(seeded.path)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def cases_by_id(conn: sqlite3.Connection) -> dict[int, sqlite3.Row]:
    return {row["id"]: row for row in conn.execute("SELECT * FROM case_file ORDER BY id")}


def events_by_case(conn: sqlite3.Connection) -> dict[int, list[sqlite3.Row]]:
    out: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for row in conn.execute("SELECT * FROM event_log ORDER BY seq"):
        out[row["case_id"]].append(row)
    return out


def fingerprint(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        cases = conn.execute(
            "SELECT serial, state, category_kind, category_code, source, grid_code, created_at,"
            " closed_at, deadlines FROM case_file ORDER BY serial"
        ).fetchall()
        events = conn.execute(
            "SELECT serial, action, actor_name, at, data FROM event_log ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    return [*cases, *events]


# --- counts, determinism, order ------------------------------------------------------------


def test_counts_match_the_report(seeded: Seeded, db: sqlite3.Connection) -> None:
    assert seeded.report.cases == COUNT
    assert db.execute("SELECT COUNT(*) FROM case_file").fetchone()[0] == COUNT
    assert db.execute("SELECT COUNT(*) FROM event_log").fetchone()[0] == seeded.report.events
    assert 6 * COUNT < seeded.report.events < 8 * COUNT


def test_same_seed_same_history_and_another_seed_differs(
    seeded: Seeded, base_db: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.db"
    seed_history(fresh_copy(base_db, again), count=COUNT, seed=1, end=END)
    assert fingerprint(again) == fingerprint(seeded.path)
    other = tmp_path / "other.db"
    seed_history(fresh_copy(base_db, other), count=COUNT, seed=2, end=END)
    assert fingerprint(other) != fingerprint(seeded.path)


def test_events_in_time_order_per_case_and_overall(db: sqlite3.Connection) -> None:
    rows = db.execute("SELECT seq, case_id, at FROM event_log ORDER BY seq").fetchall()
    stamps = [r["at"] for r in rows]
    assert stamps == sorted(stamps), "seq order is time order"
    last: dict[int, str] = {}
    for r in rows:
        assert r["at"] > last.get(r["case_id"], ""), "a case's events strictly increase"
        last[r["case_id"]] = r["at"]
    assert max(stamps) < END.strftime("%Y-%m-%d %H:%M:%S")


def test_chunked_with_workers_matches_in_process(
    base_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several chunks (one day each), made by worker processes or not: the same rows, and
    events that straddle a chunk boundary still land in global time order."""
    monkeypatch.setattr(history, "CHUNK_CASES", 1000)
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    made_a = seed_history(fresh_copy(base_db, a), count=5000, seed=3, end=END, workers=0)
    made_b = seed_history(fresh_copy(base_db, b), count=5000, seed=3, end=END, workers=2)
    assert made_a.cases == made_b.cases == 5000
    assert made_a.events == made_b.events
    assert fingerprint(a) == fingerprint(b)
    conn = sqlite3.connect(a)
    stamps = [r[0] for r in conn.execute("SELECT at FROM event_log ORDER BY seq")]
    conn.close()
    assert stamps == sorted(stamps)


# --- the cases look like live closed cases ---------------------------------------------------


def test_only_closed_or_voided_with_live_case_columns(db: sqlite3.Connection) -> None:
    events = events_by_case(db)
    for case in cases_by_id(db).values():
        assert case["state"] in ("closed", "voided")
        chain = events[case["id"]]
        if case["stage"] is not None:  # closed lately: the callback (回访) is still due
            assert case["state"] == "closed" and case["stage"] == "callback"
            assert case["due_key"] == case["deadline_at"] > chain[-1]["at"]
        else:
            assert case["warn_at"] is None and case["deadline_at"] is None
            assert case["due_key"] == "9999-12-31 00:00:00.000000"
        assert case["paused_at"] is None
        assert case["pending_kind"] is None and case["merged_into"] is None
        assert case["version"] == len(chain)
        assert case["created_at"] == chain[0]["at"]
        closing = [e for e in chain if e["action"] != "callback"][-1]  # callbacks come after
        assert case["updated_at"] == chain[-1]["at"]
        assert case["closed_at"] == closing["at"]
        assert case["last_actor"] == chain[-1]["actor_name"]
        assert case["department_id"] == chain[-1]["department_id"]
        assert (case["street_code"], case["community_code"], case["district_code"]) == (
            case["grid_code"][:9], case["grid_code"][:12], case["grid_code"][:6]
        )  # fmt: skip
        reporters = json.loads(case["reporters"])
        assert reporters[0]["serial"] == case["serial"]
        assert reporters[0]["source"] == case["source"]
        for photo in json.loads(case["attachments"]):
            assert set(photo) == {"ref", "phase", "note"}
        if case["state"] == "closed" and not case["self_disposed"]:
            assert any(p["phase"] == "after" for p in json.loads(case["attachments"]))
        assert all(e["serial"] == case["serial"] and e["grid_code"] == case["grid_code"]
                   for e in chain)  # fmt: skip


def test_every_chain_is_a_legal_path_through_the_state_machine(db: sqlite3.Connection) -> None:
    users = {r["id"]: r for r in db.execute("SELECT * FROM app_user")}
    events = events_by_case(db)
    for case in cases_by_id(db).values():
        chain = events[case["id"]]
        first = chain[0]
        assert first["action"] == "report"
        data = json.loads(first["data"])
        outcome = sm.plan_report(Role(first["actor_role"]), data["self_disposed"])
        assert outcome.state is not None
        state, pending, stage = outcome.state, None, outcome.stage
        contact = bool(json.loads(case["reporters"])[0]["phone"])
        reworks = returns = urges = failed_checks = 0
        supervised = False
        runs = 1
        for event in chain[1:]:
            fields = json.loads(event["data"])
            action, role = Action(event["action"]), Role(event["actor_role"])
            assert users[event["actor_id"]]["role"] == role.value
            if role is Role.HANDLER:
                assert users[event["actor_id"]]["department_id"] == event["prev_department_id"]
            plan = sm.plan(state, pending, action, role, fields, stage)
            assert fields.get("outcome", "ok") == plan.branch
            if action is Action.VERIFY and not fields["passed"] and state in (
                CaseState.DISPOSED, CaseState.CHECKING
            ):  # fmt: skip
                failed_checks += 1
            if Effect.SET_PENDING in plan.effects:
                pending = sm.pending_kind_for(action)
            if Effect.CLEAR_PENDING in plan.effects:
                assert fields["request"] == (pending.value if pending else None)
                pending = None
            if Effect.CLEAR_DEPARTMENT in plan.effects:
                assert event["department_id"] is None
            reworks += Effect.REWORK in plan.effects
            returns += Effect.CLEAR_DEPARTMENT in plan.effects
            urges += Effect.URGE in plan.effects
            supervised |= Effect.SUPERVISE in plan.effects
            runs += plan.outcome.clock is ClockEffect.START
            if plan.outcome.clock is ClockEffect.START:
                stage = plan.outcome.stage
            elif plan.outcome.clock is ClockEffect.STOP:
                stage = None
            if Effect.AWAIT_CALLBACK in plan.effects:  # closing: a callback when there is a phone
                assert ("due_at" in fields) is contact
                runs += contact
                stage = Stage.CALLBACK if contact else None
            if plan.outcome.clock is not ClockEffect.STOP and state.is_open:
                assert "due_at" in fields
            state = plan.next_state
        assert state.value == case["state"]
        assert pending is None
        assert case["rework_count"] == reworks == failed_checks
        assert case["return_count"] == returns
        assert case["urge_count"] == urges
        assert bool(case["supervised"]) == supervised
        assert len(json.loads(case["deadlines"])) == runs


def _check_record(record: dict[str, Any], case: sqlite3.Row, calendar: WorkingCalendar,
                  policy: TimeLimitPolicy) -> None:  # fmt: skip
    started = datetime.fromisoformat(record["started_at"])
    deadline = policy.deadline(
        calendar,
        Stage(record["stage"]),
        started,
        urgency=Urgency(case["urgency"]),
        area_class=AreaClass(case["area_class"]),
        category_kind=CategoryKind(case["category_kind"]),
        category_code=case["category_code"],
    )
    unit = deadline.limit.unit
    assert record["unit"] == unit.value
    assert record["limit_label"] == deadline.limit.label_zh()
    due, warn = deadline.due_at, deadline.warn_at
    if "extended_hours" in record:
        working = unit in (TimeUnit.WORKING_HOUR, TimeUnit.WORKING_DAY)
        step = TimeUnit.WORKING_HOUR if working else TimeUnit.CLOCK_HOUR
        due = calendar.add(due, record["extended_hours"], step)
        warn = calendar.fraction_point(started, due, unit, WARN_FRACTION)
    assert record["due_at"] == due.isoformat()
    assert record["warn_at"] == warn.isoformat()


def test_deadlines_are_the_servers_deadlines(db: sqlite3.Connection) -> None:
    calendar, policy = WorkingCalendar.load(), TimeLimitPolicy.load()
    events = events_by_case(db)
    extended = 0
    for case in cases_by_id(db).values():
        records = json.loads(case["deadlines"])
        assert records
        stamps = {
            datetime.fromisoformat(e["at"]).replace(tzinfo=UTC).isoformat()
            for e in events[case["id"]]
        }
        for i, record in enumerate(records):
            assert set(record) - {"extended_hours"} == RECORD_KEYS
            assert record["paused_at"] is None
            assert record["started_at"] in stamps
            if record["done_at"] is None:  # only a callback still due runs on
                assert i + 1 == len(records) and record["stage"] == Stage.CALLBACK
                continue
            assert record["done_at"] in stamps
            assert record["started_at"] <= record["done_at"]
            if i + 1 < len(records):
                assert records[i + 1]["started_at"] == record["done_at"]
            extended += "extended_hours" in record
            _check_record(record, case, calendar, policy)
    assert extended > 0


def test_mix_and_outcomes_are_realistic(db: sqlite3.Connection) -> None:
    cases = list(cases_by_id(db).values())
    n = len(cases)

    def share(predicate: Any) -> float:
        return sum(1 for c in cases if predicate(c)) / n

    assert 0.01 < share(lambda c: c["state"] == "voided") < 0.07
    assert 0.55 < share(lambda c: c["source"] == "supervisor") < 0.75
    assert 0.20 < share(lambda c: c["source"] == "hotline") < 0.36
    assert 0.02 < share(lambda c: c["urgency"] == "urgent") < 0.09
    assert share(lambda c: c["category_kind"] == "component") < 0.06
    assert share(lambda c: c["category_code"][:2] in ("06", "09")) > 0.5
    assert 0.01 < share(lambda c: c["rework_count"] > 0) < 0.09
    assert 0.005 < share(lambda c: c["return_count"] > 0) < 0.05
    assert 0.01 < share(lambda c: c["extension_seconds"] > 0) < 0.06
    by_class = Counter(c["area_class"] for c in cases)
    assert by_class["A"] / 246 > by_class["C"] / 1258  # per grid, core grids report more
    disposals = [r for c in cases for r in json.loads(c["deadlines"]) if r["stage"] == "dispose"]
    late = sum(1 for r in disposals if r["done_at"] > r["due_at"]) / len(disposals)
    assert 0.01 < late < 0.10


def test_dispatched_to_the_routed_department(db: sqlite3.Connection) -> None:
    """The final department is what ``Reference.route`` picks (same rules, same order)."""
    departments = {
        r["id"]: history._Dept(r["id"], r["code"], r["kind"], r["region_code"])
        for r in db.execute("SELECT * FROM department ORDER BY id")
    }
    rules = [
        history._Rule(r["category_kind"], r["category_prefix"], r["region_prefix"],
                      r["department_id"])
        for r in db.execute("SELECT * FROM routing_rule ORDER BY id")
    ]  # fmt: skip
    checked = 0
    for case in cases_by_id(db).values():
        if case["department_id"] is None:
            continue
        routed = history.route(rules, departments, case["category_kind"],
                               case["category_code"], case["grid_code"])  # fmt: skip
        assert routed is not None and routed.id == case["department_id"]
        checked += 1
    assert checked > COUNT * 0.9


# --- serials and live cases ------------------------------------------------------------------


def test_serial_counter_covers_every_serial(db: sqlite3.Connection) -> None:
    counters = {
        (r["year"], r["district_code"]): r["last_value"]
        for r in db.execute("SELECT * FROM serial_counter")
    }
    top: dict[tuple[int, str], int] = defaultdict(int)
    for (serial,) in db.execute("SELECT serial FROM case_file"):
        m = SERIAL.match(serial)
        assert m is not None
        key = (int(m[1]), m[2])
        top[key] = max(top[key], int(m[3]))
    assert top and all(counters[key] >= value for key, value in top.items())


async def _create_live_case(url: str) -> tuple[str, int]:
    from backend.core.db import Database
    from backend.domain.gridcode import kind_for_code_length, scope_prefix
    from backend.services.access import Actor
    from backend.services.cases import CaseService
    from backend.services.clockwork import Clockwork
    from backend.services.reference import Reference
    from backend_client.vocab import Source
    from backend_client.wire import CaseCreate

    db = Database(url)
    try:
        ref = Reference(db)
        await ref.load()
        user = next(u for u in (await _users(db)) if u.username == "operator1")
        kind = kind_for_code_length(user.jurisdiction_code)
        assert kind is not None and user.id is not None
        actor = Actor(
            user.id,
            user.username,
            user.display_name,
            Role.OPERATOR,
            user.jurisdiction_code,
            scope_prefix(kind, user.jurisdiction_code),
            None,
        )
        grid = sorted(g.code for g in ref.grids())[0]
        body = CaseCreate(
            source=Source.HOTLINE,
            category_kind=CategoryKind.MATTER,
            category_code="06010",
            description="暴露垃圾",
            grid_code=grid,
        )
        service = CaseService(db, ref, Clockwork(WorkingCalendar.load(), TimeLimitPolicy.load()))
        async with db.write() as session:
            made = await service.create(session, actor, body, datetime.now(UTC))
        return made.case.serial, made.seq
    finally:
        await db.dispose()


async def _users(db: Any) -> list[Any]:
    from sqlmodel import select

    from backend.models import UserRow

    async with db.read() as session:
        return list((await session.exec(select(UserRow))).all())


async def test_live_cases_untouched_and_new_ones_do_not_collide(
    base_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "live.db"
    url = fresh_copy(base_db, path)
    before, _ = await _create_live_case(url)
    conn = sqlite3.connect(path)
    live_row = conn.execute("SELECT * FROM case_file WHERE serial = ?", (before,)).fetchone()
    live_events = conn.execute("SELECT * FROM event_log").fetchall()
    conn.close()
    made = seed_history(url, count=300, seed=5, end=END)
    after, seq = await _create_live_case(url)
    conn = sqlite3.connect(path)
    try:
        assert (
            conn.execute("SELECT * FROM case_file WHERE serial = ?", (before,)).fetchone()
            == live_row
        )
        assert (
            conn.execute("SELECT * FROM event_log WHERE seq <= ?", (len(live_events),)).fetchall()
            == live_events
        )
        match = SERIAL.match(before)
        assert match is not None
        year, number = match[1], match[3]
        serials = {r[0] for r in conn.execute("SELECT serial FROM case_file")}
        assert len(serials) == made.cases + 2
        history_numbers = sorted(
            int(s[-6:]) for s in serials if s not in (before, after) and s.startswith(year)
        )
        assert history_numbers[0] == int(number) + 1  # continue the live counter
        assert int(after[-6:]) == history_numbers[-1] + 1  # and the next live case follows
        assert seq == made.events + len(live_events) + 1
    finally:
        conn.close()


def test_rebuilding_indexes_leaves_them_all_in_place(
    base_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "reindex.db"
    url = fresh_copy(base_db, path)

    def indexes() -> list[tuple[str, str]]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
            ).fetchall()
        finally:
            conn.close()

    before = indexes()
    monkeypatch.setattr(history, "BIG_LOAD", 1)
    monkeypatch.setattr(history._SqliteSink, "rebuild_indexes", True)
    seed_history(url, count=200, seed=1, end=END)
    assert indexes() == before


def test_zero_count_is_a_no_op(base_db: Path, tmp_path: Path) -> None:
    url = fresh_copy(base_db, tmp_path / "zero.db")
    assert seed_history(url, count=0) == HistoryReport(0, 0, 0.0)


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(not PG_AVAILABLE, reason="PostgreSQL is not reachable at 127.0.0.1:5432")
def test_postgres_gets_the_same_history(
    base_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    count = 400
    sqlite_path = tmp_path / "same.db"
    expected = seed_history(fresh_copy(base_db, sqlite_path), count=count, seed=4, end=END)
    url = fresh_pg_database()
    try:
        seed_city(url, tmp_path)
        monkeypatch.setattr(history, "BIG_LOAD", 1)  # exercise the index drop and rebuild
        made = seed_history(url, count=count, seed=4, end=END)
        assert (made.cases, made.events) == (expected.cases, expected.events)
        with psycopg.connect(url) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            pg_cases = conn.execute(
                "SELECT serial, state, category_code, source, to_char(created_at,"
                " 'YYYY-MM-DD HH24:MI:SS.US'), deadlines::text FROM case_file ORDER BY serial"
            ).fetchall()
            pg_events = conn.execute(
                "SELECT serial, action, to_char(at, 'YYYY-MM-DD HH24:MI:SS.US'), data::text"
                " FROM event_log ORDER BY seq"
            ).fetchall()
            counter = conn.execute("SELECT MAX(last_value) FROM serial_counter").fetchone()
            indexes = conn.execute(
                "SELECT COUNT(*) FROM pg_indexes WHERE tablename IN ('case_file', 'event_log')"
            ).fetchone()
            next_id = conn.execute("SELECT nextval(pg_get_serial_sequence('case_file', 'id'))")
            next_id_value = next_id.fetchone()
        lite = sqlite3.connect(sqlite_path)
        try:
            lite_cases = lite.execute(
                "SELECT serial, state, category_code, source, created_at, deadlines"
                " FROM case_file ORDER BY serial"
            ).fetchall()
            lite_events = lite.execute(
                "SELECT serial, action, at, data FROM event_log ORDER BY seq"
            ).fetchall()
        finally:
            lite.close()
        assert [tuple(r) for r in pg_cases] == lite_cases
        assert [tuple(r) for r in pg_events] == lite_events
        assert counter is not None and counter[0] >= count
        # every index the models declare came back after the bulk load: the two primary
        # keys, the unique serial, and the declared secondary indexes
        from backend.models import CaseRow, EventRow

        declared = sum(len(m.__table__.indexes) for m in (CaseRow, EventRow))  # type: ignore[attr-defined]
        assert indexes is not None and indexes[0] == 3 + declared
        assert next_id_value is not None and next_id_value[0] == count + 1
    finally:
        drop_pg_database(url)


# --- the open backlog (the demo's busy shift start) ------------------------------------------

BACKLOG = 400
FAR = "9999-12-31 00:00:00.000000"


def _sql(value: str) -> str:
    """An ISO instant from a stage record as the case columns store it."""
    return datetime.fromisoformat(value).astimezone(UTC).isoformat(" ", "microseconds")[:26]


@pytest.fixture(scope="module")
def backlog_db(
    base_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("backlog") / "backlog.db"
    report = seed_history(fresh_copy(base_db, path), count=300, seed=4, end=END, backlog=BACKLOG)
    assert report.cases == 300 + BACKLOG
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def test_backlog_waits_in_every_stage_some_late_many_near_due(
    backlog_db: sqlite3.Connection,
) -> None:
    from backend.seed.history.backlog import STOPS

    now = END.isoformat(" ", "microseconds")[:26]
    open_cases = [
        c for c in cases_by_id(backlog_db).values() if c["state"] not in ("closed", "voided")
    ]
    assert len(open_cases) == BACKLOG
    waiting = Counter((c["state"], c["pending_kind"]) for c in open_cases)
    for stop in STOPS:  # every stage a case waits in, every kind of pending request
        pending = stop.at[1].value if stop.at[1] else None
        assert sum(waiting[(s.value, pending)] for s in stop.at[0]) >= 1, stop.name
    running = [c for c in open_cases if c["paused_at"] is None]
    overdue = [c for c in running if c["deadline_at"] <= now]
    near = [c for c in running if c["warn_at"] <= now < c["deadline_at"]]
    assert 0.05 * BACKLOG < len(overdue) < 0.25 * BACKLOG
    assert len(near) > 0.2 * BACKLOG
    assert any(c["state"] == "suspended" and c["paused_at"] for c in open_cases)
    assert 0 < sum(c["supervised"] for c in open_cases) < BACKLOG / 2
    assert 0 < sum(c["urge_count"] > 0 for c in open_cases) < BACKLOG / 2
    events = events_by_case(backlog_db)
    stamps = [e["at"] for chain in events.values() for e in chain]
    assert max(stamps) < now, "nothing happens after 'now'"
    ordered = [r["at"] for r in backlog_db.execute("SELECT at FROM event_log ORDER BY seq")]
    assert ordered == sorted(ordered), "seq order is time order, backlog included"


def test_backlog_chains_and_deadlines_are_the_cores(backlog_db: sqlite3.Connection) -> None:
    """Each open case is a legal path to where it waits; its stage records are the
    server's deadlines, and its indexed columns are its running record's."""
    calendar, policy = WorkingCalendar.load(), TimeLimitPolicy.load()
    events = events_by_case(backlog_db)
    checked = 0
    for case in cases_by_id(backlog_db).values():
        if case["state"] in ("closed", "voided"):
            continue
        chain = events[case["id"]]
        data = json.loads(chain[0]["data"])
        outcome = sm.plan_report(Role(chain[0]["actor_role"]), data["self_disposed"])
        assert outcome.state is not None
        state, pending = outcome.state, None
        for event in chain[1:]:
            fields = json.loads(event["data"])
            plan = sm.plan(state, pending, Action(event["action"]), Role(event["actor_role"]),
                           fields)  # fmt: skip
            assert fields.get("outcome", "ok") == plan.branch
            if Effect.SET_PENDING in plan.effects:
                pending = sm.pending_kind_for(Action(event["action"]))
            if Effect.CLEAR_PENDING in plan.effects:
                pending = None
            state = plan.next_state
        assert (state.value, pending.value if pending else None) == (
            case["state"],
            case["pending_kind"],
        )
        records = json.loads(case["deadlines"])
        for record in records:
            _check_record(record, case, calendar, policy)
        current = records[-1]
        assert current["done_at"] is None
        assert case["stage"] == current["stage"]
        assert case["deadline_at"] == _sql(current["due_at"])
        assert case["warn_at"] == _sql(current["warn_at"])
        paused = current["paused_at"]
        assert (case["paused_at"] is None) == (paused is None) == (case["state"] != "suspended")
        assert case["due_key"] == (FAR if paused else case["deadline_at"])
        assert case["version"] == len(chain) and case["updated_at"] == chain[-1]["at"]
        checked += 1
    assert checked == BACKLOG
