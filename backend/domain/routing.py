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
        if rule.category_kind and rule.category_kind != category_kind:
            continue
        if not category_code.startswith(rule.category_prefix):
            continue
        if not grid_code.startswith(rule.region_prefix):
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
