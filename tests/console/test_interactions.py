"""Operator interactions, end to end: the real console driven with Pilot against a real
server on loopback.  Every test makes its own cases through the API, finds them by
serial (or by a grid no other test uses) and waits for conditions, never for time."""

from __future__ import annotations

import asyncio
import io
import itertools
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from backend_client.events import BACKOFF_MAX
from backend_client.labels import label
from backend_client.vocab import CaseState
from console.app import CityGridApp
from console.config import ConsoleSettings
from console.link import LinkIndicator
from console.screens.dialogs import DispatchDialog, TextDialog, VerifyDialog
from console.screens.help import HelpScreen
from console.screens.intake import IntakeScreen
from console.screens.queue import QueueScreen
from console.store import SORTS
from tests.api.helpers import act, report
from tests.conftest import Seeded, free_port, start_server
from tests.console.conftest import Http, api_client
from tests.console.conftest import wait_for as _wait_for
from widgets.grid_map import GridMap

SIZE = (120, 40)


MakeApp = Callable[..., CityGridApp]

# --- fixtures and helpers ---------------------------------------------------------------------


_GRIDS: list[str] = []
_NEXT_GRID = itertools.count(1)


async def fresh_grid(client: httpx.AsyncClient) -> str:
    """A grid with no open case: none of this module's tests used it (17 is coprime with
    the grid count), and no other module's test left an open case in it."""
    if not _GRIDS:
        _GRIDS.extend(sorted(c["code"] for c in (await client.get("/grids")).json()))
    stats = (await client.get("/stats/grids")).json()["items"]
    busy = {item["grid_code"] for item in stats if item["open"]}
    for _ in _GRIDS:
        grid = _GRIDS[next(_NEXT_GRID) * 17 % len(_GRIDS)]
        if grid not in busy:
            return grid
    raise AssertionError("every grid has an open case: no fresh grid is left for this test")


async def reported(lead: httpx.AsyncClient, grid: str, **fields: Any) -> str:
    serial: str = (await report(lead, grid, **fields))["serial"]
    return serial


async def filed(lead: httpx.AsyncClient, grid: str) -> str:
    serial = await reported(lead, grid)
    await act(lead, serial, "file")
    return serial


async def disposed(lead: httpx.AsyncClient, handler: httpx.AsyncClient, grid: str) -> str:
    """A case routed to HW, dispatched, signed and reported disposed by the HW handler."""
    serial = await filed(lead, grid)
    await act(lead, serial, "dispatch")
    await act(handler, serial, "sign")
    case = await act(handler, serial, "report_disposal", note="已清运")
    assert case["state"] == "disposed"
    return serial


async def server_case(client: httpx.AsyncClient, serial: str) -> dict[str, Any]:
    response = await client.get(f"/cases/{serial}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def server_open_versions(client: httpx.AsyncClient) -> dict[str, int]:
    versions: dict[str, int] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"state": "open", "limit": 1000}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/cases", params=params)).json()
        versions.update({c["serial"]: c["version"] for c in page["items"]})
        cursor = page.get("next_cursor")
        if not cursor:
            return versions


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], limit: float = 15.0) -> None:
    await _wait_for(pilot, condition, limit)


def queue_screen(app: CityGridApp) -> QueueScreen:
    screen = app.queue_screen()
    assert isinstance(screen, QueueScreen)
    return screen


def text_of(widget: Static) -> str:
    return str(widget.content)


def link_text(app: CityGridApp) -> str:
    """The status bar's link segment."""
    return text_of(queue_screen(app).query_one("#link", LinkIndicator))


def notes(app: CityGridApp) -> list[str]:
    return [n.message for n in app._notifications]


def prompt(app: CityGridApp) -> Input:
    return queue_screen(app).query_one("#prompt", Input)


def state_of(app: CityGridApp, serial: str) -> CaseState | None:
    case = app.model.store.cases.get(serial)
    return case.state if case else None


async def start(pilot: Pilot[Any], app: CityGridApp, *serials: str) -> None:
    """Wait for the snapshot, and for cases made just before to be in the store."""
    await wait_for(pilot, lambda: app.model.loaded)
    await wait_for(pilot, lambda: all(s in app.model.store.cases for s in serials))


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


