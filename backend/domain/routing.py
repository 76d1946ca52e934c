"""Who gets a case: the routing rule precedence, in one place.

A rule maps (category, region) to a department; empty fields match anything.  The
most specific rule wins — a longer category prefix first (a rule naming the kind
counts one more), then a longer region prefix, the first rule on a tie — and when no
rule matches, the street office of the case's street takes it (属地兜底).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar


class RuleLike(Protocol):
    @property
    def category_kind(self) -> str | None: ...
    @property
    def category_prefix(self) -> str: ...
    @property
    def region_prefix(self) -> str: ...
    @property
    def department_id(self) -> int: ...


class DepartmentLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def region_code(self) -> str | None: ...


D = TypeVar("D", bound=DepartmentLike)


def _matches(rule: RuleLike, category_kind: str, category_code: str, grid_code: str) -> bool:
    return (
        (not rule.category_kind or rule.category_kind == category_kind)
        and category_code.startswith(rule.category_prefix)
        and grid_code.startswith(rule.region_prefix)
    )


def choose_department(
    rules: Iterable[RuleLike],
    departments: Mapping[int, D],
    category_kind: str,
    category_code: str,
    grid_code: str,
) -> D | None:
    best: tuple[int, int] | None = None
    chosen: D | None = None
    for rule in rules:
        if not _matches(rule, category_kind, category_code, grid_code):
            continue
        score = (
            len(rule.category_prefix) + (1 if rule.category_kind else 0),
            len(rule.region_prefix),
        )
        if best is None or score > best:
            best, chosen = score, departments.get(rule.department_id)
    if chosen is not None:
        return chosen
    street = grid_code[:9]
    for dept in departments.values():
        if dept.kind == "street_office" and dept.region_code == street:
            return dept
    return None


def serves(
    dept: DepartmentLike,
    rules: Iterable[RuleLike],
    dept_id: int,
    category_kind: str,
    category_code: str,
    grid_code: str,
) -> bool:
    """Whether the unit serves this grid for this category: a routing rule for the
    category and grid names it, or its own area (a street office's street) holds the grid."""
    if dept.region_code and grid_code.startswith(dept.region_code):
        return True
    return any(
        rule.department_id == dept_id and _matches(rule, category_kind, category_code, grid_code)
        for rule in rules
    )


def area_of(dept: DepartmentLike, grid_code: str) -> str:
    """The region a unit works in: its own region code, or for a district-wide unit
    (no region code) the district (the first 6 digits) of the grid in question."""
    return dept.region_code or grid_code[:6]


def allowed_targets(
    rules: Iterable[RuleLike],
    departments: Mapping[int, D],
    category_kind: str,
    category_code: str,
    grid_code: str,
    scope_prefix: str,
) -> list[D]:
    """The units a dispatcher whose scope prefix is ``scope_prefix`` may send this case
    to: those serving the grid, and any unit whose area lies inside the dispatcher's own
    jurisdiction (a district dispatcher may use every district unit)."""
    rule_list = list(rules)
    return [
        dept
        for dept_id, dept in departments.items()
        if area_of(dept, grid_code).startswith(scope_prefix)
        or serves(dept, rule_list, dept_id, category_kind, category_code, grid_code)
    ]
