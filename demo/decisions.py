"""The simulator's decisions: who reports what where, and who does what next.

Pure functions of a seeded ``random.Random`` (see the tests): :func:`pick_category`,
:func:`draft_report`, :func:`plan_reaction`.  Every share, delay, name and note text
comes from the demo city's behaviour table (:mod:`backend.seed.behaviour`).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend.domain.tokens import IssuedToken
from backend.seed import behaviour as B
from backend_client.vocab import (
    Action,
    AttachmentPhase,
    CaseState,
    CategoryKind,
    PendingKind,
    Role,
    Source,
    Stage,
    Urgency,
)
from backend_client.wire import ActionRequest, AttachmentRef, CaseCreate, CaseSummary, Category

# --- the report mix ---------------------------------------------------------------------------


def pick_category(rng: random.Random, catalogue: Sequence[Category]) -> Category:
    """A category with the field mix: ~97% matters (06, 09 heavy), ~3% components (01)."""
    kind = CategoryKind.MATTER if rng.random() < B.MATTER_SHARE else CategoryKind.COMPONENT
    ordered = sorted(catalogue, key=lambda c: (c.kind, c.code))
    pool = [c for c in ordered if c.kind is kind] or ordered
    if not pool:
        raise ValueError("the catalogue is empty")
    return rng.choices(pool, weights=B.category_weights(pool))[0]


def report_interval(rng: random.Random, rate_per_min: float) -> float:
    """Seconds to the next report of a Poisson process (inf when the rate is 0)."""
    return rng.expovariate(rate_per_min / 60.0) if rate_per_min > 0 else math.inf


def is_centre_case(serial: str, share: float) -> bool:
    """Stable across runs and machines: the simulator plays the desk for this case."""
    digest = hashlib.sha256(serial.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def lognormal(rng: random.Random, median: float, sigma: float = B.LIVE_DELAY_SIGMA) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def phone(rng: random.Random) -> str:
    """A plausible mobile number."""
    return (
        "1"
        + rng.choice(B.PHONE_SECOND_DIGITS)
        + "".join(rng.choice("0123456789") for _ in range(9))
    )


def caller(rng: random.Random) -> str:
    """How a hotline caller is written down: surname and title (王先生)."""
    return rng.choice(B.SURNAMES) + rng.choice(B.CALLER_TITLES)


# --- who plays which part -------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    watcher: IssuedToken  # follows the stream; a shift lead (or admin) sees everything
    leads: tuple[str, ...]
    operators: tuple[str, ...]
    dispatchers: tuple[str, ...]
    supervisors: Mapping[str, str]  # street code -> username
    handlers: Mapping[str, str]  # department code -> username
    sluggish: frozenset[str]  # departments that take SLUGGISH_FACTOR times as long

    @classmethod
    def from_users(cls, users: Sequence[IssuedToken], seed: int) -> Cast:
        by_role: dict[Role, list[IssuedToken]] = {}
        for u in sorted(users, key=lambda u: u.username):
            by_role.setdefault(u.role, []).append(u)
        leads = by_role.get(Role.SHIFT_LEAD, []) + by_role.get(Role.ADMIN, [])
        if not leads:
            raise ValueError("the simulator needs a shift_lead or admin user to follow events")
        lead_names = tuple(u.username for u in leads)
        supervisors: dict[str, str] = {}
        for u in by_role.get(Role.SUPERVISOR, []):
            supervisors.setdefault(u.jurisdiction_code, u.username)
        handlers: dict[str, str] = {}
        for u in by_role.get(Role.HANDLER, []):
            if u.department_code:
                handlers.setdefault(u.department_code, u.username)
        # The history's lagging departments lag live too, so the ranking keeps its story.
        slow = sorted(code for code in handlers if code in B.SLUGGISH_DEPARTMENTS)
        return cls(
            watcher=leads[0],
            leads=lead_names,
            operators=tuple(u.username for u in by_role.get(Role.OPERATOR, [])) or lead_names,
            dispatchers=tuple(u.username for u in by_role.get(Role.DISPATCHER, [])) or lead_names,
            supervisors=supervisors,
            handlers=handlers,
            sluggish=frozenset(slow),
        )


# --- new reports ----------------------------------------------------------------------------


def draft_report(
    rng: random.Random,
    cast: Cast,
    catalogue: Sequence[Category],
    grids: Sequence[str],
    names: Mapping[str, str],
) -> tuple[str, CaseCreate]:
    """Who reports what where: a hotline call (operator) or a supervisor's patrol find."""
    category = pick_category(rng, catalogue)
    urgency = Urgency.URGENT if rng.random() < B.URGENT_SHARE else Urgency.NORMAL
    patrolled = sorted(s for s in cast.supervisors if any(g.startswith(s) for g in grids))
    hotline = rng.random() < B.HOTLINE_SHARE or not patrolled
    if hotline:
        username = rng.choice(cast.operators)
        grid = rng.choice(sorted(grids))
    else:
        street = rng.choice(patrolled)
        username = cast.supervisors[street]
        grid = rng.choice(sorted(g for g in grids if g.startswith(street)))
    place = names.get(grid[:12]) or names.get(grid[:9]) or f"网格{grid}"
    address = f"{names.get(grid[:9], '')}{names.get(grid[:12], '')}网格{grid[-3:]}号"
    common: dict[str, Any] = {
        "category_kind": category.kind,
        "category_code": category.code,
        "urgency": urgency,
        "grid_code": grid,
        "address": address,
    }
    if hotline:
        name = caller(rng)
        note = rng.choice(B.HOTLINE_NOTES)
        text = B.HOTLINE_DESCRIPTION.format(place=place, category=category.name, note=note)
        body = CaseCreate(
            source=Source.HOTLINE,
            description=text,
            reporter_name=name,
            reporter_phone=phone(rng),
            **common,
        )
        return username, body
    fixed = rng.random() < B.SELF_DISPOSED_SHARE
    note = B.FIXED_ON_THE_SPOT if fixed else rng.choice(B.PATROL_NOTES)
    text = B.PATROL_DESCRIPTION.format(place=place, category=category.name, note=note)
    photo = AttachmentRef(ref=f"photo://{grid}/{rng.getrandbits(32):08x}-before.jpg")
    body = CaseCreate(
        source=Source.SUPERVISOR,
        description=text,
        self_disposed=fixed,
        attachments=[photo],
        **common,
    )
    return username, body


