"""The shift's events in order, one at a time: ←/→ or p/n step, Home/End jump."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from backend_client.errors import CitygridError
from backend_client.labels import label
from backend_client.wire import CaseGone, Event, FeedItem, Handover
from console.background import screen_work
from console.errors import describe
from console.i18n import t
from console.localtime import local

if TYPE_CHECKING:
    from textual.events import Resize

    from console.app import CityGridApp

PAGE = 500
MAX_EVENTS = 20_000  # a busy district's shift is a few thousand events


def event_line(item: FeedItem, lang: str) -> str:
    if isinstance(item, CaseGone):
        return f"{item.seq:>8}  {'':8}  {item.serial}  -"
    return (
        f"{item.seq:>8}  {local(item.at):%H:%M:%S}  {item.serial}  "
        f"{label(item.action, lang)}  {item.actor} ({label(item.actor_role, lang)})  "
        f"-> {label(item.case.state, lang)}"
    )


class ReplayScreen(Screen[None]):
    DEFAULT_CSS = """
    ReplayScreen #rp-head { height: 2; padding: 0 1; background: $panel; }
    ReplayScreen #rp-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n", "step(1)", "next", show=False),
        Binding("left,p", "step(-1)", "previous", show=False),
        Binding("home", "jump(0)", "first", show=False),
        Binding("end", "jump(-1)", "last", show=False),
        Binding("escape,q", "app.pop_screen", "back", show=False),
    ]

    def __init__(self, handover: Handover) -> None:
        super().__init__()
        self.handover = handover
        self.items: list[FeedItem] = []
        self.index = 0
        self.loaded = False

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.cg.settings.lang

    def compose(self) -> ComposeResult:
        yield Static(t("msg.loading", self.lang), id="rp-head")
        yield Static("", id="rp-body")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def on_resize(self, _event: Resize) -> None:
        self.paint()

    @screen_work(exclusive=True, group="replay")
    async def load(self) -> None:
        after, items = 0, list[FeedItem]()
        try:
            while len(items) < MAX_EVENTS:
                page = await self.cg.client.handover_events(self.handover.id, after, PAGE)
                items.extend(page.items)
                if len(page.items) < PAGE:
                    break
                after = page.items[-1].seq
        except CitygridError as exc:
            self.query_one("#rp-head", Static).update(describe(exc, self.lang))
            return
        self.items, self.loaded = items, True
        self.paint()

    def action_step(self, delta: int) -> None:
        if self.items:
            self.index = max(0, min(len(self.items) - 1, self.index + delta))
            self.paint()

    def action_jump(self, where: int) -> None:
        if self.items:
            self.index = where % len(self.items)
            self.paint()

    @property
    def current(self) -> Event | None:
        item = self.items[self.index] if self.items else None
        return item if isinstance(item, Event) else None

    def paint(self) -> None:
        if not self.loaded:
            return
        shift = self.handover.shift.zh if self.lang == "zh" else self.handover.shift.en
        pos = self.index + 1 if self.items else 0
        head = t("replay.title", self.lang, shift=shift, pos=pos, total=len(self.items))
        self.query_one("#rp-head", Static).update(
            Text(f"{head}\n{t('replay.keys', self.lang)}", no_wrap=True, overflow="ellipsis")
        )
        body = self.query_one("#rp-body", Static)
        if not self.items:
            body.update(t("replay.empty", self.lang))
            return
        rows = max(1, body.size.height or 10)
        start = max(0, min(self.index - rows // 2, len(self.items) - rows))
        text = Text(no_wrap=True, overflow="ellipsis")
        for i in range(start, min(len(self.items), start + rows)):
            style = "bold reverse" if i == self.index else ""
            text.append(event_line(self.items[i], self.lang) + "\n", style=style)
        body.update(text)
