"""The queue screen's status line after the link segment, as text (pure: no widget)."""

from __future__ import annotations

from rich.text import Text

from backend_client.labels import label
from console.guard import CursorGuard
from console.i18n import t
from console.model import ConsoleModel


def status_text(
    model: ConsoleModel,
    lang: str,
    *,
    tagged: int,
    show_filter: bool,
    progress: str,
    guard: CursorGuard,
) -> Text:
    """Who is signed in, the tags, the filter or case set in force, progress, the cursor
    guard's warning and the view's size."""
    me = model.me
    text = Text(no_wrap=True, overflow="ellipsis")
    if me is not None:
        text.append(f" │ {me.display_name} {label(me.role, lang)} {me.jurisdiction_name}")
    if tagged:
        text.append(" │ " + t("status.tagged", lang, n=tagged), style="bold")
    if model.case_set is not None:
        text.append(
            " │ "
            + t("status.case_set", lang, title=model.case_set.title, n=len(model.case_set.serials)),
            style="bold",
        )
    if model.filter_text and show_filter:
        text.append(" │ " + t("status.filter", lang, text=model.filter_text))
    if progress:
        text.append(" │ " + progress)
    if guard.shift is not None:
        text.append(" │ ")
        text.append("! " + guard.shift.describe(lang), style="bold")
    text.append(f" │ {len(model.view)}/{len(model.store.cases)} │")
    if model.loading:
        text.append(" " + t("msg.loading", lang), style="dim")
    return text