async def filter_to(pilot: Pilot[Any], app: CityGridApp, text: str) -> None:
    """``/`` + text + Enter, as an operator would; the prompt closes on a good filter."""
    await pilot.press("slash")
    await wait_for(pilot, lambda: prompt(app).has_focus)
    await type_text(pilot, text)
    await pilot.press("enter")
    await wait_for(pilot, lambda: queue_screen(app).filter_text == text)
    await wait_for(pilot, lambda: not prompt(app).display)
    # Keys go to the table, and its cursor is on a row the filter admits, only once the
    # closed prompt handed back the focus and the view change reached the table; a key
    # sent before that would act on the row the cursor was on before the filter.
    await wait_for(pilot, lambda: cursor_settled(app))


def cursor_settled(app: CityGridApp) -> bool:
    table = queue_screen(app).table
    rows = app.model.view.serials()
    return table.has_focus and (table.cursor_key in rows if rows else table.cursor_key is None)


async def command(pilot: Pilot[Any], app: CityGridApp, text: str) -> None:
    await pilot.press("colon")
    await wait_for(pilot, lambda: prompt(app).has_focus)
    await type_text(pilot, text)
    await pilot.press("enter")


async def cursor_on(pilot: Pilot[Any], app: CityGridApp, queue: str, serial: str) -> None:
    """Go to a queue and filter it by the serial, so the cursor is on that case."""
    await pilot.press(queue)
    await wait_for(pilot, lambda: serial in app.model.view.serials())
    await filter_to(pilot, app, serial)
    table = queue_screen(app).table
    assert app.model.view.serials() == [serial]
    assert table.cursor_key == serial
    assert table.has_focus


# --- 1. dispatch ------------------------------------------------------------------------------


async def test_d_enter_dispatches_to_the_routed_department(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    serial = await filed(lead, await fresh_grid(lead))  # 06042 is routed to HW
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        await cursor_on(pilot, app, "3", serial)

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DispatchDialog))
        options = app.screen.query_one("#departments", OptionList)
        assert options.highlighted == 0
        assert options.get_option_at_index(0).id == "HW"  # the routed department, preselected
        await pilot.press("enter")

        await wait_for(pilot, lambda: state_of(app, serial) is CaseState.DISPATCHED)
        assert isinstance(app.screen, QueueScreen)  # the dialog closed on success
        case = await server_case(lead, serial)
        assert case["state"] == "dispatched"
        assert case["department_code"] == "HW"
        assert app.model.store.cases[serial].department_code == "HW"
        assert app.model.store.cases[serial].version == case["version"]


# --- 2. verify ---------------------------------------------------------------------------------


async def test_v_p_passes_the_check_and_closes_the_case(make_app: MakeApp, http: Http) -> None:
    lead, handler = http("lead"), http("h_hw")
    serial = await disposed(lead, handler, await fresh_grid(lead))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        await cursor_on(pilot, app, "6", serial)

        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, VerifyDialog))
        await pilot.press("p")

        await wait_for(pilot, lambda: serial not in app.model.store.cases)  # closed: no longer open
        assert isinstance(app.screen, QueueScreen)
        assert serial not in app.model.view.serials()
        assert (await server_case(lead, serial))["state"] == "closed"


async def test_v_r_reason_enter_sends_the_case_back(make_app: MakeApp, http: Http) -> None:
    lead, handler = http("lead"), http("h_hw")
    serial = await disposed(lead, handler, await fresh_grid(lead))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        await cursor_on(pilot, app, "6", serial)

        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, VerifyDialog))
        await pilot.press("r")
        reason = app.screen.query_one("#reason", Input)
        await wait_for(pilot, lambda: reason.has_focus)
        await type_text(pilot, "仍有垃圾 p")  # "p" is text here, not "pass"
        assert reason.value == "仍有垃圾 p"
        await pilot.press("enter")

        await wait_for(pilot, lambda: state_of(app, serial) is CaseState.DISPATCHED)
        assert isinstance(app.screen, QueueScreen)
        assert app.model.store.cases[serial].rework_count == 1
        case = await server_case(lead, serial)
        assert case["state"] == "dispatched" and case["rework_count"] == 1
        assert case["department_code"] == "HW"
        assert case["timeline"][-1]["data"]["reason"] == "仍有垃圾 p"


# --- 3. filter ---------------------------------------------------------------------------------


