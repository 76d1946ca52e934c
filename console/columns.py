"""The queue table's columns, for a narrow (80-column) and a wide terminal."""

from __future__ import annotations

from datetime import datetime

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


def case_columns(lang: str, *, wide: bool, ascii_glyphs: bool = False) -> list[Column]:
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
        text = case.serial if wide else _serial_short(case)
        return f"{mark}{text}", "urgent" if case.urgency is Urgency.URGENT else ""

    def grid(case: QueueRow, _now: datetime) -> tuple[str, str]:
        return (case.grid_code if wide else case.grid_code[6:]), ""

    def category(case: QueueRow, _now: datetime) -> tuple[str, str]:
        return f"{case.category_code} {case.category_name}", ""

    def source(case: QueueRow, _now: datetime) -> tuple[str, str]:
        return label(case.source, lang), ""

    def department(case: QueueRow, _now: datetime) -> tuple[str, str]:
        if case.department_name:
            return (case.department_name if wide else case.department_code or ""), ""
        return "—", "muted"

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
        return Column(key, t(as_key(f"col.{key}"), lang), width, render, **kw)  # type: ignore[arg-type]

    if wide:
        return [
            col("serial", 19, serial),
            col("grid", 15, grid),
            col("category", 24, category),
            col("source", 7, source),
            col("department", 18, department),
            col("state", 8, state),
            col("rework", 4, rework, align="right"),
            col("deadline", COUNTDOWN_WIDTH, countdown, live=True, align="right"),
        ]
    return [
        col("serial", 10, serial),
        col("grid", 9, grid),
        col("category", 16, category),
        col("source", 6, source),
        col("department", 6, department),
        col("state", 8, state),
        col("rework", 2, rework, align="right"),
        col("deadline", COUNTDOWN_WIDTH, countdown, live=True, align="right"),
    ]


SORT_COLUMNS = ("deadline", "serial", "grid", "category", "source", "department", "state", "rework")


def split_live(columns: list[Column]) -> tuple[list[Column], list[Column]]:
    """Static columns for the table, live (countdown) ones for their own widget."""
    return [c for c in columns if not c.live], [c for c in columns if c.live]
