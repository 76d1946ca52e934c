"""The console's model: the open cases (and the closed ones whose callback is due, or
that a case set pins), the queue view, the per-grid tallies and the link.

It knows no widget, no screen and no Textual, so it is tested without running the app
(``tests/unit/test_console_model.py``).  Screens read it and change it only through its
methods (``set_queue``, ``set_sort``, ``set_filter``, ``apply_events``, ...); every
change is published on one of its topics (:class:`Topic`).  The app forwards each topic onto
a Textual signal (:mod:`console.signals`), which a screen or widget subscribes to while
it is mounted, so nothing the model publishes reaches a widget that is not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, Literal, TypeVar

from backend_client.vocab import Action, Urgency
from backend_client.wire import CaseGone, CaseSummary, Event, FeedItem, Me
from console.guard import Remote, by_me
from console.queues import (
    QUEUE_BY_KEY,
    QUEUES,
    Queue,
    case_set_queue,
    is_overdue,
    parse_filter,
)
from console.rows import QueueRow
from console.store import CaseStore, Change, QueueView
from widgets.grid_counts import ZERO, GridCounts

T = TypeVar("T")
LinkState = Literal["connecting", "live", "reconnecting", "stale", "offline", "refused"]
ViewAspect = Literal["queue", "sort", "filter"]


class Topic(Generic[T]):
    """One kind of change: callbacks subscribe, ``publish`` calls each in order."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], object]] = []

    def subscribe(self, callback: Callable[[T], object]) -> None:
        self._callbacks.append(callback)

    def unsubscribe(self, callback: Callable[[T], object]) -> None:
        self._callbacks = [c for c in self._callbacks if c != callback]

    def publish(self, value: T) -> None:
        for callback in list(self._callbacks):
            callback(value)


@dataclass(frozen=True)
class LinkStatus:
    state: LinkState
    since: datetime  # when this state began (for "stale" and "refused": when the view froze)
    retry_at: float | None = None  # monotonic time of the next attempt
    error: str = ""

    def retry_in(self, now: float) -> int:
        """Whole seconds until the next attempt (rounded up, never below 0)."""
        if self.retry_at is None:
            return 0
        return max(0, math.ceil(self.retry_at - now - 1e-9))


@dataclass(frozen=True)
class Tick:
    """Once a second: the cases whose deadline just passed, and whether the view gained rows."""

    overdue: Sequence[QueueRow]
    moved: bool


@dataclass(frozen=True)
class Changes:
    """Store changes from events or action responses; ``moved``: the view's order changed.

    ``remote``: by serial, the events among them that another user sent (not this
    console's own actions echoed back)."""

    changes: Sequence[Change]
    moved: bool
    remote: Mapping[str, Remote] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureRef:
    """The assessment figure a case set shows: what an appeal from it is against."""

    period: str
    counter: str
    unit: str  # the department's or the region's name


@dataclass(frozen=True)
class CaseSet:
    """A named temporary view: exactly these cases (the ones behind a figure), any state."""

    title: str
    serials: frozenset[str]
    back_to: str  # the queue shown before, and again when the view is left
    filter_before: str  # the `/` filter then in force, put back on leaving
    figure: FigureRef | None = None


@dataclass(frozen=True)
class ViewChanged:
    """The view was rebuilt for another queue, sort or filter."""

    aspect: ViewAspect