async def test_filter_by_department_esc_clears_and_a_bad_term_keeps_the_text(
    make_app: MakeApp, http: Http
) -> None:
    lead = http("lead")
    grid = await fresh_grid(lead)
    hw = await filed(lead, grid)
    await act(lead, hw, "dispatch")  # department HW
    other = await reported(lead, grid)  # no department yet
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, hw, other)
        await pilot.press("0")
        await wait_for(pilot, lambda: {hw, other} <= set(app.model.view.serials()))
        everything = len(app.model.view)

        await filter_to(pilot, app, "dept:HW")
        rows = [app.model.view.row_at(i) for i in range(len(app.model.view))]
        assert rows and all(r.department_code == "HW" for r in rows)
        assert hw in app.model.view.serials() and other not in app.model.view.serials()
        assert len(app.model.view) < everything
        assert "筛选: dept:HW" in text_of(queue_screen(app).query_one("#status", Static))

        await pilot.press("escape")
        await wait_for(pilot, lambda: queue_screen(app).filter_text == "")
        assert len(app.model.view) == everything
        assert app.model.view.text_filter is None

        await pilot.press("slash")
        await wait_for(pilot, lambda: prompt(app).has_focus)
        await type_text(pilot, "foo:bar")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("foo" in n for n in notes(app)))
        assert prompt(app).display and prompt(app).has_focus
        assert prompt(app).value == "foo:bar"  # kept, so the operator can fix it
        # the bad term was not applied (typing filters live, so "foo" may have been)
        assert queue_screen(app).filter_text in ("", "f", "fo", "foo")
        # the prompt is still open: the status bar names no filter in force yet
        assert "筛选" not in text_of(queue_screen(app).query_one("#status", Static))


async def test_esc_closes_the_prompt_then_clears_the_filter_then_the_tags(
    make_app: MakeApp, http: Http
) -> None:
    lead = http("lead")
    grid = await fresh_grid(lead)
    serials = [await reported(lead, grid) for _ in range(2)]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, *serials)
        screen = queue_screen(app)
        await pilot.press("1")
        await filter_to(pilot, app, f"grid:{grid}")
        await pilot.press("home", "space")
        assert len(screen.table.tagged) == 1 and screen.table.tagged <= set(serials)

        await pilot.press("slash")
        await wait_for(pilot, lambda: prompt(app).has_focus)
        await pilot.press("escape")  # 1: closes the prompt only
        assert not prompt(app).display and screen.table.has_focus
        assert screen.filter_text == f"grid:{grid}" and len(screen.table.tagged) == 1

        await pilot.press("escape")  # 2: clears the filter, keeps the tag
        assert screen.filter_text == "" and len(screen.table.tagged) == 1

        await pilot.press("escape")  # 3: clears the tag
        assert not screen.table.tagged


# --- 4. sort -----------------------------------------------------------------------------------


async def test_sort_keys_change_the_order_and_r_reverses(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    grid = await fresh_grid(lead)
    serials = [await reported(lead, grid) for _ in range(3)]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, *serials)
        await pilot.press("0")
        await wait_for(pilot, lambda: set(serials) <= set(app.model.view.serials()))
        table = queue_screen(app).table
        assert app.model.view.sort == "deadline"

        def ordered(sort: str, descending: bool) -> bool:
            keys = [SORTS[sort](app.model.view.row_at(i)) for i in range(len(app.model.view))]
            return keys == sorted(keys, reverse=descending)

        await pilot.press("greater_than_sign")
        assert app.model.view.sort == "serial" and not app.model.view.descending
        assert app.model.view.serials() == sorted(app.model.view.serials())
        assert table.sort == ("serial", False)

        await pilot.press("greater_than_sign")
        assert app.model.view.sort == "grid"
        assert ordered("grid", False)

        await pilot.press("R")
        assert app.model.view.sort == "grid" and app.model.view.descending
        assert ordered("grid", True)
        assert table.sort == ("grid", True)

        await pilot.press("less_than_sign", "less_than_sign")
        assert app.model.view.sort == "deadline" and app.model.view.descending
        assert ordered("deadline", True)
        assert table.cursor_key == app.model.view.key_at(table.cursor_index)


# --- 5. tag + bulk -----------------------------------------------------------------------------


async def test_space_tags_three_and_f_files_them_all(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    grid = await fresh_grid(lead)
    serials = [await reported(lead, grid) for _ in range(3)]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, *serials)
        screen = queue_screen(app)
        await pilot.press("1")
        await filter_to(pilot, app, f"grid:{grid}")
        assert sorted(app.model.view.serials()) == sorted(serials)

        await pilot.press("home", "space", "space", "space")
        assert screen.table.tagged == frozenset(serials)
        status = screen.query_one("#status", Static)
        await wait_for(pilot, lambda: "已标记 3" in text_of(status))

        await pilot.press("f")
        await wait_for(pilot, lambda: all(state_of(app, s) is CaseState.FILED for s in serials))
        for serial in serials:
            assert (await server_case(lead, serial))["state"] == "filed"
        await wait_for(pilot, lambda: not screen.table.tagged)
        assert "已标记" not in text_of(status)
        assert app.model.view.serials() == []  # they left the 待受理 queue
        assert any("成功 3 件，失败 0 件" in n for n in notes(app))


