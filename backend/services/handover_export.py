"""A handover as text: Markdown for reading and printing, CSV for spreadsheets.

Both carry the same content in Chinese with English beside it (交接班 records are kept
in Chinese; an English reader still needs the headings).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from backend_client.labels import both
from backend_client.vocab import CaseState, PendingKind
from backend_client.wire import CaseRef, CheckItemDef, Handover

STATUS = {"draft": "草稿 draft", "signed": "已签字 signed", "acknowledged": "已接班 acknowledged"}


def _at(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"


def _rows(h: Handover, items: list[CheckItemDef], tz: ZoneInfo) -> list[tuple[str, str, str]]:
    """(section, item, value) triples, the one ordering both formats use."""
    s = h.snapshot
    names = {i.id: f"{i.zh} {i.en}" for i in items}
    out: list[tuple[str, str, str]] = [
        ("班次 shift", f"{h.shift.zh} {h.shift.en}", f"{h.shift.start}-{h.shift.end}"),
        ("班次 shift", "日期 from", _at(h.starts_at, tz)),
        ("班次 shift", "接班 next", f"{h.to_shift.zh} {h.to_shift.en}"),
        ("班次 shift", "状态 status", STATUS[h.status]),
        ("班次 shift", "交班人 outgoing lead", f"{h.author_name} ({h.author})"),
        ("班次 shift", "签字 signed", _at(h.signed_at, tz)),
        (
            "班次 shift",
            "接班人 incoming lead",
            f"{h.acknowledged_by_name} ({h.acknowledged_by})" if h.acknowledged_by else "—",
        ),
        ("班次 shift", "确认 acknowledged", _at(h.acknowledged_at, tz)),
        ("概况 snapshot", "统计时间 as of", _at(s.as_of, tz)),
        ("概况 snapshot", "在办 open", str(s.open_total)),
    ]
    for state in CaseState:
        if state.value in s.open_by_state:
            out.append(("在办 open by stage", both(state), str(s.open_by_state[state.value])))
    hours = f"{s.due_within_working_hours:g}"
    out += [
        ("概况 snapshot", f"{hours} 工作时内到期 due within {hours} h", str(s.due_soon)),
        ("概况 snapshot", "督办 supervised", str(s.supervised)),
        ("概况 snapshot", "催办 urged", str(s.urged)),
        ("概况 snapshot", "本班新超期 went overdue this shift", str(s.went_overdue)),
        ("概况 snapshot", "本班立案 filed", str(s.filed)),
        ("概况 snapshot", "本班派遣 dispatched", str(s.dispatched)),
        ("概况 snapshot", "本班结案 closed", str(s.closed)),
    ]
    for kind in PendingKind:
        out.append(("申请待批 pending requests", both(kind), str(s.pending.get(kind.value, 0))))
    out += [("即将到期 due soon", *_case(c, tz)) for c in s.due_soon_cases]
    out += [("本班超期 went overdue", *_case(c, tz)) for c in s.went_overdue_cases]
    for entry in h.checklist:
        mark = "✓" if entry.checked else "✗"
        value = f"{mark} {entry.remark}".rstrip()
        out.append(("检查项 checklist", names.get(entry.id, entry.id), value))
    return out


def _case(c: CaseRef, tz: ZoneInfo) -> tuple[str, str]:
    return c.serial, f"{both(c.state)} {c.category_name} {c.grid_code} {_at(c.deadline_at, tz)}"


def markdown(h: Handover, items: list[CheckItemDef], tz: ZoneInfo) -> str:
    lines = [f"# 交接班记录 Shift handover #{h.id}", ""]
    section = ""
    for sec, item, value in _rows(h, items, tz):
        if sec != section:
            lines += ["", f"## {sec}", ""]
            section = sec
        lines.append(f"- {item}: {value}")
    lines += ["", "## 交班留言 notes", ""]
    lines += [f"> {line}" for line in (h.notes.splitlines() or ["—"])]
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def csv_text(h: Handover, items: list[CheckItemDef], tz: ZoneInfo) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["section", "item", "value"])
    writer.writerows(_rows(h, items, tz))
    writer.writerow(["交班留言 notes", "", h.notes])
    return buffer.getvalue()
