"""Case detail: every field, every stage deadline, attachments, and the timeline."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from backend_client.errors import CitygridError
from backend_client.labels import label
from backend_client.vocab import Action, AttachmentPhase
from backend_client.wire import CaseDetail
from console.background import screen_work
from console.errors import describe
from console.i18n import as_key, t
from console.keymap import translate_bindings
from console.localtime import day_time, local
from console.photos import PhotoScreen, caption, newest, phase_label, text_mode
from console.timeline import Names, sentences
from widgets.countdown import format_countdown

if TYPE_CHECKING:
    from console.app import CityGridApp


def _when(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return day_time(value)
    return "—"


class CaseDetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "back", show=True),
        *(
            Binding(k, f"act('{a}')", a, show=False)
            for k, a in (
                ("f", "file"),
                ("d", "dispatch"),
                ("v", "verify"),
                ("a", "decide"),
                ("x", "void"),
                ("m", "merge"),
                ("s", "supervise"),
                ("u", "urge"),
                ("c", "comment"),
                ("o", "reopen"),
            )
        ),
        Binding("r", "reload", "reload", show=True),
        Binding("b", "photo('before')", "before photo", show=False),
        Binding("A", "photo('after')", "after photo", show=False),
    ]

    def __init__(self, serial: str) -> None:
        super().__init__()
        self.serial = serial
        self.case: CaseDetail | None = None
        self.department_names: dict[str, str] = {}  # code -> name, for the timeline

    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(t("msg.loading", self.cg.settings.lang), id="detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        translate_bindings(
            self, self.cg.settings.lang, {"app.pop_screen": "key.back", "reload": "key.reload"}
        )
        self.refresh_bindings()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @screen_work(exclusive=True, group="detail")
    async def load(self) -> None:
        try:
            case = await self.cg.client.case(self.serial)
        except CitygridError as exc:
            self.query_one("#detail", Static).update(describe(exc, self.cg.settings.lang))
            return
        if not self.department_names:  # else the timeline names departments by code
            with suppress(CitygridError):
                departments = await self.cg.actions_.departments()
                self.department_names = {d.code: d.name for d in departments}
        self.case = case
        self.cg.model.take(case)
        self.query_one("#detail", Static).update(self.render_case(case))

    async def action_act(self, name: str) -> None:
        await self.cg.actions_.start(Action(name), [self.serial])

    def action_photo(self, phase: str) -> None:
        lang = self.cg.settings.lang
        wanted = AttachmentPhase(phase)
        photo = newest(self.case, wanted) if self.case else None
        if photo is None:
            self.notify(t("msg.no_photo", lang, phase=phase_label(wanted, lang)), timeout=4)
            return
        self.app.push_screen(
            PhotoScreen(
                photo,
                lang,
                self.cg.actions_.thumbnails(self.serial),
                as_text_only=text_mode(self.cg.settings.ascii),
            )
        )

    def render_case(self, case: CaseDetail) -> Table:
        lang = self.cg.settings.lang
        now = self.cg.now()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()

        def row(key: str, value: str | Text) -> None:
            grid.add_row(t(as_key(key), lang), value if isinstance(value, Text) else Text(value))

        row("detail.serial", case.serial)
        row(
            "detail.state",
            label(case.state, lang) + (f"  ({label(case.pending, lang)}*)" if case.pending else ""),
        )
        row(
            "detail.category",
            f"{label(case.category_kind, lang)} {case.category_code} {case.category_name}",
        )
        row("detail.source", label(case.source, lang))
        row("detail.urgency", label(case.urgency, lang))
        row("detail.grid", f"{case.grid_code}  {self.cg.region_names.get(case.grid_code, '')}")
        row("detail.address", case.address or "—")
        if case.lon is not None and case.lat is not None:
            row("detail.lonlat", f"{case.lon:.6f}, {case.lat:.6f}")
        row("detail.department", case.department_name or "—")
        if case.suggested_department:
            row(
                "detail.suggested",
                f"{case.suggested_department.code} {case.suggested_department.name}",
            )
        countdown, _light = format_countdown(
            now, case.deadline_at, case.paused_at, warn_at=case.warn_at, lang=lang
        )
        row("detail.deadline", f"{countdown.strip()}  ({_when(case.deadline_at)})")
        row("detail.rework", str(case.rework_count))
        row("detail.extension", f"{case.extension_hours:g}h")
        row(
            "detail.flags",
            " ".join(
                filter(
                    None,
                    [
                        t("detail.supervised", lang) if case.supervised else "",
                        t("detail.urged", lang, n=case.urge_count) if case.urge_count else "",
                        t("detail.merged_into", lang, serial=case.merged_into)
                        if case.merged_into
                        else "",
                    ],
                )
            )
            or "—",
        )
        row("detail.description", case.description)
        for reporter in case.reporters:
            row(
                "detail.reporter",
                f"{label(reporter.source, lang)} {reporter.name} "
                f"{reporter.phone} ({reporter.serial or ''})",
            )
        for attachment in case.attachments:
            if attachment.is_photo:
                row("detail.photo", f"#{attachment.id} {caption(attachment, lang)}")
            else:
                row(
                    "detail.attachment",
                    f"[{attachment.phase.value}] {attachment.ref} {attachment.note}",
                )
        if any(a.is_photo for a in case.attachments):
            row("detail.photo", Text(t("detail.photo_keys", lang), style="dim"))
        if case.allowed_actions:
            row("detail.allowed", " ".join(label(a, lang) for a in case.allowed_actions))

        deadlines = Table(title=t("detail.deadlines", lang), expand=True, box=None)
        for key in ("stage", "limit", "started", "due", "done"):
            deadlines.add_column(t(as_key(f"detail.col.{key}"), lang), no_wrap=True)
        for d in case.deadlines:
            deadlines.add_row(
                label(d.stage, lang),
                d.limit_label,
                _when(d.started_at),
                _when(d.due_at),
                _when(d.done_at)
                if d.done_at
                else (t("detail.paused", lang) if d.paused_at else t("detail.running", lang)),
            )

        timeline = Table(title=t("detail.timeline", lang), expand=True, box=None)
        timeline.add_column(t("detail.col.seq", lang), style="dim", no_wrap=True)
        timeline.add_column(t("detail.col.what", lang), overflow="fold", ratio=1)
        names = Names(
            lang,
            local(now).date(),
            self.department_names,
            {f"{case.category_kind.value}:{case.category_code}": case.category_name},
        )
        for entry, said in zip(case.timeline, sentences(case.timeline, names), strict=True):
            timeline.add_row(str(entry.seq), Text(said))

        outer = Table.grid()
        outer.add_row(grid)
        outer.add_row(Text(""))
        outer.add_row(deadlines)
        outer.add_row(Text(""))
        outer.add_row(timeline)
        return outer
