"""The console store beside the open cases: the callbacks due (回访) and the rows a
temporary view pins (the cases behind an assessment figure)."""

from __future__ import annotations

import random

import pytest

from backend.domain.assessment.counters import COUNTER_NAMES
from backend_client.assessment import COUNTER_LABELS
from backend_client.vocab import CaseState, Stage
from console.model import ConsoleModel, GridTally
from console.queues import QUEUE_BY_KEY, queues_holding
from console.rows import QueueRow
from console.store import CaseStore
from tests.unit.test_console_store import NOW, summary

S = CaseState


def row(n: int, state: CaseState, stage: Stage | None, version: int = 1) -> QueueRow:
    return QueueRow.from_summary(
        summary(n, random.Random(n), state=state, stage=stage, version=version, pending=None)
    )


def test_every_counter_has_a_chinese_and_an_english_name() -> None:
    assert set(COUNTER_LABELS) == COUNTER_NAMES
    assert all(zh and en and zh != en for zh, en in COUNTER_LABELS.values())


def test_a_close_that_starts_a_callback_moves_the_case_to_the_callback_queue() -> None:
    store = CaseStore()
    store.load([row(1, S.CHECKING, Stage.CHECK)], 1, NOW)
    assert store.counts["all"] == 1 and store.counts["callback"] == 0
    change = store.apply(row(1, S.CLOSED, Stage.CALLBACK, 2), NOW)
    assert change is not None and change.new is not None
    assert "2026-110112-000001" in store.closed and not store.cases
    assert store.counts["all"] == 0 and store.counts["callback"] == 1
    assert queues_holding(change.new, NOW) == ["callback"]
    assert QUEUE_BY_KEY["callback"].holds(change.new, NOW)
    assert not QUEUE_BY_KEY["all"].holds(change.new, NOW)
    unreachable = store.apply(row(1, S.CLOSED, Stage.CALLBACK, 3), NOW)
    assert unreachable is not None and store.counts["callback"] == 1
    assert store.apply(row(1, S.CLOSED, Stage.CALLBACK, 2), NOW) is None  # stale
    done = store.apply(row(1, S.CLOSED, None, 4), NOW)
    assert done is not None and done.new is None
    assert not store.closed and store.counts["callback"] == 0


def test_a_redo_moves_the_case_back_among_the_open_ones() -> None:
    store = CaseStore()
    store.load([row(1, S.CLOSED, Stage.CALLBACK)], 1, NOW)
    assert store.counts["callback"] == 1
    store.apply(row(1, S.FILED, Stage.INTAKE, 2), NOW)
    assert "2026-110112-000001" in store.cases and not store.closed
    assert store.counts["callback"] == 0 and store.counts["filed"] == 1


def test_closed_rows_are_not_on_the_map() -> None:
    tally = GridTally()
    closed = row(1, S.CLOSED, Stage.CALLBACK)
    tally.reset([closed], NOW)
    assert tally.stats() == {}


def test_a_case_set_holds_exactly_its_cases_until_it_is_left() -> None:
    model = ConsoleModel(lambda: NOW)
    open_row, callback = row(1, S.FILED, Stage.INTAKE), row(2, S.CLOSED, Stage.CALLBACK)
    model.load_snapshot([open_row, callback], 1, me=None)  # type: ignore[arg-type]
    model.set_queue("filed")
    model.set_filter("grid:999")  # hides everything; the case set must not be hidden
    history = row(3, S.CLOSED, None)
    model.show_case_set("HW · 结案数", [open_row.serial, history.serial], [history])
    assert sorted(model.view.serials()) == [open_row.serial, history.serial]
    assert model.filter_text == ""
    model.apply_events([])  # nothing happens without events
    assert model.store.get(history.serial) is history
    model.take(summary(3, random.Random(3), state=S.CLOSED, stage=None, version=5))
    assert model.store.closed[history.serial].version == 5  # kept live while pinned
    model.leave_case_set()
    assert model.queue.key == "filed" and model.filter_text == "grid:999"
    assert model.store.get(history.serial) is None  # let go
    assert model.store.get(callback.serial) is callback  # a callback due stays


def test_the_command_line_records_a_callback_or_opens_its_dialog() -> None:
    from backend_client.vocab import Action, CallbackResult
    from console.commandline import CommandError, parse_command

    store = CaseStore()
    store.load([row(7, S.CLOSED, Stage.CALLBACK)], 1, NOW)
    said = parse_command(":b 7 不满意 垃圾仍在", store)
    assert (said.action, said.serial) == (Action.CALLBACK, "2026-110112-000007")
    assert said.fields == {"result": CallbackResult.DISSATISFIED, "note": "垃圾仍在"}
    assert parse_command(":callback 7 4", store).fields == {"result": CallbackResult.UNREACHABLE}
    assert parse_command(":b 7", store).fields == {}  # the dialog asks
    with pytest.raises(CommandError, match="satisfied, basic, dissatisfied or unreachable"):
        parse_command(":b 7 maybe", store)