# --- 6. command line ---------------------------------------------------------------------------


async def test_command_line_files_by_trailing_digits(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    serial = await reported(lead, await fresh_grid(lead))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        await command(pilot, app, f"f {serial[-6:]}")
        await wait_for(pilot, lambda: state_of(app, serial) is CaseState.FILED)
        assert not prompt(app).display  # a command that ran closes the prompt
        assert (await server_case(lead, serial))["state"] == "filed"


async def test_command_line_sends_back_with_a_reason(make_app: MakeApp, http: Http) -> None:
    lead, handler = http("lead"), http("h_hw")
    serial = await disposed(lead, handler, await fresh_grid(lead))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        await command(pilot, app, f"v {serial} fail 仍有垃圾")
        await wait_for(pilot, lambda: state_of(app, serial) is CaseState.DISPATCHED)
        assert app.model.store.cases[serial].rework_count == 1
        case = await server_case(lead, serial)
        assert case["state"] == "dispatched" and case["rework_count"] == 1
        assert case["timeline"][-1]["data"]["reason"] == "仍有垃圾"


async def test_command_line_goto_filters_to_a_grid(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    grid, elsewhere = await fresh_grid(lead), await fresh_grid(lead)
    mine, other = await reported(lead, grid), await reported(lead, elsewhere)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, mine, other)
        await pilot.press("0")
        await command(pilot, app, f"goto {grid}")
        await wait_for(pilot, lambda: queue_screen(app).filter_text == f"grid:{grid}")
        assert app.model.view.serials() == [mine]
        assert not prompt(app).display


async def test_unknown_command_shows_an_error_and_keeps_the_prompt(
    make_app: MakeApp, http: Http
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await command(pilot, app, "frobnicate 12")
        await wait_for(pilot, lambda: any("frobnicate" in n for n in notes(app)))
        assert prompt(app).display and prompt(app).has_focus
        assert prompt(app).value == "frobnicate 12"
        await pilot.press("escape")
        assert not prompt(app).display


async def test_command_line_completes_verbs_and_serials_but_not_filters(
    make_app: MakeApp, http: Http
) -> None:
    lead = http("lead")
    serial = await reported(lead, await fresh_grid(lead))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        field = prompt(app)
        await pilot.press("colon")
        await type_text(pilot, "got")
        await wait_for(pilot, lambda: field._suggestion == "goto")
        await pilot.press("right")  # accepts the completion
        assert field.value == "goto"

        await pilot.press("ctrl+u")
        await type_text(pilot, f"f {serial[-6:]}")
        await wait_for(pilot, lambda: field._suggestion == f"f {serial}")
        await pilot.press("escape")

        await pilot.press("slash")
        await type_text(pilot, "go")
        await pilot.pause()
        await wait_for(pilot, lambda: field.value == "go")
        assert field.suggester is None and field._suggestion == ""


# --- 7. intake ---------------------------------------------------------------------------------


async def fill_intake(
    pilot: Pilot[Any], app: CityGridApp, category: str, grid: str, description: str
) -> IntakeScreen:
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
    screen = app.screen
    assert isinstance(screen, IntakeScreen)
    await wait_for(pilot, lambda: bool(screen.entries))  # the catalogue arrived
    await type_text(pilot, category)
    options = screen.query_one("#categories", OptionList)
    first = options.get_option_at_index(0).id or ""
    assert first.endswith(f":{category}"), first
    await pilot.press("enter")
    assert screen.category is not None and screen.category.code == category
    assert screen.query_one("#location", Input).has_focus
    await type_text(pilot, grid)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.grid_code == grid)
    assert screen.query_one("#description", Input).has_focus
    await type_text(pilot, description)
    return screen


async def test_intake_f3_merges_into_the_highlighted_duplicate(
    make_app: MakeApp, http: Http
) -> None:
    lead = http("lead")
    grid = await fresh_grid(lead)
    existing = await reported(lead, grid)  # open, 06042, in this grid
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, existing)
        screen = await fill_intake(pilot, app, "06042", grid, "垃圾又满了")
        await wait_for(pilot, lambda: [c.serial for c in screen.duplicates] == [existing])
        duplicates = screen.query_one("#duplicates", OptionList)
        assert duplicates.highlighted == 0

        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))

        target = await server_case(lead, existing)
        new = [r["serial"] for r in target["reporters"] if r["serial"] != existing]
        assert len(new) == 1
        merged = await server_case(lead, new[0])
        assert merged["state"] == "merged" and merged["merged_into"] == existing
        assert merged["description"] == "垃圾又满了"
        assert new[0] not in app.model.store.cases  # merged is not open
        assert any(new[0] in n and existing in n for n in notes(app))


