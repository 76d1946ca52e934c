"""Time-limit policy (时限标准): how long each timed stage of a case may take.

The numbers live in ``backend/data/timelimits.toml``; this module parses and
validates that file and answers "what is the limit / deadline for this case".
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from backend.domain.calendar import CLOCK_UNITS, WorkingCalendar, to_utc
from backend_client.text import is_digits
from backend_client.vocab import AreaClass, CategoryKind, Stage, TimeUnit, Urgency

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "timelimits.toml"
WARN_FRACTION = 0.8  # yellow light once 80% of the limit is used

_UNIT_ZH = {
    TimeUnit.WORKING_HOUR: "工作时",
    TimeUnit.CLOCK_HOUR: "小时",
    TimeUnit.WORKING_DAY: "工作日",
    TimeUnit.NATURAL_DAY: "自然日",
}
_UNIT_EN = {
    TimeUnit.WORKING_HOUR: ("working hour", "working hours"),
    TimeUnit.CLOCK_HOUR: ("hour", "hours"),
    TimeUnit.WORKING_DAY: ("working day", "working days"),
    TimeUnit.NATURAL_DAY: ("calendar day", "calendar days"),
}
_MINUTE = "minute"  # file-only unit: clock minutes, stored as a fraction of a clock hour
_UNIT_WORDS = ", ".join([*(u.value for u in TimeUnit), _MINUTE])


class PolicyError(ValueError):
    """The time-limit policy data is invalid; the message says where and what is wrong."""


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: TimeUnit

    @classmethod
    def parse(cls, text: str) -> Limit:
        """Parse ``"4 working_hour"``, ``"2 working_day"``, ``"30 minute"`` …"""
        parts = text.split()
        try:
            amount = float(parts[0]) if len(parts) == 2 else math.nan
        except ValueError:
            amount = math.nan
        if not (amount > 0 and math.isfinite(amount)):
            raise PolicyError(f'{text!r} is not a limit like "4 working_hour" (a positive amount)')
        if parts[1] == _MINUTE:
            return cls(amount / 60, TimeUnit.CLOCK_HOUR)
        try:
            return cls(amount, TimeUnit(parts[1]))
        except ValueError:
            raise PolicyError(
                f"{text!r}: unknown unit {parts[1]!r}; use one of {_UNIT_WORDS}"
            ) from None

    def _minutes(self) -> int | None:
        """Whole minutes, for sub-hour clock limits, which read better as 10分钟."""
        minutes = self.amount * 60
        if (
            self.unit is TimeUnit.CLOCK_HOUR
            and self.amount < 1
            and abs(minutes - round(minutes)) < 1e-6
        ):
            return round(minutes)
        return None

    def label_zh(self) -> str:
        if (minutes := self._minutes()) is not None:
            return f"{minutes}分钟"
        return f"{self.amount:g}{_UNIT_ZH[self.unit]}"

    def label_en(self) -> str:
        if (minutes := self._minutes()) is not None:
            return f"{minutes} min"
        one, many = _UNIT_EN[self.unit]
        return f"{self.amount:g} {one if self.amount == 1 else many}"

    def hours(self) -> float | None:
        """Length in clock hours for clock units (None for working units)."""
        if self.unit not in CLOCK_UNITS:
            return None
        return self.amount * (24 if self.unit is TimeUnit.NATURAL_DAY else 1)


ClassLimits = Mapping[AreaClass, Limit]
StageLimits = Mapping[Urgency, ClassLimits]


@dataclass(frozen=True)
class Deadline:
    stage: Stage
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    limit: Limit


class TimeLimitPolicy:
    """Stage limits by urgency and area class, with per-category rules for disposal (处置).

    A disposal rule is keyed by a 5-digit small-class code or a 2-digit big-class code and a
    category kind; the most specific rule that defines the urgency wins (5-digit, then
    2-digit, then the stage default).
    """

    def __init__(
        self,
        stages: Mapping[Stage, StageLimits],
        rules: Mapping[tuple[str, CategoryKind], StageLimits] | None = None,
    ) -> None:
        for stage in Stage:
            for urgency in Urgency:
                missing = [c for c in AreaClass if c not in stages.get(stage, {}).get(urgency, {})]
                if missing:
                    raise PolicyError(
                        f"stages.{stage}.{urgency} has no limit for class {missing[0]}"
                    )
        self._stages = stages
        self._rules = dict(rules or {})
        for code, _kind in self._rules:
            if not (is_digits(code) and len(code) in (2, 5)):
                raise PolicyError(f"category code {code!r} must have 2 (big class) or 5 digits")
        self._check_urgent_not_longer()

    @classmethod
    def load(cls, path: Path | None = None) -> TimeLimitPolicy:
        """Load the policy TOML file (default ``backend/data/timelimits.toml``)."""
        path = path or DEFAULT_PATH
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read the time-limit file ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
        try:
            return cls.from_dict(data)
        except PolicyError as exc:
            raise PolicyError(f"{path}: {exc}") from exc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimeLimitPolicy:
        """Build a policy from the parsed TOML structure (see ``timelimits.toml``)."""
        _check_keys(data, "the file", {"class_scale", "stages", "dispose_rules"})
        scale = {AreaClass.A: 1.0, AreaClass.B: 1.0, AreaClass.C: 1.0}
        raw_scale = data.get("class_scale", {})
        _check_keys(raw_scale, "class_scale", {"B", "C"})
        for key, factor in raw_scale.items():
            if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
                raise PolicyError(f"class_scale.{key} must be a positive number")
            scale[AreaClass(key)] = float(factor)

        raw_stages = data.get("stages", {})
        _check_keys(raw_stages, "stages", {s.value for s in Stage})
        stages: dict[Stage, StageLimits] = {}
        for stage in Stage:
            where = f"stages.{stage}"
            table = raw_stages.get(stage.value)
            if table is None:
                raise PolicyError(f"{where} is missing")
            _check_keys(table, where, {"normal", "urgent"})
            limits = _parse_entry(table, where, scale)
            if set(limits) != set(Urgency):
                raise PolicyError(f"{where} needs both a normal and an urgent limit")
            stages[stage] = limits

        rules: dict[tuple[str, CategoryKind], StageLimits] = {}
        seen: dict[tuple[str, CategoryKind], int] = {}
        raw_rules = data.get("dispose_rules", [])
        if not isinstance(raw_rules, list):
            raise PolicyError("dispose_rules must be an array of [[dispose_rules]] tables")
        for index, rule in enumerate(raw_rules):
            where = f"dispose_rules[{index}]"
            _check_keys(rule, where, {"name", "codes", "kinds", "normal", "urgent"})
            codes = rule.get("codes")
            if (
                not isinstance(codes, list)
                or not codes
                or not all(isinstance(c, str) for c in codes)
            ):
                raise PolicyError(f"{where}.codes must be a non-empty list of code strings")
            kinds_raw = rule.get("kinds", [k.value for k in CategoryKind])
            try:
                kinds = [CategoryKind(k) for k in kinds_raw]
            except (TypeError, ValueError):
                raise PolicyError(
                    f'{where}.kinds must list "matter" and/or "component", not {kinds_raw!r}'
                ) from None
            limits = _parse_entry(rule, where, scale)
            if not limits:
                raise PolicyError(f"{where} needs a normal or an urgent limit")
            for code in codes:
                if not (is_digits(code) and len(code) in (2, 5)):
                    raise PolicyError(f"{where}: code {code!r} must have 2 (big class) or 5 digits")
                for kind in kinds:
                    if (code, kind) in seen:
                        raise PolicyError(
                            f"{where}: {kind} {code} is already covered by "
                            f"dispose_rules[{seen[code, kind]}]"
                        )
                    seen[code, kind] = index
                    rules[code, kind] = limits
        return cls(stages, rules)

    def limit_for(
        self,
        stage: Stage,
        *,
        urgency: Urgency,
        area_class: AreaClass,
        category_kind: CategoryKind | None = None,
        category_code: str | None = None,
    ) -> Limit:
        """The limit of ``stage``; categories only matter for DISPOSE.

        With no ``category_kind``, matter rules are tried before component rules.
        """
        if stage is Stage.DISPOSE and category_code:
            kinds = (
                [category_kind] if category_kind else [CategoryKind.MATTER, CategoryKind.COMPONENT]
            )
            for code in dict.fromkeys([category_code, category_code[:2]]):
                for kind in kinds:
                    limits = self._rules.get((code, kind), {}).get(urgency)
                    if limits is not None:
                        return limits[area_class]
        return self._stages[stage][urgency][area_class]

    def deadline(
        self,
        calendar: WorkingCalendar,
        stage: Stage,
        started_at: datetime,
        *,
        urgency: Urgency,
        area_class: AreaClass,
        category_kind: CategoryKind | None = None,
        category_code: str | None = None,
    ) -> Deadline:
        limit = self.limit_for(
            stage,
            urgency=urgency,
            area_class=area_class,
            category_kind=category_kind,
            category_code=category_code,
        )
        return self.deadline_for(calendar, stage, started_at, limit)

    @staticmethod
    def deadline_for(
        calendar: WorkingCalendar, stage: Stage, started_at: datetime, limit: Limit
    ) -> Deadline:
        """The deadline of a stage run with ``limit`` started at ``started_at``."""
        due_at, warn_at = TimeLimitPolicy.due_and_warn(calendar, started_at, limit)
        return Deadline(stage, to_utc(started_at), warn_at, due_at, limit)

    @staticmethod
    def due_and_warn(
        calendar: WorkingCalendar, started_at: datetime, limit: Limit
    ) -> tuple[datetime, datetime]:
        """When a stage run with ``limit`` started at ``started_at`` is due, and when its
        light turns yellow."""
        return calendar.span(started_at, limit.amount, limit.unit, WARN_FRACTION)

    @staticmethod
    def warn_point(
        calendar: WorkingCalendar, started_at: datetime, due_at: datetime, unit: TimeUnit
    ) -> datetime:
        """When the light turns yellow: ``WARN_FRACTION`` of the run's time is used up."""
        return calendar.fraction_point(started_at, due_at, unit, WARN_FRACTION)

    def _check_urgent_not_longer(self) -> None:
        """Catch data slips where an urgent limit is longer than the normal one it overrides."""
        cases: list[tuple[Stage, str | None, CategoryKind | None]] = [
            (s, None, None) for s in Stage
        ]
        cases += [(Stage.DISPOSE, code, kind) for code, kind in self._rules]
        for stage, code, kind in cases:
            for area in AreaClass:
                normal, urgent = (
                    self.limit_for(
                        stage, urgency=u, area_class=area, category_kind=kind, category_code=code
                    )
                    for u in (Urgency.NORMAL, Urgency.URGENT)
                )
                normal_h, urgent_h = normal.hours(), urgent.hours()
                same_unit = normal.unit is urgent.unit
                if (same_unit and urgent.amount > normal.amount) or (
                    normal_h is not None and urgent_h is not None and urgent_h > normal_h
                ):
                    what = f"{kind} {code}" if code else f"stage {stage}"
                    raise PolicyError(
                        f"{what}, class {area}: urgent limit {urgent.label_en()} is longer than "
                        f"the normal limit {normal.label_en()}"
                    )


