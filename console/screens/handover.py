"""``H``: the shift handover (交接班) for the current shift.

The outgoing lead sees the snapshot the server computed (each count opens its queue),
writes notes, ticks the checklist and signs; the incoming lead reads it and acknowledges;
leaders read it only.  Opening it as a shift lead builds (or refreshes) the draft.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from backend_client.errors import CitygridError
from backend_client.labels import label
from backend_client.vocab import CaseState, PendingKind, Role
from backend_client.wire import CaseRef, CheckEntry, CurrentShift, Handover, HandoverCreate
from console.background import screen_work
from console.errors import describe
from console.i18n import Key, as_key, t
from console.localtime import day_time, local
from console.queues import QUEUES

if TYPE_CHECKING:
    from console.app import CityGridApp

# Which queue a snapshot count opens (queue keys of console.queues).
STATE_QUEUE = {
    CaseState.REPORTED: "reported",
    CaseState.SELF_DISPOSED: "reported",
    CaseState.VERIFYING: "verifying",
    CaseState.FILED: "filed",
    CaseState.DISPATCHED: "dispatched",
    CaseState.IN_PROGRESS: "in_progress",
    CaseState.SUSPENDED: "in_progress",
    CaseState.DISPOSED: "disposed",
    CaseState.CHECKING: "disposed",
}


def when(value: datetime | None) -> str:
    return day_time(value, "-")


def snapshot_options(h: Handover, lang: str) -> list[Option]:
    """One line per count; a line's id names the queue it opens (``q:<queue>``)."""
    s = h.snapshot
    out: list[Option] = [Option(t("handover.open", lang, n=s.open_total), id="q:all")]
    for state in CaseState:
        n = s.open_by_state.get(state.value)
        if n:
            out.append(Option(f"  {label(state, lang)} {n}", id=f"q:{STATE_QUEUE[state]}:{state}"))
    hours = f"{s.due_within_working_hours:g}"
    out.append(Option(t("handover.due_soon", lang, h=hours, n=s.due_soon), id="due"))
    out += [_case(c, lang, "due") for c in s.due_soon_cases]
    detail = "  ".join(f"{label(k, lang)} {s.pending.get(k.value, 0)}" for k in PendingKind)
    waiting = sum(s.pending.values())
    out.append(Option(t("handover.pending", lang, n=waiting, detail=detail), id="q:requests"))
    out.append(
        Option(t("handover.supervised", lang, n=s.supervised, urged=s.urged), id="q:supervised")
    )
    out.append(Option(t("handover.went_overdue", lang, n=s.went_overdue), id="q:overdue"))
    out += [_case(c, lang, "late") for c in s.went_overdue_cases]
    done = t("handover.done", lang, filed=s.filed, dispatched=s.dispatched, closed=s.closed)
    out.append(Option(done, id="done"))
    return out


def _case(c: CaseRef, lang: str, group: str) -> Option:
    text = f"    {c.serial} {label(c.state, lang)} {c.category_name} {when(c.deadline_at)}"
    return Option(Text(text, no_wrap=True, overflow="ellipsis"), id=f"case:{group}:{c.serial}")