# --- reactions ------------------------------------------------------------------------------

PASSIVE = frozenset({Action.COMMENT, Action.URGE, Action.SUPERVISE})  # plan nothing new


@dataclass(frozen=True)
class Reaction:
    """The next step of a case: ``actor`` sends ``request`` after ``delay`` seconds,
    if the case is still in ``expect_state`` with ``expect_pending`` by then."""

    delay: float
    actor: str
    serial: str
    request: ActionRequest
    expect_state: CaseState
    expect_pending: PendingKind | None = None


def plan_reaction(
    case: CaseSummary,
    trigger: Action | None,
    data: Mapping[str, Any],
    cast: Cast,
    rng: random.Random,
    *,
    centre_share: float,
    pace: float,
) -> Reaction | None:
    """What happens next to ``case`` after ``trigger`` (None: found open at start-up)."""
    centre = is_centre_case(case.serial, centre_share)
    dept = case.department_code or ""
    handler = cast.handlers.get(dept)
    slow = B.SLUGGISH_FACTOR if dept in cast.sluggish else 1.0
    supervisor = cast.supervisors.get(case.street_code)

    def then(step: str, actor: str | None, action: Action, **fields: Any) -> Reaction | None:
        if actor is None:
            return None
        median = B.LIVE_DELAY[step] * (slow if step in B.DEPARTMENT_STEPS else 1.0)
        delay = lognormal(rng, median) * pace
        request = ActionRequest(action=action, **fields)
        return Reaction(delay, actor, case.serial, request, case.state, case.pending)

    S = CaseState
    if case.pending is not None:
        if not centre:
            return None
        approve = rng.random() < B.LIVE_DECISION_APPROVES
        note = B.APPROVED if approve else B.REJECTED
        return then(
            "decide",
            rng.choice(cast.dispatchers),
            Action.DECIDE,
            approve=approve,
            note=note,
        )
    if case.state is S.REPORTED and centre:
        if trigger is Action.CONFIRM_REPORT and data.get("truthful") is False:
            return then(
                "void",
                rng.choice(cast.leads),
                Action.VOID,
                reason=B.UNTRUE_VOID_REASON,
            )
        operator = rng.choice(cast.operators)
        public = case.source is not Source.SUPERVISOR
        if trigger is Action.REPORT and public and rng.random() < B.VERIFY_PUBLIC_SHARE:
            note = B.VERIFICATION_REQUEST
            return then(
                "request_verification",
                operator,
                Action.REQUEST_VERIFICATION,
                note=note,
            )
        return then("file", operator, Action.FILE)
    if case.state is S.VERIFYING:
        truthful = rng.random() < B.LIVE_TRUTHFUL_SHARE
        note = B.FOUND_TRUE if truthful else B.FOUND_UNTRUE
        return then(
            "confirm_report",
            supervisor,
            Action.CONFIRM_REPORT,
            truthful=truthful,
            note=note,
        )
    if case.state is S.SELF_DISPOSED and centre:
        passed = rng.random() < B.LIVE_SELF_DISPOSAL_PASSES
        return then(
            "verify_self_disposal",
            rng.choice(cast.operators),
            Action.VERIFY,
            passed=passed,
        )
    if case.state is S.FILED and centre:
        return then("dispatch", rng.choice(cast.dispatchers), Action.DISPATCH)  # the server routes
    if case.state is S.DISPATCHED:
        return then("sign", handler, Action.SIGN)
    if case.state is S.IN_PROGRESS:
        return _department_step(case, trigger, rng, handler, then)
    if case.state is S.SUSPENDED:
        return then("resume", handler, Action.RESUME, note=B.RESUME_NOTE)
    if case.state is S.DISPOSED and centre:
        operator = rng.choice(cast.operators)
        if supervisor is None:
            return then("check", operator, Action.VERIFY, passed=True, note=B.CALL_BACK_PASSED)
        return then("check", operator, Action.ASSIGN_CHECK, supervisor=supervisor)
    if case.state is S.CHECKING:
        named = data.get("supervisor") if trigger is Action.ASSIGN_CHECK else None
        checker = named if isinstance(named, str) else supervisor
        passed = rng.random() < B.LIVE_CHECK_PASSES
        note = B.CHECK_PASSED if passed else B.CHECK_FAILED
        return then("verify", checker, Action.VERIFY, passed=passed, note=note)
    if case.state is S.CLOSED and case.stage is Stage.CALLBACK and centre:
        # 回访: an unreachable reporter is tried again now and then, as in the history
        if trigger is Action.CALLBACK and rng.random() >= B.CALLBACK_RETRY:
            return None  # left to the desk's 回访 queue while it is due
        result = B.callback_result(rng.random())
        return then("callback", rng.choice(cast.operators), Action.CALLBACK, result=result)
    return None


