"""Carrying out workflow actions from the console: single or bulk, through the API.

The model changes only from what the server returns (the response now, the stream
later, ignored by version), so the screen always shows confirmed state.
``CaseActions`` holds the client, the model and a :class:`Notifier` (the operator's
side: notices, dialogs, bulk progress); the app is one, a test may pass its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from textual.notifications import SeverityLevel
from textual.screen import Screen

from backend_client.client import CitygridClient
from backend_client.errors import CitygridError, Conflict, NotFound
from backend_client.labels import label
from backend_client.vocab import Action
from backend_client.wire import ActionRequest, Attachment, CaseDetail, Department
from console.config import ConsoleSettings
from console.errors import describe
from console.i18n import t
from console.model import ConsoleModel
from console.queues import awaits_callback

if TYPE_CHECKING:
    from console.photos import Fetch

# The dialogs (and Pillow, for the photos) load at the first action, not at start-up:
# the first paint needs none of them.

# Actions that can go to many tagged cases at once, with what each needs.
BULK = {
    Action.FILE,
    Action.DISPATCH,
    Action.VERIFY,
    Action.VOID,
    Action.SUPERVISE,
    Action.URGE,
    Action.COMMENT,
}
NEEDS_TEXT = {Action.VOID: "reason", Action.COMMENT: "note", Action.REOPEN: "reason"}


@dataclass
class Outcome:
    ok: int = 0
    failed: int = 0
    last_error: str = ""


class Notifier(Protocol):
    """The operator's side of an action: the app is one."""

    @property
    def settings(self) -> ConsoleSettings: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...

    def push_screen(self, screen: Screen[Any]) -> object: ...

    def bulk_progress(self, action: str, done: int, total: int) -> None: ...

    def clear_tags(self) -> None: ...


