"""The status bar's handover segment: a signed handover waiting for this lead's
acknowledgement stays there (``◆ 交接待确认 #12``) until it is acknowledged.

:class:`HandoverWatch` finds it: at sign-in, and then every :data:`HANDOVER_POLL_SECONDS`
while the lead works, so a handover signed or acknowledged at another desk reaches the
status bar (the server's stream carries case events only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from backend_client.errors import CitygridError
from backend_client.vocab import Role
from backend_client.wire import Handover
from console.i18n import t

if TYPE_CHECKING:
    from console.app import CityGridApp

HANDOVER_POLL_SECONDS = 30.0


class HandoverWatch:
    """Keeps the app's ``pending_handover``: the signed handover someone else left for
    this lead.  An incoming shift lead is told of each once; at sign-in it also opens,
    later a notice says it (no screen opens over the operator's work)."""

    def __init__(self, app: CityGridApp, poll_seconds: float = HANDOVER_POLL_SECONDS) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.shown: set[int] = set()
        self.polling = False
        self.answers = 0  # how many times the server has answered

    def start(self) -> None:
        """At sign-in (each fresh snapshot): look now, and keep looking."""
        self.app.run_worker(self.check(), group="handover", exclusive=True)
        if not self.polling:
            self.polling = True
            self.app.set_interval(self.poll_seconds, self._poll, name="handover")

    def _poll(self) -> None:
        self.app.run_worker(self.check(open_screen=False), group="handover", exclusive=True)

    async def check(self, *, open_screen: bool = True) -> None:
        app = self.app
        me = app.model.me
        if me is None:
            return
        try:
            waiting = await app.client.handovers(status="signed", limit=10)
        except CitygridError:
            return  # the status bar stays as it was; H still opens the handover
        self.answers += 1
        handover = next((h for h in waiting if h.author != me.username), None)
        app.set_pending_handover(handover)
        if handover is None or me.role is not Role.SHIFT_LEAD or handover.id in self.shown:
            return
        self.shown.add(handover.id)
        from console.screens.handover import HandoverScreen

        lang = app.settings.lang
        shift = handover.shift.zh if lang == "zh" else handover.shift.en
        app.notify(t("handover.incoming", lang, who=handover.author_name, shift=shift), timeout=10)
        if open_screen and not any(isinstance(s, HandoverScreen) for s in app.screen_stack):
            app.push_screen(HandoverScreen(handover.id))


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
