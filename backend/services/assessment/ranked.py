"""Scored objects ranked within their comparable groups, as the API answers them.

A month's region ranking is ~2,400 objects with ~20 figures and terms each (~50,000
models). Each object is scored and encoded once as a :class:`Piece`: its JSON before and
after the three fields that depend on the others in its group (rank, group size, bottom).
A ranking sorts the pieces and splices those in; an object whose counters did not change
since the last ranking of the period keeps its piece (:class:`Pieces`). The JSON is what
pydantic writes for :class:`RankedObject` (a test compares the bytes); models are made
only where code reads them."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

from pydantic import TypeAdapter

from backend.domain.assessment.counters import Counters
from backend.domain.assessment.policy import AssessmentPolicy, ObjectKind
from backend.domain.assessment.scoring import Score
from backend.domain.assessment.tally import ObjectKey
from backend_client.assessment import RankedObject

PERIODS_KEPT = 8  # periods whose pieces are kept (each ~10 MB for a month of regions)
RUN = 16  # objects per run of a ranking's body, compressed as one part (~40 KB)


@dataclass(frozen=True)
class Subject:
    """An evaluation object as it is ranked: its name, its group and how it is scored."""

    key: ObjectKey
    name: str
    group: str
    kind: ObjectKind
    area_class: str = "A"
    grids: int = 1


@dataclass(frozen=True)
class Piece:
    """One scored object, encoded but for its place in its group."""

    subject: Subject
    counters: Counters
    composite: float
    head: bytes  # {"type":…,"kind":…   (no closing brace)
    tail: bytes  # "composite":…,"terms":[…]}
    order: tuple[float, str] = field(init=False, repr=False, compare=False)  # best first

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", (-self.composite, self.subject.key.id))


Scored = tuple[Subject, Counters, Score]
Placed = tuple[bytes, bytes, bytes]  # an object's JSON: its piece's head, its place, its tail
_OBJECTS = TypeAdapter(list[RankedObject])


def encode(data: Any) -> bytes:
    """JSON as pydantic writes it for the wire models: compact, UTF-8, fields in order."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def piece(policy: AssessmentPolicy, subject: Subject, counters: Counters, result: Score) -> Piece:
    """The object's JSON in :class:`RankedObject`'s field order, each value of its field's
    type (every float field a float)."""
    head = encode(
        {
            "type": subject.key.type,
            "id": subject.key.id,
            "name": subject.name,
            "group": subject.group,
            "kind": subject.kind,
        }
    )[:-1]
    tail = encode(
        {
            "composite": float(result.composite),
            "grade": result.grade,
            "counters": {name: float(v) for name, v in vars(counters).items() if v},
            "figures": [
                {
                    "id": rid,
                    "zh": policy.ratios[rid].zh,
                    "en": policy.ratios[rid].en,
                    "numerator": float(value.numerator),
                    "denominator": float(value.denominator),
                    "percent": None if value.percent is None else float(value.percent),
                }
                for rid, value in result.ratios.items()
            ],
            "terms": [
                {
                    "source": term.source,
                    "weight": float(term.weight),
                    "raw": float(term.raw),
                    "points": float(term.points),
                }
                for term in result.terms
            ],
        }
    )[1:]
    return Piece(subject, counters, result.composite, head, tail)


def ranked_json(
    policy: AssessmentPolicy,
    pieces: Iterable[Piece],
    shown: Callable[[Piece], bool] | None = None,
) -> bytes:
    """The objects as a JSON list: by (type, group), best first; ties share the better
    rank; the group's bottom units flagged.  Ranks are taken among all ``pieces``; only
    those ``shown`` admits are listed (a street sees its own rows, with their ranks in
    the whole group, as a published ranking gives them)."""
    return b"[" + _joined(ranked_objects(policy, pieces, shown)) + b"]"


def ranked_objects(
    policy: AssessmentPolicy,
    pieces: Iterable[Piece],
    shown: Callable[[Piece], bool] | None = None,
) -> list[Placed]:
    """The JSON of each object :func:`ranked_json` lists, in its order, in three parts
    (joined only into runs: a ~3 KB bytes object per object costs ~5× the joins)."""
    groups: dict[tuple[str, str], list[Piece]] = {}
    for item in pieces:
        groups.setdefault((item.subject.key.type, item.subject.group), []).append(item)
    out: list[Placed] = []
    bottom = policy.notice.bottom
    for _, members in sorted(groups.items()):
        members.sort(key=_ORDER)
        size = len(members)
        composites = [member.composite for member in members]
        first_at: dict[float, int] = {}
        for index, composite in enumerate(composites):
            first_at.setdefault(composite, index + 1)
        for member in members:
            if shown is not None and not shown(member):
                continue
            low = _bottom(member.composite, composites, bottom)
            out.append((member.head, _place(first_at[member.composite], size, low), member.tail))
    return out


_ORDER = attrgetter("order")


@lru_cache(maxsize=16_384)
def _place(rank: int, size: int, low: bool) -> bytes:
    """The JSON of an object's place in its group (the same few for every object)."""
    place = f',"rank":{rank},"group_size":{size},"bottom":{"true" if low else "false"},'
    return place.encode()


def in_runs(head: bytes, objects: list[Placed], tail: bytes) -> list[bytes]:
    """``head``, the objects as a comma-separated list in runs of :data:`RUN`, and ``tail``:
    joined, a JSON document whose runs a later answer mostly shares (see ``deflate``)."""
    starts = range(0, len(objects), RUN)
    return [head, *(_joined(objects[at : at + RUN], after=at > 0) for at in starts), tail]


def _joined(objects: Iterable[Placed], *, after: bool = False) -> bytes:
    """The objects' JSON, comma-separated (and led by a comma if ``after`` others)."""
    flat: list[bytes] = []
    for placed in objects:
        flat += (b",", *placed)
    return b"".join(flat if after else flat[1:])


def ranked(policy: AssessmentPolicy, scored: Iterable[Scored]) -> list[RankedObject]:
    """The ranked objects as models."""
    pieces = [piece(policy, subject, counters, result) for subject, counters, result in scored]
    return _OBJECTS.validate_json(ranked_json(policy, pieces))


class Pieces:
    """The pieces of the last rankings of a few periods, per object."""

    def __init__(self) -> None:
        self._periods: OrderedDict[tuple[str, str], dict[ObjectKey, tuple[Hashable, Piece]]] = (
            OrderedDict()
        )

    def get(
        self,
        period: tuple[str, str],  # the period's name and the policy version
        subject: Subject,
        stamp: Hashable,  # what the object's counters are made from: equal stamps, equal counters
        made: Callable[[], Piece],
    ) -> Piece:
        held = self._periods.get(period)
        if held is None:
            held = self._periods[period] = {}
            while len(self._periods) > PERIODS_KEPT:
                self._periods.popitem(last=False)
        self._periods.move_to_end(period)
        found = held.get(subject.key)
        if found is None or found[0] != stamp or not _same(found[1].subject, subject):
            found = held[subject.key] = (stamp, made())
        return found[1]


def _same(held: Subject, subject: Subject) -> bool:
    return held is subject or held == subject


def _bottom(composite: float, composites: list[float], bottom: int) -> bool:
    """Among the group's bottom ``bottom`` (best first), unless tied with the best: a
    group where everyone scores the same has no bottom units."""
    size = len(composites)
    return size > bottom and composite <= composites[size - bottom] and composite < composites[0]