def _department_step(
    case: CaseSummary,
    trigger: Action | None,
    rng: random.Random,
    handler: str | None,
    then: Callable[..., Reaction | None],
) -> Reaction | None:
    """Just signed: sometimes ask for something; otherwise (or later) report the disposal."""
    if trigger is Action.SIGN:
        roll = rng.random()
        if roll < B.LIVE_EXTENSION_BELOW:
            hours = float(rng.randint(*B.LIVE_EXTENSION_HOURS))
            return then(
                "department_request",
                handler,
                Action.REQUEST_EXTENSION,
                hours=hours,
                reason=B.EXTENSION_REASON,
            )
        if roll < B.LIVE_RETURN_BELOW:
            return then(
                "department_request",
                handler,
                Action.REQUEST_RETURN,
                reason=B.RETURN_REASON,
            )
        if roll < B.LIVE_SUSPENSION_BELOW:
            return then(
                "department_request",
                handler,
                Action.REQUEST_SUSPENSION,
                reason=B.SUSPENSION_REASON,
            )
    after = AttachmentRef(ref=f"photo://{case.serial}/after-1.jpg", phase=AttachmentPhase.AFTER)
    return then(
        "report_disposal",
        handler,
        Action.REPORT_DISPOSAL,
        note=B.DISPOSAL_NOTE,
        attachments=[after],
    )
