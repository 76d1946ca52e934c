"""One chunk of history: what all its cases share, and the loop that plays them.

:class:`_Generator` holds the users, departments, the category mix and the remembered
plans; each case is played by :class:`~backend.seed.history.case._CaseRun`.
"""

from __future__ import annotations

import gc
import random
from typing import Any

from backend.domain import statemachine
from backend.domain.workflow import CaseRecord, DeadlinePolicy
from backend.seed import behaviour as B
from backend.seed.history.case import _CaseRun
from backend.seed.history.plan import _Chunk
from backend.seed.history.reference import _Category, _Dept, _Reference, _Rule, _User, route
from backend.seed.history.rows import (
    US,
    Row,
)
from backend_client.vocab import (
    Action,
    AreaClass,
    CaseState,
    CategoryKind,
    Role,
    Source,
    Urgency,
)


class _Generator:
    """Turns a chunk's (time, grid, serial) plan into case rows and event rows."""

    def __init__(
        self,
        ref: _Reference,
        policy: DeadlinePolicy,
        end_us: int,
        redo_on_dissatisfied: bool = True,  # the assessment policy's [callback] rule
    ) -> None:
        self.ref = ref
        self.policy = policy
        self.end_us = end_us
        self.redo_on_dissatisfied = redo_on_dissatisfied
        roles: dict[str, list[_User]] = {}
        for u in ref.users:
            roles.setdefault(u.role, []).append(u)
        fallback = roles.get("admin") or roles.get("shift_lead") or ref.users
        if not fallback:
            raise ValueError("history needs the demo users: run 'citygrid seed' first")
        self.leads = roles.get("shift_lead") or fallback
        self.dispatchers = roles.get("dispatcher") or self.leads
        self.operators = roles.get("operator") or self.leads
        self.admin = fallback[0]
        self.depts = {d.id: d for d in ref.departments}
        self.offices = {d.region_code: d for d in ref.departments if d.kind == "street_office"}
        self.professional = [d for d in ref.departments if d.kind != "street_office"]
        self._category_rules: dict[tuple[str, str], list[_Rule]] = {}
        self._routes: dict[tuple[str, str, str], _Dept | None] = {}
        self._plans: dict[tuple[Any, ...], statemachine.Plan] = {}
        self._blanks: dict[tuple[str, str, str, bool, str], CaseRecord] = {}
        self.categories, self.category_cum = self._category_mix(ref.categories)
        self.source_cum = _cumulative(w for _, w in B.SOURCES)

    def _category_mix(self, categories: list[_Category]) -> tuple[list[_Category], list[float]]:
        """The matters and components with their cumulative weights (the report mix)."""
        pool = [c for c in categories if c.kind in ("matter", "component")]
        if not pool:
            raise ValueError("history needs the catalogue: run 'citygrid seed' first")
        return pool, _cumulative(B.category_weights(pool))

    def route(self, kind: str, code: str, grid: str) -> _Dept | None:
        key = (kind, code, grid)
        if key in self._routes:
            return self._routes[key]
        rules = self._category_rules.get((kind, code))
        if rules is None:  # the rules that can match this category, in table order
            rules = self._category_rules[(kind, code)] = [
                rule
                for rule in self.ref.rules
                if (not rule.category_kind or rule.category_kind == kind)
                and code.startswith(rule.category_prefix)
            ]
        found = self._routes[key] = route(rules, self.depts, kind, code, grid)
        return found

    def blank(self, cat: _Category, source: str, urgent: bool, area: str) -> CaseRecord:
        """A fresh record of a case about to be reported (a copy: records are changed)."""
        key = (cat.kind, cat.code, source, urgent, area)
        found = self._blanks.get(key)
        if found is None:
            found = self._blanks[key] = CaseRecord(
                state=CaseState.REPORTED,
                source=Source(source),
                urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
                area_class=AreaClass(area),
                category_kind=CategoryKind(cat.kind),
                category_code=cat.code,
            )
        return found.copy()

    def plan(
        self, record: CaseRecord, action: Action, role: Role, fields: dict[str, Any]
    ) -> statemachine.Plan:
        """The state machine's plan, remembered: a plan depends on the state, the pending
        request, the action, the role, which fields are given, the branch fields (the
        generator never gives a field as None or empty) and the running stage."""
        key = (
            record.state, record.pending_kind, action, role, tuple(fields),
            fields.get("passed"), fields.get("truthful"), fields.get("approve"),
            fields.get("result"), fields.get("redo"), record.stage,
        )  # fmt: skip
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = statemachine.plan(
                record.state, record.pending_kind, action, role, fields, record.stage
            )
        return found

    def chunk(self, spec: _Chunk) -> tuple[list[Row], list[Row]]:
        # Millions of fresh tuples would set off the cyclic collector again and again
        # (a third of the time); the rows hold no cycles, so it can rest meanwhile.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._chunk(spec)
        finally:
            if enabled:
                gc.enable()

    def _chunk(self, spec: _Chunk) -> tuple[list[Row], list[Row]]:
        rng = random.Random(spec.seed)
        cases: list[Row] = []
        events: list[Row] = []
        for i, (t0, gi, serial) in enumerate(
            zip(spec.times, spec.grids, spec.serials, strict=True)
        ):
            run = _CaseRun(self, rng, spec.first_id + i, serial, t0, gi, 0).play()
            for hurry in (1, 2):
                if run.last < self.end_us - 60 * US:
                    break
                # Would still be open at ``end``: the same case again, only faster.
                redo = random.Random(spec.seed ^ (i * 7919 + hurry))
                run = _CaseRun(self, redo, spec.first_id + i, serial, t0, gi, hurry).play()
            cases.append(run.row())
            events.extend(run.events)
        return cases, events


def _cumulative(weights: Any) -> list[float]:
    out: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out
