"""Who is acting, and what they may see: the one place for jurisdiction rules.

A user sees cases whose grid code starts with their jurisdiction's scope prefix
(grid codes nest: district 6 digits, street 9, community 12).  A department
handler additionally sees only cases dispatched to their department; on the
event stream they also see the event that takes a case away from them.

Events follow one rule (:meth:`Actor.event_sight`): an event reaches whoever may see
the event; it carries the case row only to whoever may see that row; anyone else who
may see the event gets only "you lost sight of this case" (serial and seq).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from backend_client.vocab import Role


class Sight(Enum):
    HIDDEN = "hidden"  # the event is not for this actor
    GONE = "gone"  # the event is, the case row it would carry is not: "drop this case"
    FULL = "full"  # the event with the case row


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    display_name: str
    role: Role
    jurisdiction_code: str
    scope_prefix: str
    department_id: int | None

    @property
    def is_handler(self) -> bool:
        return self.role is Role.HANDLER

    def sees_case(self, grid_code: str, department_id: int | None) -> bool:
        if not grid_code.startswith(self.scope_prefix):
            return False
        return not self.is_handler or department_id == self.department_id

    def sees_event(
        self, grid_code: str, department_id: int | None, prev_department_id: int | None
    ) -> bool:
        if not grid_code.startswith(self.scope_prefix):
            return False
        if not self.is_handler:
            return True
        return self.department_id in (department_id, prev_department_id)

    def event_sight(
        self,
        grid_code: str,
        department_id: int | None,
        prev_department_id: int | None,
        case_grid_code: str,
        case_department_id: int | None,
    ) -> Sight:
        """What of an event (its grid and departments at the time) this actor receives,
        given the case row it would carry (the row now, or as that event left it)."""
        if not self.sees_event(grid_code, department_id, prev_department_id):
            return Sight.HIDDEN
        if self.sees_case(case_grid_code, case_department_id):
            return Sight.FULL
        return Sight.GONE
