"""``citygrid simulate``: supervisors, hotline call-takers, desks and departments at work.

A client of the REST API only (never the backend's modules).  One shift lead follows
the event stream; every event may plan one *reaction* (the next step of that case,
by the user whose job it is) on an agenda keyed by due time.  New reports arrive as
a Poisson process.  The centre's desk work is played for ``centre_share`` of the
cases (a stable hash of the serial), so the operator at the console always has the
rest.  A case moved by someone else first (HTTP 409) just drops the reaction.

The decisions are pure functions of a seeded ``random.Random`` (see the tests):
see :mod:`demo.decisions` (:func:`pick_category`, :func:`draft_report`, :func:`plan_reaction`)
and :class:`demo.agenda.Agenda`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import aclosing, suppress
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from backend.domain.tokens import IssuedToken
from backend.seed import behaviour as B
from backend_client import (
    CitygridClient,
    CitygridError,
    Conflict,
    EventFollower,
    Forbidden,
    ResyncNeeded,
    StreamState,
    Unauthorized,
    Unavailable,
)
from backend_client.vocab import Action, AttachmentPhase, Source, Stage
from backend_client.wire import CaseGone, CaseSummary, Category, Event, RegionNode
from demo import evidence
from demo.agenda import MAX_TRIES, Agenda, Planned
from demo.decisions import PASSIVE, Cast, draft_report, plan_reaction, report_interval

log = logging.getLogger("citygrid.simulate")

T = TypeVar("T")


@dataclass
class SimConfig:
    rate_per_min: float = 6.0  # new reports per minute (Poisson)
    seed: int = 7
    centre_share: float = 0.6  # share of cases whose desk work the simulator plays
    pace: float = 1.0  # scales every reaction delay (0.1 = ten times faster)
    # Cases found open at start-up get their first move within this many seconds (× pace):
    # the demo's seeded backlog is spread over an hour, so it keeps moving, not all at once.
    backlog_spread: float = B.BOOTSTRAP_SPREAD
    duration: float | None = None  # seconds; None = until stopped


@dataclass
class SimStats:
    reports: int = 0
    actions: int = 0
    conflicts: int = 0  # someone else moved the case first
    errors: int = 0
    stale: int = 0  # reactions dropped because the case had moved on
    photos: int = 0  # generated before/after photos uploaded


def _names(nodes: Sequence[RegionNode], out: dict[str, str] | None = None) -> dict[str, str]:
    out = {} if out is None else out
    for node in nodes:
        out[node.code] = node.name
        _names(node.children, out)
    return out


class Simulator:
    def __init__(self, server: str, users: Sequence[IssuedToken], config: SimConfig) -> None:
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
                spread = self._react_rng.uniform(0, self.config.backlog_spread) * self.config.pace
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
        if not case.state.is_open and case.stage is not Stage.CALLBACK:
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
    users: list[IssuedToken],
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
