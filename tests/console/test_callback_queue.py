"""The 回访 queue, end to end against the real server: a close that starts a callback
adds the case (at start-up and live), ``b`` records the result through the dialog, and
a recorded result (here or at another desk) takes the case out; an unreachable reporter
keeps it there, a dissatisfied one sends it back to 待派遣."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from backend_client.vocab import CaseState
from console.app import CityGridApp
from console.i18n import t
from console.screens.callback_dialog import CallbackDialog
from tests.api.helpers import act, report
from tests.console.test_interactions import (
    SIZE,
    Http,
    MakeApp,
    cursor_on,
    disposed,
    fresh_grid,
    notes,
    queue_screen,
    server_case,
    start,
    text_of,
    wait_for,
)


async def closed_with_callback(http: Http, grid: str) -> str:
    """A case closed by the lead (the reporter left a phone): its callback is due."""
    serial = await disposed(http("lead"), http("h_hw"), grid)
    case = await act(http("lead"), serial, "verify", passed=True)
    assert (case["state"], case["stage"]) == ("closed", "callback")
    return serial


def in_callbacks(app: CityGridApp, serial: str) -> bool:
    return serial in app.model.store.closed and app.model.store.counts["callback"] > 0


async def record(pilot: Pilot[Any], app: CityGridApp, downs: int, note: str = "") -> None:
    """``b``, the result ``downs`` rows below 满意, the note, Enter."""
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, CallbackDialog))
    dialog = app.screen
    results = dialog.query_one("#results", OptionList)
    await wait_for(pilot, lambda: results.has_focus)
    for _ in range(downs):
        await pilot.press("down")
    if note:
        await pilot.press("tab")
        await wait_for(pilot, lambda: dialog.query_one("#note", Input).has_focus)
        await pilot.press(*note)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CallbackDialog))


async def test_callbacks_due_at_start_up_and_live_and_b_records_the_result(
    make_app: MakeApp, http: Http
) -> None:
    grid = await fresh_grid(http("lead"))
    before = await closed_with_callback(http, grid)
    app = make_app("lead", lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await wait_for(pilot, lambda: in_callbacks(app, before))  # the snapshot's second query
        assert before not in app.model.store.cases  # closed: in no open queue, not on the map
        live = await closed_with_callback(http, grid)  # another desk closes it
        await wait_for(pilot, lambda: in_callbacks(app, live))
        await cursor_on(pilot, app, "C", before)
        assert app.model.queue.key == "callback"
        tab = queue_screen(app).query_one("#tab-callback", Static)
        assert text_of(tab).startswith(" [C callbacks")

        await record(pilot, app, downs=1, note="ok now")  # 基本满意, with a note
        await wait_for(pilot, lambda: before not in app.model.store.closed)
        assert app.model.view.serials() == []
        last = (await server_case(http("lead"), before))["timeline"][-1]
        assert (last["action"], last["data"]["result"]) == ("callback", "basic")
        assert last["data"]["note"] == "ok now"

        await queue_screen(app).run_action("clear")  # the serial filter goes
        await cursor_on(pilot, app, "C", live)
        version = app.model.store.closed[live].version
        await record(pilot, app, downs=3)  # 未接通: still due, tried again later
        await wait_for(pilot, lambda: app.model.store.closed[live].version > version)
        assert app.model.view.serials() == [live]
        await record(pilot, app, downs=2)  # 不满意: the centre redoes it
        await wait_for(pilot, lambda: live in app.model.store.cases)
        assert app.model.store.cases[live].state is CaseState.FILED
        assert live not in app.model.store.closed and app.model.view.serials() == []
        await pilot.press("3")
        await wait_for(pilot, lambda: app.model.view.serials() == [live])


async def test_a_result_recorded_at_another_desk_takes_the_case_out(
    make_app: MakeApp, http: Http
) -> None:
    grid = await fresh_grid(http("lead"))
    app = make_app("lead", lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        serial = await closed_with_callback(http, grid)
        await wait_for(pilot, lambda: in_callbacks(app, serial))
        await cursor_on(pilot, app, "C", serial)
        count = app.model.store.counts["callback"]
        await act(http("operator1"), serial, "callback", result="satisfied")  # another desk
        await wait_for(pilot, lambda: serial not in app.model.store.closed)
        assert app.model.view.serials() == []
        assert app.model.store.counts["callback"] == count - 1


async def test_b_on_a_case_with_no_callback_due_says_so(make_app: MakeApp, http: Http) -> None:
    grid = await fresh_grid(http("lead"))
    serial = (await report(http("lead"), grid))["serial"]
    app = make_app("lead", lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        await cursor_on(pilot, app, "1", serial)
        await pilot.press("b")
        said = t("msg.callback_not_due", "en", serial=serial)
        await wait_for(pilot, lambda: said in notes(app))
        assert not isinstance(app.screen, CallbackDialog)
