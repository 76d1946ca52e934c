"""The assessment screen (考核评价): a period's ranking of regions, departments or posts.

Keys: ``[``/``]`` the previous/next period, ``p`` type a period (``2026-W48``), ``1``-``3``
or Tab the family, ``<``/``>`` the sort column and ``R`` its direction, Enter the cases
behind the row's counters, ``e`` export (XLSX), ``n`` the notice draft, Escape back.

The grade is a letter and dots (``A ●●●●●`` … ``E ●○○○○``) as well as a colour, and the
bottom units of each group carry ``▼`` before their rank: colour is never the only signal.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, Sparkline, Static

from backend_client.assessment import ObjectFamily, RankedObject, Ranking
from backend_client.client import CitygridClient
from backend_client.errors import CitygridError
from backend_client.publication import PublicationInfo
from console.assessment_data import (
    FAMILIES,
    GRADE_CLASS,
    RankingCache,
    grade_text,
    group_label,
    is_period,
    is_range,
    percent_text,
    shared_kind,
    shift_period,
    spark,
    this_month,
)
from console.background import screen_work, shown
from console.errors import describe
from console.i18n import Key, as_key, t
from console.keymap import translate_bindings
from widgets.line_table import Column, LineTable

if TYPE_CHECKING:
    from console.app import CityGridApp

SORTS = ("rank", "name", "composite", "ratio1", "ratio2")


class RankingRows:
    """The ranking's objects, sorted; the table model of the screen."""

    def __init__(self, objects: list[RankedObject] | None = None) -> None:
        self.rows: list[RankedObject] = objects or []
        self._index: dict[str, int] = {}
        self.sort("rank", False)

    @staticmethod
    def key(obj: RankedObject) -> str:
        return f"{obj.type}:{obj.id}"

    def sort(self, column: str, descending: bool) -> None:
        def value(obj: RankedObject) -> tuple[object, ...]:
            if column == "name":
                return (obj.name, obj.id)
            if column == "composite":
                return (obj.composite, obj.id)
            if column in ("ratio1", "ratio2"):
                index = 0 if column == "ratio1" else 1
                found = obj.figures[index].percent if len(obj.figures) > index else None
                return (found is not None, found or 0.0, obj.id)
            return (obj.group, obj.rank, obj.name)

        self.rows.sort(key=value, reverse=descending)
        self._index = {self.key(o): i for i, o in enumerate(self.rows)}

    def __len__(self) -> int:
        return len(self.rows)

    def key_at(self, index: int) -> str:
        return self.key(self.rows[index])

    def index_of(self, key: str) -> int | None:
        return self._index.get(key)

    def row_at(self, index: int) -> RankedObject:
        return self.rows[index]


FOOTER_KEYS: dict[str, Key] = {  # the footer's description of each shown action
    "app.pop_screen": "key.back",
    "shift(-1)": "key.period_prev",
    "shift(1)": "key.period_next",
    "type_period": "key.period",
    "export": "key.export",
    "notice": "key.notice",
    "publish": "key.publish",
    "toggle_live": "key.live",
    "appeals": "key.appeals",
}


class AssessmentScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [  # footer texts: FOOTER_KEYS
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("left_square_bracket", "shift(-1)", "prev"),
        Binding("right_square_bracket", "shift(1)", "next"),
        Binding("p", "type_period", "period"),
        Binding("1", "family('region')", "1", show=False),
        Binding("2", "family('department')", "2", show=False),
        Binding("3", "family('post')", "3", show=False),
        Binding("tab", "next_family", "tab", show=False, priority=True),
        Binding("greater_than_sign", "sort(1)", ">", show=False),
        Binding("less_than_sign", "sort(-1)", "<", show=False),
        Binding("R", "sort_reverse", "R", show=False),
        Binding("e", "export", "export"),
        Binding("n", "notice", "notice"),
        Binding("P", "publish", "publish"),
        Binding("v", "toggle_live", "live/published"),
        Binding("a", "appeals", "appeals"),
    ]

    def __init__(self, period: str | None = None, family: ObjectFamily = "department") -> None:
        super().__init__()
        self.period = period or ""
        self.family: ObjectFamily = family
        self.ranking: Ranking | None = None
        self.rows = RankingRows()
        self.sort_column = "rank"
        self.descending = False
        self.cache: RankingCache | None = None
        self.publication: PublicationInfo | None = None  # the period's latest revision
        self.live = False  # show the live figures of a published period
        self.stale = False  # reload when this screen is shown again

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.cg.settings.lang

    def compose(self) -> ComposeResult:
        yield Static(id="assess-head")
        yield Input(id="assess-period", classes="hidden")
        yield LineTable(self._columns(None), self.rows, now=self.cg.now, id="assess-table")
        yield Static(id="assess-ratios")
        yield Sparkline([], id="assess-trend")
        yield Footer(compact=True, show_command_palette=False)

    def on_resize(self) -> None:
        self.query_one(LineTable).set_columns(self._columns(self.ranking))

    def on_mount(self) -> None:
        translate_bindings(self, self.lang, FOOTER_KEYS)
        self.refresh_bindings()
        self.cache = RankingCache(self.cg.client)
        self.period = self.period or this_month(self.cg.now())
        self.query_one(Input).display = False
        self.query_one(LineTable).focus()
        self.load()

    # --- data -------------------------------------------------------------------------------

    @screen_work(exclusive=True, group="assessment")
    async def load(self) -> None:
        assert self.cache is not None
        self._head(t("assess.loading", self.lang))
        try:
            publication = await latest_publication(self.cg.client, self.period)
            if publication is not None and not self.live:
                revision = publication.revision
                ranking = await self.cache.frozen(self.period, self.family, revision)
            else:
                ranking = await self.cache.get(self.period, self.family)
        except CitygridError as exc:
            if not shown(self):  # popped, or the app is exiting: nothing to show on
                return
            self.publication = None
            self.ranking = None
            self.rows = RankingRows()
            self.query_one(LineTable).set_model(self.rows)
            self._head(describe(exc, self.lang))
            return
        if not shown(self):
            return
        self.publication, self.ranking = publication, ranking
        self._show()
        if await self.cache.fill_trend(self.period, self.family) and shown(self):
            self.query_one(LineTable).set_columns(self._columns(self.ranking))
            self._selected()

    def _show(self) -> None:
        table = self.query_one(LineTable)
        self.rows = RankingRows(list(self.ranking.objects) if self.ranking else [])
        self.rows.sort(self.sort_column, self.descending)
        table.set_columns(self._columns(self.ranking))
        table.set_model(self.rows)
        table.set_sort(self.sort_column, self.descending)
        self._head()
        self._selected()

    def _head(self, note: str = "") -> None:
        names = [self._family_name(f) for f in FAMILIES]
        tabs = "  ".join(
            f"[{i}] " + (f"【{name}】" if f == self.family else name)
            for i, (f, name) in enumerate(zip(FAMILIES, names, strict=True), 1)
        )
        title = t("assess.title", self.lang, period=self.period)
        policy = f"  {self.ranking.policy_version}" if self.ranking and not note else ""
        if self.publication is not None and not note:
            policy += "  " + (
                t("pub.live", self.lang)
                if self.live
                else t("pub.published", self.lang, revision=self.publication.revision)
            )
        self.query_one("#assess-head", Static).update(f"{title}   {tabs}{policy}  {note}")

    def _family_name(self, family: ObjectFamily) -> str:
        return t(as_key(f"assess.family.{family}"), self.lang)

    def _columns(self, ranking: Ranking | None) -> list[Column]:
        lang, ascii_glyphs = self.lang, self.cg.settings.ascii
        first = ranking.objects[0] if ranking and ranking.objects else None
        if first is not None and shared_kind(ranking):
            names = [(f.zh if lang == "zh" else f.en) for f in first.key_figures()]
        else:
            names = []
        names += [t("assess.col.key1", lang), t("assess.col.key2", lang)][len(names[:2]) :]

        def ratio(index: int) -> Column:
            def render(obj: RankedObject, _now: object) -> tuple[str, str]:
                figures = obj.key_figures()
                found = figures[index] if len(figures) > index else None
                return percent_text(found.percent if found else None), ""

            return Column(f"ratio{index + 1}", names[index], 7, render, align="right")

        def trend(obj: RankedObject, _now: object) -> tuple[str, str]:
            if self.cache is None:
                return "", ""
            return spark(self.cache.trend(self.period, self.family, obj), ascii_glyphs), "muted"

        flag = "v" if ascii_glyphs else "▼"
        name_width = max(16, min(40, self.app.size.width - 63))  # 80 columns: all fit
        return [
            Column(
                "rank",
                t("assess.col.rank", lang),
                7,
                lambda o, _n: (f"{flag if o.bottom else ' '}{o.rank}/{o.group_size}", ""),
                align="right",
            ),
            Column("name", t("assess.col.name", lang), name_width, lambda o, _n: (o.name, "")),
            Column(
                "group",
                t("assess.col.group", lang),
                8,
                lambda o, _n: (group_label(o.group, lang), "muted"),
            ),
            Column(
                "composite",
                t("assess.col.composite", lang),
                5,
                lambda o, _n: (f"{o.composite:.1f}", ""),
                align="right",
            ),
            Column(
                "grade",
                t("assess.col.grade", lang),
                7,
                lambda o, _n: (grade_text(o.grade, ascii_glyphs), GRADE_CLASS[o.grade]),
            ),
            ratio(0),
            ratio(1),
            Column("trend", t("assess.col.trend", lang), 12, trend),
        ]

    def current(self) -> RankedObject | None:
        key = self.query_one(LineTable).cursor_key
        index = self.rows.index_of(key) if key else None
        return None if index is None else self.rows.row_at(index)

    @on(LineTable.Highlighted)
    def _selected(self) -> None:
        obj = self.current()
        ratios = self.query_one("#assess-ratios", Static)
        trend = self.query_one("#assess-trend", Sparkline)
        if obj is None:
            ratios.update(t("assess.empty", self.lang))
            trend.data = []
            return
        parts = [
            f"{(f.zh if self.lang == 'zh' else f.en)} {percent_text(f.percent)}"
            f" ({f.numerator:g}/{f.denominator:g})"
            for f in obj.key_figures()[:4]
        ]
        bottom = t("assess.bottom", self.lang) if obj.bottom else ""
        ratios.update(f"{obj.name}  {bottom}\n" + " · ".join(parts))
        if self.cache is not None:
            values = self.cache.trend(self.period, self.family, obj)
            trend.data = [v for v in values if v is not None]

    # --- actions ----------------------------------------------------------------------------

    def action_shift(self, step: int) -> None:
        if not is_period(self.period):  # a custom range: type the next one with ``p``
            self.notify(t("assess.no_step", self.lang, period=self.period), severity="warning")
            return
        self.period = shift_period(self.period, step)
        self.load()

    def action_family(self, family: ObjectFamily) -> None:
        if family != self.family:
            self.family = family
            self.load()

    def action_next_family(self) -> None:
        index = (FAMILIES.index(self.family) + 1) % len(FAMILIES)
        self.action_family(FAMILIES[index])

    def action_sort(self, step: int) -> None:
        index = (SORTS.index(self.sort_column) + step) % len(SORTS)
        self.sort_column = SORTS[index]
        self.descending = self.sort_column in ("composite", "ratio1", "ratio2")
        self._show()

    def action_sort_reverse(self) -> None:
        self.descending = not self.descending
        self._show()

    def action_type_period(self) -> None:
        box = self.query_one(Input)
        box.placeholder = t("assess.period_hint", self.lang)
        box.value = self.period
        box.display = True
        box.focus()

    @on(Input.Submitted, "#assess-period")
    def _period_typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not (is_period(text) or is_range(text)):
            self.notify(t("assess.bad_period", self.lang, text=text), severity="warning")
            return
        event.input.display = False
        self.query_one(LineTable).focus()
        self.period = text
        self.load()

    @on(LineTable.Selected)
    def _drill(self, event: LineTable.Selected) -> None:
        from console.screens.figure_cases import FigureCasesScreen

        obj = self.current()
        if obj is not None:
            self.app.push_screen(FigureCasesScreen(self.period, obj))

    @screen_work(group="export")
    async def action_export(self) -> None:
        try:
            body = await self.cg.client.assessment_export(self.period, "xlsx")
        except CitygridError as exc:
            self.notify(describe(exc, self.lang), severity="error")
            return
        path = export_dir() / f"citygrid-assessment-{self.period.replace('..', '_')}.xlsx"
        try:
            path.write_bytes(body)
        except OSError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(t("assess.exported", self.lang, path=str(path)), timeout=10)

    @screen_work(group="notice")
    async def action_notice(self) -> None:
        from console.screens.figure_cases import NoticeScreen

        try:
            notice = await self.cg.client.notice(self.period)
        except CitygridError as exc:
            self.notify(describe(exc, self.lang), severity="error")
            return
        self.app.push_screen(NoticeScreen(notice.text_zh))

    # --- publication and appeals ----------------------------------------------------------

    def action_publish(self) -> None:
        from console.screens.appeals import may_review, publish_dialog

        if not may_review(self.cg):
            self.notify(t("pub.refused_role", self.lang), severity="warning")
            return
        policy = self.ranking.policy_version if self.ranking else "—"
        self.app.push_screen(publish_dialog(self.cg, self.period, policy), self._published)

    def _published(self, done: bool | None) -> None:
        if done:
            self.load()

    def action_toggle_live(self) -> None:
        if self.publication is not None:
            self.live = not self.live
            self.load()

    def action_appeals(self) -> None:
        from console.screens.appeals import AppealsScreen

        self.stale = True  # an upheld appeal revises the period
        self.app.push_screen(AppealsScreen())

    def on_screen_resume(self) -> None:
        if self.stale:
            self.stale = False
            self.load()


async def latest_publication(client: CitygridClient, period: str) -> PublicationInfo | None:
    """The period's newest published revision, or None if it is not published."""
    revisions = [p for p in await client.publications() if p.period.name == period]
    return max(revisions, key=lambda p: p.revision, default=None)


def export_dir() -> Path:
    """The user's download directory (``XDG_DOWNLOAD_DIR``, then the XDG user dirs) if it
    exists, else the current directory."""
    import os

    from platformdirs import user_downloads_dir

    for found in (os.environ.get("XDG_DOWNLOAD_DIR", ""), user_downloads_dir()):
        if found and Path(found).is_dir():
            return Path(found)
    return Path.cwd()
