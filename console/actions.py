"""Carrying out workflow actions from the console: single or bulk, through the API.

The store changes only from what the server returns (the response now, the stream
later, ignored by version), so the screen always shows confirmed state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend_client.errors import CitygridError, Conflict, NotFound
from backend_client.labels import label
from backend_client.vocab import Action
from backend_client.wire import ActionRequest, Attachment, CaseDetail
from console.errors import describe
from console.i18n import t
from console.photos import Fetch, text_mode
from console.screens.dialogs import (
    DecideDialog,
    DispatchDialog,
    TextDialog,
    VerifyDialog,
)

if TYPE_CHECKING:
    from console.app import CityGridApp

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


class CaseActions:
    def __init__(self, app: CityGridApp) -> None:
        self.app = app

    @property
    def lang(self) -> str:
        return self.app.settings.lang

    async def send(self, serial: str, request: ActionRequest) -> str | None:
        """Send one action with the version the operator saw; None on success."""
        held = self.app.store.cases.get(serial)
        try:
            result = await self.app.client.act(
                serial, request, if_match=held.version if held else None
            )
        except Conflict as exc:
            await self.refresh(serial)
            return describe(exc, self.lang)
        except CitygridError as exc:
            return describe(exc, self.lang)
        self.app.take(result.case)
        return None

    async def refresh(self, serial: str) -> CaseDetail | None:
        try:
            detail = await self.app.client.case(serial)
        except NotFound:
            return None
        except CitygridError:
            return None
        self.app.take(detail)
        return detail

    def submitter(self, serial: str) -> Callable[[ActionRequest], Awaitable[str | None]]:
        async def submit(request: ActionRequest) -> str | None:
            return await self.send(serial, request)

        return submit

    # --- entry point from keys and the command line --------------------------------------

    async def start(self, action: Action, serials: list[str], text: str | None = None) -> None:
        if not serials:
            self.app.notify(t("msg.no_case", self.lang), severity="warning")
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
                self.app.notify(t("msg.nothing_pending", self.lang), severity="warning")
                return
            self.app.push_screen(DecideDialog(detail, self.lang, self.submitter(serial)))
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
            self.app.notify(
                t("msg.done", self.lang, action=label(action, self.lang), serial=serial), timeout=3
            )
        else:
            self.app.notify(problem, severity="error", timeout=8)

    def subtitle(self, serial: str) -> str:
        case = self.app.store.cases.get(serial)
        if case is None:
            return serial
        return f"{serial}  {case.category_code} {case.category_name}  {case.grid_code}"

    async def open_verify(self, serial: str) -> None:
        """The check dialog with what the department reported and the photos to compare."""
        detail = await self.refresh(serial)
        self.app.push_screen(
            VerifyDialog(
                self.subtitle(serial),
                self.lang,
                self.submitter(serial),
                case=detail,
                fetch=self.thumbnails(serial),
                as_text_only=text_mode(self.app.settings.ascii),
            )
        )

    def thumbnails(self, serial: str) -> Fetch:
        async def fetch(photo: Attachment) -> bytes:
            assert photo.id is not None
            return await self.app.client.thumbnail(serial, photo.id)

        return fetch

    async def open_dispatch(self, serial: str) -> None:
        detail = await self.refresh(serial)
        if detail is None:
            self.app.notify(t("msg.no_case", self.lang), severity="warning")
            return
        departments = await self.app.departments()
        self.app.push_screen(DispatchDialog(detail, departments, self.lang, self.submitter(serial)))

    def open_text(self, serial: str, action: Action, field: str, placeholder: str) -> None:
        def build(text: str) -> ActionRequest:
            return ActionRequest.model_validate({"action": action, field: text})

        self.app.push_screen(
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
            self.app.notify(
                t("msg.not_bulk", self.lang, action=label(action, self.lang)), severity="warning"
            )
            return
        if action in NEEDS_TEXT and text is None:
            field = NEEDS_TEXT[action]

            async def run_with(request: ActionRequest) -> str | None:
                await self.run_bulk(action, serials, getattr(request, field))
                return None

            self.app.push_screen(
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
            self.app.bulk_progress(label(action, self.lang), done, total)
        self.app.clear_tags()
        summary = t(
            "msg.bulk_done",
            self.lang,
            action=label(action, self.lang),
            ok=outcome.ok,
            failed=outcome.failed,
        )
        if outcome.failed:
            self.app.notify(f"{summary}\n{outcome.last_error}", severity="error", timeout=8)
        else:
            self.app.notify(summary, timeout=8)
        return outcome
