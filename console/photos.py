"""Photos in the terminal: half-block pictures that work over SSH in any UTF-8 terminal.

Each character cell shows two pixels: ``▀`` with the upper pixel as its foreground
colour and the lower one as its background.  Pillow decodes and resizes the
thumbnail the server made; Rich segments carry the colours.  With ``--ascii`` or
``NO_COLOR`` a photo is a line of text instead (its size, who took it and when).

Why not ``textual-image``: it picks sixel or the Kitty protocol by querying the
terminal on start-up, which a headless test (and an SVG snapshot) cannot answer, and
its half-block mode is what this module does in a few lines; one renderer fewer to
keep in step with Textual.
"""

from __future__ import annotations

import io
import os
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import ClassVar

from PIL import Image, ImageOps
from rich.color import Color
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from backend_client.errors import CitygridError
from backend_client.vocab import Action, AttachmentPhase
from backend_client.wire import Attachment, CaseDetail, TimelineEntry
from console.background import screen_work
from console.i18n import t
from console.localtime import day_time

UPPER_HALF = "▀"
Fetch = Callable[[Attachment], Awaitable[bytes]]


def text_mode(ascii_glyphs: bool) -> bool:
    """Photos as text: ``--ascii``, or a terminal asked for no colour (``NO_COLOR``)."""
    return ascii_glyphs or bool(os.environ.get("NO_COLOR"))


def newest(case: CaseDetail, phase: AttachmentPhase) -> Attachment | None:
    photos = [a for a in case.attachments if a.is_photo and a.phase is phase]
    return photos[-1] if photos else None


def department_report(case: CaseDetail) -> TimelineEntry | None:
    """The latest 处置反馈: the department's note, who and when."""
    reports = [e for e in case.timeline if e.action is Action.REPORT_DISPOSAL]
    return reports[-1] if reports else None


def when(value: datetime | None) -> str:
    return day_time(value)


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    return f"{size / 1024:.0f} KB" if size < 1_048_576 else f"{size / 1_048_576:.1f} MB"


def phase_label(phase: AttachmentPhase, lang: str) -> str:
    return t("photo.before" if phase is AttachmentPhase.BEFORE else "photo.after", lang)


def caption(photo: Attachment, lang: str) -> str:
    return t(
        "photo.caption",
        lang,
        phase=phase_label(photo.phase, lang),
        size=human_size(photo.size),
        who=photo.by or "—",
        when=when(photo.at),
    )


def as_text(photo: Attachment, lang: str) -> str:
    return t(
        "photo.text",
        lang,
        phase=phase_label(photo.phase, lang),
        w=photo.width or 0,
        h=photo.height or 0,
        size=human_size(photo.size),
        who=photo.by or "—",
        when=when(photo.at),
    )


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as raw:
        return ImageOps.exif_transpose(raw).convert("RGB")


class HalfBlocks:
    """A picture as rows of ``▀`` cells, fitted (aspect kept) into ``width`` × ``rows``."""

    def __init__(self, image: Image.Image, rows: int) -> None:
        self.image, self.rows = image, max(rows, 1)

    def lines(self, width: int) -> list[list[Segment]]:
        src_w, src_h = self.image.size
        scale = min(width / src_w, self.rows * 2 / src_h)
        w, h = max(1, round(src_w * scale)), max(2, round(src_h * scale))
        h += h % 2
        small = self.image.resize((w, h), Image.Resampling.BILINEAR)
        rgb = small.tobytes()  # RGB, row after row
        pad = " " * ((width - w) // 2)
        out: list[list[Segment]] = []
        for y in range(0, h, 2):
            row = [Segment(pad)] if pad else []
            for x in range(w):
                i, j = (y * w + x) * 3, ((y + 1) * w + x) * 3
                style = Style(
                    color=Color.from_rgb(rgb[i], rgb[i + 1], rgb[i + 2]),
                    bgcolor=Color.from_rgb(rgb[j], rgb[j + 1], rgb[j + 2]),
                )
                row.append(Segment(UPPER_HALF, style))
            out.append(row)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for row in self.lines(options.max_width):
            yield from row
            yield Segment.line()


class PhotoView(Widget):
    """One photo with its caption: a picture, a text placeholder, or why there is none."""

    DEFAULT_CSS = """
    PhotoView { width: 1fr; height: 10; }
    PhotoView.-text { height: auto; }
    """

    def __init__(
        self,
        photo: Attachment | None,
        phase: AttachmentPhase,
        lang: str,
        *,
        as_text_only: bool,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.photo, self.phase, self.lang, self.as_text_only = photo, phase, lang, as_text_only
        self.image: Image.Image | None = None
        self.problem: str | None = None
        if not self.wants_picture:
            self.add_class("-text")

    @property
    def wants_picture(self) -> bool:
        return self.photo is not None and not self.as_text_only

    def show(self, data: bytes) -> None:
        try:
            self.image = decode(data)
        except Exception as exc:  # a broken thumbnail must not break the dialog
            self.problem = str(exc)
        self.refresh()

    def fail(self, reason: str) -> None:
        self.problem = reason
        self.refresh()

    def render(self) -> RenderableType:
        if self.photo is None:
            label = phase_label(self.phase, self.lang)
            return Text(t("photo.none", self.lang, phase=label), style="dim")
        if self.as_text_only:
            return Text(as_text(self.photo, self.lang))
        under = Text(caption(self.photo, self.lang), no_wrap=True, overflow="ellipsis")
        if self.problem is not None:
            return Group(Text(t("photo.failed", self.lang, reason=self.problem)), under)
        if self.image is None:
            return Group(Text(t("photo.loading", self.lang), style="dim"), under)
        return Group(HalfBlocks(self.image, self.size.height - 1), under)


async def load_into(views: Iterable[PhotoView], fetch: Fetch, lang: str) -> None:
    """Fetch each view's thumbnail through the client; say why where one fails."""
    for view in views:
        if not view.wants_picture or view.photo is None:
            continue
        try:
            view.show(await fetch(view.photo))
        except CitygridError as exc:
            from console.errors import describe

            view.fail(describe(exc, lang))


class PhotoScreen(ModalScreen[None]):
    """One photo over the whole terminal; Esc returns."""

    DEFAULT_CSS = """
    PhotoScreen { background: $background; }
    PhotoScreen PhotoView { height: 1fr; width: 100%; }
    PhotoScreen .hint { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "back", show=False),
    ]

    def __init__(self, photo: Attachment, lang: str, fetch: Fetch, *, as_text_only: bool) -> None:
        super().__init__()
        self.photo, self.lang, self.fetch, self.as_text_only = photo, lang, fetch, as_text_only

    def compose(self) -> ComposeResult:
        yield PhotoView(self.photo, self.photo.phase, self.lang, as_text_only=self.as_text_only)
        yield Static(t("photo.keys", self.lang), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.load()

    @screen_work(exclusive=True, group="photo")
    async def load(self) -> None:
        await load_into(self.query(PhotoView), self.fetch, self.lang)

    def action_close(self) -> None:
        self.dismiss(None)
