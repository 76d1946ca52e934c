"""The assessment screen against the real backend: tabs, sort, and the drill-down from a
ranking row to its counters (by name), then to the queue showing exactly the cases
behind one (open or closed, kept live), and on to a case's detail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from textual.widgets import OptionList

from backend_client.assessment import COUNTER_LABELS, Figure, RankedObject, ScoreTerm
from console.app import CityGridApp
from console.assessment_data import group_label, is_period, is_range, shift_period, this_month
from console.screens.assessment import AssessmentScreen
from console.screens.detail import CaseDetailScreen
from console.screens.figure_cases import COUNTER_PREFIX, FigureCasesScreen
from console.screens.queue import QueueScreen
from tests.api.helpers import act, grid_in, report
from tests.console.conftest import Http, wait_for
from widgets.line_table import LineTable

SIZE = (120, 40)


def test_periods_step_by_month_week_quarter_and_year() -> None:
    assert shift_period("2026-01", -1) == "2025-12"
    assert shift_period("2026-12", 1) == "2027-01"
    assert shift_period("2026-W01", -1) == "2025-W52"
    assert shift_period("2026-W53", 1) == "2027-W01"
    assert shift_period("2026-Q1", -1) == "2025-Q4"
    assert shift_period("2026", -11) == "2015"
    assert is_period("2026-W48") and is_period("2026-Q4") and is_period("2026")
    assert not any(is_period(p) for p in ("2026-W99", "2026-13", "2026-00", "26-11", ""))
    assert is_range("2026-11-01..2026-11-15") and is_range("2026-11-01..2026-11-01")
    assert not any(
        is_range(p) for p in ("2026-11-15..2026-11-01", "2026-11-01", "2026-11-01..", "2026-11")
    )


def test_key_figures_put_the_scored_ratios_first_and_groups_read_as_words() -> None:
    def fig(ident: str) -> Figure:
        return Figure(id=ident, zh=ident, en=ident, numerator=1, denominator=2, percent=50.0)

    def term(source: str) -> ScoreTerm:
        return ScoreTerm(source=source, weight=0.3, raw=50.0, points=15.0)

    department = RankedObject(
        type="department", id="7", name="区水务局", group="professional", kind="department",
        rank=1, group_size=1, bottom=False, composite=50.0, grade="E", counters={},
        figures=[fig("valid_report_rate"), fig("rework_rate"), fig("closing_rate")],
        terms=[term("department_filed"), term("closing_rate"), term("rework_rate")],
    )  # fmt: skip
    ids = [f.id for f in department.key_figures()]
    assert ids == ["closing_rate", "rework_rate", "valid_report_rate"]
    assert group_label("professional", "zh") == "专业部门"
    assert group_label("street_office", "en") == "street office"
    assert group_label("community", "zh") == "社区"
    assert group_label("supervisor", "zh") == "监督员"
    assert group_label("something-new", "zh") == "something-new"


def assessment(app: CityGridApp) -> AssessmentScreen | None:
    screen = app.screen
    return screen if isinstance(screen, AssessmentScreen) else None


def family(screen: AssessmentScreen) -> str | None:
    return None if screen.ranking is None else screen.ranking.family


def option_index(options: OptionList, ident: str) -> int:
    return next(
        i for i in range(options.option_count) if options.get_option_at_index(i).id == ident
    )


async def test_tabs_sort_and_drill_down_to_a_case(
    make_app: Callable[..., CityGridApp], http: Http
) -> None:
    lead = http("lead")
    serial = (await report(lead, await grid_in(lead, "110112001")))["serial"]
    filed = await lead.post(f"/cases/{serial}/actions", json={"action": "file"})
    assert filed.status_code == 200, filed.text
    seq = filed.json()["seq"]
    period = this_month(datetime.now().astimezone())
    posts = await lead.get(
        "/assessment/rankings", params={"period": period, "family": "post", "after": seq}
    )
    assert posts.status_code == 200, posts.text

    app = make_app("lead", lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.model.loaded and app.model.me is not None)
        await pilot.press("A")
        await wait_for(pilot, lambda: (s := assessment(app)) is not None and s.ranking is not None)
        screen = assessment(app)
        assert screen is not None and screen.ranking is not None
        assert screen.period == period and screen.ranking.family == "department"

        await pilot.press("3")
        await wait_for(pilot, lambda: family(screen) == "post")
        await pilot.press("tab")
        await wait_for(pilot, lambda: family(screen) == "region")
        await pilot.press("3")
        await wait_for(pilot, lambda: family(screen) == "post")
        assert len(screen.rows) == len(posts.json()["objects"])

        await pilot.press("greater_than_sign")  # rank → name
        names = [o.name for o in screen.rows.rows]
        assert screen.sort_column == "name" and names == sorted(names)
        await pilot.press("greater_than_sign")  # → composite, best first
        scores = [o.composite for o in screen.rows.rows]
        assert scores == sorted(scores, reverse=True)
        await pilot.press("R")
        assert [o.composite for o in screen.rows.rows] == sorted(scores)

        me = app.model.me
        assert me is not None
        table = screen.query_one(LineTable)
        table.cursor_key = f"post:{me.id}"
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FigureCasesScreen))
        drill = app.screen
        assert isinstance(drill, FigureCasesScreen)
        options = drill.query_one(OptionList)
        filed_at = option_index(options, COUNTER_PREFIX + "filed")
        assert str(options.get_option_at_index(filed_at).prompt).startswith("filed ")
        for index in range(options.option_count):  # every counter by name, none by its id
            option = options.get_option_at_index(index)
            name = (option.id or "").removeprefix(COUNTER_PREFIX)
            prompt = str(option.prompt)
            assert prompt.startswith(COUNTER_LABELS[name][1] + " ") and "_" not in prompt
        options.highlighted = filed_at
        queue_key = app.model.queue.key
        await pilot.press("enter")  # the queue, showing exactly the cases behind 'filed'
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.model.case_set is not None
        behind = await lead.get(
            "/assessment/cases",
            params={"period": period, "type": "post", "id": str(me.id), "counter": "filed"},
        )
        assert behind.status_code == 200, behind.text
        wanted = {c["serial"] for c in behind.json()["cases"]}
        assert serial in wanted and set(app.model.view.serials()) == wanted
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        status = str(queue.query_one("#status").render())
        assert "filed" in status and period in status and f"{len(wanted)} case" in status
        queue.table.cursor_key = serial
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseDetailScreen))
        assert isinstance(app.screen, CaseDetailScreen) and app.screen.serial == serial
        await pilot.press("escape")  # detail → the figure's cases → the queue before
        await wait_for(pilot, lambda: app.screen is queue)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.model.case_set is None)
        assert app.model.queue.key == queue_key
        assert "filed" not in str(queue.query_one("#status").render())


async def test_a_closed_figure_case_shows_in_the_queue_and_stays_live(
    make_app: Callable[..., CityGridApp], http: Http
) -> None:
    lead, handler = http("lead"), http("h_hw")
    serial = (await report(lead, await grid_in(lead, "110112001"), reporter_phone=""))["serial"]
    await act(lead, serial, "file")
    await act(lead, serial, "dispatch")
    await act(handler, serial, "sign")
    await act(handler, serial, "report_disposal", note="已清运")
    closed = await lead.post(f"/cases/{serial}/actions", json={"action": "verify", "passed": True})
    assert closed.status_code == 200 and closed.json()["case"]["state"] == "closed"
    period = this_month(datetime.now().astimezone())
    ranking = await lead.get(
        "/assessment/rankings",
        params={"period": period, "family": "department", "after": closed.json()["seq"]},
    )
    hw = next(o for o in ranking.json()["objects"] if o["name"] == "区环境卫生服务中心")

    app = make_app("lead", lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.model.loaded and not app.model.loading)
        assert serial not in app.model.store.cases and app.model.store.get(serial) is None
        await pilot.press("A")
        await wait_for(pilot, lambda: (s := assessment(app)) is not None and s.ranking is not None)
        screen = assessment(app)
        assert screen is not None and screen.ranking is not None
        assert screen.ranking.family == "department"
        screen.query_one(LineTable).cursor_key = f"department:{hw['id']}"
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FigureCasesScreen))
        options = app.screen.query_one(OptionList)
        closed_at = option_index(options, COUNTER_PREFIX + "closed")
        assert str(options.get_option_at_index(closed_at).prompt).startswith("结案数 ")
        options.highlighted = closed_at
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert serial in app.model.view.serials()
        row = app.model.store.closed[serial]
        assert row.state.value == "closed" and serial not in app.model.store.cases
        commented = await act(lead, serial, "comment", note="考核复查")  # another desk
        await wait_for(pilot, lambda: app.model.store.closed[serial].version > row.version)
        assert commented["version"] == app.model.store.closed[serial].version
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.model.case_set is None)
        assert app.model.store.get(serial) is None  # unpinned: closed, no callback due
        assert serial not in app.model.view.serials()


async def test_the_notice_and_the_export(
    make_app: Callable[..., CityGridApp], tmp_path: object, monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(tmp_path))
    monkeypatch.chdir(str(tmp_path))
    app = make_app("lead", lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.model.loaded)
        await pilot.press("A")
        await wait_for(pilot, lambda: (s := assessment(app)) is not None and s.ranking is not None)
        screen = assessment(app)
        assert screen is not None
        await pilot.press("e")
        written = tmp_path / f"citygrid-assessment-{screen.period}.xlsx"  # type: ignore[operator]
        await wait_for(pilot, lambda: written.exists() and written.stat().st_size > 0)
        assert written.read_bytes()[:2] == b"PK"
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NoticeScreen")
        text = str(app.screen.query_one("#notice-text").render())
        assert screen.period[:4] in text or "受理" in text


async def test_periods_by_keys_and_by_typing(make_app: Callable[..., CityGridApp]) -> None:
    app = make_app("lead", lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.model.loaded)
        await pilot.press("A")
        await wait_for(pilot, lambda: (s := assessment(app)) is not None and s.ranking is not None)
        screen = assessment(app)
        assert screen is not None
        month = screen.period
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: named(screen) == shift_period(month, -1))
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: named(screen) == month)
        await pilot.press("p")
        await pilot.press("ctrl+a", "ctrl+k", *"2026-W48", "enter")
        await wait_for(pilot, lambda: named(screen) == "2026-W48")
        await pilot.press("p", "ctrl+a", "ctrl+k", *"2026-W99", "enter")
        await pilot.pause()
        assert screen.period == "2026-W48"  # not a week: refused with a sentence


def named(screen: AssessmentScreen) -> str | None:
    return None if screen.ranking is None else screen.ranking.period.name


@pytest.mark.parametrize(("lang", "back"), [("zh", "返回"), ("en", "back")])
async def test_every_footer_key_fits_at_80_columns(
    make_app: Callable[..., CityGridApp], lang: str, back: str
) -> None:
    from textual.widgets._footer import FooterKey

    from console.screens.assessment import FOOTER_KEYS

    app = make_app("lead", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.model.loaded)
        await pilot.press("A")
        await wait_for(pilot, lambda: assessment(app) is not None)
        # the footer recomposes once the translated bindings reach it
        await wait_for(pilot, lambda: back in {k.description for k in app.screen.query(FooterKey)})
        keys = list(app.screen.query(FooterKey))
        assert {k.action for k in keys} == set(FOOTER_KEYS)
        for key in keys:  # on screen, on the footer's one line
            assert key.region.width > 0 and key.region.right <= 80, key.action
