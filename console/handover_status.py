"""The status bar's handover segment: a signed handover waiting for this lead's
acknowledgement stays there (``◆ 交接待确认 #12``) until it is acknowledged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from backend_client.wire import Handover
from console.i18n import t

if TYPE_CHECKING:
    from console.app import CityGridApp


def handover_text(handover: Handover | None, lang: str, ascii_glyphs: bool = False) -> Text:
    if handover is None:
        return Text("")
    text = t("status.handover", lang, id=handover.id)
    if ascii_glyphs:
        text = text.replace("◆", "*")
    return Text(f" {text} ", style="bold reverse")


class HandoverIndicator(Static):
    """Subscribed to the app's handover and language signals; zero wide when empty."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown: Text | None = None

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.cg.signals.handover.subscribe(self, self._on_handover)
        self.cg.signals.language.subscribe(self, self._on_language)
        self.show()

    def on_unmount(self) -> None:
        self.cg.signals.unsubscribe(self)

    def _on_handover(self, _handover: Handover | None) -> None:
        self.show()

    def _on_language(self, _lang: str) -> None:
        self.show()

    def show(self) -> None:
        settings = self.cg.settings
        text = handover_text(self.cg.pending_handover, settings.lang, settings.ascii)
        if text == self._shown:
            return
        self._shown = text
        width = cell_len(text.plain)
        if self.styles.width is None or self.styles.width.value != width:
            self.styles.width = width
        self.update(text, layout=False)
