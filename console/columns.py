"""The queue table's columns, their widths shared out by the terminal's width."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len

from backend_client.labels import label
from backend_client.vocab import Light, Urgency
from console.i18n import as_key, t
from console.rows import QueueRow
from widgets.countdown import COUNTDOWN_WIDTH, format_countdown
from widgets.line_table import Column

LIGHT_CLASS = {
    Light.RED: "red",
    Light.YELLOW: "yellow",
    Light.GREEN: "green",
    Light.PAUSED: "paused",
    Light.NONE: "muted",
}


def _serial_short(case: QueueRow) -> str:
    year, _district, seq = case.serial.split("-")
    return f"{year[2:]}-{seq}"


@dataclass(frozen=True)
class Widths:
    """Cells per static column.  ``full_serial`` / ``full_grid``: the whole code fits."""

    serial: int
    grid: int
    category: int
    source: int
    department: int
    state: int
    rework: int

    @property
    def full_serial(self) -> bool:
        return self.serial >= SERIAL_FULL

    @property
    def full_grid(self) -> bool:
        return self.grid >= GRID_FULL

    @property
    def department_names(self) -> bool:
        return self.department >= DEPARTMENT_NAMES


SERIAL_SHORT, SERIAL_FULL = 10, 19  # "!26-002001" / "!2026-110112-002001"
GRID_SHORT, GRID_FULL = 9, 15
DEPARTMENT_NAMES = 12  # below this the column shows the department's code
LIVE_WIDTH = COUNTDOWN_WIDTH + 1  # the countdown column and its leading space
STATIC_COLUMNS = 7


def fit_widths(width: int, lang: str) -> Widths:
    """Share ``width`` terminal columns (the table and its countdown) out to the columns.

    Every column starts at what its texts need at 80 columns; the cells left over go,
    in order, to the department's name, the full serial, the full grid code, and
    then all to the category, so no column stands empty while another is cut."""
    zh = lang == "zh"
    state = 10 if zh else 11  # "督待受理*", "in progress"
    source = 6 if zh else 7  # "监督员", "hotline"
    rework = 4  # "返工", "redo"
    room = width - 1 - LIVE_WIDTH - (STATIC_COLUMNS - 1)  # gutter, separators
    category = max(8, room - (SERIAL_SHORT + GRID_SHORT + source + 6 + state + rework))
    w = Widths(SERIAL_SHORT, GRID_SHORT, category, source, 6, state, rework)
    spare = category - 16
    if spare <= 0:
        return w
    grows = (
        ("department", 18 - 6, False),
        ("serial", SERIAL_FULL - SERIAL_SHORT, True),
        ("grid", GRID_FULL - GRID_SHORT, True),
    )
    sizes = {"department": 6, "serial": SERIAL_SHORT, "grid": GRID_SHORT}
    for name, step, whole in grows:
        take = step if spare >= step else (0 if whole else spare)
        if name == "department" and take < DEPARTMENT_NAMES - 6:
            take = 0  # a cut name reads worse than the code
        sizes[name] += take
        spare -= take
    return Widths(
        sizes["serial"],
        sizes["grid"],
        16 + spare,
        source,
        sizes["department"],
        state,
        rework,
    )


def case_columns(lang: str, *, width: int, ascii_glyphs: bool = False) -> list[Column]:
    """The queue's columns for a table ``width`` cells wide (countdown included)."""
    w = fit_widths(width, lang)
    none = "-" if ascii_glyphs else "—"

    def countdown(case: QueueRow, now: datetime) -> tuple[str, str]:
        text, light = format_countdown(
            now,
            case.deadline_at,
            case.paused_at,
            warn_at=case.warn_at,
            lang=lang,
            ascii=ascii_glyphs,
        )
        return text, LIGHT_CLASS[light]

    def serial(case: QueueRow, _now: datetime) -> tuple[str, str]:
        mark = "!" if case.urgency is Urgency.URGENT else " "
        text = case.serial if w.full_serial else _serial_short(case)
        return f"{mark}{text}", "urgent" if case.urgency is Urgency.URGENT else ""

    def grid(case: QueueRow, _now: datetime) -> tuple[str, str]:
        return (case.grid_code if w.full_grid else case.grid_code[6:]), ""

    def category(case: QueueRow, _now: datetime) -> tuple[str, str]:
        return f"{case.category_code} {case.category_name}", ""

    def source(case: QueueRow, _now: datetime) -> tuple[str, str]:
        return label(case.source, lang), ""

    def department(case: QueueRow, _now: datetime) -> tuple[str, str]:
        if case.department_name:
            return (case.department_name if w.department_names else case.department_code or ""), ""
        return none, "muted"

    def state(case: QueueRow, _now: datetime) -> tuple[str, str]:
        text = label(case.state, lang)
        if case.pending is not None:
            text += "*"
        if case.supervised:
            text = "督" + text if lang == "zh" else "S " + text
        return text, ""

    def rework(case: QueueRow, _now: datetime) -> tuple[str, str]:
        return (str(case.rework_count) if case.rework_count else ""), ""

    def col(key: str, width: int, render: object, **kw: object) -> Column:
        title = t(as_key(f"col.{key}"), lang)
        if cell_len(title) > width:
            title = t(as_key(f"col.{key}_short"), lang)
        return Column(key, title, width, render, **kw)  # type: ignore[arg-type]

    return [
        col("serial", w.serial, serial),
        col("grid", w.grid, grid),
        col("category", w.category, category),
        col("source", w.source, source),
        col("department", w.department, department),
        col("state", w.state, state),
        col("rework", w.rework, rework, align="right"),
        col("deadline", COUNTDOWN_WIDTH, countdown, live=True, align="right"),
    ]


SORT_COLUMNS = ("deadline", "serial", "grid", "category", "source", "department", "state", "rework")


def split_live(columns: list[Column]) -> tuple[list[Column], list[Column]]:
    """Static columns for the table, live (countdown) ones for their own widget."""
    return [c for c in columns if not c.live], [c for c in columns if c.live]