class GridTally:
    """Open / overdue / supervised counts per grid, kept from store changes."""

    def __init__(self) -> None:
        self.counts: dict[str, GridCounts] = {}

    def reset(self, cases: Iterable[QueueRow], now: datetime) -> None:
        self.counts = {}
        self.add_many(cases, now)

    def _add(self, case: QueueRow, now: datetime, sign: int) -> None:
        if not case.state.is_open:  # a callback due, a pinned closed case: not on the map
            return
        open_, overdue, supervised = self.of(case.grid_code)
        self.counts[case.grid_code] = GridCounts(
            open_ + sign,
            overdue + (sign if is_overdue(case, now) else 0),
            supervised + (sign if case.supervised else 0),
        )

    def add_many(self, cases: Iterable[QueueRow], now: datetime) -> None:
        """A snapshot batch: summed per grid first, one ``GridCounts`` per grid after."""
        sums: dict[str, list[int]] = {}
        for case in cases:
            if not case.state.is_open:  # a callback due, a pinned closed case: not on the map
                continue
            tally = sums.get(case.grid_code)
            if tally is None:
                tally = sums[case.grid_code] = [0, 0, 0]
            tally[0] += 1
            if is_overdue(case, now):
                tally[1] += 1
            if case.supervised:
                tally[2] += 1
        for code, (open_, overdue, supervised) in sums.items():
            held = self.of(code)
            self.counts[code] = GridCounts(
                held.open + open_, held.overdue + overdue, held.supervised + supervised
            )

    def change(self, change: Change, now: datetime) -> None:
        if change.old is not None:
            self._add(change.old, now, -1)
        if change.new is not None:
            self._add(change.new, now, 1)

    def overdue(self, case: QueueRow) -> None:
        counts = self.of(case.grid_code)
        self.counts[case.grid_code] = counts._replace(overdue=counts.overdue + 1)

    def of(self, code: str) -> GridCounts:
        """``(open, overdue, supervised)`` of one grid."""
        return self.counts.get(code, ZERO)

    def stats(self) -> dict[str, GridCounts]:
        return dict(self.counts)


