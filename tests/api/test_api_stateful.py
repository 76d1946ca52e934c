"""Model-based test: random actions by random users against the live server.

The model is the pure state machine.  For every step the server must answer exactly
what the model predicts (2xx / 403 / 404 / 409 / 422) and end in the predicted state.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from backend.domain import statemachine as sm
from backend_client.vocab import Action, CaseState, PendingKind, Role
from tests.conftest import Seeded, Server

USERS = {
    "lead": Role.SHIFT_LEAD,
    "dispatcher1": Role.DISPATCHER,
    "operator1": Role.OPERATOR,
    "sup001": Role.SUPERVISOR,
    "h_hw": Role.HANDLER,
    "leader": Role.LEADER,
}
ACTIONS = [a for a in Action if a is not Action.REPORT]


def make_machine(server: Server, seeded: Seeded) -> type[RuleBasedStateMachine]:
    clients = {
        name: httpx.Client(
            base_url=server.api,
            headers={"Authorization": f"Bearer {seeded.tokens[name]}"},
            timeout=30.0,
        )
        for name in USERS
    }
    grid = next(
        c["code"] for c in clients["lead"].get("/grids").json() if c["code"].startswith("110112001")
    )

    def new_case() -> str:
        body = {
            "source": "hotline",
            "category_kind": "matter",
            "category_code": "06042",
            "description": "model test",
            "grid_code": grid,
        }
        r = clients["lead"].post("/cases", json=body)
        assert r.status_code == 201, r.text
        serial: str = r.json()["case"]["serial"]
        return serial

    class ServerMatchesModel(RuleBasedStateMachine):
        serial = ""
        target = ""

        @initialize()
        def start(self) -> None:
            self.serial, self.target = new_case(), new_case()
            self.state = CaseState.REPORTED
            self.pending: PendingKind | None = None
            self.department: str | None = None
            self.before_merge = CaseState.REPORTED

        def fields(self, flag: bool) -> dict[str, Any]:
            return {
                "department_code": "HW",
                "reason": "model",
                "note": "model",
                "hours": 2,
                "approve": flag,
                "passed": flag,
                "truthful": flag,
                "target": self.target,
                "supervisor": "sup001",
            }

        @rule(
            action=st.sampled_from(ACTIONS), user=st.sampled_from(list(USERS)), flag=st.booleans()
        )
        def act(self, action: Action, user: str, flag: bool) -> None:
            role = USERS[user]
            body = {"action": action.value, **self.fields(flag)}
            response = clients[user].post(f"/cases/{self.serial}/actions", json=body)
            expected, plan = self.predict(action, role, flag)
            assert response.status_code == expected, (
                self.state,
                self.pending,
                action,
                user,
                response.text,
            )
            if plan is None:
                return
            if sm.Effect.SET_PENDING in plan.effects:
                self.pending = sm.pending_kind_for(action)
            if sm.Effect.CLEAR_PENDING in plan.effects:
                self.pending = None
            if sm.Effect.SET_DEPARTMENT in plan.effects:
                self.department = "HW"
            if sm.Effect.CLEAR_DEPARTMENT in plan.effects:
                self.department = None
            if sm.Effect.MERGE in plan.effects:
                self.before_merge = self.state
            if plan.outcome.clock is sm.ClockEffect.RESTORE:
                self.state = self.before_merge
            else:
                self.state = plan.next_state
            case = response.json()["case"]
            assert case["state"] == self.state.value
            assert case["pending"] == (self.pending.value if self.pending else None)

        def predict(self, action: Action, role: Role, flag: bool) -> tuple[int, sm.Plan | None]:
            if role is Role.HANDLER and self.department != "HW":
                return 404, None  # a handler cannot even see a case not sent to them
            try:
                plan = sm.plan(self.state, self.pending, action, role, self.fields(flag))
            except sm.IllegalTransition:
                return 409, None
            except sm.RoleForbidden:
                return 403, None
            except sm.TransitionError:
                return 422, None
            if action is Action.MERGE and not self.target_open():
                return 409, None
            return 200, plan

        def target_open(self) -> bool:
            state = clients["lead"].get(f"/cases/{self.target}").json()["state"]
            return bool(CaseState(state).is_open)

        @invariant()
        def server_agrees(self) -> None:
            if not self.serial:
                return
            case = clients["lead"].get(f"/cases/{self.serial}").json()
            assert case["state"] == self.state.value
            assert case["department_code"] == self.department
            assert case["timeline"][0]["action"] == "report"

    return ServerMatchesModel


@pytest.mark.slow
def test_server_matches_state_machine(server: Server, seeded: Seeded) -> None:
    machine = make_machine(server, seeded)
    machine.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine.TestCase().runTest()