class HandoverScreen(Screen[None]):
    DEFAULT_CSS = """
    HandoverScreen #ho-head { height: 2; padding: 0 1; background: $panel; }
    HandoverScreen #ho-body { height: 1fr; padding: 0 1; }
    HandoverScreen #ho-snapshot { height: auto; max-height: 8; border: none; padding: 0; }
    HandoverScreen .ho-label { height: 1; text-style: bold; }
    HandoverScreen #ho-notes { height: 3; border: none; padding: 0; }
    HandoverScreen .ho-item { height: 1; }
    HandoverScreen .ho-item Checkbox { border: none; padding: 0; height: 1; width: 34; }
    HandoverScreen .ho-item Input { border: none; padding: 0; height: 1; width: 1fr; }
    HandoverScreen #ho-buttons { height: 1; padding: 0 1; }
    HandoverScreen #ho-buttons Button { border: none; height: 1; min-width: 8; margin-right: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "back", show=False),
    ]

    def __init__(self, handover_id: int | None = None) -> None:
        super().__init__()
        self.handover_id = handover_id
        self.current: CurrentShift | None = None
        self.handover: Handover | None = None
        self.busy = False

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.cg.settings.lang

    @property
    def is_lead(self) -> bool:
        return self.cg.model.me is not None and self.cg.model.me.role is Role.SHIFT_LEAD

    @property
    def editable(self) -> bool:
        """A lead may write this shift's draft (building saves for the current shift)."""
        h, current = self.handover, self.current
        return (
            self.is_lead
            and h is not None
            and h.status == "draft"
            and current is not None
            and h.starts_at == current.starts_at
        )

    def compose(self) -> ComposeResult:
        yield Static(t("msg.loading", self.lang), id="ho-head")
        with VerticalScroll(id="ho-body"):
            yield OptionList(id="ho-snapshot")
            yield Static(t("handover.notes", self.lang), classes="ho-label")
            yield TextArea(id="ho-notes", soft_wrap=True, show_line_numbers=False)
            yield Static(t("handover.checklist", self.lang), classes="ho-label")
            yield VerticalScroll(id="ho-checklist")
        with Horizontal(id="ho-buttons"):
            for name in ("save", "sign", "acknowledge", "replay", "back"):
                yield Button(t(as_key(f"handover.{name}"), self.lang), id=f"ho-{name}")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ho-checklist").styles.height = "auto"
        self._show_buttons()
        self.load()

    # --- loading ------------------------------------------------------------------------------

    @screen_work(exclusive=True, group="handover-screen")
    async def load(self) -> None:
        client = self.cg.client
        try:
            self.current = await client.current_shift()
            # The handover waiting for this lead comes first: at shift change the new
            # shift has no record yet, and the incoming lead opens H to acknowledge.
            pending = self.cg.pending_handover
            wanted = self.handover_id or (pending.id if pending else self.current.handover_id)
            handover = await client.handover(wanted) if wanted is not None else None
            if self.is_lead and (handover is None or handover.status == "draft"):
                # Opening it as a lead builds this shift's record, or refreshes the draft's
                # snapshot and keeps what was written.
                body = HandoverCreate(
                    notes=handover.notes if handover else "",
                    checklist=handover.checklist if handover else [],
                )
                if handover is None or handover.starts_at == self.current.starts_at:
                    handover = await client.build_handover(body)
        except CitygridError as exc:
            self.query_one("#ho-head", Static).update(describe(exc, self.lang))
            return
        self.show(handover)

    def show(self, handover: Handover | None) -> None:
        self.handover = handover
        head = self.query_one("#ho-head", Static)
        if handover is None:
            head.update(t("handover.none", self.lang))
            self._show_buttons()
            return
        self.handover_id = handover.id
        name = handover.shift.zh if self.lang == "zh" else handover.shift.en
        nxt = handover.to_shift.zh if self.lang == "zh" else handover.to_shift.en
        line1 = (
            f"{t('handover.title', self.lang)} #{handover.id}  "
            + t(
                "handover.shift",
                self.lang,
                name=name,
                start=handover.shift.start,
                end=handover.shift.end,
                next=nxt,
            )
            + f"  {local(handover.starts_at):%Y-%m-%d}"
        )
        state = {
            "draft": t("handover.state.draft", self.lang),
            "signed": t("handover.state.signed", self.lang, at=when(handover.signed_at)),
            "acknowledged": t(
                "handover.state.acknowledged",
                self.lang,
                who=handover.acknowledged_by_name or "",
                at=when(handover.acknowledged_at),
            ),
        }[handover.status]
        line2 = f"{state}  {t('handover.author', self.lang, who=handover.author_name)}"
        if not self.editable:
            line2 += f"  [{t('handover.read_only', self.lang)}]"
        head.update(Text(f"{line1}\n{line2}", no_wrap=True, overflow="ellipsis"))
        snapshot = self.query_one("#ho-snapshot", OptionList)
        snapshot.clear_options()
        snapshot.add_option(
            Option(t("handover.snapshot", self.lang, at=when(handover.snapshot.as_of)), id="head")
        )
        snapshot.add_options(snapshot_options(handover, self.lang))
        notes = self.query_one("#ho-notes", TextArea)
        notes.load_text(handover.notes)
        notes.read_only = not self.editable
        self._show_checklist(handover)
        self._show_buttons()

    def _show_checklist(self, handover: Handover) -> None:
        box = self.query_one("#ho-checklist", VerticalScroll)
        box.remove_children()
        names = {}
        if self.current is not None:
            names = {c.id: (c.zh if self.lang == "zh" else c.en) for c in self.current.checklist}
        rows = []
        for entry in handover.checklist:
            check = Checkbox(names.get(entry.id, entry.id), entry.checked, id=f"chk-{entry.id}")
            remark = Input(
                entry.remark,
                placeholder=t("handover.remark", self.lang),
                id=f"rem-{entry.id}",
                max_length=200,
            )
            check.disabled = remark.disabled = not self.editable
            rows.append(Horizontal(check, remark, classes="ho-item"))
        box.mount_all(rows)

    def _show_buttons(self) -> None:
        h, me = self.handover, self.cg.model.me
        theirs = h is not None and me is not None and h.author != me.username
        shown = {
            "save": self.editable,
            "sign": self.editable and not theirs,
            "acknowledge": self.is_lead and h is not None and h.status == "signed" and theirs,
            "replay": h is not None,
            "back": True,
        }
        for name, visible in shown.items():
            self.query_one(f"#ho-{name}", Button).display = visible

    # --- the lead's part ----------------------------------------------------------------------

    def entered(self) -> HandoverCreate:
        """What the lead wrote: the notes and each checklist item's tick and remark."""
        assert self.handover is not None
        checklist = [
            CheckEntry(
                id=e.id,
                checked=self.query_one(f"#chk-{e.id}", Checkbox).value,
                remark=self.query_one(f"#rem-{e.id}", Input).value.strip(),
            )
            for e in self.handover.checklist
        ]
        return HandoverCreate(notes=self.query_one("#ho-notes", TextArea).text, checklist=checklist)

    @on(Button.Pressed)
    async def _pressed(self, event: Button.Pressed) -> None:
        name = (event.button.id or "").removeprefix("ho-")
        if name == "back":
            self.app.pop_screen()
        elif name == "replay" and self.handover is not None:
            from console.screens.replay import ReplayScreen

            self.app.push_screen(ReplayScreen(self.handover))
        elif name in ("save", "sign", "acknowledge"):
            self.write(name)

    @screen_work(exclusive=True, group="handover-write")
    async def write(self, name: str) -> None:
        if self.busy or self.handover is None:
            return
        self.busy = True
        client, handover_id = self.cg.client, self.handover.id
        try:
            if name == "acknowledge":
                handover = await client.acknowledge_handover(handover_id)
            else:
                handover = await client.build_handover(self.entered())  # what was written
                if name == "sign":
                    handover = await client.sign_handover(handover_id)
        except CitygridError as exc:
            self.notify(describe(exc, self.lang), severity="error", timeout=8)
            return
        finally:
            self.busy = False
        self.show(handover)
        done: dict[str, Key] = {"save": "handover.saved", "sign": "handover.signed"}
        self.notify(t(done.get(name, "handover.acknowledged"), self.lang))
        pending = self.cg.pending_handover
        if name == "acknowledge" and pending is not None and pending.id == handover.id:
            self.cg.set_pending_handover(None)

    # --- drilling into the queue --------------------------------------------------------------

    @on(OptionList.OptionSelected, "#ho-snapshot")
    def _drill(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id.startswith("q:"):
            queue = option_id.split(":")[1]
            screen = self.cg.queue_screen()
            if screen is None:
                return
            hotkey = next(q.hotkey for q in QUEUES if q.key == queue)
            self.app.pop_screen()
            screen.action_queue(hotkey)
        elif option_id.startswith("case:"):
            from console.screens.detail import CaseDetailScreen

            self.app.push_screen(CaseDetailScreen(option_id.rsplit(":", 1)[1]))
