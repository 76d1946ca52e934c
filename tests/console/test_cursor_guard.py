"""The case you act on is the case you saw: another desk's action lands between the
screen update and the operator's key.  The real console against the real server; the
hold window runs on a clock the test sets, so nothing here depends on timing."""

from __future__ import annotations

import itertools
import subprocess
import sys
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import Static

from console.app import CityGridApp
from console.guard import HOLD_SECONDS
from console.screens.queue import QueueScreen
from tests.api.helpers import act
from tests.conftest import REPO, Server
from tests.console.test_interactions import (
    SIZE,
    Http,
    MakeApp,
    filed,
    filter_to,
    fresh_grid,
    notes,
    queue_screen,
    reported,
    server_case,
    start,
    text_of,
    wait_for,
)

_TWINS = itertools.count(1)


class Clock:
    """The monotonic clock the console reads for the hold window; moves only when told."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def display_name(http_user: str, seeded_users: list[dict[str, str]]) -> str:
    return next(u["display_name"] for u in seeded_users if u["username"] == http_user)


async def two_on_screen(pilot: Pilot[Any], app: CityGridApp, http: Http) -> tuple[str, str]:
    """Two new reports in a grid of their own, in 待受理, the cursor on the first."""
    lead = http("lead")
    grid = await fresh_grid(lead)
    first = await reported(lead, grid)
    second = await reported(lead, grid)
    await start(pilot, app, first, second)
    await pilot.press("1")
    await filter_to(pilot, app, f"grid:{grid}")
    table = queue_screen(app).table
    assert app.model.view.serials() == [first, second]
    table.cursor_key = first
    assert table.cursor_key == first
    return first, second


async def test_a_key_after_another_desk_filed_the_case_does_not_file_the_next(
    make_app: MakeApp, http: Http, console_seeded: Any
) -> None:
    clock = Clock()
    app = make_app(monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        first, second = await two_on_screen(pilot, app, http)
        screen = queue_screen(app)
        other = display_name("operator2", console_seeded.users)

        await act(http("operator2"), first, "file")  # the other desk
        await wait_for(pilot, lambda: screen.table.cursor_key == second)  # the screen moved
        status = screen.query_one("#status", Static)
        await wait_for(pilot, lambda: first in text_of(status) and other in text_of(status))
        assert "立案" in text_of(status) and second in text_of(status)

        await pilot.press("f")  # meant for `first`, which the operator was looking at
        await wait_for(pilot, lambda: any("未执行" in n and first in n for n in notes(app)))
        held = next(n for n in notes(app) if "未执行" in n)
        assert other in held and second in held and "再按一次" in held
        assert (await server_case(http("lead"), second))["state"] == "reported"
        assert (await server_case(http("lead"), first))["state"] == "filed"

        await pilot.press("f")  # pressed again: the operator means the case now shown
        await wait_for(pilot, lambda: second not in app.model.view.serials())
        assert (await server_case(http("lead"), second))["state"] == "filed"


async def test_after_the_moment_the_key_acts_and_moving_clears_the_notice(
    make_app: MakeApp, http: Http, console_seeded: Any
) -> None:
    clock = Clock()
    app = make_app(lang="en", monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        first, second = await two_on_screen(pilot, app, http)
        screen = queue_screen(app)
        status = screen.query_one("#status", Static)
        other = display_name("operator3", console_seeded.users)

        await act(http("operator3"), first, "file")
        await wait_for(pilot, lambda: first in text_of(status) and other in text_of(status))
        assert "file" in text_of(status) and f"cursor is now on {second}" in text_of(status)

        clock.value += HOLD_SECONDS  # the operator has had the moment to see it
        await pilot.press("f")
        await wait_for(pilot, lambda: second not in app.model.view.serials())
        assert (await server_case(http("lead"), second))["state"] == "filed"
        assert not any("not sent" in n for n in notes(app))


async def test_own_action_then_the_next_key_is_not_held(make_app: MakeApp, http: Http) -> None:
    """Working down the queue: the cursor falls to the next case after one's own action."""
    app = make_app(monotonic=Clock())
    async with app.run_test(size=SIZE) as pilot:
        first, second = await two_on_screen(pilot, app, http)
        await pilot.press("f")
        await wait_for(pilot, lambda: queue_screen(app).table.cursor_key == second)
        await pilot.press("f")
        await wait_for(pilot, lambda: not app.model.view.serials())
        for serial in (first, second):
            assert (await server_case(http("lead"), serial))["state"] == "filed"
        assert not any("未执行" in n for n in notes(app))


