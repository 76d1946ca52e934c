"""Drill-down from a ranking row: its counters, then the cases behind the chosen one
(Enter opens the case detail); and the notice draft as text."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from backend_client.assessment import FigureCases, RankedObject
from backend_client.errors import CitygridError
from console.errors import describe
from console.i18n import t

if TYPE_CHECKING:
    from console.app import CityGridApp

COUNTER_PREFIX = "counter:"
CASE_PREFIX = "case:"


class FigureCasesScreen(Screen[None]):
    """One object's counters; Enter on one lists its cases, Enter on a case opens it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "back"),
        Binding("a", "appeal", "appeal"),
    ]

    def __init__(self, period: str, obj: RankedObject) -> None:
        super().__init__()
        self.period = period
        self.obj = obj
        self.counter: str | None = None
        self.found: FigureCases | None = None

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="drill-head")
        yield OptionList(id="drill-list")
        yield Footer()

    def on_mount(self) -> None:
        self.show_counters()
        self.query_one(OptionList).focus()

    def show_counters(self) -> None:
        lang = self.cg.settings.lang
        self.counter, self.found = None, None
        self.query_one("#drill-head", Static).update(
            t("drill.counters", lang, name=self.obj.name, period=self.period)
        )
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(f"{name:<28} {value:>8g}", id=COUNTER_PREFIX + name)
            for name, value in sorted(self.obj.counters.items())
        )

    @on(OptionList.OptionSelected, "#drill-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        ident = event.option.id or ""
        if ident.startswith(COUNTER_PREFIX):
            self.load(ident.removeprefix(COUNTER_PREFIX))
        elif ident.startswith(CASE_PREFIX):
            from console.screens.detail import CaseDetailScreen

            self.app.push_screen(CaseDetailScreen(ident.removeprefix(CASE_PREFIX)))

    @work(exclusive=True, group="drill")
    async def load(self, counter: str) -> None:
        lang = self.cg.settings.lang
        try:
            found = await self.cg.client.figure_cases(
                self.period, self.obj.type, self.obj.id, counter
            )
        except CitygridError as exc:
            self.notify(describe(exc, lang), severity="error")
            return
        self.counter, self.found = counter, found
        self.query_one("#drill-head", Static).update(
            t(
                "drill.cases",
                lang,
                name=self.obj.name,
                counter=counter,
                total=f"{found.total:g}",
                n=len(found.cases),
            )
        )
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(
                f"{c.serial}  {c.counted:>5g}  {c.at[:16].replace('T', ' ')}",
                id=CASE_PREFIX + c.serial,
            )
            for c in found.cases
        )
        if not found.cases:
            options.add_option(Option(t("drill.none", lang), disabled=True))

    def action_appeal(self) -> None:
        """Appeal the highlighted case's deduction on the counter being listed."""
        from console.screens.appeals import appeal_dialog

        options = self.query_one(OptionList)
        index = options.highlighted
        ident = options.get_option_at_index(index).id if index is not None else None
        if self.counter is None or not ident or not ident.startswith(CASE_PREFIX):
            self.notify(t("appeal.no_counter", self.cg.settings.lang), severity="warning")
            return
        serial = ident.removeprefix(CASE_PREFIX)
        self.app.push_screen(
            appeal_dialog(self.cg, self.period, serial, self.counter, self.obj.name)
        )

    def action_back(self) -> None:
        if self.counter is not None:
            self.show_counters()
        else:
            self.app.pop_screen()


class NoticeScreen(Screen[None]):
    """The notice draft (通报), as the centre would sign it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,n", "app.pop_screen", "back")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="notice-body"):
            yield Static(self.text, id="notice-text", markup=False)
        yield Footer()
