"""Who is acting, and what they may see: the one place for jurisdiction rules.

A user sees cases whose grid code starts with their jurisdiction's scope prefix
(grid codes nest: district 6 digits, street 9, community 12).  A department
handler additionally sees only cases dispatched to their department; on the
event stream they also see the event that takes a case away from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend_client.vocab import Role


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
