"""SVG snapshots of the leaders' wallboard (both sizes × both languages, 4) and the
assessment screen (120×40 zh and 80×24 en, 2).

The fixture of :mod:`tests.console.test_snapshots` (frozen clock, fixed cases, demo city,
no network) plus fixed rankings and notices: twelve months whose composites move by a
fixed rule, and the Tianmen notice's figures (1,054 accepted, 996 filed, 911 closed,
75.82% on time against the 95% target).

Regenerate with ``pytest tests/console/test_board_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from datetime import date

import pytest
from textual.pilot import Pilot

from backend_client.assessment import (
    Figure,
    Notice,
    ObjectFamily,
    PeriodInfo,
    RankedObject,
    Ranking,
)
from backend_client.publication import PublicationInfo
from console.app import CityGridApp
from console.assessment_data import grade_text
from console.screens.assessment import AssessmentScreen
from console.screens.wallboard import WallboardScreen
from tests.console.test_snapshots import (
    DARK,
    DEPARTMENTS,
    SIZES,
    FakeClient,
    SnapCompare,
    demo_city,
    make_app,
    prepare,
    wait_until,
)

GRADES = "ABCDE"


def _grade(score: float) -> str:
    return GRADES[min(4, max(0, int((100 - score) // 8)))]


def _period(name: str) -> PeriodInfo:
    year, month = (int(p) for p in name.split("-")[:2]) if "-" in name else (2026, 11)
    return PeriodInfo(name=name, first=date(year, month, 1), last=date(year, month, 28))


def _objects(period: str, family: ObjectFamily) -> list[RankedObject]:
    month = int(period[5:7]) if period[4:5] == "-" and period[5:7].isdigit() else 11
    if family == "region":
        _cells, names = demo_city()
        units = [(code, name, "street", "street") for code, name in names if len(code) == 9]
    else:
        units = [(d.code, d.name, "department", "professional") for d in DEPARTMENTS]
    scored = []
    for index, (ident, name, type_, group) in enumerate(units):
        score = round(96 - index * 4.5 + ((month * (index + 3)) % 7) - 3, 1)
        due = 120 + index * 10
        on_time = round(due * score / 100)
        scored.append((score, ident, name, type_, group, due, on_time))
    scored.sort(key=lambda s: -s[0])
    return [
        RankedObject(
            type=type_,  # type: ignore[arg-type]
            id=ident,
            name=name,
            group=group,
            kind=type_,
            rank=rank,
            group_size=len(scored),
            bottom=rank > len(scored) - 3,
            composite=score,
            grade=_grade(score),  # type: ignore[arg-type]
            counters={"close_due": due, "closed": due - 2, "closed_on_time": on_time},
            figures=[
                Figure(
                    id="closing_rate",
                    zh="结案率",
                    en="closing rate",
                    numerator=due - 2,
                    denominator=due,
                    percent=round((due - 2) * 100 / due, 2),
                ),
                Figure(
                    id="on_time_closing_rate",
                    zh="按期结案率",
                    en="on-time closing",
                    numerator=on_time,
                    denominator=due,
                    percent=round(on_time * 100 / due, 2),
                ),
            ],
            terms=[],
        )
        for rank, (score, ident, name, type_, group, due, on_time) in enumerate(scored, 1)
    ]


class BoardClient(FakeClient):
    async def rankings(
        self, period: str, family: ObjectFamily = "department", **_kw: object
    ) -> Ranking:
        return Ranking(
            period=_period(period),
            through_seq=9000,
            family=family,
            policy_version="2026.1",
            objects=_objects(period, family),
        )

    async def publications(self) -> list[PublicationInfo]:
        return []  # nothing published: the screen shows the live figures

    async def notice(self, period: str) -> Notice:
        today = ".." in period
        return Notice(
            period=_period("2026-11"),
            policy_version="2026.1",
            accepted=42 if today else 1054,
            by_source={"hotline": 20, "patrol": 22},
            filed=39 if today else 996,
            close_due=31 if today else 972,
            closed=28 if today else 911,
            closed_on_time=25 if today else 737,
            closing_rate=93.72,
            on_time_closing_rate=75.82,
            on_time_target=95.0,
            top_categories=[],
            top_grids=[],
            bottom_units=[],
            failed_checks=[],
            text_zh="",
        )


def board_app(lang: str, monkeypatch: pytest.MonkeyPatch) -> CityGridApp:
    app = make_app(lang, DARK, monkeypatch)
    app.client = BoardClient()  # type: ignore[assignment]
    return app


async def open_wallboard(pilot: Pilot[object]) -> None:
    screen = WallboardScreen(cycle_seconds=3600.0, refresh_seconds=3600.0)
    pilot.app.push_screen(screen)
    await wait_until(pilot, lambda: screen.is_mounted and screen.month is not None)
    await wait_until(pilot, lambda: bool(screen.query_one("#wb-trend-rate").data))  # type: ignore[attr-defined]


async def open_assessment(pilot: Pilot[object]) -> None:
    screen = AssessmentScreen()
    pilot.app.push_screen(screen)
    await wait_until(pilot, lambda: screen.ranking is not None and screen.cache is not None)
    await wait_until(
        pilot,
        lambda: screen.cache is not None and ("2025-12", "department") in screen.cache.rankings,
    )
    await pilot.pause()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_wallboard(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str
) -> None:
    app = board_app(lang, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(open_wallboard))


ASSESSMENT: list[tuple[str, str]] = [("120x40", "zh"), ("80x24", "en")]


@pytest.mark.parametrize(("size", "lang"), ASSESSMENT)
def test_assessment(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str
) -> None:
    app = board_app(lang, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(open_assessment))


def test_the_fixture_grades_show_letter_and_dots() -> None:
    objects = _objects("2026-11", "department")
    assert [o.rank for o in objects] == list(range(1, len(objects) + 1))
    assert sum(o.bottom for o in objects) == 3
    assert grade_text("A") == "A ●●●●●" and grade_text("E", True) == "E #...."
