"""``n``: register a hotline call.  Category by fuzzy search, location resolved to a
grid by the backend, and possible duplicates shown before anything is sent, with one
key (F3) to merge into one of them instead."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Key
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from backend_client.errors import CitygridError
from backend_client.labels import label
from backend_client.text import is_digits
from backend_client.vocab import Action, CategoryKind, Source, Urgency
from backend_client.wire import ActionRequest, CaseCreate, CaseSummary, Category
from console.background import screen_work
from console.catalogue_search import fuzzy_rank
from console.errors import describe
from console.i18n import t
from console.keymap import translate_bindings

if TYPE_CHECKING:
    from console.app import CityGridApp

LONLAT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*[,， ]\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$")


class IntakeScreen(Screen[None]):
    DEFAULT_CSS = """
    IntakeScreen VerticalScroll { padding: 0 1; }
    IntakeScreen Label { margin-top: 1; text-style: bold; }
    IntakeScreen OptionList { height: auto; max-height: 6; }
    IntakeScreen #error { color: $error; text-style: bold; }
    IntakeScreen #resolved { color: $text-muted; }
    IntakeScreen Horizontal { height: auto; }
    IntakeScreen Select { width: 24; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "submit", "submit", show=True),
        Binding("f3", "merge", "merge into duplicate", show=True),
        Binding("escape", "leave", "back", show=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Category] = []
        self.category: Category | None = None
        self.grid_code: str | None = None
        self.lonlat: tuple[float, float] | None = None
        self.duplicates: list[CaseSummary] = []

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.cg.settings.lang

    def compose(self) -> ComposeResult:
        lang = self.lang
        with VerticalScroll():
            yield Static(t("intake.title", lang), classes="title")
            yield Label(t("intake.category", lang))
            yield Input(placeholder=t("intake.category_hint", lang), id="category")
            yield OptionList(id="categories")
            yield Label(t("intake.location", lang))
            yield Input(placeholder=t("intake.location_hint", lang), id="location")
            yield OptionList(id="places")
            yield Static("", id="resolved")
            with Horizontal():
                yield Select(
                    [(label(s, lang), s.value) for s in Source],
                    value=Source.HOTLINE.value,
                    allow_blank=False,
                    id="source",
                )
                yield Checkbox(t("intake.urgent", lang), id="urgent")
            yield Label(t("intake.description", lang))
            yield Input(placeholder=t("intake.description_hint", lang), id="description")
            yield Label(t("intake.reporter", lang))
            with Horizontal():
                yield Input(placeholder=t("intake.name", lang), id="name")
                yield Input(
                    placeholder=t("intake.phone", lang),
                    id="phone",
                    restrict=r"[0-9+\- ]*",
                    max_length=20,
                )
            yield Label(t("intake.duplicates", lang))
            yield OptionList(id="duplicates")
            yield Static("", id="error")
            yield Static(t("intake.keys", lang), classes="hint")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        translate_bindings(
            self,
            self.lang,
            {"submit": "key.submit", "merge": "key.merge_duplicate", "leave": "key.back"},
        )
        self.refresh_bindings()
        self.query_one("#category", Input).focus()
        self.load_catalogue()

    @screen_work(exclusive=True, group="catalogue")
    async def load_catalogue(self) -> None:
        try:
            categories = await self.cg.client.catalogue()
        except CitygridError as exc:
            self.error(describe(exc, self.lang))
            return
        self.entries = categories
        self._show_categories("")

    def error(self, text: str) -> None:
        self.query_one("#error", Static).update(text)

    # --- category --------------------------------------------------------------------------

    @on(Input.Changed, "#category")
    def _category_typed(self, event: Input.Changed) -> None:
        self._show_categories(event.value)

    def _show_categories(self, query: str) -> None:
        options = self.query_one("#categories", OptionList)
        options.clear_options()
        for entry in fuzzy_rank(self.entries, query, limit=8):
            kind = "部件" if entry.kind is CategoryKind.COMPONENT else "事项"
            text = f"{entry.code} {entry.name} — {entry.gloss} ({kind})"
            options.add_option(Option(text, id=f"{entry.kind.value}:{entry.code}"))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted, "#category")
    def _category_enter(self) -> None:
        options = self.query_one("#categories", OptionList)
        if options.highlighted is not None:
            self._choose_category(options.get_option_at_index(options.highlighted).id or "")
        self.query_one("#location", Input).focus()

    @on(OptionList.OptionSelected, "#categories")
    def _category_picked(self, event: OptionList.OptionSelected) -> None:
        self._choose_category(event.option.id or "")
        self.query_one("#location", Input).focus()

    def _choose_category(self, key: str) -> None:
        kind, _, code = key.partition(":")
        self.category = next(
            (e for e in self.entries if e.kind.value == kind and e.code == code), None
        )
        if self.category is not None:
            field = self.query_one("#category", Input)
            with field.prevent(Input.Changed):
                field.value = f"{self.category.code} {self.category.name}"
        self.find_duplicates()

    def on_key(self, event: Key) -> None:
        key = event.key
        focused = self.focused
        if (
            key in ("up", "down")
            and isinstance(focused, Input)
            and focused.id in ("category", "location")
        ):
            target = self.query_one(
                "#categories" if focused.id == "category" else "#places", OptionList
            )
            if target.option_count:
                if key == "down":
                    target.action_cursor_down()
                else:
                    target.action_cursor_up()
                event.stop()

    # --- location ----------------------------------------------------------------------------

    @on(Input.Submitted, "#location")
    def _location_enter(self, event: Input.Submitted) -> None:
        places = self.query_one("#places", OptionList)
        if places.option_count and places.highlighted is not None:
            self._use_grid(places.get_option_at_index(places.highlighted).id or "")
        else:
            self.resolve(event.value)
        self.query_one("#description", Input).focus()

    @on(Input.Changed, "#location")
    def _location_typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        places = self.query_one("#places", OptionList)
        places.clear_options()
        if len(text) < 2 or is_digits(text) or LONLAT.match(text):
            return
        matches = [
            (code, name)
            for code, name in self.cg.region_names.items()
            if len(code) == 15 and text in name
        ][:8]
        for code, name in matches:
            places.add_option(Option(f"{code} {name}", id=code))
        if matches:
            places.highlighted = 0

    @on(OptionList.OptionSelected, "#places")
    def _place_picked(self, event: OptionList.OptionSelected) -> None:
        self._use_grid(event.option.id or "")

    def _use_grid(self, code: str) -> None:
        self.grid_code = code
        self.query_one("#resolved", Static).update(f"→ {code} {self.cg.region_names.get(code, '')}")
        self.find_duplicates()

    @screen_work(exclusive=True, group="resolve")
    async def resolve(self, text: str) -> None:
        text = text.strip()
        resolved = self.query_one("#resolved", Static)
        try:
            if is_digits(text) and len(text) == 15:
                grid = await self.cg.client.grid(text)
                self.lonlat = None
            elif (m := LONLAT.match(text)) is not None:
                lon, lat = float(m.group(1)), float(m.group(2))
                grid = await self.cg.client.locate(lon, lat)
                self.lonlat = (lon, lat)
            else:
                resolved.update(t("intake.location_unresolved", self.lang))
                return
        except CitygridError as exc:
            self.grid_code = None
            resolved.update(describe(exc, self.lang))
            return
        self.grid_code = grid.code
        resolved.update(f"→ {grid.code} {grid.name} · {grid.community_name} · {grid.street_name}")
        self.find_duplicates()

    # --- duplicates ----------------------------------------------------------------------------

    @screen_work(exclusive=True, group="duplicates")
    async def find_duplicates(self) -> None:
        options = self.query_one("#duplicates", OptionList)
        options.clear_options()
        self.duplicates = []
        if self.grid_code is None or self.category is None:
            return
        try:
            page = await self.cg.client.cases(
                state="open", region=self.grid_code, category=self.category.code, limit=20
            )
        except CitygridError:
            return
        self.duplicates = page.items
        for case in page.items:
            options.add_option(
                Option(
                    f"{case.serial}  {label(case.state, self.lang)}  {case.summary}", id=case.serial
                )
            )
        if page.items:
            options.highlighted = 0
            self.notify(
                t("intake.duplicates_found", self.lang, n=len(page.items)), severity="warning"
            )

    # --- submit -------------------------------------------------------------------------------

    def build(self) -> CaseCreate | None:
        description = self.query_one("#description", Input).value.strip()
        if self.category is None:
            self.error(t("intake.need_category", self.lang))
            return None
        if self.grid_code is None and self.lonlat is None:
            self.error(t("intake.need_location", self.lang))
            return None
        if not description:
            self.error(t("intake.need_description", self.lang))
            return None
        lon, lat = self.lonlat if self.lonlat else (None, None)
        return CaseCreate(
            source=Source(str(self.query_one("#source", Select).value)),
            category_kind=self.category.kind,
            category_code=self.category.code,
            description=description,
            urgency=Urgency.URGENT if self.query_one("#urgent", Checkbox).value else Urgency.NORMAL,
            grid_code=self.grid_code,
            lon=lon,
            lat=lat,
            address=self.query_one("#location", Input).value.strip()[:256]
            if self.lonlat is None
            and self.grid_code
            and not is_digits(self.query_one("#location", Input).value.strip())
            else "",
            reporter_name=self.query_one("#name", Input).value.strip(),
            reporter_phone=self.query_one("#phone", Input).value.strip(),
        )

    def action_submit(self) -> None:
        self.send(merge_into=None)

    def action_merge(self) -> None:
        options = self.query_one("#duplicates", OptionList)
        if options.highlighted is None or not self.duplicates:
            self.error(t("intake.no_duplicate", self.lang))
            return
        self.send(merge_into=self.duplicates[options.highlighted].serial)

    @screen_work(exclusive=True, group="send")
    async def send(self, merge_into: str | None) -> None:
        body = self.build()
        if body is None:
            return
        self.error(t("dlg.sending", self.lang))
        try:
            result = await self.cg.client.report(body)
        except CitygridError as exc:
            self.error(describe(exc, self.lang))  # the form keeps everything typed
            return
        self.cg.model.take(result.case)
        serial = result.case.serial
        if merge_into is not None:
            problem = await self.cg.actions_.send(
                serial, ActionRequest(action=Action.MERGE, target=merge_into)
            )
            if problem is not None:
                self.error(problem)
                return
            self.notify(t("intake.merged", self.lang, serial=serial, target=merge_into))
        else:
            self.notify(t("intake.created", self.lang, serial=serial))
        self.app.pop_screen()

    def action_leave(self) -> None:
        self.app.pop_screen()
