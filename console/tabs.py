"""The queue tabs above the table: one small widget per queue, with its live count."""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from console.i18n import as_key, t
from console.queues import QUEUES, Queue

TAB_FORMS = ("full", "tight", "active", "minimal")


def tab_label(form: str, hotkey: str, name: str, count: int, current: bool) -> str:
    """A queue tab's text in one of :data:`TAB_FORMS`; the active tab is bracketed."""
    if current:
        return f"[{hotkey} {name} {count}] " if form == "full" else f" [{hotkey} {name} {count}]"
    if form == "full":
        return f" {hotkey} {name} {count} "
    if form == "tight":
        return f" {hotkey} {name} {count}"
    if form == "active":
        return f" {hotkey}:{count}"
    return f" {hotkey}"


class QueueTabs(Horizontal):
    """Every queue's tab, repainted one by one and only when its own text changes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[str, tuple[str, str]] = {}

    def compose(self) -> ComposeResult:
        for queue in QUEUES:
            yield Static("", id=f"tab-{queue.key}", classes="tab")

    def show(self, counts: Mapping[str, int], current: Queue, width: int, lang: str) -> None:
        """All ten always fit: the first of :data:`TAB_FORMS` whose line fits ``width``
        wins (full names; one space apart; names on the active tab only; then counts on
        the active tab only), and the active tab is always shown."""
        names = {q.key: t(as_key(f"queue.{q.key}"), lang) for q in QUEUES}
        for form in TAB_FORMS:
            labels = {
                q.key: tab_label(form, q.hotkey, names[q.key], counts.get(q.key, 0), q is current)
                for q in QUEUES
            }
            if sum(cell_len(text) for text in labels.values()) <= width:
                break
        for queue in QUEUES:
            label = labels[queue.key]
            count = counts.get(queue.key, 0)
            style = "bold reverse" if queue is current else ("dim" if count == 0 else "")
            if self._shown.get(queue.key) != (label, style):
                self._shown[queue.key] = (label, style)
                tab = self.query_one(f"#tab-{queue.key}", Static)
                tab.update(Text(label, style=style, no_wrap=True), layout=False)
                width_now = cell_len(label)
                if tab.styles.width is None or tab.styles.width.value != width_now:
                    tab.styles.width = width_now  # relayout only when the text grows
