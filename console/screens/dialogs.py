"""Action dialogs.  Each submits itself and stays open on error, keeping what was typed.

``submit`` sends the request and returns None on success or the sentence to show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from backend_client.labels import label
from backend_client.vocab import Action, AttachmentPhase
from backend_client.wire import ActionRequest, CaseDetail, Department
from console.background import screen_work
from console.i18n import t
from console.localtime import day_time
from console.photos import (
    Fetch,
    PhotoScreen,
    PhotoView,
    department_report,
    load_into,
    newest,
    when,
)

Submit = Callable[[ActionRequest], Awaitable[str | None]]

DIALOG_CSS = """
ActionDialog { align: center middle; }
ActionDialog > Vertical {
    width: 76; max-width: 100%; height: auto; max-height: 90%;
    border: round $primary; background: $panel; padding: 0 1;
}
ActionDialog .title { text-style: bold; color: $text; width: 100%; }
ActionDialog .hint { color: $text-muted; }
ActionDialog .error { color: $error; text-style: bold; }
ActionDialog OptionList { height: auto; max-height: 12; }
"""


def _local(value: datetime | None) -> str:
    return day_time(value)


class ActionDialog(ModalScreen[bool]):
    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, title: str, subtitle: str, lang: str, submit: Submit) -> None:
        super().__init__()
        self.title_text, self.subtitle, self.lang, self.submit = title, subtitle, lang, submit
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Static(self.subtitle, classes="hint", markup=False)
            yield from self.body()
            yield Static("", id="error", classes="error", markup=False)
            yield Static(self.keys_hint(), classes="hint", markup=False)

    def body(self) -> ComposeResult:
        return iter(())

    def keys_hint(self) -> str:
        return t("dlg.enter_confirm", self.lang)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @screen_work(exclusive=True, group="submit")
    async def send(self, request: ActionRequest) -> None:
        if self.busy:
            return
        self.busy = True
        error_box = self.query_one("#error", Static)
        error_box.update(t("dlg.sending", self.lang))
        try:
            problem = await self.submit(request)
        finally:
            self.busy = False
        if problem is None:
            self.dismiss(True)
        else:
            error_box.update(problem)


class DispatchDialog(ActionDialog):
    """派遣: the routed department is highlighted, so ``d`` then Enter dispatches."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ActionDialog.BINDINGS,
        Binding("enter", "confirm", "confirm", show=False),
    ]

    def __init__(
        self, case: CaseDetail, departments: list[Department], lang: str, submit: Submit
    ) -> None:
        subtitle = f"{case.serial}  {case.category_code} {case.category_name}  {case.grid_code}"
        super().__init__(t("dlg.dispatch", lang), subtitle, lang, submit)
        self.case = case
        suggested = case.suggested_department.code if case.suggested_department else None
        self.departments = sorted(departments, key=lambda d: (d.code != suggested, d.code))

    def body(self) -> ComposeResult:
        preview = self.case.dispatch_preview
        if preview is not None:
            yield Static(
                t(
                    "dlg.deadline_preview",
                    self.lang,
                    sign=preview.limit_label,
                    due=_local(preview.due_at),
                    dispose=self.case.dispose_limit or "—",
                ),
                markup=False,
            )
        suggested = self.case.suggested_department
        options = [
            Option(
                f"{'★ ' if suggested and d.code == suggested.code else '  '}{d.code:6} {d.name}",
                id=d.code,
            )
            for d in self.departments
        ]
        yield OptionList(*options, id="departments")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def keys_hint(self) -> str:
        return t("dlg.dispatch_keys", self.lang)

    def action_confirm(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        code = options.get_option_at_index(options.highlighted).id
        self.send(ActionRequest(action=Action.DISPATCH, department_code=code))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.send(ActionRequest(action=Action.DISPATCH, department_code=event.option.id))


class VerifyDialog(ActionDialog):
    """核查: ``p`` passes and closes; ``r`` asks for the reason and sends it back.

    Given the case, it shows what the department reported and the newest before and
    after photos side by side; ``b``/``a`` open one full-screen."""

    DEFAULT_CSS = """
    VerifyDialog > Vertical { width: 100; }
    VerifyDialog #photos { height: auto; }
    VerifyDialog PhotoView { margin: 0 1 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *ActionDialog.BINDINGS,
        Binding("p", "pass_case", "pass", show=False),
        Binding("r", "send_back", "send back", show=False),
        Binding("b", "photo('before')", "before photo", show=False),
        Binding("a", "photo('after')", "after photo", show=False),
    ]
    # Focus nothing until ``r`` shows the reason field: auto-focusing the hidden field
    # would swallow ``p`` and ``r`` as typed text.
    AUTO_FOCUS = ""

    def __init__(
        self,
        subtitle: str,
        lang: str,
        submit: Submit,
        *,
        case: CaseDetail | None = None,
        fetch: Fetch | None = None,
        as_text_only: bool = False,
    ) -> None:
        super().__init__(t("dlg.verify", lang), subtitle, lang, submit)
        self.case, self.fetch, self.as_text_only = case, fetch, as_text_only

    def body(self) -> ComposeResult:
        if self.case is not None:
            report = department_report(self.case)
            yield Static(
                t(
                    "dlg.dept_report",
                    self.lang,
                    note=report.data.note or "—",
                    who=report.actor,
                    when=when(report.at),
                )
                if report is not None
                else t("dlg.no_dept_report", self.lang),
                id="dept-report",
                markup=False,
            )
            with Horizontal(id="photos"):
                for phase in AttachmentPhase:
                    yield PhotoView(
                        newest(self.case, phase),
                        phase,
                        self.lang,
                        as_text_only=self.as_text_only,
                        id=f"photo-{phase.value}",
                    )
        field = Input(placeholder=t("dlg.reason", self.lang), id="reason")
        field.display = False
        yield field

    def on_mount(self) -> None:
        if self.fetch is not None:
            self.load_photos(self.fetch)

    @screen_work(exclusive=True, group="photos")
    async def load_photos(self, fetch: Fetch) -> None:
        await load_into(self.query(PhotoView), fetch, self.lang)

    def action_photo(self, phase: str) -> None:
        photo = newest(self.case, AttachmentPhase(phase)) if self.case else None
        if photo is None or self.fetch is None:
            return
        self.app.push_screen(
            PhotoScreen(photo, self.lang, self.fetch, as_text_only=self.as_text_only)
        )

    def keys_hint(self) -> str:
        return t("dlg.verify_photo_keys" if self.case else "dlg.verify_keys", self.lang)

    def action_pass_case(self) -> None:
        if not self.query_one("#reason", Input).display:
            self.send(ActionRequest(action=Action.VERIFY, passed=True))

    def action_send_back(self) -> None:
        field = self.query_one("#reason", Input)
        field.display = True
        field.focus()

    @on(Input.Submitted, "#reason")
    def _reason(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#error", Static).update(t("dlg.reason_needed", self.lang))
            return
        self.send(ActionRequest(action=Action.VERIFY, passed=False, reason=event.value.strip()))


class DecideDialog(ActionDialog):
    """审批 a department's pending request: ``y`` approves, ``n`` rejects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ActionDialog.BINDINGS,
        Binding("y", "decide(True)", "approve", show=False),
        Binding("n", "decide(False)", "reject", show=False),
    ]

    def __init__(self, case: CaseDetail, lang: str, submit: Submit) -> None:
        detail = case.pending_detail or {}
        kind = label(case.pending, lang) if case.pending else "?"
        subtitle = t(
            "dlg.pending",
            lang,
            kind=kind,
            who=str(detail.get("by", "")),
            reason=str(detail.get("reason", "")),
            hours=str(detail.get("hours") or ""),
        )
        super().__init__(f"{t('dlg.decide', lang)} — {case.serial}", subtitle, lang, submit)

    def keys_hint(self) -> str:
        return t("dlg.decide_keys", self.lang)

    def action_decide(self, approve: bool) -> None:
        self.send(ActionRequest(action=Action.DECIDE, approve=approve))


class TextDialog(ActionDialog):
    """One line of text then Enter: void reason, comment, reopen reason, merge target."""

    def __init__(
        self,
        title: str,
        subtitle: str,
        lang: str,
        submit: Submit,
        build: Callable[[str], ActionRequest],
        *,
        placeholder: str,
        value: str = "",
        required: bool = True,
    ) -> None:
        super().__init__(title, subtitle, lang, submit)
        self.build, self.placeholder, self.value, self.required = (
            build,
            placeholder,
            value,
            required,
        )

    def body(self) -> ComposeResult:
        yield Input(value=self.value, placeholder=self.placeholder, id="text")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    @on(Input.Submitted, "#text")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#error", Static).update(t("dlg.reason_needed", self.lang))
            return
        self.send(self.build(text))
