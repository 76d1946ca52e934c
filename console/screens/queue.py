"""The main screen: queue tabs with live counts, the case table, the grid map,
the filter / command line, and the status bar.

It reads the app's :class:`~console.model.ConsoleModel` and changes it only through the
model's methods; it subscribes to the app's signals while mounted (and only then): no
tick or event reaches it, or its widgets, once Textual has begun removing them."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import Footer, Input, Static

from backend_client.labels import label
from backend_client.vocab import Action
from console.columns import SORT_COLUMNS, case_columns, split_live
from console.commandline import CommandError, CommandSuggester, parse_command
from console.guard import CursorGuard
from console.handover_status import HandoverIndicator
from console.i18n import Key, as_key, t
from console.keymap import QUEUE_KEYS, bindings, translate_bindings
from console.link import LinkIndicator
from console.localtime import local
from console.model import Changes, ConsoleModel, Tick, ViewChanged
from console.queues import QUEUES, FilterError
from console.status_line import status_text
from console.tabs import QueueTabs
from widgets.grid_map import GridMap
from widgets.line_table import LineTable
from widgets.live_column import LiveColumns
from widgets.terse import TerseScreen
from widgets.ticker import Ticker

if TYPE_CHECKING:
    from console.app import CityGridApp

MIN_W, MIN_H = 80, 24
MAP_SIDE_BY_SIDE = 150
MAP_WIDTH = 70  # beside the table (console.tcss)


MAP_KEYS: dict[str, Key] = {
    "choose('grid')": "map.key_grid",
    "zoom_in": "map.key_zoom_in",
    "zoom_out": "map.key_zoom_out",
}


class QueueScreen(TerseScreen):
    BINDINGS: ClassVar[list[Binding]] = bindings()  # type: ignore[assignment]
    AUTO_FOCUS = "#cases"

    def __init__(self) -> None:
        super().__init__()
        self.translate_bindings()
        self.prompt_mode: str | None = None  # "filter" / "command"
        self.map_on = False
        self.progress = ""
        self._last_status: Text | None = None
        self.guard = CursorGuard()

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    @property
    def model(self) -> ConsoleModel:
        return self.cg.model

    @property
    def filter_text(self) -> str:
        return self.model.filter_text

    def translate_bindings(self) -> None:
        """Footer and help show descriptions in the operator's language."""
        lang = self.cg.settings.lang
        by_id = {k.id: k.help_key for k in QUEUE_KEYS}
        for key, found in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                replace(b, description=t(as_key(by_id[b.id]), lang)) if b.id in by_id else b
                for b in found
            ]

    def translate_map(self) -> None:
        """The map's caption and its footer keys in the operator's language."""
        lang = self.lang
        grid_map = self.query_one(GridMap)
        grid_map.lang = "zh" if lang == "zh" else "en"
        translate_bindings(grid_map, lang, MAP_KEYS)

    @property
    def lang(self) -> str:
        return self.cg.settings.lang

    # --- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield QueueTabs(id="tabs")
        with Horizontal(id="body"):
            static, live = split_live(
                case_columns(self.lang, width=MIN_W, ascii_glyphs=self.cg.settings.ascii)
            )
            table = LineTable(
                static,
                self.model.view,
                now=self.model.now,
                ascii_glyphs=self.cg.settings.ascii,
                id="cases",
            )
            yield table
            yield LiveColumns(table, live, id="countdowns")
            grid_map = GridMap(id="map")
            grid_map.display = False
            yield grid_map
        yield Input(id="prompt")
        with Horizontal(id="statusbar"):
            yield LinkIndicator(id="link")
            yield HandoverIndicator(id="handover-status")
            yield Static("", id="status")
            yield Ticker(id="clock")
        yield Static("", id="too-small")
        yield Footer(compact=True, show_command_palette=False)  # ctrl+p is in the help (?)

    def on_mount(self) -> None:
        signals = self.cg.signals
        signals.snapshot.subscribe(self, self._on_snapshot_signal)
        signals.changed.subscribe(self, self.on_changes)
        signals.ticked.subscribe(self, self.on_tick)
        signals.view.subscribe(self, self.on_view_changed, immediate=True)
        signals.progress.subscribe(self, self.show_progress)
        signals.tags_cleared.subscribe(self, self._on_tags_cleared)
        signals.language.subscribe(self, self._on_language)
        self.query_one("#prompt", Input).display = False
        self.query_one(GridMap).ascii = self.cg.settings.ascii
        self.translate_map()
        self.refresh_tabs()
        self.refresh_status()
        self._fit(self.size.width, self.size.height)
        self._show_clock()
        if self.model.loaded:  # the snapshot arrived before this screen was mounted
            self.on_snapshot(first=True)

    def on_unmount(self) -> None:
        self.cg.signals.unsubscribe(self)

    @property
    def table(self) -> LineTable:
        return self.query_one("#cases", LineTable)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width, event.size.height)
        self.refresh_tabs()

    def _fit(self, width: int, height: int) -> None:
        small = width < MIN_W or height < MIN_H
        self.set_class(small, "-too-small")
        self.query_one("#too-small", Static).update(
            t("msg.too_small", self.lang, w=width, h=height) if small else ""
        )
        side = self.map_on and width >= MAP_SIDE_BY_SIDE
        table_width = max(MIN_W, width - (MAP_WIDTH + 1 if side else 0))
        static, live = split_live(
            case_columns(self.lang, width=table_width, ascii_glyphs=self.cg.settings.ascii)
        )
        self.table.set_columns(static)
        self.query_one(LiveColumns).set_columns(live)
        self._layout_map(width)

    def _layout_map(self, width: int) -> None:
        grid_map = self.query_one(GridMap)
        side = width >= MAP_SIDE_BY_SIDE
        grid_map.display = self.map_on
        self.table.display = not self.map_on or side
        self.query_one(LiveColumns).display = self.table.display
        self.set_class(self.map_on and side, "-split")

    # --- the app's signals --------------------------------------------------------------------

    def _on_snapshot_signal(self, first: bool) -> None:
        self.on_snapshot(first=first)

    def _on_tags_cleared(self, _: None) -> None:
        self.clear_tags()

    def _on_language(self, _lang: str) -> None:
        self.relabel()

    def on_snapshot(self, *, first: bool = True) -> None:
        grid_map = self.query_one(GridMap)
        if first:
            self.table.set_model(self.model.view)
            if self.cg.grid_cells:
                grid_map.set_cells(self.cg.grid_cells, self.cg.region_names)
        else:
            self.table.model_changed()
        if grid_map.display or not self.model.loading:  # hidden, it takes them once loaded
            grid_map.set_stats(self.model.tally.stats())
        self.refresh_tabs()
        self.refresh_status()

    def on_changes(self, batch: Changes) -> None:
        before = self.table.cursor_key
        if batch.moved:
            self.table.model_changed()
        else:
            self.table.rows_changed(c.serial for c in batch.changes)
        remote = batch.remote.get(before) if before is not None else None
        if remote is not None:
            old = next((c.old for c in batch.changes if c.serial == before), None)
            self.guard.note(
                before,
                self.table.cursor_key,
                remote,
                old.state if old is not None else None,
                self.cg.monotonic(),
            )
            self.refresh_status()
        grid_map = self.query_one(GridMap)
        codes = {
            case.grid_code for c in batch.changes for case in (c.old, c.new) if case is not None
        }
        for code in codes:
            grid_map.update_stat(code, *self.model.tally.of(code))
        self.refresh_tabs()

    def on_tick(self, tick: Tick) -> None:
        """Once a second: countdowns, and only what a passed deadline really changed."""
        self.table.tick()
        if tick.moved:  # the overdue queue is on screen and gained rows
            self.table.model_changed()
        if tick.overdue:
            self.refresh_tabs()
            grid_map = self.query_one(GridMap)
            for code in {case.grid_code for case in tick.overdue}:
                grid_map.update_stat(code, *self.model.tally.of(code))
            self.refresh_status()
        self._show_clock()

    def on_view_changed(self, change: ViewChanged) -> None:
        """Another queue, sort or filter: the table shows the model's new view."""
        view = self.model.view
        if change.aspect == "queue":
            self.table.set_model(view)
            self.refresh_tabs()
        elif change.aspect == "sort":
            self.table.set_sort(view.sort, view.descending)
            self.table.model_changed()
        else:
            self.table.model_changed()
        self.refresh_status()

    # --- tabs and status ---------------------------------------------------------------------

    def refresh_tabs(self) -> None:
        width = self.size.width or MIN_W
        self.query_one(QueueTabs).show(self.model.store.counts, self.model.queue, width, self.lang)

    def refresh_status(self) -> None:
        """The status bar after the link segment (which :class:`LinkIndicator` keeps)."""
        text = status_text(
            self.model,
            self.lang,
            tagged=len(self.table.tagged),
            show_filter=self.prompt_mode != "filter",
            progress=self.progress,
            guard=self.guard,
        )
        if text != self._last_status:  # repaint only what changed: the clock ticks alone
            self._last_status = text
            self.query_one("#status", Static).update(text, layout=False)

    def _show_clock(self) -> None:
        clock = local(self.model.now()).strftime("%H:%M:%S")
        self.query_one("#clock", Ticker).set_text(clock)

    def show_progress(self, text: str) -> None:
        self.progress = text
        self.refresh_status()

    def clear_tags(self) -> None:
        self.table.clear_tags()
        self.progress = ""
        self.refresh_status()

    def relabel(self) -> None:
        self.translate_bindings()
        self.translate_map()
        self.refresh_bindings()
        self._fit(self.size.width, self.size.height)
        self.refresh_tabs()
        self.refresh_status()

    # --- key actions ---------------------------------------------------------------------------

    def targets(self) -> list[str]:
        tagged = self.table.tagged
        if tagged:
            return [s for s in self.model.view.serials() if s in tagged]
        key = self.table.cursor_key
        return [key] if key else []

    async def action_case(self, name: str) -> None:
        action = Action(name)
        targets = self.targets()
        if len(targets) == 1 and not self.table.tagged:
            shift = self.guard.hold(targets[0], self.cg.monotonic())
            if shift is not None:  # the key was meant for the row that just changed
                self.notify(
                    t(
                        "guard.held",
                        self.lang,
                        action=label(action, self.lang),
                        changed=shift.describe(self.lang),
                        target=targets[0],
                    ),
                    severity="warning",
                    timeout=8,
                )
                return
        await self.cg.actions_.start(action, targets)

    def action_queue(self, hotkey: str) -> None:
        queue = next(q for q in QUEUES if q.hotkey == hotkey)
        self.model.set_queue(queue.key)

    def action_detail(self) -> None:
        key = self.table.cursor_key
        if key:
            from console.screens.detail import CaseDetailScreen

            self.app.push_screen(CaseDetailScreen(key))

    def action_intake(self) -> None:
        from console.screens.intake import IntakeScreen

        self.app.push_screen(IntakeScreen())

    def action_handover(self) -> None:
        from console.screens.handover import HandoverScreen

        self.app.push_screen(HandoverScreen())

    def action_help(self) -> None:
        from console.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.active_bindings_for_help()))

    def active_bindings_for_help(self) -> list[tuple[str, str, str]]:
        out = []
        for binding in self.BINDINGS:
            out.append((binding.key, binding.id or "", t(as_key(binding.description), self.lang)))
        return out

    def action_filter(self) -> None:
        self._open_prompt("filter", self.filter_text)

    def action_command_line(self) -> None:
        self._open_prompt("command", "")

    def _open_prompt(self, mode: str, value: str) -> None:
        prompt = self.query_one("#prompt", Input)
        self.prompt_mode = mode
        prompt.placeholder = t(as_key(f"prompt.{mode}"), self.lang)
        # Completion is for commands only: a filter such as "d" must not become "dispatch".
        prompt.suggester = CommandSuggester(self.cg) if mode == "command" else None
        prompt.value = value
        prompt.display = True
        prompt.focus()
        self.refresh_status()

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.display = False
        self.prompt_mode = None
        self.table.focus()
        self.refresh_status()

    def action_clear(self) -> None:
        """Esc closes the prompt, else clears the filter, else leaves a case set (back to
        the queue before it), else clears the tags: one step a press.

        (Only the ``clear`` binding calls this: a ``key_escape`` handler as well would
        run it twice per press, as the key bubbles to the app's bindings afterwards.)"""
        if self.prompt_mode is not None:
            self._close_prompt()
            return
        if self.filter_text:
            self.apply_filter("")
        elif self.model.case_set is not None:
            self.model.leave_case_set()
        elif self.table.tagged:
            self.clear_tags()

    @on(Input.Submitted, "#prompt")
    async def _prompt_submitted(self, event: Input.Submitted) -> None:
        if self.prompt_mode == "filter":
            if self.apply_filter(event.value):
                self._close_prompt()
        elif self.prompt_mode == "command" and await self.run_command(event.value):
            self._close_prompt()

    @on(Input.Changed, "#prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        if self.prompt_mode == "filter":
            self.apply_filter(event.value, quiet=True)

    def apply_filter(self, text: str, *, quiet: bool = False) -> bool:
        try:
            self.model.set_filter(text)
        except FilterError as exc:
            if not quiet:
                self.notify(t("err.filter", self.lang, detail=str(exc)), severity="error")
            return False
        return True

    async def run_command(self, text: str) -> bool:
        try:
            command = parse_command(text, self.model.store)
        except CommandError as exc:
            self.notify(str(exc), severity="error")
            return False
        await command.run(self)
        return True

    def action_sort(self, step: int) -> None:
        sort = self.model.view.sort
        current = SORT_COLUMNS.index(sort) if sort in SORT_COLUMNS else 0
        self.sort_by(SORT_COLUMNS[(current + step) % len(SORT_COLUMNS)])

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        self.model.set_sort(column, descending)

    def action_sort_reverse(self) -> None:
        self.model.reverse_sort()

    def action_untag(self) -> None:
        self.clear_tags()

    def action_toggle_map(self) -> None:
        self.map_on = not self.map_on
        self._fit(self.size.width, self.size.height)
        if self.map_on:
            # A hidden map takes the counts only when a load ends: M may come mid-load.
            self.query_one(GridMap).set_stats(self.model.tally.stats())
            self.query_one(GridMap).focus()
        else:
            self.table.focus()

    def action_focus_next_pane(self) -> None:
        if self.map_on and self.table.has_focus:
            self.query_one(GridMap).focus()
        else:
            self.table.focus()

    async def action_quit(self) -> None:
        await self.cg.action_quit()

    # --- widget messages -------------------------------------------------------------------

    @on(LineTable.Selected, "#cases")
    def _selected(self, _event: LineTable.Selected) -> None:
        self.action_detail()

    @on(LineTable.Highlighted, "#cases")
    def _highlighted(self, event: LineTable.Highlighted) -> None:
        shift = self.guard.shift
        if shift is not None and event.key != shift.now:  # the operator moved on
            self.guard.forget()
            self.refresh_status()

    @on(LineTable.TagsChanged, "#cases")
    def _tags(self, _event: LineTable.TagsChanged) -> None:
        self.refresh_status()

    @on(GridMap.Chosen)
    def _grid_chosen(self, event: GridMap.Chosen) -> None:
        self.goto_grid(event.code)

    def goto_grid(self, code: str) -> None:
        """Filter the queue to a grid (or a street/community prefix) and show the table."""
        self.apply_filter(f"grid:{code}")
        if self.map_on and self.size.width < MAP_SIDE_BY_SIDE:
            self.map_on = False
            self._fit(self.size.width, self.size.height)
        self.table.focus()
