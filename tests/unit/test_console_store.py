"""The console's model: compact rows, one-pass queue counts, versions and overdue."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from backend_client.vocab import CaseState, PendingKind, Source, Urgency
from backend_client.wire import CaseSummary
from console.model import GridTally
from console.queues import QUEUES, queues_holding
from console.rows import QueueRow
from console.store import CaseStore, Change, QueueView

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def summary(n: int, rng: random.Random, **overrides: object) -> CaseSummary:
    state = rng.choice(list(CaseState))
    deadline = NOW + timedelta(minutes=rng.randint(-120, 600))
    fields: dict[str, object] = {
        "serial": f"2026-110112-{n:06d}",
        "state": state,
        "source": rng.choice(list(Source)),
        "category_kind": "matter",
        "category_code": "06042",
        "category_name": "垃圾站（箱）满溢",
        "grid_code": f"110112001{rng.randint(1, 30):03d}001",
        "street_code": "110112001",
        "address": "新华西街",
        "summary": "满溢",
        "urgency": rng.choice(list(Urgency)),
        "department_code": "HW",
        "department_name": "区环境卫生服务中心",
        "supervised": rng.random() < 0.1,
        "pending": rng.choice([None, None, None, *PendingKind]),
        "warn_at": deadline - timedelta(minutes=30),
        "deadline_at": deadline,
        "paused_at": NOW if rng.random() < 0.05 else None,
        "version": rng.randint(1, 9),
        "created_at": NOW - timedelta(hours=3),
        "updated_at": NOW - timedelta(hours=1),
    }
    fields.update(overrides)
    return CaseSummary.model_validate(fields)


def test_rows_from_json_equal_rows_from_the_model() -> None:
    rng = random.Random(1)
    for n in range(200):
        case = summary(n, rng)
        a = QueueRow.from_summary(case)
        b = QueueRow.from_json(case.model_dump(mode="json"))
        assert {k: getattr(a, k) for k in QueueRow.__slots__} == {
            k: getattr(b, k) for k in QueueRow.__slots__
        }


def test_one_pass_counts_agree_with_each_queue() -> None:
    rng = random.Random(2)
    for n in range(500):
        row = QueueRow.from_summary(summary(n, rng))
        expected = sorted(q.key for q in QUEUES if q.holds(row, NOW))
        assert sorted(queues_holding(row, NOW)) == expected


def test_store_counts_follow_changes_and_ignore_stale_versions() -> None:
    rng = random.Random(3)
    store = CaseStore()
    rows = [QueueRow.from_summary(summary(n, rng)) for n in range(300)]
    store.load(rows[:100], 10, NOW)
    store.add_many(rows[100:], NOW)
    fresh = CaseStore()
    fresh.load(rows, 10, NOW)
    assert store.counts == fresh.counts
    victim = next(r for r in rows if r.state.is_open)
    stale = QueueRow.from_summary(summary(999, rng, serial=victim.serial, version=victim.version))
    assert store.apply(stale, NOW) is None
    closed = QueueRow.from_summary(
        summary(999, rng, serial=victim.serial, version=victim.version + 1, state="closed")
    )
    change = store.apply(closed, NOW)
    assert change is not None and change.new is None
    assert victim.serial not in store.cases
    recount = CaseStore()
    recount.load(store.cases.values(), 10, NOW)
    assert store.counts == recount.counts


def test_deadlines_passing_move_cases_into_overdue_once() -> None:
    rng = random.Random(4)
    soon = QueueRow.from_summary(
        summary(
            1,
            rng,
            state="dispatched",
            deadline_at=NOW + timedelta(seconds=30),
            warn_at=NOW,
            paused_at=None,
        )
    )
    store = CaseStore()
    store.load([soon], 1, NOW)
    assert store.counts["overdue"] == 0
    view = QueueView(store, next(q for q in QUEUES if q.key == "overdue"))
    view.rebuild(NOW)
    later = NOW + timedelta(minutes=1)
    became = store.newly_overdue(later)
    assert [c.serial for c in became] == [soon.serial]
    assert store.counts["overdue"] == 1
    assert store.newly_overdue(later) == []
    assert view.add(became, later) and view.serials() == [soon.serial]


def test_a_large_batch_merges_like_a_rebuild() -> None:
    rng = random.Random(5)
    rows = [QueueRow.from_summary(summary(n, rng)) for n in range(1200)]
    all_queue = next(q for q in QUEUES if q.key == "all")
    for sort in ("grid", "deadline", "state"):
        store = CaseStore()
        store.load(rows[:300], 1, NOW)
        view = QueueView(store, all_queue, sort=sort)
        view.rebuild(NOW)
        added = store.add_many(rows[300:], NOW)
        assert view.add(added, NOW)
        assert not view.add(added, NOW)  # the same rows again change nothing
        expected = QueueView(store, all_queue, sort=sort)
        expected.rebuild(NOW)
        assert view.serials() == expected.serials()


def test_a_dropped_case_leaves_the_counts_and_may_come_back_at_the_same_version() -> None:
    """``CaseGone`` drops a row whatever its version; if the same version comes back (a
    replayed event after the snapshot), its deadline still counts once."""
    rng = random.Random(6)
    soon = QueueRow.from_summary(
        summary(1, rng, state="dispatched", deadline_at=NOW + timedelta(seconds=30), paused_at=None)
    )
    store = CaseStore()
    store.load([soon], 1, NOW)
    change = store.drop(soon.serial, NOW)
    assert change is not None and change.old == soon and change.new is None
    assert soon.serial not in store.cases and all(v == 0 for v in store.counts.values())
    assert store.drop(soon.serial, NOW) is None  # already gone
    assert store.apply(soon, NOW) is not None
    later = NOW + timedelta(minutes=1)
    assert [c.serial for c in store.newly_overdue(later)] == [soon.serial]
    recount = CaseStore()
    recount.load(store.cases.values(), 1, later)
    assert store.counts == recount.counts


def test_grid_tallies_summed_per_batch_equal_one_change_at_a_time() -> None:
    rng = random.Random(6)
    rows = [QueueRow.from_summary(summary(n, rng, state="filed")) for n in range(900)]
    batched = GridTally()
    batched.reset(rows[:100], NOW)
    for start in range(100, 900, 400):
        batched.add_many(rows[start : start + 400], NOW)
    single = GridTally()
    for row in rows:
        single.change(Change(row.serial, None, row), NOW)
    assert batched.stats() == single.stats()
    assert sum(c.overdue for c in single.stats().values()) > 0
    assert sum(c.supervised for c in single.stats().values()) > 0
