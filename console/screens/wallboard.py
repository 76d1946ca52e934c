"""The leaders' wallboard (领导通): read only, live, cycling through its panels.

Tiles: today's reports, filed and closed (today's notice figures, every
``REFRESH_SECONDS``, moved on by the stream in between), open and overdue (live, from
the console model), and this month's
on-time closing rate against the policy's target (the notice's ``on_time_target``).
Panels: the street ranking, the five hottest grids and categories (most open cases now,
live), the map, and twelve months' trends.  A narrow terminal shows one panel at a time
and moves on every ``CYCLE_SECONDS``; from 160×40 all four are on screen at once.
``p`` or Space pauses the cycling; ``q`` quits; Escape shows the queue beneath a
leader's wallboard (there is none under ``--wallboard``); there are no case actions.

Only what changed is repainted: tiles and the clock are :class:`~widgets.ticker.Ticker`
lines on a terse screen, and panel texts are replaced only when they differ.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import Sparkline, Static

from backend_client.assessment import Notice, Ranking
from backend_client.errors import CitygridError
from backend_client.vocab import CaseState
from console.assessment_data import (
    TREND_PERIODS,
    RankingCache,
    grade_text,
    percent_text,
    shift_period,
    this_month,
    today,
)
from console.background import screen_work
from console.i18n import Key, t
from console.localtime import hhmm, local
from console.model import Changes, Tick
from widgets.grid_map import GridMap
from widgets.terse import TerseScreen
from widgets.ticker import Ticker

if TYPE_CHECKING:
    from console.app import CityGridApp

CYCLE_SECONDS = 15.0
REFRESH_SECONDS = 60.0
HOT = 5
WIDE = (160, 40)  # from this size every panel is on screen
PANELS = ("streets", "hot", "map", "trend")
BEFORE_FILING = frozenset({CaseState.REPORTED, CaseState.VERIFYING, CaseState.SELF_DISPOSED})
CHECKED = frozenset({CaseState.DISPOSED, CaseState.CHECKING})  # leaving from here: closed
TILES: tuple[tuple[str, Key], ...] = (
    ("reports", "wall.reports"),
    ("filed", "wall.filed"),
    ("closed", "wall.closed"),
    ("open", "wall.open"),
    ("overdue", "wall.overdue"),
    ("on_time", "wall.on_time"),
)


class Tile(Vertical):
    DEFAULT_CSS = """
    Tile { height: 3; width: 1fr; padding: 0 1; }
    Tile > .tile-label { height: 1; color: $text-muted; }
    """

    def __init__(self, key: str, label: str) -> None:
        super().__init__(id=f"tile-{key}")
        self.label = label
        self.value = Ticker("…", id=f"tile-{key}-value")

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="tile-label", markup=False)
        yield self.value


class WallboardScreen(TerseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p,space", "pause", "pause", show=False),
        Binding("q", "app.quit", "quit", show=False),
        Binding("escape", "leave", "queue", show=False),
    ]
    DEFAULT_CSS = """
    WallboardScreen { layout: vertical; }
    #wb-head { height: 1; }
    #wb-tiles { height: 3; }
    #wb-panels { height: 1fr; }
    #wb-panels > .panel { height: 1fr; width: 1fr; border: round $primary; padding: 0 1; }
    #wb-panels.wide { layout: grid; grid-size: 2 2; }
    #wb-panels > .panel Sparkline { height: 3; }
    #wb-foot { height: 1; }
    """

    def __init__(
        self, *, cycle_seconds: float = CYCLE_SECONDS, refresh_seconds: float = REFRESH_SECONDS
    ) -> None:
        super().__init__()
        self.cycle_seconds = cycle_seconds
        self.refresh_seconds = refresh_seconds
        self.panel = 0
        self.paused = False
        self.today: Notice | None = None
        self.month: Notice | None = None
        self.streets: Ranking | None = None
        self.cache: RankingCache | None = None
        self._hot_dirty = True
        self._texts: dict[str, str] = {}
        self.since = {"reports": 0, "filed": 0, "closed": 0}  # live, since the last fetch

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.cg.settings.lang

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Horizontal(id="wb-head"):
            yield Static(t("wall.title", lang), id="wb-title")
            yield Ticker("", id="wb-clock")
        with Horizontal(id="wb-tiles"):
            for key, label in TILES:
                yield Tile(key, t(label, lang))
        with Container(id="wb-panels"):
            with Vertical(id="panel-streets", classes="panel"):
                yield Static(id="wb-streets", markup=False)
            with Vertical(id="panel-hot", classes="panel"):
                yield Static(id="wb-hot", markup=False)
            with Vertical(id="panel-map", classes="panel"):
                grid_map = GridMap(id="wb-map", ascii=self.cg.settings.ascii)
                grid_map.can_focus = False  # read only: no cursor keys
                yield grid_map
            with Vertical(id="panel-trend", classes="panel"):
                yield Static(t("wall.trend_on_time", lang), markup=False)
                yield Sparkline([], id="wb-trend-rate")
                yield Static(t("wall.trend_closed", lang), markup=False)
                yield Sparkline([], id="wb-trend-closed")
        yield Ticker("", id="wb-foot")

    def on_mount(self) -> None:
        for key, panel in zip(PANELS, self._panels(), strict=True):
            panel.border_title = t(_panel_key(key), self.lang)
        self.cache = RankingCache(self.cg.client)
        signals = self.cg.signals
        signals.snapshot.subscribe(self, self._on_snapshot)
        signals.changed.subscribe(self, self._on_changes)
        signals.ticked.subscribe(self, self._on_tick)
        self.query_one("#wb-map", GridMap).lang = "zh" if self.lang == "zh" else "en"
        if self.cg.model.loaded:
            self._on_snapshot(True)
        self._layout()
        self._live()
        self.set_interval(self.cycle_seconds, self.cycle, name="wallboard-cycle")
        self.set_interval(self.refresh_seconds, self.refresh_figures, name="wallboard-figures")
        self.refresh_figures()

    def on_unmount(self) -> None:
        self.cg.signals.unsubscribe(self)

    def on_resize(self) -> None:
        self._layout()

    # --- layout and cycling -----------------------------------------------------------------

    @property
    def wide(self) -> bool:
        return self.size.width >= WIDE[0] and self.size.height >= WIDE[1]

    def _panels(self) -> list[Vertical]:
        return [self.query_one(f"#panel-{key}", Vertical) for key in PANELS]

    def _layout(self) -> None:
        wide = self.wide
        self.query_one("#wb-panels").set_class(wide, "wide")
        for index, panel in enumerate(self._panels()):
            panel.display = wide or index == self.panel
        self._foot()

    def cycle(self) -> None:
        """The next panel (the timer's callback); nothing while paused."""
        if self.paused:
            return
        self.panel = (self.panel + 1) % len(PANELS)
        if not self.wide:
            self._layout()
        else:
            self._foot()

    def action_leave(self) -> None:
        """Back to the queue a leader's wallboard opened over (none under ``--wallboard``)."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self._foot()

    def _foot(self) -> None:
        state = t("wall.paused" if self.paused else "wall.cycling", self.lang)
        name = t(_panel_key(PANELS[self.panel]), self.lang)
        self.query_one("#wb-foot", Ticker).set_text(
            f"{state}  {self.panel + 1}/{len(PANELS)} {name}  {t('wall.keys', self.lang)}"
        )

    # --- live figures from the model --------------------------------------------------------

    def _on_snapshot(self, first: bool) -> None:
        grid_map = self.query_one("#wb-map", GridMap)
        if first and self.cg.grid_cells:
            grid_map.set_cells(self.cg.grid_cells, self.cg.region_names)
        grid_map.set_stats(self.cg.model.tally.stats())
        self._hot_dirty = True
        self._live()

    def _on_changes(self, batch: Changes) -> None:
        grid_map = self.query_one("#wb-map", GridMap)
        codes = {c.grid_code for ch in batch.changes for c in (ch.old, ch.new) if c is not None}
        for code in codes:
            grid_map.update_stat(code, *self.cg.model.tally.of(code))
        self._hot_dirty = True
        self._set_tile("open", str(len(self.cg.model.store.cases)))
        self._count_today(batch)

    def _count_today(self, batch: Changes) -> None:
        """Between two notice fetches, today's tiles move with the stream: a new case
        reported today, a report filed, a case leaving the open set from its check."""
        day = local(self.cg.now()).date()
        for ch in batch.changes:
            old, new = ch.old, ch.new
            if old is None and new is not None and local(new.created_at).date() == day:
                self.since["reports"] += 1
                if new.state not in BEFORE_FILING:
                    self.since["filed"] += 1
            elif old is not None and new is not None:
                if old.state in BEFORE_FILING and new.state not in BEFORE_FILING:
                    self.since["filed"] += 1
            elif old is not None and new is None and old.state in CHECKED:
                self.since["closed"] += 1
        self._show_today()

    def _on_tick(self, tick: Tick) -> None:
        if tick.overdue:
            grid_map = self.query_one("#wb-map", GridMap)
            for code in {case.grid_code for case in tick.overdue}:
                grid_map.update_stat(code, *self.cg.model.tally.of(code))
        self._live()

    def _live(self) -> None:
        """Open and overdue now, the hot list (at most once a tick) and the clock."""
        store = self.cg.model.store
        if self.cg.model.loaded:
            self._set_tile("open", str(len(store.cases)))
            self._set_tile("overdue", str(store.counts.get("overdue", 0)))
        if self._hot_dirty:
            self._hot_dirty = False
            self._set_text("wb-hot", self._hot_text())
        self.query_one("#wb-clock", Ticker).set_text(hhmm(self.cg.now()))

    def _hot_text(self) -> str:
        cases = self.cg.model.store.cases.values()
        grids = Counter(c.grid_code for c in cases).most_common(HOT)
        kinds = Counter(c.category_name for c in cases).most_common(HOT)
        names = self.cg.region_names
        lines = [t("wall.hot_grids", self.lang)]
        lines += [f" {i}. {names.get(code, code)}  {n}" for i, (code, n) in enumerate(grids, 1)]
        lines += ["", t("wall.hot_categories", self.lang)]
        lines += [f" {i}. {name}  {n}" for i, (name, n) in enumerate(kinds, 1)]
        return "\n".join(lines)

    def _set_tile(self, key: str, value: str) -> None:
        self.query_one(f"#tile-{key}-value", Ticker).set_text(value)

    def _set_text(self, ident: str, text: str) -> None:
        if self._texts.get(ident) != text:
            self._texts[ident] = text
            self.query_one(f"#{ident}", Static).update(text)

    # --- figures from the API, on a slow timer ----------------------------------------------

    @screen_work(exclusive=True, group="wallboard")
    async def refresh_figures(self) -> None:
        assert self.cache is not None
        now = self.cg.now()
        month = this_month(now)
        try:
            fetched = await self.cg.client.notice(today(now))
            self.today, self.since = fetched, dict.fromkeys(self.since, 0)
            self.month = await self.cg.client.notice(month)
            self.streets = await self.cache.get(month, "region", fresh=True)
        except CitygridError:
            return  # the link shows its own state; the last figures stay up
        self._show_figures()
        await self.cache.fill_trend(month, "region")
        self._show_trend(month)

    def _show_today(self) -> None:
        if self.today is not None:
            since = self.since
            self._set_tile("reports", f"{self.today.accepted + since['reports']:,}")
            self._set_tile("filed", f"{self.today.filed + since['filed']:,}")
            self._set_tile("closed", f"{self.today.closed + since['closed']:,}")

    def _show_figures(self) -> None:
        self._show_today()
        if self.month is not None:
            rate, target = self.month.on_time_closing_rate, self.month.on_time_target
            mark = ""
            if rate is not None and target is not None:
                mark = "▲" if rate >= target else "▼"
                if self.cg.settings.ascii:
                    mark = "+" if rate >= target else "-"
            goal = "—" if target is None else f"{target:g}%"
            self._set_tile("on_time", f"{mark}{percent_text(rate)}/{goal}")
        self._set_text("wb-streets", self._streets_text())

    def _streets_text(self) -> str:
        if self.streets is None:
            return ""
        streets = sorted(
            (o for o in self.streets.objects if o.type == "street"), key=lambda o: o.rank
        )
        flag = "v" if self.cg.settings.ascii else "▼"
        return "\n".join(
            f"{flag if o.bottom else ' '}{o.rank:>2} {o.name}  {o.composite:5.1f}  "
            f"{grade_text(o.grade, self.cg.settings.ascii)}"
            for o in streets
        )

    def _show_trend(self, month: str) -> None:
        assert self.cache is not None
        rates: list[float] = []
        closed: list[float] = []
        for step in range(TREND_PERIODS - 1, -1, -1):
            ranking = self.cache.rankings.get((shift_period(month, -step), "region"))
            if ranking is None:
                continue
            streets = [o for o in ranking.objects if o.type == "street"]
            due = sum(o.counters.get("close_due", 0) for o in streets)
            on_time = sum(o.counters.get("closed_on_time", 0) for o in streets)
            closed.append(sum(o.counters.get("closed", 0) for o in streets))
            rates.append(on_time * 100 / due if due else 0.0)
        for ident, data in (("wb-trend-rate", rates), ("wb-trend-closed", closed)):
            spark = self.query_one(f"#{ident}", Sparkline)
            if list(spark.data or []) != data:
                spark.data = data


def _panel_key(name: str) -> Key:
    keys: dict[str, Key] = {
        "streets": "wall.panel.streets",
        "hot": "wall.panel.hot",
        "map": "wall.panel.map",
        "trend": "wall.panel.trend",
    }
    return keys[name]