class ConsoleModel:
    """What the console knows; ``now`` is the server's clock as the console reckons it."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.store = CaseStore()
        self.queue: Queue = QUEUES[0]
        self.view = QueueView(self.store, self.queue)
        self.filter_text = ""
        self.case_set: CaseSet | None = None
        self.tally = GridTally()
        self.me: Me | None = None
        self.loaded = False
        self.loading = False  # later snapshot pages still coming
        self.link = LinkStatus("connecting", datetime.now(UTC))
        self.token_refused: str | None = None  # the server's sentence, once it said 401
        self.events_applied = 0
        self.snapshot: Topic[bool] = Topic()  # True for the first page
        self.changed: Topic[Changes] = Topic()
        self.ticked: Topic[Tick] = Topic()
        self.view_changed: Topic[ViewChanged] = Topic()
        self.link_changed: Topic[LinkStatus] = Topic()

    # --- the snapshot and the stream -----------------------------------------------------

    def load_snapshot(
        self,
        cases: Sequence[QueueRow],
        as_of_seq: int,
        me: Me,
        *,
        first: bool = True,
        last: bool = True,
    ) -> None:
        """The first page replaces the model; later pages add to it."""
        self.me = me
        now = self.now()
        if first:
            self.store.load(cases, as_of_seq, now)
            self.tally.reset(self.store.cases.values(), now)
            self.view.rebuild(now)
        else:
            added = self.store.add_many(cases, now)
            self.tally.add_many(added, now)
            self.view.add(added, now)
        self.loaded = True
        self.loading = not last
        self.snapshot.publish(first)

    def apply_events(self, events: Iterable[FeedItem]) -> list[Event]:
        """A batch from the stream; returns the urgent new reports among it (to alert on)."""
        now = self.now()
        changes: list[Change] = []
        remote: dict[str, Remote] = {}
        urgent: list[Event] = []
        for event in events:
            self.events_applied += 1
            if isinstance(event, CaseGone):
                change = self.store.drop(event.serial, now)
            else:
                change = self.store.apply(QueueRow.from_summary(event.case), now)
            if change is None:
                continue
            changes.append(change)
            if isinstance(event, CaseGone):  # it left this user's sight
                remote[event.serial] = Remote(event.serial)
            elif not by_me(event, self.me):
                remote[event.serial] = Remote.of(event)
            self.tally.change(change, now)
            if (
                isinstance(event, Event)
                and event.action is Action.REPORT
                and event.case.urgency is Urgency.URGENT
            ):
                urgent.append(event)
        self._changed(changes, now, remote)
        return urgent

    def take(self, case: CaseSummary) -> None:
        """A case the server just returned (an action's response, a refresh)."""
        now = self.now()
        change = self.store.apply(QueueRow.from_summary(case), now)
        if change is not None:
            self.tally.change(change, now)
            self._changed([change], now)

    def _changed(
        self, changes: list[Change], now: datetime, remote: dict[str, Remote] | None = None
    ) -> None:
        if not changes:
            return
        moved = False
        for change in changes:
            moved |= self.view.update(change, now)
        self.changed.publish(Changes(changes, moved, remote or {}))

    def tick(self) -> Tick:
        """Once a second: the cases whose deadline just passed join the counts (and the
        overdue queue, if it is the one on screen)."""
        now = self.now()
        overdue = self.store.newly_overdue(now)
        for case in overdue:
            self.tally.overdue(case)
        moved = bool(overdue) and self.view.queue.time_dependent and self.view.add(overdue, now)
        tick = Tick(overdue, moved)
        self.ticked.publish(tick)
        return tick

    # --- the view ------------------------------------------------------------------------

    def set_queue(self, key: str) -> None:
        """Show another queue, keeping the sort and the filter (and leave a case set)."""
        if self.case_set is not None:
            self.case_set = None
            self.store.unpin()
        self._show(QUEUE_BY_KEY[key])

    def show_case_set(
        self,
        title: str,
        serials: Iterable[str],
        rows: Iterable[QueueRow],
        figure: FigureRef | None = None,
    ) -> None:
        """Show exactly these cases (``rows``: as fetched by serial, open or closed), kept
        current by the stream until :meth:`leave_case_set` or another queue."""
        wanted = frozenset(serials)
        before = self.case_set
        back_to = before.back_to if before is not None else self.queue.key
        filter_before = before.filter_before if before is not None else self.filter_text
        self.store.pin(wanted, rows, self.now())
        self.case_set = CaseSet(title, wanted, back_to, filter_before, figure)
        self.filter_text = ""  # exactly those cases: no filter of the queue hides one
        self.view.text_filter = None
        self._show(case_set_queue(wanted))

    def leave_case_set(self) -> None:
        """Back to the queue (and the filter) shown before the case set."""
        if self.case_set is None:
            return
        left = self.case_set
        self.filter_text = left.filter_before
        self.view.text_filter = parse_filter(left.filter_before)
        self.set_queue(left.back_to)

    def _show(self, queue: Queue) -> None:
        self.queue = queue
        self.view = QueueView(
            self.store,
            self.queue,
            sort=self.view.sort,
            descending=self.view.descending,
            text_filter=self.view.text_filter,
        )
        self.view.rebuild(self.now())
        self.view_changed.publish(ViewChanged("queue"))

    def set_sort(self, column: str, descending: bool | None = None) -> None:
        """Sort by ``column`` (a key of :data:`console.store.SORTS`); None keeps the direction."""
        self.view.sort = column
        if descending is not None:
            self.view.descending = descending
        self.view.rebuild(self.now())
        self.view_changed.publish(ViewChanged("sort"))

    def reverse_sort(self) -> None:
        self.view.descending = not self.view.descending
        self.view_changed.publish(ViewChanged("sort"))

    def set_filter(self, text: str) -> None:
        """Filter the view with the ``/`` language; raises ``FilterError`` (nothing changes)."""
        predicate = parse_filter(text)
        self.filter_text = text.strip()
        self.view.text_filter = predicate
        self.view.rebuild(self.now())
        self.view_changed.publish(ViewChanged("filter"))

    # --- the link ------------------------------------------------------------------------

    def set_link(self, link: LinkStatus) -> None:
        """A new link state; ignored once the token was refused (the view stays frozen)."""
        if self.token_refused is not None:
            return
        self.link = link
        self.link_changed.publish(link)

    def refuse_token(self, detail: str) -> None:
        """The server said 401: the link stops and the view freezes where it was."""
        self.token_refused = detail
        frozen_at = self.link.since if self.link.state != "live" else datetime.now(UTC)
        self.link = LinkStatus("refused", frozen_at, None, detail)
        self.link_changed.publish(self.link)
