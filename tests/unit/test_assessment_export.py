"""Exports read back cell by cell, the formula-injection guard, and the notice text."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from backend.services.assessment.export import (
    FIXED,
    csv_bytes,
    header,
    row_values,
    safe_text,
    xlsx_bytes,
)
from backend.services.assessment.notice import notice_text
from backend_client.assessment import (
    CountedItem,
    FailedChecksCase,
    Figure,
    Notice,
    PeriodInfo,
    RankedObject,
    Ranking,
)

PERIOD = PeriodInfo(name="2016-12", first=date(2016, 12, 1), last=date(2016, 12, 31))


def _ranked(name: str, composite: float, grade: str, percent: float | None) -> RankedObject:
    return RankedObject(
        type="department",
        id="7",
        name=name,
        group="professional",
        kind="department",
        rank=1,
        group_size=2,
        bottom=grade == "D",
        composite=composite,
        grade=grade,  # type: ignore[arg-type]
        counters={"closed": 911, "close_due": 972},
        figures=[
            Figure(
                id="closing_rate",
                zh="结案率",
                en="closing rate",
                numerator=911,
                denominator=972,
                percent=percent,
            ),
        ],
        terms=[],
    )


RANKING = Ranking(
    period=PERIOD,
    through_seq=9,
    family="department",
    policy_version="2026.1",
    objects=[
        _ranked('=HYPERLINK("http://x")', 93.72, "A", 93.72),
        _ranked("@SUM(A1)", 41.0, "D", None),
    ],
)


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-3", "'-3"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("区水务局", "区水务局"), ("a=b", "a=b")],
)  # fmt: skip
def test_formula_starts_are_neutralised(text: str, safe: str) -> None:
    assert safe_text(text) == safe


def test_xlsx_reads_back_cell_by_cell() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([RANKING], None)))
    sheet = book["部门 Departments"]
    assert [c.value for c in sheet[1]] == header(RANKING)
    assert sheet.freeze_panes == "D2"
    for r, item in enumerate(RANKING.objects, start=2):
        expected = row_values(item)
        got = [c.value for c in sheet[r]]
        for c, (want, cell) in enumerate(zip(expected, got, strict=True)):
            if isinstance(want, str):
                assert cell == safe_text(want), (r, c)
            elif want is None:
                assert cell is None, (r, c)
            else:
                assert cell == pytest.approx(want), (r, c)
    first = sheet.cell(row=2, column=len(FIXED) + 1)
    assert first.value == pytest.approx(0.9372) and first.number_format == "0.00%"
    assert sheet.cell(row=2, column=3).data_type == "s"  # the formula stays text
    grade = sheet.cell(row=3, column=FIXED.index("等级") + 1)
    assert grade.value == "D" and grade.fill.fgColor.rgb.endswith("FCE4D6")


def test_csv_has_a_bom_and_neutralised_text() -> None:
    body = csv_bytes([RANKING])
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == header(RANKING)
    assert rows[1][2] == '\'=HYPERLINK("http://x")' and rows[2][2] == "'@SUM(A1)"
    assert rows[1][len(FIXED)] == "93.72%" and rows[2][len(FIXED)] == ""


def test_notice_text_reads_like_the_tianmen_notice() -> None:
    notice = Notice(
        period=PERIOD,
        policy_version="2026.1",
        accepted=1054,
        by_source={"supervisor": 1008, "wechat": 46},
        filed=996,
        close_due=972,
        closed=911,
        closed_on_time=737,
        closing_rate=93.72,
        on_time_closing_rate=75.82,
        top_categories=[CountedItem(code="matter:01001", name="暴露垃圾", count=120)],
        top_grids=[],
        bottom_units=[],
        failed_checks=[FailedChecksCase(serial="2016-429006-000123", failed_checks=3,
                                        department="市环卫处")],
        text_zh="",
    )  # fmt: skip
    text = notice_text(notice, 3)
    assert text.startswith("2016年12月，共受理案件1,054件，其中")
    assert (
        "立案996件，应结案972件，已结案911件，结案率93.72%；按期结案737件，按期结案率75.82%。"
        in text
    )
    assert "高发问题：暴露垃圾（120件）。" in text
    assert "2016-429006-000123（3次，计入市环卫处）" in text
    assert "95.64%" in text  # 1008 of 1054 from supervisors
