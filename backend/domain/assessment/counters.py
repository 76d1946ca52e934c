"""The base numbers (计数) of assessment, per evaluation object and period.

One definition: the policy file may name only these fields, and the projection fills them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Self


@dataclass(frozen=True)
class Counters:
    patrol_reports: int = 0
    public_reports: int = 0
    valid_patrol_reports: int = 0
    verify_due: int = 0
    verify_on_time: int = 0
    check_due: int = 0
    check_on_time: int = 0
    verify_orders_due: int = 0
    verify_orders_on_time: int = 0
    check_orders_due: int = 0
    check_orders_on_time: int = 0
    accepted: int = 0
    filed: int = 0
    filed_on_time: int = 0
    voided: int = 0
    dispatch_due: int = 0
    dispatched: int = 0
    dispatched_on_time: int = 0
    dispatched_accurately: int = 0
    wrong_dispatches: int = 0
    dispose_due: int = 0
    disposed: int = 0
    disposed_on_time: int = 0
    overdue_not_disposed: int = 0
    close_due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    closed_first_time: int = 0
    reworks: int = 0
    returns: int = 0
    shirks: int = 0
    extension_hours: float = 0.0
    suspended: int = 0
    callbacks_reached: int = 0
    callbacks_satisfied: int = 0
    callbacks_basic: int = 0
    callbacks_dissatisfied: int = 0
    callbacks_unreachable: int = 0
    failed_checks: int = 0

    def __add__(self, other: Counters) -> Counters:
        return Counters(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def get(self, name: str) -> float:
        value: float = getattr(self, name)
        return value

    def plus(self, **deltas: float) -> Self:
        return replace(self, **{k: getattr(self, k) + v for k, v in deltas.items()})


COUNTER_NAMES: frozenset[str] = frozenset(f.name for f in fields(Counters))
COUNTER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Counters))  # in column order