async def test_intake_f2_reports_a_new_case(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    grid = await fresh_grid(lead)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        screen = await fill_intake(pilot, app, "06042", grid, "路边垃圾箱满溢F2")
        assert screen.query_one("#description", Input).value == "路边垃圾箱满溢F2"
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))

        mine = [c for c in app.model.store.cases.values() if c.grid_code == grid]
        assert len(mine) == 1
        case = await server_case(lead, mine[0].serial)
        assert case["state"] == "reported" and case["category_code"] == "06042"
        assert case["description"] == "路边垃圾箱满溢F2" and case["grid_code"] == grid
        assert any(mine[0].serial in n for n in notes(app))


# --- 8. map ------------------------------------------------------------------------------------


def path_keys(grid_map: GridMap, start_code: str, depth: int) -> tuple[str, list[str]]:
    """A grid ``depth`` arrow presses away from ``start_code``, and the presses."""
    moves = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}
    seen = {start_code: list[str]()}
    todo = deque([start_code])
    while todo:
        code = todo.popleft()
        for key, (dx, dy) in moves.items():
            nxt = grid_map.placement.step(code, dx, dy)
            if nxt is not None and nxt not in seen:
                seen[nxt] = [*seen[code], key]
                if len(seen[nxt]) == depth:
                    return nxt, seen[nxt]
                todo.append(nxt)
    raise AssertionError("no grid that far")


async def test_map_enter_filters_the_queue_to_the_grid(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        screen = queue_screen(app)
        await pilot.press("0", "M")
        grid_map = screen.query_one(GridMap)
        assert grid_map.display and grid_map.has_focus
        assert not screen.table.display  # 120 columns: the map takes the body
        assert grid_map.cursor is not None
        target, keys = path_keys(grid_map, grid_map.cursor, 3)
        serial = await reported(lead, target)
        await wait_for(pilot, lambda: grid_map.counts(target)[0] >= 1)  # drawn as open

        await pilot.press(*keys)
        assert grid_map.cursor == target
        await pilot.press("enter")

        await wait_for(pilot, lambda: screen.filter_text == f"grid:{target}")
        assert serial in app.model.view.serials()
        assert all(app.model.view.row_at(i).grid_code == target for i in range(len(app.model.view)))
        assert screen.table.display and screen.table.has_focus  # back to the queue


async def test_the_map_shown_after_the_load_holds_every_grids_counts(
    make_app: MakeApp, http: Http
) -> None:
    """Hidden while the snapshot loads, the map takes the counts once, at the end."""
    lead = http("lead")
    for _ in range(2):
        await reported(lead, await fresh_grid(lead))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await wait_for(pilot, lambda: not app.model.loading)
        grid_map = queue_screen(app).query_one(GridMap)
        stats = app.model.tally.stats()
        assert not grid_map.display
        assert stats and {code: grid_map.counts(code) for code in stats} == stats
        await pilot.press("0", "M")
        assert grid_map.display
        assert {code: grid_map.counts(code) for code in stats} == stats


# --- 9. conflict -------------------------------------------------------------------------------


async def test_stale_action_names_who_changed_the_case_and_refreshes(
    make_app: MakeApp, http: Http, console_seeded: Seeded
) -> None:
    """The operator acts on a case another user changed a moment ago, before the stream
    brought the change.  To make "before" certain, the link (the stream) is stopped once
    the snapshot is in: the console then holds the old version, as it would for the
    few hundred milliseconds an event takes to arrive."""
    lead, dispatcher = http("lead"), http("dispatcher1")
    serial = await filed(lead, await fresh_grid(lead))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        app.workers.cancel_group(app, "link")
        await wait_for(pilot, lambda: all(w.is_finished for w in app.workers if w.group == "link"))
        held = app.model.store.cases[serial].version
        await cursor_on(pilot, app, "3", serial)

        moved = await act(dispatcher, serial, "dispatch")  # another desk, meanwhile
        assert moved["version"] > held and app.model.store.cases[serial].version == held

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, TextDialog))
        dialog = app.screen
        await type_text(pilot, "重复上报")
        await pilot.press("enter")

        error = dialog.query_one("#error", Static)
        who = next(
            u["display_name"] for u in console_seeded.users if u["username"] == "dispatcher1"
        )
        now_state = label(CaseState.DISPATCHED, "zh")
        await wait_for(pilot, lambda: who in text_of(error))
        assert now_state in text_of(error)
        assert app.screen is dialog  # stays open, keeping what was typed
        assert dialog.query_one("#text", Input).value == "重复上报"
        assert app.model.store.cases[serial].version == moved["version"]  # refreshed
        assert state_of(app, serial) is CaseState.DISPATCHED
        assert (await server_case(lead, serial))["state"] == "dispatched"  # nothing voided


