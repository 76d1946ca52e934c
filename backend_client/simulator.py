"""``citygrid simulate``: supervisors, hotline call-takers, desks and departments at work.

A client of the REST API only (never the backend's modules).  One shift lead follows
the event stream; every event may plan one *reaction* (the next step of that case,
by the user whose job it is) on an agenda keyed by due time.  New reports arrive as
a Poisson process.  The centre's desk work is played for ``centre_share`` of the
cases (a stable hash of the serial), so the operator at the console always has the
rest.  A case moved by someone else first (HTTP 409) just drops the reaction.

The decisions are pure functions of a seeded ``random.Random`` (see the tests):
:func:`pick_category`, :func:`draft_report`, :func:`plan_reaction`, :class:`Agenda`.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import logging
import math
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import aclosing, suppress
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from backend_client import evidence
from backend_client.client import CitygridClient
from backend_client.errors import CitygridError, Conflict, Forbidden, Unauthorized, Unavailable
from backend_client.events import EventFollower, ResyncNeeded, StreamState
from backend_client.mix import (
    COMMON_COMPONENTS,
    COMPONENT_CLASSES,
    MATTER_CLASSES,
    MATTER_SHARE,
)
from backend_client.paths import DemoUser
from backend_client.vocab import (
    Action,
    AttachmentPhase,
    CaseState,
    CategoryKind,
    PendingKind,
    Role,
    Source,
    Urgency,
)
from backend_client.wire import (
    ActionRequest,
    AttachmentRef,
    CaseCreate,
    CaseGone,
    CaseSummary,
    Category,
    Event,
    RegionNode,
)

log = logging.getLogger("citygrid.simulate")

T = TypeVar("T")


@dataclass
class SimConfig:
    rate_per_min: float = 6.0  # new reports per minute (Poisson)
    seed: int = 7
    centre_share: float = 0.6  # share of cases whose desk work the simulator plays
    pace: float = 1.0  # scales every reaction delay (0.1 = ten times faster)
    duration: float | None = None  # seconds; None = until stopped


@dataclass
class SimStats:
    reports: int = 0
    actions: int = 0
    conflicts: int = 0  # someone else moved the case first
    errors: int = 0
    stale: int = 0  # reactions dropped because the case had moved on
    photos: int = 0  # generated before/after photos uploaded


# --- the report mix ---------------------------------------------------------------------------

HOTLINE_SHARE = 0.30
URGENT_SHARE = 0.05
SELF_DISPOSED_SHARE = 0.02
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
PATROL_NOTES = ("现场拍照取证，请尽快处理。", "影响行人通行。", "群众意见较大。", "已持续多日。")
HOTLINE_NOTES = ("希望尽快解决。", "多次反映未果。", "影响出行和生活。", "请相关部门到场处理。")


def _item_boost(category: Category) -> float:
    common = category.kind is CategoryKind.COMPONENT and category.big_class == "01"
    return 5.0 if common and any(w in category.name for w in COMMON_COMPONENTS) else 1.0


def category_weights(pool: Sequence[Category]) -> list[float]:
    """Per-item weights: each big class gets its share, split among its items."""
    boosts: dict[tuple[CategoryKind, str], float] = {}
    for c in pool:
        key = (c.kind, c.big_class)
        boosts[key] = boosts.get(key, 0.0) + _item_boost(c)
    weights = []
    for c in pool:
        table = MATTER_CLASSES if c.kind is CategoryKind.MATTER else COMPONENT_CLASSES
        share = table.get(c.big_class, 0.5)
        weights.append(share * _item_boost(c) / boosts[(c.kind, c.big_class)])
    return weights


def pick_category(rng: random.Random, catalogue: Sequence[Category]) -> Category:
    """A category with the field mix: ~97% matters (06, 09 heavy), ~3% components (01)."""
    kind = CategoryKind.MATTER if rng.random() < MATTER_SHARE else CategoryKind.COMPONENT
    ordered = sorted(catalogue, key=lambda c: (c.kind, c.code))
    pool = [c for c in ordered if c.kind is kind] or ordered
    if not pool:
        raise ValueError("the catalogue is empty")
    return rng.choices(pool, weights=category_weights(pool))[0]


def report_interval(rng: random.Random, rate_per_min: float) -> float:
    """Seconds to the next report of a Poisson process (inf when the rate is 0)."""
    return rng.expovariate(rate_per_min / 60.0) if rate_per_min > 0 else math.inf


def is_centre_case(serial: str, share: float) -> bool:
    """Stable across runs and machines: the simulator plays the desk for this case."""
    digest = hashlib.sha256(serial.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def lognormal(rng: random.Random, median: float, sigma: float = 0.5) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


# --- who plays which part -------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    watcher: DemoUser  # follows the stream; a shift lead (or admin) sees everything
    leads: tuple[str, ...]
    operators: tuple[str, ...]
    dispatchers: tuple[str, ...]
    supervisors: Mapping[str, str]  # street code -> username
    handlers: Mapping[str, str]  # department code -> username
    sluggish: frozenset[str]  # departments that take ×8 as long

    @classmethod
    def from_users(cls, users: Sequence[DemoUser], seed: int) -> Cast:
        by_role: dict[Role, list[DemoUser]] = {}
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
        depts = sorted(handlers)
        slow = random.Random(f"{seed}:sluggish").sample(depts, max(1, round(len(depts) * 0.1)))
        return cls(
            watcher=leads[0],
            leads=lead_names,
            operators=tuple(u.username for u in by_role.get(Role.OPERATOR, [])) or lead_names,
            dispatchers=tuple(u.username for u in by_role.get(Role.DISPATCHER, [])) or lead_names,
            supervisors=supervisors,
            handlers=handlers,
            sluggish=frozenset(slow if depts else ()),
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
    urgency = Urgency.URGENT if rng.random() < URGENT_SHARE else Urgency.NORMAL
    patrolled = sorted(s for s in cast.supervisors if any(g.startswith(s) for g in grids))
    hotline = rng.random() < HOTLINE_SHARE or not patrolled
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
        caller = rng.choice(SURNAMES) + rng.choice(("先生", "女士"))
        text = f"市民来电反映：{place}附近{category.name}，{rng.choice(HOTLINE_NOTES)}"
        body = CaseCreate(
            source=Source.HOTLINE,
            description=text,
            reporter_name=caller,
            reporter_phone=_phone(rng),
            **common,
        )
        return username, body
    fixed = rng.random() < SELF_DISPOSED_SHARE
    text = f"巡查发现{place}{category.name}，" + (
        "已现场处置完毕。" if fixed else rng.choice(PATROL_NOTES)
    )
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
    slow = 8.0 if dept in cast.sluggish else 1.0
    supervisor = cast.supervisors.get(case.street_code)

    def then(median: float, actor: str | None, action: Action, **fields: Any) -> Reaction | None:
        if actor is None:
            return None
        delay = lognormal(rng, median) * pace
        request = ActionRequest(action=action, **fields)
        return Reaction(delay, actor, case.serial, request, case.state, case.pending)

    S = CaseState
    if case.pending is not None:
        if not centre:
            return None
        approve = rng.random() < 0.7
        note = "同意。" if approve else "不同意，请继续处置。"
        return then(45, rng.choice(cast.dispatchers), Action.DECIDE, approve=approve, note=note)
    if case.state is S.REPORTED and centre:
        if trigger is Action.CONFIRM_REPORT and data.get("truthful") is False:
            return then(
                20, rng.choice(cast.leads), Action.VOID, reason="经监督员核实，反映情况不属实。"
            )
        operator = rng.choice(cast.operators)
        public = case.source is not Source.SUPERVISOR
        if trigger is Action.REPORT and public and rng.random() < 0.4:
            return then(15, operator, Action.REQUEST_VERIFICATION, note="请监督员现场核实。")
        return then(20, operator, Action.FILE)
    if case.state is S.VERIFYING:
        truthful = rng.random() < 0.92
        note = "现场情况属实。" if truthful else "现场未发现所述问题。"
        return then(90, supervisor, Action.CONFIRM_REPORT, truthful=truthful, note=note)
    if case.state is S.SELF_DISPOSED and centre:
        return then(60, rng.choice(cast.operators), Action.VERIFY, passed=rng.random() < 0.95)
    if case.state is S.FILED and centre:
        return then(30, rng.choice(cast.dispatchers), Action.DISPATCH)  # the server routes
    if case.state is S.DISPATCHED:
        return then(60 * slow, handler, Action.SIGN)
    if case.state is S.IN_PROGRESS:
        return _department_step(case, trigger, rng, handler, slow, then)
    if case.state is S.SUSPENDED:
        return then(600 * slow, handler, Action.RESUME, note="条件具备，恢复处置。")
    if case.state is S.DISPOSED and centre:
        operator = rng.choice(cast.operators)
        if supervisor is None:
            return then(30, operator, Action.VERIFY, passed=True, note="电话回访确认已处置。")
        return then(30, operator, Action.ASSIGN_CHECK, supervisor=supervisor)
    if case.state is S.CHECKING:
        named = data.get("supervisor") if trigger is Action.ASSIGN_CHECK else None
        checker = named if isinstance(named, str) else supervisor
        passed = rng.random() < 0.88
        note = "现场核查已整改到位。" if passed else "现场核查未整改到位，请重新处置。"
        return then(120, checker, Action.VERIFY, passed=passed, note=note)
    return None


def _department_step(
    case: CaseSummary,
    trigger: Action | None,
    rng: random.Random,
    handler: str | None,
    slow: float,
    then: Callable[..., Reaction | None],
) -> Reaction | None:
    """Just signed: sometimes ask for something; otherwise (or later) report the disposal."""
    if trigger is Action.SIGN:
        roll = rng.random()
        if roll < 0.05:
            hours = float(rng.randint(4, 24))
            return then(
                90 * slow,
                handler,
                Action.REQUEST_EXTENSION,
                hours=hours,
                reason="需协调施工队伍及材料，申请延期。",
            )
        if roll < 0.08:
            return then(
                90 * slow,
                handler,
                Action.REQUEST_RETURN,
                reason="经现场查看不属于本单位职责范围，申请回退。",
            )
        if roll < 0.09:
            return then(
                90 * slow,
                handler,
                Action.REQUEST_SUSPENSION,
                reason="需纳入年度改造计划，申请挂账。",
            )
    after = AttachmentRef(ref=f"photo://{case.serial}/after-1.jpg", phase=AttachmentPhase.AFTER)
    return then(
        180 * slow,
        handler,
        Action.REPORT_DISPOSAL,
        note="已按要求处置完毕，见处置后照片。",
        attachments=[after],
    )


# --- the agenda -----------------------------------------------------------------------------


class Agenda(Generic[T]):
    """A heap of items by due time, at most one per key: a later ``put`` replaces."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, T]] = []
        self._live: dict[str, int] = {}
        self._tickets = itertools.count()

    def put(self, key: str, due: float, item: T) -> None:
        ticket = next(self._tickets)
        self._live[key] = ticket
        heapq.heappush(self._heap, (due, ticket, key, item))

    def cancel(self, key: str) -> None:
        self._live.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._live

    def __len__(self) -> int:
        return len(self._live)

    def pop_due(self, now: float) -> list[T]:
        """Items due by ``now``, earliest first (ties in the order they were put)."""
        out: list[T] = []
        while self._heap and self._heap[0][0] <= now:
            _due, ticket, key, item = heapq.heappop(self._heap)
            if self._live.get(key) == ticket:
                del self._live[key]
                out.append(item)
        return out

    def next_due(self) -> float | None:
        while self._heap and self._live.get(self._heap[0][2]) != self._heap[0][1]:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None


