"""Scored objects ranked within their comparable groups, as the API answers them.

A month's region ranking is ~2,400 objects with ~20 figures and terms each (~50,000
models). The API's answer is built as plain JSON data, each value already of its field's
type (every float field a float), and encoded once: :func:`ranked_json`. Models are made
only where code reads them (:func:`ranked`); a test checks both give the same JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from backend.domain.assessment.counters import Counters
from backend.domain.assessment.policy import AssessmentPolicy, ObjectKind
from backend.domain.assessment.scoring import Score
from backend.domain.assessment.tally import ObjectKey
from backend_client.assessment import RankedObject


@dataclass(frozen=True)
class Subject:
    """An evaluation object as it is ranked: its name, its group and how it is scored."""

    key: ObjectKey
    name: str
    group: str
    kind: ObjectKind
    area_class: str = "A"
    grids: int = 1


Scored = tuple[Subject, Counters, Score]
_OBJECTS = TypeAdapter(list[RankedObject])


def ranked(policy: AssessmentPolicy, scored: Iterable[Scored]) -> list[RankedObject]:
    """The ranked objects as models."""
    return _OBJECTS.validate_python(ranked_data(policy, scored))


def encode(data: Any) -> bytes:
    """JSON as pydantic writes it for the wire models: compact, UTF-8, fields in order."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def ranked_data(policy: AssessmentPolicy, scored: Iterable[Scored]) -> list[dict[str, Any]]:
    """Ranks within each (type, group), best first; ties share the better rank. Plain
    data in :class:`RankedObject`'s field order and types."""
    groups: dict[tuple[str, str], list[Scored]] = {}
    for item in scored:
        groups.setdefault((item[0].key.type, item[0].group), []).append(item)
    out: list[dict[str, Any]] = []
    bottom = policy.notice.bottom
    for (_, group), members in sorted(groups.items()):
        members.sort(key=lambda item: (-item[2].composite, item[0].key.id))
        size = len(members)
        composites = [score_.composite for _, _, score_ in members]
        first_at: dict[float, int] = {}
        for index, composite in enumerate(composites):
            first_at.setdefault(composite, index + 1)  # ties share the better rank
        for subject, counters, result in members:
            out.append(
                {
                    "type": subject.key.type,
                    "id": subject.key.id,
                    "name": subject.name,
                    "group": group,
                    "kind": subject.kind,
                    "rank": first_at[result.composite],
                    "group_size": size,
                    "bottom": _bottom(result.composite, composites, bottom),
                    "composite": float(result.composite),
                    "grade": result.grade,
                    "counters": _nonzero(counters),
                    "figures": _figures(policy, result),
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
            )
    return out


def _figures(policy: AssessmentPolicy, result: Score) -> list[dict[str, Any]]:
    return [
        {
            "id": rid,
            "zh": policy.ratios[rid].zh,
            "en": policy.ratios[rid].en,
            "numerator": float(value.numerator),
            "denominator": float(value.denominator),
            "percent": None if value.percent is None else float(value.percent),
        }
        for rid, value in result.ratios.items()
    ]


def _bottom(composite: float, composites: list[float], bottom: int) -> bool:
    """Among the group's bottom ``bottom`` (best first), unless tied with the best: a
    group where everyone scores the same has no bottom units."""
    size = len(composites)
    return size > bottom and composite <= composites[size - bottom] and composite < composites[0]


def _nonzero(counters: Counters) -> dict[str, float]:
    return {name: float(value) for name, value in vars(counters).items() if value}
