"""The simulator's agenda: the next step of each case, by due time."""

from __future__ import annotations

import heapq
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from demo.decisions import Reaction

T = TypeVar("T")


class Agenda(Generic[T]):
    """A heap of items by due time, at most one per key: a later ``put`` replaces."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, T]] = []
        self._live: dict[str, int] = {}
        self._tickets = itertools.count()

    def put(self, key: str, due: float, item: T) -> None:
        ticket = next(self._tickets)
        self._live[key] = ticket
        heapq.heappush(self._heap, (due, ticket, key, item))

    def cancel(self, key: str) -> None:
        self._live.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._live

    def __len__(self) -> int:
        return len(self._live)

    def pop_due(self, now: float) -> list[T]:
        """Items due by ``now``, earliest first (ties in the order they were put)."""
        out: list[T] = []
        while self._heap and self._heap[0][0] <= now:
            _due, ticket, key, item = heapq.heappop(self._heap)
            if self._live.get(key) == ticket:
                del self._live[key]
                out.append(item)
        return out

    def next_due(self) -> float | None:
        while self._heap and self._live.get(self._heap[0][2]) != self._heap[0][1]:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None


@dataclass(frozen=True)
class Planned:
    reaction: Reaction
    key: str = field(default_factory=lambda: str(uuid.uuid4()))  # same key on every retry
    tries: int = 0


MAX_TRIES = 5
