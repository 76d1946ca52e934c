"""Publication and appeals (考核发布与申诉) in the console.

A shift lead publishes a period from the assessment screen (``P``); a department or
street appeals one deduction from the drill-down (``a`` on a case of a counter); a shift
lead upholds or rejects it here (``u`` / ``r``) with a note.  Every dialog stays open on
a refusal, showing the server's sentence and keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from backend_client.errors import CitygridError
from backend_client.publication import Appeal, AppealCreate, AppealDecision
from backend_client.vocab import Role
from console.background import screen_work, shown
from console.errors import describe
from console.i18n import as_key, t
from console.localtime import day_time
from console.screens.dialogs import DIALOG_CSS

if TYPE_CHECKING:
    from console.app import CityGridApp

REVIEWERS = frozenset({Role.SHIFT_LEAD, Role.ADMIN})
"""Who publishes a period and reviews its appeals (the backend checks it again)."""

Values = dict[str, str]
FormSubmit = Callable[[Values], Awaitable[str | None]]


@dataclass(frozen=True)
class Field:
    ident: str
    placeholder: str
    required: bool = True


class FormDialog(ModalScreen[bool]):
    """A title, an explanation and some text fields; Enter submits them all.  ``submit``
    answers None on success or the sentence to show, and the dialog then stays open."""

    DEFAULT_CSS = DIALOG_CSS.replace("ActionDialog", "FormDialog")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", show=False),
        Binding("enter", "confirm", "confirm", show=False),
    ]

    def __init__(
        self, title: str, explain: str, fields: Sequence[Field], lang: str, submit: FormSubmit
    ) -> None:
        super().__init__()
        self.title_text, self.explain, self.lang = title, explain, lang
        self.fields, self.submit = list(fields), submit
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Static(self.explain, classes="hint", markup=False)
            for field in self.fields:
                yield Input(placeholder=field.placeholder, id=field.ident)
            yield Static("", id="error", classes="error", markup=False)
            yield Static(t("form.keys", self.lang), classes="hint", markup=False)

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#{self.fields[0].ident}", Input).focus()

    def values(self) -> Values:
        return {f.ident: self.query_one(f"#{f.ident}", Input).value.strip() for f in self.fields}

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        values = self.values()
        missing = next((f for f in self.fields if f.required and not values[f.ident]), None)
        if missing is not None:
            text = t("form.required", self.lang, field=missing.placeholder)
            self.query_one("#error", Static).update(text)
            self.query_one(f"#{missing.ident}", Input).focus()
            return
        self.send(values)

    @screen_work(exclusive=True, group="form")
    async def send(self, values: Values) -> None:
        if self.busy:
            return
        self.busy = True
        box = self.query_one("#error", Static)
        box.update(t("dlg.sending", self.lang))
        try:
            problem = await self.submit(values)
        finally:
            self.busy = False
        if problem is None:
            self.dismiss(True)
        else:
            box.update(problem)


def may_review(app: CityGridApp) -> bool:
    me = app.model.me
    return me is not None and me.role in REVIEWERS


def appeal_dialog(
    app: CityGridApp, period: str, serial: str, counter: str, unit: str
) -> FormDialog:
    """File an appeal against one case's deduction, for the user's department or street."""
    lang = app.settings.lang

    async def submit(values: Values) -> str | None:
        evidence = [part.strip() for part in values["evidence"].split(",") if part.strip()]
        body = AppealCreate(
            period=period, serial=serial, counter=counter, reason=values["reason"],
            evidence=evidence,
        )  # fmt: skip
        try:
            appeal = await app.client.file_appeal(body)
        except CitygridError as exc:
            return describe(exc, lang)
        app.notify(t("appeal.filed", lang, id=appeal.id))
        return None

    return FormDialog(
        t("appeal.file_title", lang, serial=serial),
        t("appeal.file_explain", lang, period=period, unit=unit, counter=counter),
        [
            Field("reason", t("appeal.reason", lang)),
            Field("evidence", t("appeal.evidence", lang), required=False),
        ],
        lang,
        submit,
    )


def decision_dialog(app: CityGridApp, appeal: Appeal, upheld: bool) -> FormDialog:
    lang = app.settings.lang
    verdict = t("key.uphold" if upheld else "key.reject", lang)

    async def submit(values: Values) -> str | None:
        body = AppealDecision(upheld=upheld, note=values["note"])
        try:
            decided = await app.client.decide_appeal(appeal.id, body)
        except CitygridError as exc:
            return describe(exc, lang)
        if decided.revised_to is not None:
            done = t(
                "appeal.upheld_done", lang, id=decided.id, period=decided.period,
                revision=decided.revised_to,
            )  # fmt: skip
        else:
            done = t("appeal.rejected_done", lang, id=decided.id)
        app.notify(done, timeout=8)
        return None

    return FormDialog(
        t("appeal.decide_title", lang, verdict=verdict, id=appeal.id),
        appeal_text(appeal, lang),
        [Field("note", t("appeal.note", lang))],
        lang,
        submit,
    )


def publish_dialog(app: CityGridApp, period: str, policy: str) -> FormDialog:
    lang = app.settings.lang

    async def submit(_values: Values) -> str | None:
        try:
            publication = await app.client.publish(period)
        except CitygridError as exc:
            return describe(exc, lang)
        done = t("pub.done", lang, period=period, revision=publication.revision)
        app.notify(done, timeout=8)
        return None

    return FormDialog(
        t("pub.title", lang, period=period),
        t("pub.explain", lang, policy=policy),
        [],
        lang,
        submit,
    )


def state_text(appeal: Appeal, lang: str) -> str:
    return t(as_key(f"appeal.state.{appeal.state}"), lang)


def appeal_row(appeal: Appeal, lang: str) -> str:
    return t(
        "appeal.row", lang, id=appeal.id, state=state_text(appeal, lang), period=appeal.period,
        serial=appeal.serial, counter=appeal.counter, unit=appeal.object_name,
        appellant=appeal.appellant, deadline=day_time(appeal.deadline),
    )  # fmt: skip


def appeal_text(appeal: Appeal, lang: str) -> str:
    text = t(
        "appeal.detail", lang, reason=appeal.reason, evidence=", ".join(appeal.evidence) or "—",
        filed=day_time(appeal.filed_at), revision=appeal.revision,
    )  # fmt: skip
    if appeal.reviewer is not None:
        decided = t(
            "appeal.decided", lang, reviewer=appeal.reviewer, decided=day_time(appeal.decided_at),
            note=appeal.note,
        )  # fmt: skip
        text += "\n" + decided
    return text


class AppealsScreen(Screen[None]):
    """Every appeal the user may see, newest first; reviewers uphold or reject."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("u", "decide(True)", "uphold"),
        Binding("r", "decide(False)", "reject"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.appeals: list[Appeal] = []

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="appeals-head")
        yield OptionList(id="appeals-list")
        yield Static(id="appeals-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @screen_work(exclusive=True, group="appeals")
    async def load(self) -> None:
        lang = self.cg.settings.lang
        head = self.query_one("#appeals-head", Static)
        head.update(t("assess.loading", lang))
        try:
            appeals = await self.cg.client.appeals()
        except CitygridError as exc:
            head.update(describe(exc, lang))
            return
        if not shown(self):  # popped, or the app is exiting
            return
        self.appeals = sorted(appeals, key=lambda a: (a.state != "pending", -a.id))
        head.update(f"{t('appeal.title', lang)}  ({len(self.appeals)})")
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(appeal_row(a, lang), id=str(a.id)) for a in self.appeals)
        if not self.appeals:
            options.add_option(Option(t("appeal.none", lang), disabled=True))
        else:
            options.highlighted = 0
        self._show_detail()

    def current(self) -> Appeal | None:
        index = self.query_one(OptionList).highlighted
        return self.appeals[index] if index is not None and index < len(self.appeals) else None

    @on(OptionList.OptionHighlighted, "#appeals-list")
    def _show_detail(self) -> None:
        appeal = self.current()
        text = "" if appeal is None else appeal_text(appeal, self.cg.settings.lang)
        self.query_one("#appeals-detail", Static).update(text)

    def action_decide(self, upheld: bool) -> None:
        lang: str = self.cg.settings.lang
        appeal = self.current()
        if appeal is None:
            return
        if not may_review(self.cg):
            self.notify(t("appeal.reviewers_only", lang), severity="warning")
            return
        self.app.push_screen(decision_dialog(self.cg, appeal, upheld), self._decided)

    def _decided(self, done: bool | None) -> None:
        if done:
            self.load()
