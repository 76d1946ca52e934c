"""The console's link to the centre as the status bar shows it, and the widget that does.

``◌ reconnecting 3s`` counts down to the next attempt, one second a tick; the widget
repaints only itself, and only when its text changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from console.i18n import t
from console.localtime import hhmm
from console.model import LinkStatus

if TYPE_CHECKING:
    from console.app import CityGridApp
    from console.model import Tick


def link_text(link: LinkStatus, lang: str, now: float) -> Text:
    """The status bar's link segment; never colour alone (glyphs, bold, reverse).

    Every :data:`LinkState` has its case here: a new state fails the type check until
    it is given its words."""
    state = link.state
    match state:
        case "live":
            return Text(t("status.live", lang), style="bold")
        case "reconnecting" | "connecting":
            return Text(t("status.reconnecting", lang, n=link.retry_in(now)), style="bold")
        case "refused":
            return Text(t("status.refused", lang, since=hhmm(link.since)), style="bold reverse")
        case "stale" | "offline":
            return Text(t("status.stale", lang, since=hhmm(link.since)), style="bold reverse")
        case _:
            assert_never(state)


class LinkIndicator(Static):
    """The link segment of the status bar, subscribed to the app's link and tick signals."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown: Text | None = None

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.cg.signals.link.subscribe(self, self._on_link)
        self.cg.signals.ticked.subscribe(self, self._on_tick)
        self.cg.signals.language.subscribe(self, self._on_language)
        self.show()

    def on_unmount(self) -> None:
        self.cg.signals.unsubscribe(self)

    def _on_link(self, _link: LinkStatus) -> None:
        self.show()

    def _on_tick(self, _tick: Tick) -> None:
        self.show()

    def _on_language(self, _lang: str) -> None:
        self.show()

    def show(self) -> None:
        text = link_text(self.cg.model.link, self.cg.settings.lang, self.cg.monotonic())
        if text == self._shown:
            return
        self._shown = text
        width = cell_len(text.plain)
        if self.styles.width is None or self.styles.width.value != width:
            self.styles.width = width  # relayout only when the text's width changes
        self.update(text, layout=False)
