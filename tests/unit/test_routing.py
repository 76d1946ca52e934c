"""Routing precedence: category before region, kind counts, street office fallback."""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain.routing import choose_department


@dataclass(frozen=True)
class Rule:
    category_kind: str | None
    category_prefix: str
    region_prefix: str
    department_id: int


@dataclass(frozen=True)
class Dept:
    code: str
    kind: str
    region_code: str | None = None


DEPTS = {
    1: Dept("HW", "professional"),
    2: Dept("ZF", "professional"),
    3: Dept("JD104", "street_office", "110112104"),
    4: Dept("TOWN-HW", "street_office", "110112104"),
    5: Dept("JD001", "street_office", "110112001"),
}
RULES = [
    Rule("matter", "06", "", 2),
    Rule("matter", "06010", "", 1),
    Rule("matter", "06010", "110112104", 4),
    Rule(None, "06010", "", 2),
]


def route(kind: str, code: str, grid: str) -> str | None:
    found = choose_department(RULES, DEPTS, kind, code, grid)
    return found.code if found else None


def test_most_specific_category_wins() -> None:
    assert route("matter", "06010", "110112001001001") == "HW"  # 06010 beats big class 06
    assert route("matter", "06011", "110112001001001") == "ZF"  # only the big class matches


def test_region_breaks_a_tie_on_category() -> None:
    assert route("matter", "06010", "110112104027002") == "TOWN-HW"


def test_naming_the_kind_beats_any_kind() -> None:
    assert route("component", "06010", "110112001001001") == "ZF"  # kind-less rule only


def test_street_office_is_the_fallback() -> None:
    assert route("matter", "09016", "110112001001001") == "JD001"
    assert route("matter", "09016", "110112104027002") == "JD104"
    assert route("matter", "09016", "110112999001001") is None


def test_a_street_dispatcher_may_use_the_units_serving_the_grid() -> None:
    from backend.domain.routing import allowed_targets

    grid = "110112001001001"
    street = {d.code for d in allowed_targets(RULES, DEPTS, "matter", "06010", grid, grid[:9])}
    assert street == {"HW", "ZF", "JD001"}  # every matching rule, and the grid's own office
    district = {d.code for d in allowed_targets(RULES, DEPTS, "matter", "06010", grid, grid[:6])}
    assert district == {d.code for d in DEPTS.values()}
