"""The operator's queues (one per stage, and 回访 for closed cases whose callback is
due) and the `/` filter language.

Pure: no Textual.  A queue is a predicate over a case's queue row; the filter is
parsed once into a predicate so applying it to 100,000 rows is a plain loop.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from backend_client.labels import en, zh
from backend_client.vocab import CaseState, Source, Stage
from console.rows import QueueRow

S = CaseState
Predicate = Callable[[QueueRow, datetime], bool]
Scope = Literal["open", "callback", "set"]
CASE_SET = "case_set"  # the key of a named temporary view (the cases behind a figure)


def is_overdue(case: QueueRow, now: datetime) -> bool:
    return case.paused_at is None and case.deadline_at is not None and case.deadline_at <= now


def awaits_callback(case: QueueRow) -> bool:
    """A closed case whose callback (回访) stage runs: the reporter is still to be asked."""
    return case.state is S.CLOSED and case.stage is Stage.CALLBACK


@dataclass(frozen=True)
class Queue:
    key: str  # i18n key suffix and stable id
    hotkey: str
    states: frozenset[CaseState] | None  # None: not a state queue
    extra: Predicate | None = None
    # open: the open cases; callback: closed cases whose callback is due; set: exactly
    # the cases ``extra`` admits, in any state
    scope: Scope = "open"

    def holds(self, case: QueueRow, now: datetime) -> bool:
        if self.scope == "callback":
            return awaits_callback(case)
        if self.scope == "set":
            return self.extra is not None and self.extra(case, now)
        if not case.state.is_open:
            return False
        if self.states is not None and case.state not in self.states:
            return False
        return self.extra is None or self.extra(case, now)

    @property
    def time_dependent(self) -> bool:
        return self.key == "overdue"


QUEUES: tuple[Queue, ...] = (
    Queue("reported", "1", frozenset({S.REPORTED, S.SELF_DISPOSED})),
    Queue("verifying", "2", frozenset({S.VERIFYING})),
    Queue("filed", "3", frozenset({S.FILED})),
    Queue("dispatched", "4", frozenset({S.DISPATCHED})),
    Queue("in_progress", "5", frozenset({S.IN_PROGRESS, S.SUSPENDED})),
    Queue("disposed", "6", frozenset({S.DISPOSED, S.CHECKING})),
    Queue("requests", "7", None, lambda c, _now: c.pending is not None),
    Queue("overdue", "8", None, is_overdue),
    Queue("supervised", "9", None, lambda c, _now: c.supervised),
    Queue("all", "0", None),
    Queue("callback", "C", None, scope="callback"),
)
QUEUE_BY_KEY = {q.key: q for q in QUEUES}


def case_set_queue(serials: Set[str]) -> Queue:
    """A temporary view of exactly these cases, open or not."""
    return Queue(CASE_SET, "", None, lambda c, _now: c.serial in serials, scope="set")


_BY_STATE: dict[CaseState, tuple[str, ...]] = {
    state: tuple(q.key for q in QUEUES if q.states is not None and state in q.states)
    for state in CaseState
}


def queues_holding(case: QueueRow, now: datetime) -> list[str]:
    """Every queue a case counts in — the same answer as ``Queue.holds`` for each queue,
    in one pass (counting 100,000 cases at start-up)."""
    if awaits_callback(case):
        return ["callback"]
    return queue_keys(case.state, case.pending is not None, is_overdue(case, now), case.supervised)


def queue_keys(state: CaseState, pending: bool, overdue: bool, supervised: bool) -> list[str]:
    """The queues of a case in this state with these flags (what ``queues_holding``
    answers; a snapshot batch counts its cases by these four and asks once per kind)."""
    if not state.is_open:
        return []
    keys = [*_BY_STATE[state], "all"]
    if pending:
        keys.append("requests")
    if overdue:
        keys.append("overdue")
    if supervised:
        keys.append("supervised")
    return keys


class FilterError(ValueError):
    pass


FIELDS = ("dept", "grid", "src", "cat", "state", "st", "urgent")

SOURCE_WORDS = {
    "12345": Source.HOTLINE,
    "热线": Source.HOTLINE,
    "监督员": Source.SUPERVISOR,
    "视频": Source.VIDEO,
    "媒体": Source.MEDIA,
    "领导": Source.LEADER,
    "微信": Source.WECHAT,
    "手持终端": Source.HANDHELD,
}


def _source_of(word: str) -> Source | None:
    if word in SOURCE_WORDS:
        return SOURCE_WORDS[word]
    for source in Source:
        if word in (source.value, zh(source), en(source)):
            return source
    return None


def _state_of(word: str) -> CaseState | None:
    for state in CaseState:
        if word in (state.value, zh(state), en(state)):
            return state
    return None


def parse_filter(text: str) -> Predicate | None:
    """``dept:环卫 grid:110112001 src:12345 cat:06010 state:filed 垃圾`` → a predicate.

    Terms are ANDed.  ``field:value`` terms match that field; bare words match the
    serial, summary, address, category or department.  Raises FilterError naming the
    bad term, so the operator can fix it without losing what they typed.
    """
    terms = text.split()
    if not terms:
        return None
    checks: list[Predicate] = []
    for term in terms:
        field, sep, value = term.partition(":")
        if not sep:
            checks.append(_text_check(term.lower()))
            continue
        if not value:
            raise FilterError(f"{field}: needs a value")
        checks.append(_field_check(field, value))

    def predicate(case: QueueRow, now: datetime) -> bool:
        return all(check(case, now) for check in checks)

    return predicate


def _field_check(field: str, value: str) -> Predicate:
    test: Callable[[QueueRow], bool]
    if field == "dept":

        def test(c: QueueRow) -> bool:
            return value in (c.department_code or "") or value in (c.department_name or "")

    elif field == "grid":

        def test(c: QueueRow) -> bool:
            return c.grid_code.startswith(value)

    elif field == "st":

        def test(c: QueueRow) -> bool:
            return c.street_code.startswith(value)

    elif field == "cat":

        def test(c: QueueRow) -> bool:
            return c.category_code.startswith(value) or value in c.category_name

    elif field == "src":
        source = _source_of(value)
        if source is None:
            raise FilterError(f"src:{value}: unknown source")

        def test(c: QueueRow) -> bool:
            return c.source is source

    elif field == "state":
        state = _state_of(value)
        if state is None:
            raise FilterError(f"state:{value}: unknown state")

        def test(c: QueueRow) -> bool:
            return c.state is state

    elif field == "urgent":
        want = value.lower() in ("1", "yes", "y", "true", "是")

        def test(c: QueueRow) -> bool:
            return (c.urgency.value == "urgent") is want

    else:
        raise FilterError(f"{field}: unknown field (use {', '.join(FIELDS)})")

    def check(case: QueueRow, _now: datetime) -> bool:
        return test(case)

    return check


def _text_check(word: str) -> Predicate:
    def check(case: QueueRow, _now: datetime) -> bool:
        return (
            word in case.serial
            or word in case.summary.lower()
            or word in case.address.lower()
            or word in case.category_name
            or word in (case.department_name or "")
            or word in case.grid_code
        )

    return check