def _check_keys(table: object, where: str, allowed: set[str]) -> None:
    if not isinstance(table, dict):
        raise PolicyError(f"{where} must be a table")
    if unknown := sorted(set(table) - allowed):
        raise PolicyError(
            f"{where}: unknown key {unknown[0]!r}; expected {', '.join(sorted(allowed))}"
        )


def _parse_entry(
    table: Mapping[str, Any], where: str, scale: Mapping[AreaClass, float]
) -> dict[Urgency, ClassLimits]:
    """Read the ``normal`` / ``urgent`` values of a stage or rule table."""
    return {
        urgency: _parse_classes(table[urgency.value], f"{where}.{urgency}", scale)
        for urgency in Urgency
        if urgency.value in table
    }


def _parse_classes(value: object, where: str, scale: Mapping[AreaClass, float]) -> ClassLimits:
    """One limit for every class, or ``{A = …, B = …, C = …}``; missing B/C scale A."""
    if isinstance(value, str):
        return dict.fromkeys(AreaClass, _parse_limit(value, where))
    if isinstance(value, dict):
        _check_keys(value, where, {c.value for c in AreaClass})
        if "A" not in value:
            raise PolicyError(f"{where} needs at least an A value")
        base = _parse_limit(value["A"], f"{where}.A")
        return {
            area: _parse_limit(value[area.value], f"{where}.{area}")
            if area.value in value
            else Limit(base.amount * scale[area], base.unit)
            for area in AreaClass
        }
    raise PolicyError(f'{where} must be a limit like "4 working_hour" or a table {{A = "…", …}}')


def _parse_limit(value: object, where: str) -> Limit:
    if not isinstance(value, str):
        raise PolicyError(f'{where} must be a string like "4 working_hour", not {value!r}')
    try:
        return Limit.parse(value)
    except PolicyError as exc:
        raise PolicyError(f"{where}: {exc}") from None
