"""The citygrid console: a Textual app for the duty operators of a command centre.

The app owns one :class:`~console.model.ConsoleModel` (cases, view, tallies, link),
the link to the centre and the one timer that drives every countdown.  It never calls
into a screen: the model's changes, and the app's own, go out on
:class:`~console.signals.ConsoleSignals`, which screens and widgets subscribe to while
they are mounted.  Screens read the model, change it through its methods and send
actions through ``CaseActions``; nothing in the UI talks to the network directly.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome, NoColor
from textual.screen import Screen

from backend_client.client import CitygridClient
from backend_client.errors import CitygridError
from backend_client.labels import label
from backend_client.vocab import Role
from backend_client.wire import GridCell, Handover
from console.actions import CaseActions
from console.config import ConsoleSettings, save_preference, token_file_warning
from console.connection import run_link
from console.driver import ConsoleDriver
from console.handover_status import HANDOVER_POLL_SECONDS, HandoverWatch
from console.i18n import t
from console.keymap import validate_keymap
from console.messages import (
    CaseEvents,
    LinkChanged,
    LoadFailed,
    SnapshotLoaded,
    TokenRefused,
)
from console.model import ConsoleModel, FigureRef, LinkState, LinkStatus
from console.palette import CityGridCommands
from console.rows import QueueRow
from console.signals import ConsoleSignals
from console.terminal import AsciiFilter, NoColorFilter, PlainDriver, profile_for
from themes.loader import ANSI_THEME, register_all, variable_defaults

if TYPE_CHECKING:
    from console.screens.queue import QueueScreen

Clock = Callable[[], datetime]
OVERDUE_DIGEST_SECONDS = 30.0
TICK_SECONDS = 1.0
EXIT_TOKEN_REFUSED = 3  # the exit status after the server refused the token
REFUSED_NOTICE_SECONDS = 24 * 3600.0  # the how-to-fix notice stays until the operator quits
HANDOVER_READERS = frozenset({Role.SHIFT_LEAD, Role.LEADER})  # told of a waiting handover


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
        handover_poll_seconds: float = HANDOVER_POLL_SECONDS,
    ) -> None:
        self.profile = profile_for(os.environ, ascii=settings.ascii, ansi=_ansi_terminal())
        super().__init__(
            ansi_color=_ansi_terminal(),
            driver_class=PlainDriver if self.profile.plain else ConsoleDriver,
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
        self.connect_on_mount = connect
        self.offset = 0.0  # server clock − local clock
        self.model = ConsoleModel(self.now)
        self.signals = ConsoleSignals(self)
        self.signals.follow(self.model)
        self.actions_ = CaseActions(self.client, self.model, self)
        self.grid_cells: list[GridCell] = []
        self.region_names: dict[str, str] = {}
        self.theme_errors: list[str] = []
        self._overdue_digest: list[QueueRow] = []
        self._last_overdue_alert = -OVERDUE_DIGEST_SECONDS
        self.pending_handover: Handover | None = None  # signed, waiting for this lead
        self.handover_watch = HandoverWatch(self, handover_poll_seconds)

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
        if self.settings.wallboard:  # only a wallboard console loads the wallboard
            from console.screens.wallboard import WallboardScreen

            return WallboardScreen()
        from console.screens.queue import QueueScreen

        return QueueScreen()

    def action_assessment(self) -> None:
        """The assessment screen (``A`` and the palette)."""
        from console.screens.assessment import AssessmentScreen

        self.push_screen(AssessmentScreen())

    async def show_case_set(
        self,
        title: str,
        serials: list[str],
        rows: list[QueueRow],
        figure: FigureRef | None = None,
    ) -> None:
        """The queue, showing exactly these cases (the ones behind a figure); the screens
        above it close, and Esc there goes back to the queue shown before."""
        self.model.show_case_set(title, serials, rows, figure)
        queue = self.queue_screen()
        while queue is not None and self.screen is not queue and len(self.screen_stack) > 1:
            await self.pop_screen()

    def action_appeals(self) -> None:
        """In the queue of a figure's cases, appeal the deduction of the case under the
        cursor; anywhere else, the appeals screen (``J``, the palette, ``a`` on the
        assessment screen)."""
        from console.screens.appeals import AppealsScreen, appeal_dialog

        queue = self.queue_screen()
        case_set = self.model.case_set
        figure = case_set.figure if case_set is not None else None
        serial = queue.table.cursor_key if queue is not None else None
        if self.screen is queue and figure is not None and serial:
            self.push_screen(
                appeal_dialog(self, figure.period, serial, figure.counter, figure.unit)
            )
            return
        self.push_screen(AppealsScreen())

    def _open_wallboard(self) -> None:
        """A leader's console opens on the wallboard (the queue stays beneath it)."""
        from console.screens.wallboard import WallboardScreen

        if not any(isinstance(s, WallboardScreen) for s in self.screen_stack):
            self.push_screen(WallboardScreen())

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

    # --- the model ---------------------------------------------------------------------------

    def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        """The first page paints at once; later pages fill in behind it."""
        if self._clock is None:
            self.offset = message.offset
        self.model.load_snapshot(
            message.cases, message.as_of_seq, message.me, first=message.first, last=message.last
        )
        if message.first and message.me.role in HANDOVER_READERS:
            self.handover_watch.start()
        if message.first and message.me.role == Role.LEADER:
            self._open_wallboard()

    # --- shift handover ------------------------------------------------------------------------

    def set_pending_handover(self, handover: Handover | None) -> None:
        self.pending_handover = handover
        self.signals.handover.publish(handover)

    def on_case_events(self, message: CaseEvents) -> None:
        for event in self.model.apply_events(message.events):
            self.alert(
                t(
                    "alert.urgent",
                    self.settings.lang,
                    serial=event.serial,
                    category=event.case.category_name,
                )
            )

    def tick(self) -> None:
        """The one timer: countdowns, overdue detection, the status clock."""
        self._overdue_digest.extend(self.model.tick().overdue)
        self._flush_overdue_digest()

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
        return self.model.link.state

    def on_link_changed(self, message: LinkChanged) -> None:
        retry_at = self.monotonic() + message.retry_in if message.retry_in > 0 else None
        self.model.set_link(LinkStatus(message.state, message.since, retry_at, message.error))

    def on_token_refused(self, message: TokenRefused) -> None:
        """The link has stopped: keep the last view, marked as frozen, and say what to do."""
        self.model.refuse_token(message.detail)
        user = self.model.me.username if self.model.me is not None else "<username>"
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
        return EXIT_TOKEN_REFUSED if self.model.token_refused is not None else 0

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
        if self.model.loaded:
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
