"""A month's assessment end to end in the console, against the real backend: the shift lead
publishes the period, the department appeals one deduction from the queue of the cases
behind a counter (``J``), the lead
upholds it, and the ranking shows the new revision with the changed counter.

The period is a day range of its own (a period is published once, and the console's
other tests read this month's live figures on the same server)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from backend_client.assessment import RankedObject
from console.app import CityGridApp
from console.screens.appeals import AppealsScreen, FormDialog
from console.screens.assessment import AssessmentScreen
from console.screens.figure_cases import COUNTER_PREFIX, FigureCasesScreen
from tests.api.helpers import act, grid_in, report
from tests.console.conftest import Http, wait_for

SIZE = (120, 40)
STREET = "110112001"
HW = "区环境卫生服务中心"
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
PERIOD = f"{TODAY - timedelta(days=9)}..{TODAY + timedelta(days=40)}"


def hw(screen: AssessmentScreen) -> RankedObject:
    assert screen.ranking is not None
    return next(o for o in screen.ranking.objects if o.name == HW)


async def open_assessment(app: CityGridApp, pilot: Pilot[object]) -> AssessmentScreen:
    """The assessment screen on the test's period, once its ranking has loaded."""
    await wait_for(pilot, lambda: app.model.me is not None)
    screen = AssessmentScreen(period=PERIOD)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.ranking is not None)
    return screen


def option_index(options: OptionList, ident: str) -> int:
    return next(
        i for i in range(options.option_count) if options.get_option_at_index(i).id == ident
    )


async def test_publish_appeal_uphold_and_the_revised_ranking(
    make_app: Callable[..., CityGridApp], http: Http
) -> None:
    lead, handler = http("lead"), http("h_hw")
    serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
    await act(lead, serial, "file")
    await act(lead, serial, "dispatch")
    await act(handler, serial, "sign")
    await act(handler, serial, "report_disposal", note="已清运")
    await act(lead, serial, "verify", passed=False, reason="仍有垃圾")
    await act(handler, serial, "sign")
    await act(handler, serial, "report_disposal", note="再次清运")
    closed = await lead.post(f"/cases/{serial}/actions", json={"action": "verify", "passed": True})
    assert closed.status_code == 200, closed.text
    caught_up = await lead.get(
        "/assessment/rankings",
        params={"period": PERIOD, "family": "department", "after": closed.json()["seq"]},
    )
    assert caught_up.status_code == 200, caught_up.text

    # The shift lead publishes the period: revision 1, frozen.
    app = make_app("lead", lang="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_assessment(app, pilot)
        assert screen.publication is None
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.publication is not None and app.screen is screen)
        assert screen.publication is not None and screen.publication.revision == 1
        assert "published, revision 1" in str(screen.query_one("#assess-head").render())
        reworks_before = hw(screen).counters["reworks"]
        assert reworks_before >= 1

    # The department appeals the rework from the queue of the counter's cases; what it
    # typed survives a refusal (an empty reason is refused before anything is sent).
    app = make_app("h_hw", lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_assessment(app, pilot)
        assert [o.name for o in screen.ranking.objects] == [HW] if screen.ranking else False
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FigureCasesScreen))
        drill = app.screen
        assert isinstance(drill, FigureCasesScreen)
        options = drill.query_one(OptionList)
        options.highlighted = option_index(options, COUNTER_PREFIX + "reworks")
        await pilot.press("enter")  # the queue, showing the cases behind the counter
        queue = app.queue_screen()
        await wait_for(
            pilot,
            lambda: (
                app.screen is queue
                and app.model.case_set is not None
                and serial in app.model.case_set.serials
            ),
        )
        assert queue is not None
        queue.table.cursor_key = serial
        await pilot.pause()
        await pilot.press("J")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#evidence", Input).value = "photo://after.jpg"
        await pilot.press("enter")  # no reason yet: refused, nothing lost
        await wait_for(pilot, lambda: "申诉理由" in str(dialog.query_one("#error").render()))
        assert app.screen is dialog and dialog.query_one("#evidence", Input).value
        dialog.query_one("#reason", Input).value = "核查时垃圾已清运，照片为证"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is queue)

    appeals = (await lead.get("/assessment/appeals")).json()
    [appeal] = [a for a in appeals if a["serial"] == serial and a["period"] == PERIOD]
    assert appeal["state"] == "pending" and appeal["counter"] == "reworks"
    assert appeal["object_name"] == HW and appeal["evidence"] == ["photo://after.jpg"]

    # The lead upholds it from the appeals screen; the ranking shows revision 2.
    app = make_app("lead", lang="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_assessment(app, pilot)
        assert screen.publication is not None
        await pilot.press("a")
        await wait_for(
            pilot, lambda: isinstance(app.screen, AppealsScreen) and bool(app.screen.appeals)
        )
        listing = app.screen
        assert isinstance(listing, AppealsScreen)
        listing.query_one(OptionList).highlighted = next(
            i for i, a in enumerate(listing.appeals) if a.id == appeal["id"]
        )
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press(*"confirmed on site")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                app.screen is listing
                and any(a.id == appeal["id"] and a.state == "upheld" for a in listing.appeals)
            ),
        )
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: (
                screen.publication is not None
                and screen.publication.revision == 2
                and screen.ranking is not None
                and hw(screen).counters.get("reworks", 0) == reworks_before - 1
            ),
        )
        assert "published, revision 2" in str(screen.query_one("#assess-head").render())
