"""``?``: the keys that work here, with their action ids for remapping."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.i18n import t

if TYPE_CHECKING:
    from console.app import CityGridApp


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%;
        border: round $primary; background: $panel; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "app.pop_screen", "close")
    ]

    def __init__(self, keys: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        app: CityGridApp = self.app  # type: ignore[assignment]
        lang = app.settings.lang
        table = Table(title=t("help.title", lang), expand=True, box=None)
        table.add_column(t("help.key", lang), style="bold", no_wrap=True)
        table.add_column(t("help.action", lang))
        table.add_column(t("help.id", lang), style="dim", no_wrap=True)
        keymap = app.get_key_display
        for key, action_id, description in self.keys:
            shown = ", ".join(keymap(Binding(k, "")) for k in key.split(","))
            table.add_row(shown, description, action_id)
        table.add_row("", "", "")
        for line in t("help.more", lang).split("\n"):
            table.add_row("", line, "")
        with VerticalScroll():
            yield Static(table)
