"""The leaders' wallboard against the real backend: tiles agree with the API, it follows
the stream, pauses, has no action keys, and is the leader's first screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual import events
from textual.message import Message

from backend_client.assessment import Ranking
from console.app import CityGridApp
from console.assessment_data import percent_text, this_month, today
from console.screens.wallboard import PANELS, WallboardScreen
from tests.api.helpers import grid_in, report
from tests.console.conftest import Http, wait_for
from widgets.ticker import Ticker


def wallboard(app: CityGridApp) -> WallboardScreen | None:
    screen = app.screen
    return screen if isinstance(screen, WallboardScreen) else None


def tile(screen: WallboardScreen, key: str) -> str:
    return screen.query_one(f"#tile-{key}-value", Ticker).text


def board_app(make_app: Callable[..., CityGridApp], user: str = "lead") -> CityGridApp:
    app = make_app(user, lang="en")
    app.settings = app.settings.with_(wallboard=True)
    return app


async def test_tiles_agree_with_the_api_and_follow_the_stream(
    make_app: Callable[..., CityGridApp], http: Http
) -> None:
    lead = http("lead")
    grid = await grid_in(lead, "110112001")
    serial = (await report(lead, grid))["serial"]
    filed = await lead.post(f"/cases/{serial}/actions", json={"action": "file"})
    assert filed.status_code == 200, filed.text
    now = datetime.now(UTC)
    period = today(now)
    params = {"period": period, "family": "region", "after": filed.json()["seq"]}
    assert (await lead.get("/assessment/rankings", params=params)).status_code == 200
    app = board_app(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.model.loaded and wallboard(app) is not None)
        screen = wallboard(app)
        assert screen is not None and len(app.screen_stack) == 1
        await wait_for(pilot, lambda: screen.today is not None and screen.streets is not None)
        answer = await lead.get("/assessment/notice", params={"period": period})
        notice = answer.json()
        assert tile(screen, "reports") == f"{notice['accepted']:,}"
        assert tile(screen, "filed") == f"{notice['filed']:,}"
        assert tile(screen, "closed") == f"{notice['closed']:,}"
        month = (await lead.get("/assessment/notice", params={"period": this_month(now)})).json()
        rate = month["on_time_closing_rate"]
        mark = "" if rate is None else ("▲" if rate >= 95 else "▼")
        assert tile(screen, "on_time") == f"{mark}{percent_text(rate)}/95%"  # policy's target
        assert tile(screen, "open") == str(len(app.model.store.cases))
        assert screen.streets is not None
        streets = [o for o in screen.streets.objects if o.type == "street"]
        shown = str(screen.query_one("#wb-streets").render())
        assert streets and all(o.name in shown for o in streets)

        assert notice["filed"] >= 1
        before = len(app.model.store.cases)
        await report(lead, grid)
        await wait_for(pilot, lambda: tile(screen, "open") == str(before + 1))
        assert tile(screen, "reports") == f"{notice['accepted'] + 1:,}"  # moved by the stream


async def test_it_cycles_pauses_and_has_no_action_keys(
    make_app: Callable[..., CityGridApp],
) -> None:
    app = board_app(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.model.loaded and wallboard(app) is not None)
        screen = wallboard(app)
        assert screen is not None
        assert [p.display for p in screen._panels()].count(True) == 1  # narrow: one at a time
        await pilot.press("p")
        assert screen.paused
        panel = screen.panel
        screen.cycle()
        screen.cycle()
        assert screen.panel == panel
        assert "paused" in screen.query_one("#wb-foot", Ticker).text
        await pilot.press("space")
        assert not screen.paused
        screen.cycle()
        assert screen.panel == (panel + 1) % len(PANELS)
        assert screen._panels()[screen.panel].display
        for key in ("f", "d", "v", "A", "n", "H", "enter", "escape", "colon", "slash"):
            await pilot.press(key)
        await pilot.pause()
        assert app.screen is screen and len(app.screen_stack) == 1


async def test_every_panel_is_on_a_big_screen(make_app: Callable[..., CityGridApp]) -> None:
    app = board_app(make_app)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, lambda: app.model.loaded and wallboard(app) is not None)
        screen = wallboard(app)
        assert screen is not None and screen.wide
        assert all(p.display for p in screen._panels())
        assert screen.query_one("#wb-panels").size.height >= 50


async def test_the_leader_opens_on_the_wallboard(make_app: Callable[..., CityGridApp]) -> None:
    app = make_app("leader", lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: wallboard(app) is not None)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "QueueScreen")


async def test_figures_that_arrive_after_the_leader_left_are_dropped_quietly(
    make_app: Callable[..., CityGridApp],
) -> None:
    app = make_app("leader", lang="en")
    gone = asyncio.Event()
    tiles: list[Ticker] = []
    resumed: list[bool] = []

    def note_tiles_gone(message: Message) -> None:
        if tiles and isinstance(message, events.Unmount) and not tiles[0].is_attached:
            gone.set()

    async with app.run_test(size=(120, 40), message_hook=note_tiles_gone) as pilot:
        await wait_for(pilot, lambda: wallboard(app) is not None)
        screen = wallboard(app)
        assert screen is not None
        await wait_for(pilot, lambda: screen.streets is not None)  # the first load is done
        assert screen.cache is not None
        tiles.append(screen.query_one("#tile-reports-value", Ticker))
        fetch = screen.cache.get

        async def ranking_after_leaving(*args: Any, **kwargs: Any) -> Ranking:
            answer = await fetch(*args, **kwargs)
            app.pop_screen()  # the leader leaves while the last answer is on its way
            await gone.wait()  # the screen's widgets are gone; its worker still runs
            resumed.append(True)
            return answer

        screen.cache.get = ranking_after_leaving  # type: ignore[method-assign]
        screen.refresh_figures()
        await wait_for(pilot, lambda: bool(resumed))
        await wait_for(pilot, lambda: type(app.screen).__name__ == "QueueScreen")
        await pilot.pause()
    assert app.return_code in (None, 0)  # nothing failed while the screen went