@dataclass(frozen=True)
class Planned:
    reaction: Reaction
    key: str = field(default_factory=lambda: str(uuid.uuid4()))  # same key on every retry
    tries: int = 0


MAX_TRIES = 5


# --- the running simulator ------------------------------------------------------------------


def _names(nodes: Sequence[RegionNode], out: dict[str, str] | None = None) -> dict[str, str]:
    out = {} if out is None else out
    for node in nodes:
        out[node.code] = node.name
        _names(node.children, out)
    return out


class Simulator:
    def __init__(self, server: str, users: Sequence[DemoUser], config: SimConfig) -> None:
        self.server, self.config = server, config
        self.cast = Cast.from_users(users, config.seed)
        self.stats = SimStats()
        self._tokens = {u.username: u.token for u in users}
        self._clients: dict[str, CitygridClient] = {}
        self._react_rng = random.Random(f"{config.seed}:reactions")
        self._report_rng = random.Random(f"{config.seed}:reports")
        self._agenda: Agenda[Planned] = Agenda()
        self._latest: dict[str, CaseSummary] = {}
        self._wake = asyncio.Event()
        self._catalogue: list[Category] = []
        self._grids: list[str] = []
        self._names: dict[str, str] = {}

    def client(self, username: str) -> CitygridClient:
        if username not in self._clients:
            self._clients[username] = CitygridClient(self.server, self._tokens[username])
        return self._clients[username]

    async def aclose(self) -> None:
        for api in self._clients.values():
            await api.aclose()

    @property
    def _loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    async def main(self) -> None:
        await self._until_up(self._load_reference)
        after = await self._until_up(self._bootstrap)
        tasks = [
            asyncio.create_task(self._follow(after), name="sim-follow"),
            asyncio.create_task(self._report_loop(), name="sim-report"),
            asyncio.create_task(self._agenda_loop(), name="sim-agenda"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # re-raise a fatal error (401/403)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _until_up(self, step: Callable[[], Awaitable[T]]) -> T:
        delay = 1.0
        while True:
            try:
                return await step()
            except Unavailable as exc:
                log.warning("server unavailable (%s); retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _load_reference(self) -> None:
        api = self.client(self.cast.watcher.username)
        self._catalogue = await api.catalogue()
        self._grids = [g.code for g in await api.grids()]
        self._names = _names(await api.regions(depth=4))
        log.info(
            "simulating on %d grids, %d classes, %d departments with handlers",
            len(self._grids),
            len(self._catalogue),
            len(self.cast.handlers),
        )

    async def _bootstrap(self) -> int:
        """Plan the next step of every open case; return the seq to follow from."""
        api = self.client(self.cast.watcher.username)
        page = await api.cases(state="open", limit=1000)
        as_of = page.as_of_seq
        while True:
            for case in page.items:
                self._latest[case.serial] = case
                spread = self._react_rng.uniform(0, 300) * self.config.pace
                self._plan(case, None, {}, extra=spread)
            if not page.next_cursor:
                return as_of
            page = await api.cases(state="open", limit=1000, cursor=page.next_cursor)

    async def _follow(self, after: int) -> None:
        follower = EventFollower(self.client(self.cast.watcher.username), after=after)
        async with aclosing(follower.items()) as items:
            async for item in items:
                if isinstance(item, CaseGone):
                    self._latest.pop(item.serial, None)
                    self._agenda.cancel(item.serial)
                elif isinstance(item, Event):
                    try:
                        self._on_event(item)
                    except Exception:
                        self.stats.errors += 1
                        log.exception("could not plan a reaction to event %d", item.seq)
                elif isinstance(item, ResyncNeeded):
                    log.warning("event stream resync at seq %d; reloading cases", item.head_seq)
                    await self._until_up(self._bootstrap)
                elif isinstance(item, StreamState):
                    log.info("event stream %s %s", item.state, item.error)

    def _on_event(self, event: Event) -> None:
        case = event.case
        known = self._latest.get(case.serial)
        if known is not None and case.version < known.version:
            return  # an old event replayed after a reconnect
        self._latest[case.serial] = case
        if not case.state.is_open:
            self._latest.pop(case.serial, None)
            self._agenda.cancel(case.serial)
        elif event.action not in PASSIVE:
            self._plan(case, event.action, event.data.wire())

    def _plan(
        self, case: CaseSummary, trigger: Action | None, data: Mapping[str, Any], extra: float = 0
    ) -> None:
        reaction = plan_reaction(
            case,
            trigger,
            data,
            self.cast,
            self._react_rng,
            centre_share=self.config.centre_share,
            pace=self.config.pace,
        )
        if reaction is None:
            self._agenda.cancel(case.serial)
            return
        due = self._loop_time + reaction.delay + extra
        self._agenda.put(case.serial, due, Planned(reaction))
        self._wake.set()

    async def _agenda_loop(self) -> None:
        while True:
            for planned in self._agenda.pop_due(self._loop_time):
                await self._perform(planned)
            self._wake.clear()
            due = self._agenda.next_due()
            timeout = None if due is None else max(0.0, due - self._loop_time)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _perform(self, planned: Planned) -> None:
        r = planned.reaction
        case = self._latest.get(r.serial)
        if case is None or (case.state, case.pending) != (r.expect_state, r.expect_pending):
            self.stats.stale += 1
            return
        version = case.version
        if r.request.action is Action.REPORT_DISPOSAL:  # the department photographs the fix
            version = await self._attach_photo(
                r.actor, r.serial, AttachmentPhase.AFTER, f"{planned.key}:photo", version
            )
        try:
            result = await self.client(r.actor).act(
                r.serial, r.request, if_match=version, idempotency_key=planned.key
            )
        except Conflict as exc:
            self.stats.conflicts += 1
            log.info("%s %s by %s dropped: %s", r.serial, r.request.action, r.actor, exc)
        except (Unauthorized, Forbidden) as exc:
            self.stats.errors += 1
            log.warning("%s %s by %s refused: %s", r.serial, r.request.action, r.actor, exc)
        except Unavailable as exc:
            if planned.tries + 1 >= MAX_TRIES or r.serial in self._agenda:
                self.stats.errors += 1
                log.warning("%s %s by %s given up: %s", r.serial, r.request.action, r.actor, exc)
            else:
                retry = replace(planned, tries=planned.tries + 1)
                self._agenda.put(r.serial, self._loop_time + 5.0 * retry.tries, retry)
        except CitygridError as exc:
            self.stats.errors += 1
            log.warning("%s %s by %s failed: %s", r.serial, r.request.action, r.actor, exc)
        except Exception:
            self.stats.errors += 1
            log.exception("%s %s by %s failed unexpectedly", r.serial, r.request.action, r.actor)
        else:
            self.stats.actions += 1
            known = self._latest.get(r.serial)
            if known is not None and result.case.version > known.version:
                self._latest[r.serial] = result.case

    async def _report_loop(self) -> None:
        if not self._grids or not self._catalogue:
            log.warning("no grids or catalogue: the simulator makes no new reports")
            return
        while True:
            await asyncio.sleep(report_interval(self._report_rng, self.config.rate_per_min))
            username, body = draft_report(
                self._report_rng, self.cast, self._catalogue, self._grids, self._names
            )
            try:
                result = await self.client(username).report(body)
            except CitygridError as exc:
                self.stats.errors += 1
                log.warning("report by %s failed: %s", username, exc)
            except Exception:
                self.stats.errors += 1
                log.exception("report by %s failed unexpectedly", username)
            else:
                self.stats.reports += 1
                log.info("%s reported %s (%s)", username, result.case.serial, body.category_code)
                if body.source is Source.SUPERVISOR:  # the patrol photographs the problem
                    key = f"{result.case.serial}:before"
                    await self._attach_photo(
                        username,
                        result.case.serial,
                        AttachmentPhase.BEFORE,
                        key,
                        result.case.version,
                    )

    async def _attach_photo(
        self, username: str, serial: str, phase: AttachmentPhase, key: str, version: int
    ) -> int:
        """Upload a generated photo; the case's version after it (unchanged on failure)."""
        seed = int(hashlib.sha256(f"{self.config.seed}:{serial}".encode()).hexdigest()[:8], 16)
        try:
            result = await self.client(username).upload_photo(
                serial,
                evidence.photo(phase, seed),
                phase,
                filename=f"{phase.value}.jpg",
                idempotency_key=key,
            )
        except CitygridError as exc:
            self.stats.errors += 1
            log.warning("%s photo by %s failed: %s", serial, username, exc)
            return version
        self.stats.photos += 1
        return result.case.version


async def run_simulator(
    server: str,
    users: list[DemoUser],
    config: SimConfig,
    stop: asyncio.Event | None = None,
) -> SimStats:
    """Run until ``stop`` is set or ``config.duration`` passes; raise only on a bad token."""
    sim = Simulator(server, users, config)
    stop = stop or asyncio.Event()
    main = asyncio.create_task(sim.main(), name="simulator")
    stopper = asyncio.create_task(stop.wait(), name="simulator-stop")
    try:
        await asyncio.wait(
            {main, stopper}, timeout=config.duration, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in (main, stopper):
            task.cancel()
        await asyncio.gather(main, stopper, return_exceptions=True)
        await sim.aclose()
    if main.done() and not main.cancelled():
        error = main.exception()
        if error is not None:
            raise error
    return sim.stats
