"""The assessment policy (考核评价标准), loaded from ``backend/data/assessment.toml``.

The loader checks the file as a whole and refuses, with a sentence naming the place, a
ratio over an unknown counter, a term over an unknown ratio or band, bands out of order,
and an object whose best possible score is not 100 (the published region weights that sum
to 70% would fail here).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from backend.domain.assessment.counters import COUNTER_NAMES
from backend.domain.timelimits import Limit, PolicyError

ObjectKind = Literal["supervisor", "operator", "shift_lead", "dispatcher", "department", "region"]
OBJECT_KINDS: tuple[ObjectKind, ...] = (
    "supervisor",
    "operator",
    "shift_lead",
    "dispatcher",
    "department",
    "region",
)
AREA_CLASSES = ("A", "B", "C")
GRADE_LETTERS = ("A", "B", "C", "D")
_BEST = 100.0


class AssessmentPolicyError(PolicyError):
    """The assessment policy file is invalid; the message says where and what."""


@dataclass(frozen=True)
class RatioRule:
    id: str
    zh: str
    en: str
    numerator: str
    denominator: str
    add_to_numerator: str | None = None
    subtract: str | None = None
    add_to_denominator: str | None = None

    def counters(self) -> tuple[str, ...]:
        named = (
            self.numerator,
            self.denominator,
            self.add_to_numerator,
            self.subtract,
            self.add_to_denominator,
        )
        return tuple(name for name in named if name is not None)


@dataclass(frozen=True)
class Band:
    id: str
    rule: Literal["at_most", "at_least"]
    steps: tuple[tuple[float, float], ...]
    otherwise: float

    def score(self, count: float) -> float:
        for limit, score in self.steps:
            if (count <= limit) if self.rule == "at_most" else (count >= limit):
                return score
        return self.otherwise

    @property
    def best(self) -> float:
        return max([self.otherwise, *(score for _, score in self.steps)])


@dataclass(frozen=True)
class Term:
    weight: float
    ratio: str | None = None
    complement: bool = False
    bands: Mapping[str, str] | None = None  # area class → band id ("*" for every class)
    counter: str | None = None

    def band_for(self, area_class: str) -> str:
        assert self.bands is not None
        return self.bands.get(area_class) or self.bands["*"]


@dataclass(frozen=True)
class ObjectRule:
    kind: ObjectKind
    zh: str
    en: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Targets:
    on_time_closing_rate: float
    disposal_rate: float
    satisfaction_rate: float


@dataclass(frozen=True)
class NoticeRule:
    failed_checks: int
    bottom: int
    top_categories: int
    top_grids: int


@dataclass(frozen=True)
class CallbackRule:
    limit: Limit
    redo_on_dissatisfied: bool


@dataclass(frozen=True)
class AppealRule:
    window: Limit
    review: Limit
    restores: Mapping[str, str]  # counter an upheld appeal adds → the count it needs
    withdraws: frozenset[str]  # penalty counters an upheld appeal takes off

    @property
    def counters(self) -> frozenset[str]:
        """Every counter a deduction can be appealed on."""
        return frozenset(self.restores) | self.withdraws


@dataclass(frozen=True)
class AssessmentPolicy:
    version: str
    grades: tuple[tuple[str, float], ...]  # (letter, lowest score), best first; below → "E"
    targets: Targets
    notice: NoticeRule
    callback: CallbackRule
    appeal: AppealRule
    ratios: Mapping[str, RatioRule]
    bands: Mapping[str, Band]
    objects: Mapping[ObjectKind, ObjectRule]

    def grade(self, score: float) -> str:
        for letter, lowest in self.grades:
            if score >= lowest:
                return letter
        return "E"

    @classmethod
    def load(cls, path: Path | None = None) -> AssessmentPolicy:
        if path is None:
            text = resources.files("backend").joinpath("data", "assessment.toml").read_text("utf-8")
            where = "assessment.toml"
        else:
            text, where = path.read_text(encoding="utf-8"), str(path)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise AssessmentPolicyError(f"{where} is not valid TOML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssessmentPolicy:
        _keys(
            data,
            "the file",
            {"version", "grades", "targets", "notice", "callback", "appeal"},
            {"ratios", "bands", "objects"},
        )
        ratios = {rid: _ratio(rid, body) for rid, body in _table(data, "ratios").items()}
        bands = {bid: _band(bid, body) for bid, body in _table(data, "bands").items()}
        objects: dict[ObjectKind, ObjectRule] = {}
        for kind, body in _table(data, "objects").items():
            if kind not in OBJECT_KINDS:
                raise AssessmentPolicyError(
                    f"objects.{kind} is not an evaluation object; "
                    f"use one of {', '.join(OBJECT_KINDS)}"
                )
            objects[kind] = _object(kind, body, ratios, bands)
        missing = [kind for kind in OBJECT_KINDS if kind not in objects]
        if missing:
            raise AssessmentPolicyError(f"objects.{missing[0]} is missing")
        return cls(
            version=str(data["version"]),
            grades=_grades(_table(data, "grades")),
            targets=Targets(**_fractions(_table(data, "targets"), "targets", Targets)),
            notice=_notice(_table(data, "notice")),
            callback=_callback(_table(data, "callback")),
            appeal=_appeal(_table(data, "appeal")),
            ratios=ratios,
            bands=bands,
            objects=objects,
        )


def _keys(table: Mapping[str, Any], where: str, required: set[str], optional: set[str]) -> None:
    unknown = sorted(set(table) - required - optional)
    if unknown:
        raise AssessmentPolicyError(f"{where}: unknown key {unknown[0]!r}")
    missing = sorted(required - set(table))
    if missing:
        raise AssessmentPolicyError(f"{where}: {missing[0]!r} is missing")


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise AssessmentPolicyError(f"{key} must be a table")
    return value


def _counter(name: object, where: str) -> str:
    if not isinstance(name, str) or name not in COUNTER_NAMES:
        raise AssessmentPolicyError(f"{where}: {name!r} is not a counter the log provides")
    return name


def _ratio(rid: str, body: Mapping[str, Any]) -> RatioRule:
    where = f"ratios.{rid}"
    _keys(
        body,
        where,
        {"zh", "en", "numerator", "denominator", "source"},
        {"add_to_numerator", "subtract", "add_to_denominator"},
    )
    optional = {
        key: _counter(body[key], f"{where}.{key}")
        for key in ("add_to_numerator", "subtract", "add_to_denominator")
        if key in body
    }
    return RatioRule(
        id=rid,
        zh=str(body["zh"]),
        en=str(body["en"]),
        numerator=_counter(body["numerator"], f"{where}.numerator"),
        denominator=_counter(body["denominator"], f"{where}.denominator"),
        **optional,
    )


def _band(bid: str, body: Mapping[str, Any]) -> Band:
    where = f"bands.{bid}"
    _keys(body, where, {"rule", "steps", "otherwise", "source"}, set())
    rule = body["rule"]
    if rule not in ("at_most", "at_least"):
        raise AssessmentPolicyError(f"{where}.rule must be 'at_most' or 'at_least', not {rule!r}")
    steps: list[tuple[float, float]] = []
    for step in body["steps"]:
        if not (isinstance(step, list) and len(step) == 2 and all(_number(x) for x in step)):
            raise AssessmentPolicyError(f"{where}.steps: each step is [limit, score]")
        steps.append((float(step[0]), float(step[1])))
    limits = [limit for limit, _ in steps]
    ordered = sorted(limits) if rule == "at_most" else sorted(limits, reverse=True)
    if limits != ordered or len(set(limits)) != len(limits):
        order = "rising" if rule == "at_most" else "falling"
        raise AssessmentPolicyError(f"{where}.steps: limits must be {order} and distinct")
    if not _number(body["otherwise"]):
        raise AssessmentPolicyError(f"{where}.otherwise must be a number")
    return Band(id=bid, rule=rule, steps=tuple(steps), otherwise=float(body["otherwise"]))


def _term(
    where: str, body: Mapping[str, Any], ratios: Mapping[str, RatioRule], bands: Mapping[str, Band]
) -> Term:
    _keys(body, where, {"weight"}, {"ratio", "complement", "band", "band_by_class", "counter"})
    weight = body["weight"]
    if not _number(weight) or weight <= 0:
        raise AssessmentPolicyError(f"{where}.weight must be a positive number")
    kinds = [key for key in ("ratio", "band", "band_by_class") if key in body]
    if len(kinds) != 1:
        raise AssessmentPolicyError(f"{where}: give exactly one of ratio, band, band_by_class")
    if "ratio" in body:
        if body["ratio"] not in ratios:
            raise AssessmentPolicyError(f"{where}: no ratio {body['ratio']!r} in [ratios]")
        if "counter" in body:
            raise AssessmentPolicyError(f"{where}: a ratio term takes no counter")
        return Term(
            weight=float(weight), ratio=body["ratio"], complement=bool(body.get("complement"))
        )
    if "complement" in body:
        raise AssessmentPolicyError(f"{where}: complement applies to ratio terms only")
    by_class: Mapping[str, Any] = {"*": body["band"]} if "band" in body else body["band_by_class"]
    if "band_by_class" in body and sorted(by_class) != sorted(AREA_CLASSES):
        raise AssessmentPolicyError(f"{where}.band_by_class names each of A, B and C")
    for band in by_class.values():
        if band not in bands:
            raise AssessmentPolicyError(f"{where}: no band {band!r} in [bands]")
    counter = _counter(body.get("counter"), f"{where}.counter")
    return Term(weight=float(weight), bands=dict(by_class), counter=counter)


def _object(
    kind: ObjectKind,
    body: Mapping[str, Any],
    ratios: Mapping[str, RatioRule],
    bands: Mapping[str, Band],
) -> ObjectRule:
    where = f"objects.{kind}"
    _keys(body, where, {"zh", "en", "terms"}, set())
    terms = tuple(
        _term(f"{where}.terms[{i}]", term, ratios, bands) for i, term in enumerate(body["terms"])
    )
    for area_class in AREA_CLASSES:
        best = sum(_term_best(term, area_class, bands) for term in terms)
        if abs(best - _BEST) > 1e-6:
            raise AssessmentPolicyError(
                f"{where}: the best possible score is {best:g}, not 100; check the weights"
            )
    return ObjectRule(kind=kind, zh=str(body["zh"]), en=str(body["en"]), terms=terms)


def _term_best(term: Term, area_class: str, bands: Mapping[str, Band]) -> float:
    if term.ratio is not None:
        return term.weight * _BEST
    return term.weight * bands[term.band_for(area_class)].best


def _grades(body: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    _keys(body, "grades", set(GRADE_LETTERS), set())
    grades = tuple((letter, float(body[letter])) for letter in GRADE_LETTERS)
    lows = [low for _, low in grades]
    if lows != sorted(lows, reverse=True) or len(set(lows)) != len(lows) or lows[0] > _BEST:
        raise AssessmentPolicyError("grades: A > B > C > D, each at most 100")
    return grades


def _fractions(body: Mapping[str, Any], where: str, model: type[Targets]) -> dict[str, float]:
    names = {field.name for field in fields(model)}
    _keys(body, where, names, set())
    values = {}
    for name in names:
        value = body[name]
        if not _number(value) or not 0 < value <= 1:
            raise AssessmentPolicyError(f"{where}.{name} is a fraction between 0 and 1")
        values[name] = float(value)
    return values


def _whole(body: Mapping[str, Any], where: str, key: str) -> int:
    value = body[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise AssessmentPolicyError(f"{where}.{key} is a whole number of at least 1")
    return value


def _notice(body: Mapping[str, Any]) -> NoticeRule:
    keys = {"failed_checks", "bottom", "top_categories", "top_grids"}
    _keys(body, "notice", keys, set())
    return NoticeRule(**{key: _whole(body, "notice", key) for key in keys})


def _limit(body: Mapping[str, Any], where: str, key: str) -> Limit:
    try:
        return Limit.parse(str(body[key]))
    except PolicyError as exc:
        raise AssessmentPolicyError(f"{where}.{key}: {exc}") from exc


def _callback(body: Mapping[str, Any]) -> CallbackRule:
    _keys(body, "callback", {"limit", "redo_on_dissatisfied"}, set())
    redo = body["redo_on_dissatisfied"]
    if not isinstance(redo, bool):
        raise AssessmentPolicyError("callback.redo_on_dissatisfied is true or false")
    return CallbackRule(limit=_limit(body, "callback", "limit"), redo_on_dissatisfied=redo)


def _appeal(body: Mapping[str, Any]) -> AppealRule:
    _keys(body, "appeal", {"window", "review", "restores", "withdraws"}, set())
    restores, withdraws = body["restores"], body["withdraws"]
    if not isinstance(restores, Mapping) or not isinstance(withdraws, list):
        raise AssessmentPolicyError("appeal.restores is a table and appeal.withdraws a list")
    restored = {
        _counter(name, "appeal.restores"): _counter(base, f"appeal.restores.{name}")
        for name, base in restores.items()
    }
    withdrawn = frozenset(_counter(name, "appeal.withdraws") for name in withdraws)
    if withdrawn & set(restored):
        raise AssessmentPolicyError("appeal: a counter is either restored or withdrawn")
    return AppealRule(
        window=_limit(body, "appeal", "window"),
        review=_limit(body, "appeal", "review"),
        restores=restored,
        withdraws=withdrawn,
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