# --- 10. reconnect -----------------------------------------------------------------------------


async def test_reconnects_after_a_server_restart_without_losing_events(
    console_seeded: Seeded, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    server = await asyncio.to_thread(start_server, console_seeded.url, log, port=port)
    settings = ConsoleSettings(
        server=server.url,
        token=console_seeded.tokens["lead"],
        lang="zh",
        bell=False,
        config_path=tmp_path / "console.toml",
    )
    app = CityGridApp(settings)
    try:
        async with api_client(server, console_seeded, "lead") as lead:
            grid = await fresh_grid(lead)
            async with app.run_test(size=SIZE) as pilot:
                await start(pilot, app)
                await wait_for(pilot, lambda: app.link_state == "live")
                before = await reported(lead, grid)  # while live
                await wait_for(pilot, lambda: before in app.model.store.cases)

                await asyncio.to_thread(server.stop, True)  # SIGKILL: no goodbye on the stream
                await wait_for(
                    pilot, lambda: app.link_state in ("reconnecting", "stale", "offline")
                )
                # The status bar says so, and never promises a wait longer than the cap.
                await wait_for(pilot, lambda: link_text(app).startswith("◌ 重连中 "))
                assert app.model.link.retry_at is not None
                assert app.model.link.retry_at - app.monotonic() <= BACKOFF_MAX
                server = await asyncio.to_thread(start_server, console_seeded.url, log, port=port)

                after = await reported(lead, grid)
                await act(lead, after, "file")
                await act(lead, before, "file")
                await wait_for(pilot, lambda: state_of(app, after) is CaseState.FILED, 60)
                await wait_for(pilot, lambda: state_of(app, before) is CaseState.FILED)
                assert app.link_state == "live"
                await wait_for(pilot, lambda: link_text(app) == "● 在线")

                held = {s: c.version for s, c in app.model.store.cases.items()}
                assert held == await server_open_versions(lead)
    finally:
        server.stop()


# --- 11. help ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("zh", ["帮助", "立案", "派遣", "下一排序列", "队列：待派遣"], ["sort by next column"]),
        ("en", ["Help", "dispatch", "sort by next column", "queue: filed"], ["下一排序列", "立案"]),
    ],
)
async def test_help_lists_the_keys_in_the_operators_language(
    make_app: MakeApp, lang: str, present: list[str], absent: list[str]
) -> None:
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        console = Console(width=110, file=io.StringIO(), record=True)
        console.print(app.screen.query_one(Static).content)
        shown = console.export_text()
        for text in present:
            assert text in shown, text
        for text in absent:
            assert text not in shown, text
        file_row = next(line for line in shown.splitlines() if line.rstrip().endswith(" file"))
        assert file_row.split()[0] == "f"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))


# --- 12. too small -----------------------------------------------------------------------------


async def test_too_small_terminal_says_so_and_recovers(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        screen = queue_screen(app)
        message = screen.query_one("#too-small", Static)
        body = screen.query_one("#body")

        await pilot.resize_terminal(70, 20)
        await wait_for(pilot, lambda: screen.has_class("-too-small"))
        assert "70×20" in text_of(message) and "80×24" in text_of(message)
        assert message.styles.display == "block" and body.styles.display == "none"

        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not screen.has_class("-too-small"))
        assert text_of(message) == ""
        assert message.styles.display == "none" and body.styles.display == "block"
        assert screen.table.display
