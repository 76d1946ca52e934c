"""Drill-down from a ranking row: its counters, by name in the operator's language;
Enter on one opens the queue showing exactly the cases behind it (open or closed, with
the queue's columns, keys and actions; Esc there goes back to the queue before). And the
notice draft as text."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from backend_client.assessment import RankedObject, counter_label
from backend_client.errors import CitygridError
from console.assessment_data import CASE_SET_MAX, figure_serials, rows_of
from console.background import screen_work
from console.errors import describe
from console.i18n import t
from console.model import FigureRef

if TYPE_CHECKING:
    from console.app import CityGridApp

COUNTER_PREFIX = "counter:"
LABEL_CELLS = 30


def counter_line(name: str, value: float, lang: str) -> str:
    """``按期结案数                      12``: the counter's label padded by cell width."""
    text = counter_label(name, lang)
    return f"{text}{' ' * max(1, LABEL_CELLS - cell_len(text))}{value:>8g}"


class FigureCasesScreen(Screen[None]):
    """One object's counters; Enter on one opens its cases in the queue."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "back"),
    ]

    def __init__(self, period: str, obj: RankedObject) -> None:
        super().__init__()
        self.period = period
        self.obj = obj

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="drill-head")
        yield OptionList(id="drill-list")
        yield Footer()

    def on_mount(self) -> None:
        lang = self.cg.settings.lang
        self.query_one("#drill-head", Static).update(
            t("drill.counters", lang, name=self.obj.name, period=self.period)
        )
        options = self.query_one(OptionList)
        options.add_options(
            Option(counter_line(name, value, lang), id=COUNTER_PREFIX + name)
            for name, value in sorted(self.obj.counters.items())
        )
        options.focus()

    @on(OptionList.OptionSelected, "#drill-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        ident = event.option.id or ""
        if ident.startswith(COUNTER_PREFIX):
            self.open_in_queue(ident.removeprefix(COUNTER_PREFIX))

    @screen_work(exclusive=True, group="drill")
    async def open_in_queue(self, counter: str) -> None:
        """The cases behind ``counter``, fetched by serial, shown in the queue."""
        lang = self.cg.settings.lang
        name = counter_label(counter, lang)
        self.notify(t("drill.opening", lang, counter=name), timeout=3)
        try:
            found = await self.cg.client.figure_cases(
                self.period, self.obj.type, self.obj.id, counter
            )
            serials = figure_serials(found)
            if not serials:
                self.notify(t("drill.none", lang), severity="warning")
                return
            if len(serials) > CASE_SET_MAX:
                self.notify(
                    t("drill.capped", lang, counter=name, total=len(serials), n=CASE_SET_MAX),
                    severity="warning",
                    timeout=8,
                )
                serials = serials[:CASE_SET_MAX]
            rows = await rows_of(self.cg.client, serials)
        except CitygridError as exc:
            self.notify(describe(exc, lang), severity="error")
            return
        title = f"{self.obj.name} · {name} · {self.period}"
        figure = FigureRef(self.period, counter, self.obj.name)
        self.app.call_later(self.cg.show_case_set, title, serials, rows, figure)

    def action_back(self) -> None:
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
