"""The citygrid console: a Textual app for the duty operators of a command centre.

The app owns the model (``CaseStore``), the link to the centre and the one timer
that drives every countdown.  It never calls into a screen: it publishes on
:class:`~console.signals.ConsoleSignals`, which screens and widgets subscribe to while
they are mounted.  Screens read the model and send actions through ``CaseActions``;
nothing in the UI talks to the network directly.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome, NoColor
from textual.screen import Screen

from backend_client.client import CitygridClient
from backend_client.errors import CitygridError
from backend_client.labels import label
from backend_client.vocab import Action, Role, Urgency
from backend_client.wire import (
    CaseGone,
    CaseSummary,
    Department,
    Event,
    GridCell,
    Handover,
    Me,
)
from console.actions import CaseActions
from console.config import ConsoleSettings, save_preference, token_file_warning
from console.connection import run_link
from console.guard import Remote
from console.i18n import t
from console.keymap import validate_keymap
from console.link import LinkStatus
from console.messages import (
    CaseEvents,
    LinkChanged,
    LinkState,
    LoadFailed,
    SnapshotLoaded,
    TokenRefused,
)
from console.palette import CityGridCommands
from console.queues import QUEUE_BY_KEY, QUEUES, Queue, is_overdue
from console.rows import QueueRow
from console.signals import Changes, ConsoleSignals, Tick
from console.store import CaseStore, Change, QueueView
from console.terminal import AsciiFilter, NoColorFilter, PlainDriver, profile_for
from themes.loader import ANSI_THEME, register_all, variable_defaults
from widgets.grid_map import GridCounts

if TYPE_CHECKING:
    from console.screens.queue import QueueScreen

Clock = Callable[[], datetime]
OVERDUE_DIGEST_SECONDS = 30.0
TICK_SECONDS = 1.0
EXIT_TOKEN_REFUSED = 3  # the exit status after the server refused the token
REFUSED_NOTICE_SECONDS = 24 * 3600.0  # the how-to-fix notice stays until the operator quits
HANDOVER_READERS = frozenset({Role.SHIFT_LEAD, Role.LEADER})  # told of a waiting handover


class GridTally:
    """Open / overdue / supervised counts per grid, kept from store changes."""

    def __init__(self) -> None:
        self.counts: dict[str, GridCounts] = {}

    def get(self, code: str) -> GridCounts:
        return self.counts.get(code) or GridCounts()

    def reset(self, cases: Iterable[QueueRow], now: datetime) -> None:
        self.counts = {}
        for case in cases:
            self._add(case, now, 1)

    def _add(self, case: QueueRow, now: datetime, sign: int) -> None:
        open_, overdue, supervised = self.get(case.grid_code)
        self.counts[case.grid_code] = GridCounts(
            open_ + sign,
            overdue + (sign if is_overdue(case, now) else 0),
            supervised + (sign if case.supervised else 0),
        )

    def add_many(self, cases: Iterable[QueueRow], now: datetime) -> None:
        for case in cases:
            self._add(case, now, 1)

    def change(self, change: Change, now: datetime) -> None:
        if change.old is not None:
            self._add(change.old, now, -1)
        if change.new is not None:
            self._add(change.new, now, 1)

    def overdue(self, case: QueueRow) -> None:
        counts = self.get(case.grid_code)
        self.counts[case.grid_code] = counts._replace(overdue=counts.overdue + 1)


class CityGridApp(App[int]):
    TITLE = "citygrid"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {CityGridCommands}
    CSS_PATH = "console.tcss"
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("ctrl+p", "command_palette", "palette", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: ConsoleSettings,
        *,
        client: CitygridClient | None = None,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        tick_seconds: float = TICK_SECONDS,
        connect: bool = True,
    ) -> None:
        self.profile = profile_for(os.environ, ascii=settings.ascii, ansi=_ansi_terminal())
        super().__init__(
            ansi_color=_ansi_terminal(), driver_class=PlainDriver if self.profile.plain else None
        )
        self.settings = settings.with_(ascii=True) if self.profile.ascii else settings
        self.no_color = self.no_color or self.profile.colours == "none"
        self._filters_added: list[LineFilter] = [
            *([NoColorFilter()] if self.no_color else []),
            *([AsciiFilter()] if self.profile.ascii else []),
        ]
        self.client = client or CitygridClient(settings.server, settings.token)
        self._clock = clock
        self.monotonic = monotonic  # for countdowns to the next reconnect attempt
        self._tick_seconds = tick_seconds
        self.signals = ConsoleSignals(self)
        self.connect_on_mount = connect
        self.offset = 0.0  # server clock − local clock
        self.store = CaseStore()
        self.queue: Queue = QUEUES[0]
        self.view = QueueView(self.store, self.queue)
        self.tally = GridTally()
        self.me: Me | None = None
        self.loaded = False
        self.loading = False  # later snapshot pages still coming
        self.link = LinkStatus("connecting", datetime.now(UTC))
        self.token_refused: str | None = None  # the server's sentence, once it said 401
        self.actions_ = CaseActions(self)
        self._departments: list[Department] | None = None
        self.grid_cells: list[GridCell] = []
        self.region_names: dict[str, str] = {}
        self.theme_errors: list[str] = []
        self.events_applied = 0
        self._overdue_digest: list[QueueRow] = []
        self._last_overdue_alert = -OVERDUE_DIGEST_SECONDS
        self.pending_handover: Handover | None = None  # signed, waiting for this lead
        self._handovers_shown: set[int] = set()

    # --- time ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Server time: local clock corrected by the measured offset (or a frozen clock)."""
        if self._clock is not None:
            return self._clock()
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    # --- lifecycle ---------------------------------------------------------------------------

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, with no colour at all (not greys) under NO_COLOR, and the
        ASCII fold under ``--ascii``."""
        own = [f for f in super().get_line_filters() if not isinstance(f, Monochrome | NoColor)]
        return [*own, *self._filters_added]

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(variable_defaults(self.current_theme))

    def get_default_screen(self) -> Screen[None]:
        from console.screens.queue import QueueScreen

        return QueueScreen()

    def on_mount(self) -> None:
        from console.config import config_dir

        self.theme_errors = register_all(self, config_dir())
        wanted = ANSI_THEME if _ansi_terminal() else self.settings.theme
        self.theme = wanted if wanted in self.available_themes else "citygrid-dark"
        problems = validate_keymap(self.settings.keymap)
        if problems:
            self.notify("\n".join(problems), severity="warning", timeout=10)
        self.set_keymap({k: v for k, v in self.settings.keymap.items() if not problems})
        exposed = token_file_warning(self.settings)
        if exposed:
            self.notify(exposed, severity="warning", timeout=REFUSED_NOTICE_SECONDS)
        if not self.is_headless:
            self._quit_on_hangup()
        self.set_interval(self._tick_seconds, self.tick, name="countdowns")
        if self.connect_on_mount:
            self.run_worker(self._link(), name="link", group="link", exclusive=True)

    def _quit_on_hangup(self) -> None:
        """SIGHUP (the SSH session or terminal went away): quit as ``q`` does.

        Nothing is lost: every action is one server-side transaction, committed or not
        before the line dropped.  Reconnect and start the console again.
        """
        import asyncio
        import signal

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hung_up)

    def _hung_up(self) -> None:
        import os

        # The terminal is gone: what Textual writes while it shuts down (and Python's
        # last flush) goes nowhere instead of failing with EIO (exit status 120).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        code = self.exit_code()
        self.exit(code, return_code=code)

    async def _link(self) -> None:
        await self._load_reference()
        await run_link(self.client, self.post_message)

    async def _load_reference(self) -> None:
        try:
            self.grid_cells = await self.client.grids()
            regions = await self.client.regions()
        except CitygridError:
            return
        names: dict[str, str] = {}
        stack = list(regions)
        while stack:
            node = stack.pop()
            names[node.code] = node.name
            stack.extend(node.children)
        self.region_names = names

    async def departments(self) -> list[Department]:
        if self._departments is None:
            self._departments = await self.client.departments()
        return self._departments

    # --- the model ---------------------------------------------------------------------------

    def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        """The first page paints at once; later pages fill in behind it."""
        if self._clock is None:
            self.offset = message.offset
        self.me = message.me
        now = self.now()
        if message.first:
            self.store.load(message.cases, message.as_of_seq, now)
            self.tally.reset(self.store.cases.values(), now)
            self.rebuild_view()
        else:
            added = self.store.add_many(message.cases, now)
            self.tally.add_many(added, now)
            self.view.add(added, now)
        self.loaded = True
        self.loading = not message.last
        self.signals.snapshot.publish(message.first)
        if message.first and message.me.role in HANDOVER_READERS:
            self.run_worker(self.check_handover(), group="handover", exclusive=True)

    # --- shift handover ------------------------------------------------------------------------

    async def check_handover(self) -> None:
        """On sign-in: a signed handover someone else left for this lead stays on the status
        bar until acknowledged; an incoming shift lead is shown it once."""
        me = self.me
        if me is None:
            return
        try:
            waiting = await self.client.handovers(status="signed", limit=10)
        except CitygridError:
            return  # the status bar stays as it was; H still opens the handover
        handover = next((h for h in waiting if h.author != me.username), None)
        self.set_pending_handover(handover)
        if handover is None or me.role is not Role.SHIFT_LEAD:
            return
        if handover.id in self._handovers_shown:
            return
        self._handovers_shown.add(handover.id)
        from console.screens.handover import HandoverScreen

        lang = self.settings.lang
        shift = handover.shift.zh if lang == "zh" else handover.shift.en
        self.notify(t("handover.incoming", lang, who=handover.author_name, shift=shift), timeout=10)
        if not any(isinstance(s, HandoverScreen) for s in self.screen_stack):
            self.push_screen(HandoverScreen(handover.id))

    def set_pending_handover(self, handover: Handover | None) -> None:
        self.pending_handover = handover
        self.signals.handover.publish(handover)

    def on_case_events(self, message: CaseEvents) -> None:
        now = self.now()
        changes: list[Change] = []
        remote: dict[str, Remote] = {}
        me = self.me.display_name if self.me is not None else None
        for event in message.events:
            self.events_applied += 1
            if isinstance(event, CaseGone):
                change = self.store.drop(event.serial, now)
            else:
                change = self.store.apply(QueueRow.from_summary(event.case), now)
            if change is None:
                continue
            changes.append(change)
            if isinstance(event, Event) and event.actor != me:
                remote[event.serial] = Remote(
                    event.serial, event.actor, event.action, event.case.state
                )
            self.tally.change(change, now)
            if (
                isinstance(event, Event)
                and event.action is Action.REPORT
                and event.case.urgency is Urgency.URGENT
            ):
                self.alert(
                    t(
                        "alert.urgent",
                        self.settings.lang,
                        serial=event.serial,
                        category=event.case.category_name,
                    )
                )
        self._changed(changes, now, remote)

    def take(self, case: CaseSummary) -> None:
        """A case the server just returned (an action's response, a refresh)."""
        now = self.now()
        change = self.store.apply(QueueRow.from_summary(case), now)
        if change is not None:
            self.tally.change(change, now)
            self._changed([change], now)

    def _changed(
        self, changes: list[Change], now: datetime, remote: dict[str, Remote] | None = None
    ) -> None:
        if not changes:
            return
        moved = False
        for change in changes:
            moved |= self.view.update(change, now)
        self.signals.changed.publish(Changes(changes, moved, remote or {}))

    def rebuild_view(self) -> None:
        self.view.rebuild(self.now())

    def set_queue(self, key: str) -> None:
        self.queue = QUEUE_BY_KEY[key]
        self.view = QueueView(
            self.store,
            self.queue,
            sort=self.view.sort,
            descending=self.view.descending,
            text_filter=self.view.text_filter,
        )
        self.rebuild_view()

    def tick(self) -> None:
        """The one timer: countdowns, overdue detection, the status clock."""
        now = self.now()
        overdue = self.store.newly_overdue(now)
        for case in overdue:
            self.tally.overdue(case)
        moved = False
        if overdue:
            if self.view.queue.time_dependent:
                moved = self.view.add(overdue, now)
            self._overdue_digest.extend(overdue)
        self._flush_overdue_digest()
        self.signals.ticked.publish(Tick(overdue, moved))

    def _flush_overdue_digest(self) -> None:
        """Overdue alerts come as a digest, at most one every ``OVERDUE_DIGEST_SECONDS``:
        a big district has a case passing its deadline every few seconds."""
        if not self._overdue_digest:
            return
        if time.monotonic() - self._last_overdue_alert < OVERDUE_DIGEST_SECONDS:
            return
        first = self._overdue_digest[0]
        self.alert(
            t(
                "alert.overdue",
                self.settings.lang,
                serial=first.serial,
                n=len(self._overdue_digest),
                category=first.category_name,
            )
        )
        self._overdue_digest = []
        self._last_overdue_alert = time.monotonic()

    def alert(self, text: str) -> None:
        self.notify(text, severity="warning", timeout=6)
        if self.settings.bell:
            self.bell()

    # --- link ---------------------------------------------------------------------------------

    @property
    def link_state(self) -> LinkState:
        return self.link.state

    def on_link_changed(self, message: LinkChanged) -> None:
        if self.token_refused is not None:
            return  # the link has stopped; nothing may make the view look live again
        retry_at = self.monotonic() + message.retry_in if message.retry_in > 0 else None
        self.link = LinkStatus(message.state, message.since, retry_at, message.error)
        self.signals.link.publish(self.link)

    def on_token_refused(self, message: TokenRefused) -> None:
        """The link has stopped: keep the last view, marked as frozen, and say what to do."""
        self.token_refused = message.detail
        frozen_at = self.link.since if self.link.state != "live" else datetime.now(UTC)
        self.link = LinkStatus("refused", frozen_at, None, message.detail)
        self.signals.link.publish(self.link)
        user = self.me.username if self.me is not None else "<username>"
        config = self.settings.config_path or "config.toml"
        self.notify(
            t(
                "err.token_refused",
                self.settings.lang,
                detail=message.detail.rstrip("."),
                user=user,
                config=config,
            ),
            severity="error",
            timeout=REFUSED_NOTICE_SECONDS,
        )

    def exit_code(self) -> int:
        """0, or non-zero when the console quits after the server refused its token."""
        return EXIT_TOKEN_REFUSED if self.token_refused is not None else 0

    async def action_quit(self) -> None:
        code = self.exit_code()
        self.exit(code, return_code=code)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(
            t("err.load", self.settings.lang, detail=message.text), severity="error", timeout=10
        )

    # --- helpers used by screens ----------------------------------------------------------

    def queue_screen(self) -> QueueScreen | None:
        """The queue screen, if it is on the stack and mounted."""
        from console.screens.queue import QueueScreen

        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen) and screen.is_mounted:
                return screen
        return None

    def bulk_progress(self, action: str, done: int, total: int) -> None:
        self.signals.progress.publish(
            t("msg.bulk_progress", self.settings.lang, action=action, done=done, total=total)
        )

    def clear_tags(self) -> None:
        self.signals.tags_cleared.publish(None)

    def set_language(self, lang: str) -> None:
        self.settings = self.settings.with_(lang=lang)
        self._persist("lang", lang)
        self.signals.language.publish(lang)

    def watch_theme(self, theme: str) -> None:
        if self.loaded:
            self._persist("theme", theme)

    def _persist(self, key: str, value: str | bool) -> None:
        if self.settings.config_path is not None:
            with contextlib.suppress(OSError):
                save_preference(self.settings.config_path, key, value)

    def state_label(self, case: QueueRow) -> str:
        return label(case.state, self.settings.lang)

    async def on_unmount(self) -> None:
        await self.client.aclose()


def _ansi_terminal() -> bool:
    """16-colour mode: use the terminal's own palette (and keep NO_COLOR text visible)."""
    return os.environ.get("TEXTUAL_COLOR_SYSTEM") == "standard"
