"""The console's link to the centre as the operator sees it: the reconnect countdown, and
a token the server stops accepting (the console says what to do, keeps the last view and
stops asking)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from textual.widgets import Static

from backend.core.clock import FrozenClock
from console.app import EXIT_TOKEN_REFUSED, CityGridApp
from console.config import ConsoleSettings
from console.messages import LinkChanged, SnapshotLoaded
from console.rows import QueueRow
from tests.conftest import REPO, Seeded, free_port, start_server
from tests.console.conftest import api_client, wait_for
from tests.console.test_alerts import ME, START, case
from tests.console.test_interactions import (
    SIZE,
    fresh_grid,
    link_text,
    queue_screen,
    reported,
)


class Monotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_reconnect_countdown_ticks_down_each_second_repainting_only_its_widget(
    tmp_path: Path,
) -> None:
    mono = Monotonic()
    settings = ConsoleSettings(token="x", bell=False, lang="en", config_path=tmp_path / "c.toml")
    # The app's own timer is slowed right down: the test drives each tick itself.
    app = CityGridApp(
        settings, clock=FrozenClock(START), monotonic=mono, connect=False, tick_seconds=3600
    )
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(SnapshotLoaded([QueueRow.from_summary(case(1, 30))], 1, ME, 0.0))
        await wait_for(pilot, lambda: app.model.loaded)
        status = queue_screen(app).query_one("#status", Static)

        app.post_message(LinkChanged("reconnecting", 3.0, START, "connection refused"))
        await wait_for(pilot, lambda: link_text(app) == "◌ reconnecting 3s")
        shown = status.content
        seen = []
        for _ in range(3):
            mono.now += 1.0
            app.tick()
            await pilot.pause()
            seen.append(link_text(app))
        assert seen == ["◌ reconnecting 2s", "◌ reconnecting 1s", "◌ reconnecting 0s"]
        assert status.content is shown  # the rest of the status bar was not repainted

        app.post_message(LinkChanged("live", 0.0, START))
        await wait_for(pilot, lambda: link_text(app) == "● live")


def _add_user(database_url: str, username: str, jurisdiction: str) -> str:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "console", "users", "add", username),
            *("--role", "shift_lead", "--jurisdiction", jurisdiction),
            *("--database", database_url),
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _disable(database_url: str, username: str) -> None:
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE app_user SET active = 0 WHERE username = ?", (username,))


async def test_a_refused_token_says_how_to_get_a_new_one_keeps_the_view_and_quits_non_zero(
    console_seeded: Seeded, tmp_path: Path
) -> None:
    """A disabled user, then a server restart: the stream's reconnect gets 401."""
    lead = console_seeded.user("shift_lead")
    username = "soon-disabled"
    token = await asyncio.to_thread(
        _add_user, console_seeded.url, username, lead["jurisdiction_code"]
    )
    port = free_port()
    log = tmp_path / "server.log"
    server = await asyncio.to_thread(start_server, console_seeded.url, log, port=port)
    settings = ConsoleSettings(
        server=server.url, token=token, lang="en", bell=False, config_path=tmp_path / "c.toml"
    )
    app = CityGridApp(settings)
    try:
        async with api_client(server, console_seeded, "lead") as http:
            serial = await reported(http, await fresh_grid(http))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.model.loaded and app.link_state == "live")
            await wait_for(pilot, lambda: serial in app.model.store.cases)
            await pilot.press("0")  # every open case
            await wait_for(pilot, lambda: serial in app.model.view.serials())
            rows = len(app.model.view)

            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(_disable, console_seeded.url, username)
            server = await asyncio.to_thread(start_server, console_seeded.url, log, port=port)

            await wait_for(pilot, lambda: app.link_state == "refused", 30)
            notices = [n.message for n in app._notifications]
            refused = [n for n in notices if "refused this console's token" in n]
            assert refused, notices
            assert f"citygrid tokens rotate {username}" in refused[0]
            assert "--token" in refused[0] and "CITYGRID_TOKEN" in refused[0]
            await pilot.pause()
            assert link_text(app).startswith("✕ token refused, view as of ")
            # Still running, the last view still on screen, and the link has stopped asking.
            assert app.is_running
            assert len(app.model.view) == rows and serial in app.model.view.serials()
            assert queue_screen(app).table.cursor_key is not None
            await wait_for(
                pilot, lambda: not any(w.name == "link" and not w.is_finished for w in app.workers)
            )

            await pilot.press("q")
        assert app.return_code == EXIT_TOKEN_REFUSED
    finally:
        server.stop()