async def test_a_state_change_in_place_holds_the_key_on_the_same_case(
    make_app: MakeApp, http: Http, console_seeded: Any
) -> None:
    """In 全部 the case stays under the cursor, but it is no longer what the operator saw."""
    app = make_app(monotonic=Clock())
    async with app.run_test(size=SIZE) as pilot:
        first, _second = await two_on_screen(pilot, app, http)
        screen = queue_screen(app)
        await pilot.press("0")
        await wait_for(pilot, lambda: first in app.model.view.serials())
        screen.table.cursor_key = first
        other = display_name("operator2", console_seeded.users)

        await act(http("operator2"), first, "file")
        await wait_for(pilot, lambda: screen.guard.shift is not None)
        assert screen.table.cursor_key == first
        status = text_of(screen.query_one("#status", Static))
        assert other in status and "现为待派遣" in status and "光标现在" not in status

        await pilot.press("s")  # supervise: sent at once, were it not held
        await wait_for(pilot, lambda: any("未执行" in n and first in n for n in notes(app)))
        assert (await server_case(http("lead"), first))["supervised"] is False
        await pilot.press("s")
        await wait_for(pilot, lambda: app.model.store.cases[first].supervised)
        assert (await server_case(http("lead"), first))["supervised"] is True


def twin_of(seeded: Any, username: str, twin: str) -> str:
    """Another operator with the same display name as ``username``; returns its token."""
    user = next(u for u in seeded.users if u["username"] == username)
    made = subprocess.run(
        [sys.executable, "-m", "console", "users", "add", twin, "--role", "operator",
         "--jurisdiction", user["jurisdiction_code"], "--name", user["display_name"],
         "--database", seeded.url, "--by", "test"],
        check=True, cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    return made.stdout.strip().splitlines()[-1]


async def test_another_user_with_my_display_name_is_someone_else(
    make_app: MakeApp, http: Http, console_server: Server, console_seeded: Any
) -> None:
    """Two people may share a name: the guard tells users apart by id, not by name."""
    token = twin_of(console_seeded, "lead", f"twin{next(_TWINS)}")
    app = make_app(monotonic=Clock())
    async with app.run_test(size=SIZE) as pilot:
        first, second = await two_on_screen(pilot, app, http)
        screen = queue_screen(app)
        assert app.model.me is not None and app.model.me.id is not None
        async with httpx.AsyncClient(
            base_url=console_server.api, headers={"Authorization": f"Bearer {token}"}
        ) as twin:
            await act(twin, first, "file")
        await wait_for(pilot, lambda: screen.table.cursor_key == second)
        await wait_for(pilot, lambda: screen.guard.shift is not None)
        assert app.model.me.display_name in text_of(screen.query_one("#status", Static))

        await pilot.press("f")
        await wait_for(pilot, lambda: any("未执行" in n and first in n for n in notes(app)))
        assert (await server_case(http("lead"), second))["state"] == "reported"


async def test_a_case_gone_from_sight_under_the_cursor_holds_the_key(
    make_app: MakeApp, http: Http
) -> None:
    """A handler's case is returned and leaves the department (a ``gone`` event): the
    cursor falls to the next case, and the key meant for the gone one is held."""
    lead, handler = http("lead"), http("h_hw")
    grid = await fresh_grid(lead)
    first, second = await filed(lead, grid), await filed(lead, grid)
    for serial in (first, second):
        await act(lead, serial, "dispatch")
    app = make_app("h_hw", monotonic=Clock())
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, first, second)
        await pilot.press("4")
        await filter_to(pilot, app, f"grid:{grid}")
        screen = queue_screen(app)
        assert app.model.view.serials() == [first, second]
        screen.table.cursor_key = first
        await act(handler, first, "request_return", reason="不属于本单位职责。")  # my own
        await wait_for(pilot, lambda: app.model.store.cases[first].pending is not None)
        assert screen.guard.shift is None

        await act(lead, first, "decide", approve=True, note="同意。")  # it leaves the unit
        await wait_for(pilot, lambda: first not in app.model.store.cases)
        await wait_for(pilot, lambda: screen.guard.shift is not None)
        assert screen.table.cursor_key == second
        status = text_of(screen.query_one("#status", Static))
        assert first in status and "移出您的视野" in status and second in status

        await pilot.press("c")  # comment: meant for `first`
        await wait_for(pilot, lambda: any("未执行" in n and first in n for n in notes(app)))
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("c")  # again: the operator means the case now shown
        await wait_for(pilot, lambda: not isinstance(app.screen, QueueScreen))
