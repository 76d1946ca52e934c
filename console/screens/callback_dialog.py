"""回访: record what the reporter of a closed case said, with an optional note."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from backend_client.labels import label
from backend_client.vocab import Action, CallbackResult
from backend_client.wire import ActionRequest
from console.i18n import t
from console.screens.dialogs import ActionDialog, Submit


class CallbackDialog(ActionDialog):
    """The four results (satisfied, basically satisfied, dissatisfied, unreachable);
    Enter on one records it with the note typed below (Tab moves there and back)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ActionDialog.BINDINGS,
        Binding("tab", "switch", "note", show=False, priority=True),
    ]

    def __init__(self, serial: str, subtitle: str, lang: str, submit: Submit) -> None:
        super().__init__(t("dlg.callback", lang, serial=serial), subtitle, lang, submit)

    def body(self) -> ComposeResult:
        yield OptionList(
            *(
                Option(f"{n}  {label(result, self.lang)}", id=result.value)
                for n, result in enumerate(CallbackResult, start=1)
            ),
            id="results",
        )
        yield Static(t("dlg.callback_redo", self.lang), classes="hint", markup=False)
        yield Input(placeholder=t("dlg.callback_note", self.lang), id="note")

    def keys_hint(self) -> str:
        return t("dlg.callback_keys", self.lang)

    def on_mount(self) -> None:
        results = self.query_one("#results", OptionList)
        results.highlighted = 0
        results.focus()

    def action_switch(self) -> None:
        note = self.query_one("#note", Input)
        if note.has_focus:
            self.query_one("#results", OptionList).focus()
        else:
            note.focus()

    def chosen(self) -> CallbackResult:
        results = self.query_one("#results", OptionList)
        index = results.highlighted or 0
        return CallbackResult(str(results.get_option_at_index(index).id))

    def record(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        self.send(ActionRequest(action=Action.CALLBACK, result=self.chosen(), note=note or None))

    @on(OptionList.OptionSelected, "#results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.record()

    @on(Input.Submitted, "#note")
    def _note(self, event: Input.Submitted) -> None:
        event.stop()
        self.record()