class CaseActions:
    def __init__(self, client: CitygridClient, model: ConsoleModel, notifier: Notifier) -> None:
        self.client = client
        self.model = model
        self.ui = notifier
        self.departments_known: list[Department] | None = None  # fetched on first dispatch

    @property
    def lang(self) -> str:
        return self.ui.settings.lang

    async def departments(self) -> list[Department]:
        if self.departments_known is None:
            self.departments_known = await self.client.departments()
        return self.departments_known

    async def send(self, serial: str, request: ActionRequest) -> str | None:
        """Send one action with the version the operator saw; None on success."""
        held = self.model.store.get(serial)
        try:
            result = await self.client.act(serial, request, if_match=held.version if held else None)
        except Conflict as exc:
            await self.refresh(serial)
            return describe(exc, self.lang)
        except CitygridError as exc:
            return describe(exc, self.lang)
        self.model.take(result.case)
        return None

    async def refresh(self, serial: str) -> CaseDetail | None:
        try:
            detail = await self.client.case(serial)
        except NotFound:
            return None
        except CitygridError:
            return None
        self.model.take(detail)
        return detail

    def submitter(self, serial: str) -> Callable[[ActionRequest], Awaitable[str | None]]:
        async def submit(request: ActionRequest) -> str | None:
            return await self.send(serial, request)

        return submit

    # --- entry point from keys and the command line --------------------------------------

    async def start(self, action: Action, serials: list[str], text: str | None = None) -> None:
        if not serials:
            self.ui.notify(t("msg.no_case", self.lang), severity="warning")
            return
        if len(serials) > 1:
            await self.bulk(action, serials, text)
            return
        serial = serials[0]
        if action is Action.DISPATCH:
            await self.open_dispatch(serial)
        elif action is Action.VERIFY:
            await self.open_verify(serial)
        elif action is Action.DECIDE:
            detail = await self.refresh(serial)
            if detail is None or detail.pending is None:
                self.ui.notify(t("msg.nothing_pending", self.lang), severity="warning")
                return
            from console.screens.dialogs import DecideDialog

            self.ui.push_screen(DecideDialog(detail, self.lang, self.submitter(serial)))
        elif action is Action.CALLBACK:
            self.open_callback(serial)
        elif action is Action.MERGE:
            self.open_text(serial, action, "target", t("dlg.merge_target", self.lang))
        elif action in NEEDS_TEXT and text is None:
            self.open_text(serial, action, NEEDS_TEXT[action], t("dlg.reason", self.lang))
        else:
            fields: dict[str, str] = (
                {NEEDS_TEXT[action]: text} if action in NEEDS_TEXT and text else {}
            )
            problem = await self.send(serial, ActionRequest(action=action, **fields))
            self.report(action, serial, problem)

    def report(self, action: Action, serial: str, problem: str | None) -> None:
        if problem is None:
            self.ui.notify(
                t("msg.done", self.lang, action=label(action, self.lang), serial=serial), timeout=3
            )
        else:
            self.ui.notify(problem, severity="error", timeout=8)

    def subtitle(self, serial: str) -> str:
        case = self.model.store.get(serial)
        if case is None:
            return serial
        return f"{serial}  {case.category_code} {case.category_name}  {case.grid_code}"

    async def open_verify(self, serial: str) -> None:
        """The check dialog with what the department reported and the photos to compare."""
        from console.photos import text_mode
        from console.screens.dialogs import VerifyDialog

        detail = await self.refresh(serial)
        self.ui.push_screen(
            VerifyDialog(
                self.subtitle(serial),
                self.lang,
                self.submitter(serial),
                case=detail,
                fetch=self.thumbnails(serial),
                as_text_only=text_mode(self.ui.settings.ascii),
            )
        )

    def open_callback(self, serial: str) -> None:
        """The callback dialog, for a case whose callback is due (the server decides;
        the console spares the operator a dialog it already knows will be refused)."""
        held = self.model.store.get(serial)
        if held is None or not awaits_callback(held):
            self.ui.notify(t("msg.callback_not_due", self.lang, serial=serial), severity="warning")
            return
        from console.screens.callback_dialog import CallbackDialog

        self.ui.push_screen(
            CallbackDialog(serial, self.subtitle(serial), self.lang, self.submitter(serial))
        )

    def thumbnails(self, serial: str) -> Fetch:
        async def fetch(photo: Attachment) -> bytes:
            assert photo.id is not None
            return await self.client.thumbnail(serial, photo.id)

        return fetch

    async def open_dispatch(self, serial: str) -> None:
        detail = await self.refresh(serial)
        if detail is None:
            self.ui.notify(t("msg.no_case", self.lang), severity="warning")
            return
        from console.screens.dialogs import DispatchDialog

        departments = await self.departments()
        self.ui.push_screen(DispatchDialog(detail, departments, self.lang, self.submitter(serial)))

    def open_text(self, serial: str, action: Action, field: str, placeholder: str) -> None:
        from console.screens.dialogs import TextDialog

        def build(text: str) -> ActionRequest:
            return ActionRequest.model_validate({"action": action, field: text})

        self.ui.push_screen(
            TextDialog(
                f"{label(action, self.lang)} — {serial}",
                self.subtitle(serial),
                self.lang,
                self.submitter(serial),
                build,
                placeholder=placeholder,
            )
        )

    async def bulk(self, action: Action, serials: list[str], text: str | None) -> None:
        if action not in BULK:
            self.ui.notify(
                t("msg.not_bulk", self.lang, action=label(action, self.lang)), severity="warning"
            )
            return
        if action in NEEDS_TEXT and text is None:
            from console.screens.dialogs import TextDialog

            field = NEEDS_TEXT[action]

            async def run_with(request: ActionRequest) -> str | None:
                await self.run_bulk(action, serials, getattr(request, field))
                return None

            self.ui.push_screen(
                TextDialog(
                    f"{label(action, self.lang)} × {len(serials)}",
                    t("msg.bulk_targets", self.lang, n=len(serials)),
                    self.lang,
                    run_with,
                    lambda s: ActionRequest.model_validate({"action": action, field: s}),
                    placeholder=t("dlg.reason", self.lang),
                )
            )
            return
        await self.run_bulk(action, serials, text)

    async def run_bulk(self, action: Action, serials: list[str], text: str | None) -> Outcome:
        outcome = Outcome()
        fields: dict[str, object] = {}
        if action is Action.VERIFY:
            fields["passed"] = True
        if action in NEEDS_TEXT:
            fields[NEEDS_TEXT[action]] = text
        total = len(serials)
        for done, serial in enumerate(serials, start=1):
            problem = await self.send(
                serial, ActionRequest.model_validate({"action": action, **fields})
            )
            if problem is None:
                outcome.ok += 1
            else:
                outcome.failed += 1
                outcome.last_error = f"{serial}: {problem}"
            self.ui.bulk_progress(label(action, self.lang), done, total)
        self.ui.clear_tags()
        summary = t(
            "msg.bulk_done",
            self.lang,
            action=label(action, self.lang),
            ok=outcome.ok,
            failed=outcome.failed,
        )
        if outcome.failed:
            self.ui.notify(f"{summary}\n{outcome.last_error}", severity="error", timeout=8)
        else:
            self.ui.notify(summary, timeout=8)
        return outcome
