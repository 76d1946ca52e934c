"""The demo district's users: desk roles, a supervisor per street, a handler per department."""

from __future__ import annotations

from backend.seed.behaviour import STAFF_GIVEN, STAFF_SURNAMES
from backend.services.admin import UserSpec
from backend_client.vocab import Role


def person(index: int) -> str:
    surname = STAFF_SURNAMES[index % len(STAFF_SURNAMES)]
    given = STAFF_GIVEN[(index * 7) % len(STAFF_GIVEN)]
    given += STAFF_GIVEN[(index * 13 + 3) % len(STAFF_GIVEN)]
    return surname + given


def demo_users(
    district_code: str, streets: list[tuple[str, str]], departments: list[str]
) -> list[UserSpec]:
    users: list[UserSpec] = []
    n = 0

    def add(username: str, role: Role, scope: str, dept: str | None = None) -> None:
        nonlocal n
        users.append(UserSpec(username, person(n), role, scope, dept))
        n += 1

    add("lead", Role.SHIFT_LEAD, district_code)
    add("lead2", Role.SHIFT_LEAD, district_code)
    for i in range(1, 4):
        add(f"dispatcher{i}", Role.DISPATCHER, district_code)
    for i in range(1, 5):
        add(f"operator{i}", Role.OPERATOR, district_code)
    add("leader", Role.LEADER, district_code)
    add("admin", Role.ADMIN, district_code)
    for street_code, _name in streets:
        add(f"sup{street_code[-3:]}", Role.SUPERVISOR, street_code)
    for dept in departments:
        add(f"h_{dept.lower()}", Role.HANDLER, district_code, dept)
    return users
