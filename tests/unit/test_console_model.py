"""The console model without the app: snapshot, events, view, tallies, link, topics."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from backend_client.vocab import Action, CaseState, Role, Source, Urgency
from backend_client.wire import CaseGone, CaseSummary, Event, Me
from console.model import ConsoleModel, LinkStatus, Tick, Topic, ViewChanged
from console.queues import FilterError
from console.rows import QueueRow

T = TypeVar("T")
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ME = Me(
    id=7,
    username="lead",
    display_name="王班长",
    role=Role.SHIFT_LEAD,
    jurisdiction_code="110112",
    jurisdiction_name="通州区",
)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


def case(n: int, **overrides: object) -> CaseSummary:
    fields: dict[str, object] = {
        "serial": f"2026-110112-{n:06d}",
        "state": CaseState.REPORTED,
        "source": Source.HOTLINE,
        "category_kind": "matter",
        "category_code": "06042",
        "category_name": "垃圾站（箱）满溢",
        "grid_code": f"110112001{n % 3:03d}001",
        "street_code": "110112001",
        "address": "新华西街",
        "summary": f"满溢 {n}",
        "urgency": Urgency.NORMAL,
        "supervised": False,
        "deadline_at": START + timedelta(minutes=10 * (n + 1)),
        "version": 1,
        "created_at": START - timedelta(hours=1),
        "updated_at": START - timedelta(hours=1),
    }
    fields.update(overrides)
    return CaseSummary.model_validate(fields)


REPORT_DATA = {"source": "hotline", "urgency": "normal", "category": "matter:06042",
               "self_disposed": False}  # fmt: skip


def event(
    summary: CaseSummary, actor: str = "李四", action: Action = Action.REPORT, actor_id: int = 3
) -> Event:
    return Event(
        seq=100 + summary.version,
        serial=summary.serial,
        action=action,
        actor=actor,
        actor_id=actor_id,
        actor_role=Role.OPERATOR,
        at=START,
        data=REPORT_DATA if action is Action.REPORT else {},
        case=summary,
    )


def record(topic: Topic[T]) -> list[T]:
    seen: list[T] = []
    topic.subscribe(seen.append)
    return seen


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def model(clock: Clock) -> ConsoleModel:
    model = ConsoleModel(clock)
    rows = [QueueRow.from_summary(case(n)) for n in range(6)]
    model.load_snapshot(rows, as_of_seq=50, me=ME)
    return model


def test_snapshot_pages_fill_store_view_and_tallies(clock: Clock) -> None:
    model = ConsoleModel(clock)
    pages = record(model.snapshot)
    first = [QueueRow.from_summary(case(n)) for n in range(4)]
    model.load_snapshot(first, as_of_seq=9, me=ME, first=True, last=False)
    assert model.loaded and model.loading and model.me == ME
    later = [QueueRow.from_summary(case(n)) for n in range(2, 7)]  # overlaps 2 and 3
    model.load_snapshot(later, as_of_seq=9, me=ME, first=False, last=True)
    assert pages == [True, False] and not model.loading
    assert len(model.store.cases) == 7 and len(model.view) == 7
    assert model.store.counts["reported"] == 7
    assert sum(model.tally.of(code)[0] for code in model.tally.counts) == 7
    assert model.tally.stats()["110112001000001"].open == 3  # cases 0, 3, 6


def test_events_change_the_view_and_say_who_sent_them(model: ConsoleModel) -> None:
    seen = record(model.changed)
    theirs = case(1, version=2, state=CaseState.FILED)
    mine = case(2, version=2, supervised=True)
    urgent = case(9, urgency=Urgency.URGENT)
    # "theirs" comes from someone who shares this user's display name: another user id
    alerts = model.apply_events(
        [event(theirs, actor=ME.display_name), event(mine, actor="某某", actor_id=7), event(urgent)]
    )
    assert [e.serial for e in alerts] == [urgent.serial]  # the urgent new report
    (batch,) = seen
    assert batch.moved
    assert [c.serial for c in batch.changes] == [theirs.serial, mine.serial, urgent.serial]
    assert set(batch.remote) == {theirs.serial, urgent.serial}  # not this user's own (by id)
    assert theirs.serial not in model.view.serials()  # filed: left the 待受理 queue
    assert urgent.serial in model.view.serials()
    assert model.tally.of(mine.grid_code)[2] == 1 and model.events_applied == 3


def test_stale_events_publish_nothing_and_gone_drops_a_row(model: ConsoleModel) -> None:
    seen = record(model.changed)
    assert model.apply_events([event(case(1))]) == []  # the version it already holds
    assert seen == []
    gone = case(4).serial
    model.apply_events([CaseGone(seq=200, serial=gone)])
    assert gone not in model.store.cases and gone not in model.view.serials()
    assert model.store.counts["all"] == 5


def test_take_applies_an_action_response(model: ConsoleModel) -> None:
    seen = record(model.changed)
    model.take(case(0, version=3, state=CaseState.CLOSED))
    assert case(0).serial not in model.store.cases
    assert len(seen) == 1


def test_queue_sort_and_filter_are_methods_that_publish(model: ConsoleModel) -> None:
    seen = record(model.view_changed)
    model.set_sort("serial", descending=True)
    assert model.view.serials() == sorted(model.view.serials(), reverse=True)
    model.reverse_sort()
    assert model.view.serials() == sorted(model.view.serials())
    model.set_filter(" 满溢 3 ")
    assert model.filter_text == "满溢 3" and model.view.serials() == [case(3).serial]
    model.set_queue("all")  # another queue keeps the sort and the filter
    assert model.queue.key == "all" and model.view.sort == "serial"
    assert model.view.serials() == [case(3).serial]
    assert seen == [
        ViewChanged("sort"),
        ViewChanged("sort"),
        ViewChanged("filter"),
        ViewChanged("queue"),
    ]


def test_a_bad_filter_changes_nothing(model: ConsoleModel) -> None:
    seen = record(model.view_changed)
    model.set_filter("grid:110112001001")
    with pytest.raises(FilterError):
        model.set_filter("src:nowhere")
    assert model.filter_text == "grid:110112001001" and len(seen) == 1


def test_tick_counts_cases_gone_overdue_once(model: ConsoleModel, clock: Clock) -> None:
    ticks = record(model.ticked)
    model.tick()
    clock.at = START + timedelta(minutes=25)  # cases 0 and 1 are past their deadlines
    tick = model.tick()
    assert not tick.moved  # the 待受理 queue holds them already
    assert {c.serial for c in tick.overdue} == {case(0).serial, case(1).serial}
    assert model.store.counts["overdue"] == 2
    assert model.tally.of(case(0).grid_code)[1] == 1
    model.set_queue("overdue")
    clock.at = START + timedelta(minutes=35)
    tick = model.tick()
    assert tick.moved and [c.serial for c in tick.overdue] == [case(2).serial]
    assert len(model.view) == 3
    assert ticks[0] == Tick([], False) and len(ticks) == 3


def test_a_refused_token_freezes_the_link(model: ConsoleModel) -> None:
    seen = record(model.link_changed)
    stale = LinkStatus("stale", START)
    model.set_link(stale)
    model.refuse_token("token revoked.")
    model.set_link(LinkStatus("live", START))  # nothing makes the view look live again
    assert model.link == LinkStatus("refused", START, None, "token revoked.")
    assert seen == [stale, model.link]


def test_an_unsubscribed_callback_hears_nothing() -> None:
    topic: Topic[int] = Topic()
    heard: list[int] = []
    topic.subscribe(heard.append)
    topic.publish(1)
    topic.unsubscribe(heard.append)
    topic.publish(2)
    assert heard == [1]


def test_the_model_loads_no_ui_toolkit() -> None:
    probe = "import sys, console.model; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
