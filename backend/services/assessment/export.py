"""Exports that offices open: XLSX (one sheet per object family and the notice as its own
sheet) and CSV (UTF-8 with a BOM, so Excel reads the Chinese). Text that a spreadsheet
would run as a formula (starting with = + - @, a tab or a CR) is written as plain text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import xlsxwriter

from backend_client.assessment import COUNTER_LABELS, Notice, RankedObject, Ranking

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FAMILY_SHEETS = {"region": "区域 Regions", "department": "部门 Departments", "post": "岗位 Posts"}
TYPE_NAMES = {
    "grid": "单元网格",
    "community": "社区",
    "street": "街道",
    "department": "专业部门",
    "post": "岗位",
}
GRADE_FILLS = {"A": "#C6EFCE", "B": "#E2F0D9", "C": "#FFF2CC", "D": "#FCE4D6", "E": "#F4B6B6"}
COUNTERS = tuple(
    (name, COUNTER_LABELS[name][0])
    for name in (
        "accepted",
        "patrol_reports",
        "public_reports",
        "filed",
        "dispatched",
        "dispose_due",
        "disposed",
        "overdue_not_disposed",
        "close_due",
        "closed",
        "closed_on_time",
        "reworks",
        "returns",
        "shirks",
        "failed_checks",
    )
)
FIXED = ("类型", "编码", "名称", "分组", "排名", "组内单位数", "综合得分", "等级", "后三位")


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as typed, never evaluates."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def header(ranking: Ranking) -> list[str]:
    ratios = [f"{f.zh} (%)" for f in ranking.objects[0].figures] if ranking.objects else []
    return [*FIXED, *ratios, *(zh for _, zh in COUNTERS)]


def row_values(item: RankedObject) -> list[str | float | int | None]:
    """One object's cells, in ``header`` order (percentages as fractions)."""
    fixed: list[str | float | int | None] = [
        TYPE_NAMES[item.type],
        item.id,
        item.name,
        item.group,
        item.rank,
        item.group_size,
        item.composite,
        item.grade,
        "是" if item.bottom else "",
    ]
    ratios = [None if f.percent is None else f.percent / 100 for f in item.figures]
    counts = [item.counters.get(name, 0) for name, _ in COUNTERS]
    return [*fixed, *ratios, *counts]


def csv_bytes(rankings: Sequence[Ranking]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for ranking in rankings:
        if not ranking.objects:
            continue
        writer.writerow(header(ranking))
        for item in ranking.objects:
            cells = row_values(item)
            n_fixed, n_ratios = len(FIXED), len(item.figures)
            text = [
                ""
                if cell is None
                else f"{cell * 100:.2f}%"
                if n_fixed <= i < n_fixed + n_ratios and isinstance(cell, float)
                else safe_text(cell)
                if isinstance(cell, str)
                else _number(cell)
                for i, cell in enumerate(cells)
            ]
            writer.writerow(text)
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rankings: Sequence[Ranking], notice: Notice | None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    percent = book.add_format({"num_format": "0.00%"})
    score = book.add_format({"num_format": "0.00"})
    grades = {
        letter: book.add_format({"bg_color": fill, "bold": True, "align": "center"})
        for letter, fill in GRADE_FILLS.items()
    }
    for ranking in rankings:
        sheet = book.add_worksheet(FAMILY_SHEETS[ranking.family])
        columns = header(ranking)
        sheet.write_row(0, 0, columns, bold)
        sheet.freeze_panes(1, 3)
        sheet.set_column(0, 1, 14)
        sheet.set_column(2, 2, 26)
        n_fixed = len(FIXED)
        for r, item in enumerate(ranking.objects, start=1):
            for c, cell in enumerate(row_values(item)):
                if cell is None:
                    sheet.write_blank(r, c, None)
                elif isinstance(cell, str):
                    fmt = grades.get(cell) if c == FIXED.index("等级") else None
                    sheet.write_string(r, c, safe_text(cell), fmt)
                elif n_fixed <= c < n_fixed + len(item.figures):
                    sheet.write_number(r, c, cell, percent)
                elif c == FIXED.index("综合得分"):
                    sheet.write_number(r, c, cell, score)
                else:
                    sheet.write_number(r, c, cell)
        if ranking.objects:
            sheet.autofilter(0, 0, len(ranking.objects), len(columns) - 1)
    if notice is not None:
        sheet = book.add_worksheet("通报 Notice")
        sheet.set_column(0, 0, 110)
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        sheet.write_string(
            0, 0, f"通报（{notice.period.name}，评价标准 {notice.policy_version}）", bold
        )
        for r, line in enumerate(notice.text_zh.splitlines(), start=1):
            sheet.write_string(r, 0, safe_text(line), wrap)
    book.close()
    return buffer.getvalue()


def _number(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
