"""The handover screen against a real server: the outgoing lead builds, writes and signs;
the incoming lead is shown it on sign-in, sees it on the status bar and acknowledges; a
leader reads it only; counts open their queues; the replay steps through the shift.

The server has a database of its own (a handover left unacknowledged here must not open
in other console tests) and a one-shift plan, so the current shift cannot change midway.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from textual.widgets import Button, Checkbox, Input, OptionList, TextArea

from console.app import CityGridApp
from console.config import ConsoleSettings
from console.handover_status import HandoverIndicator
from console.screens.handover import HandoverScreen
from console.screens.replay import ReplayScreen
from tests.api.helpers import DEFAULT_REPORT, ONE_SHIFT
from tests.conftest import Seeded, Server, seed_database, start_server
from tests.console.conftest import wait_for

SIZE = (80, 24)


@contextlib.contextmanager
def serve_world(tmp: Path) -> Iterator[tuple[Server, Seeded]]:
    seeded = seed_database(f"sqlite:///{tmp / 'handover.db'}", tmp)
    shifts = tmp / "shifts.toml"
    shifts.write_text(ONE_SHIFT, encoding="utf-8")
    server = start_server(
        seeded.url, tmp / "server.log", extra_env={"CITYGRID_SHIFTS_PATH": str(shifts)}
    )
    try:
        yield server, seeded
    finally:
        server.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Seeded]]:
    with serve_world(tmp_path_factory.mktemp("console-handover")) as served:
        yield served


@pytest.fixture
def make(world: tuple[Server, Seeded], tmp_path: Path) -> Callable[..., CityGridApp]:
    server, seeded = world

    def build(user: str, lang: str = "zh") -> CityGridApp:
        settings = ConsoleSettings(
            server=server.url,
            token=seeded.tokens[user],
            lang=lang,
            bell=False,
            config_path=tmp_path / f"{user}.toml",
        )
        return CityGridApp(settings)

    return build


def api(world: tuple[Server, Seeded], user: str) -> httpx.Client:
    server, seeded = world
    return httpx.Client(
        base_url=server.api, headers={"Authorization": f"Bearer {seeded.tokens[user]}"}
    )


def handover_screen(app: CityGridApp) -> HandoverScreen | None:
    screen = app.screen
    if isinstance(screen, HandoverScreen) and screen.handover is not None:
        return screen
    return None


def report_one(world: tuple[Server, Seeded]) -> str:
    with api(world, "lead") as c:
        grid = next(g["code"] for g in c.get("/grids").json())
        answer = c.post("/cases", json={**DEFAULT_REPORT, "grid_code": grid})
        assert answer.status_code == 201, answer.text
        serial: str = answer.json()["case"]["serial"]
        return serial


async def test_sign_then_the_incoming_lead_acknowledges(
    world: tuple[Server, Seeded], make: Callable[..., CityGridApp]
) -> None:
    report_one(world)
    outgoing = make("lead")
    async with outgoing.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: outgoing.model.loaded)
        await pilot.press("H")
        await wait_for(pilot, lambda: handover_screen(outgoing) is not None)
        screen = handover_screen(outgoing)
        assert screen is not None and screen.handover is not None
        assert screen.handover.status == "draft"
        assert screen.handover.snapshot.open_by_state.get("reported", 0) >= 1
        snapshot = screen.query_one("#ho-snapshot", OptionList)
        assert any(
            (snapshot.get_option_at_index(i).id or "") == "q:reported:reported"
            for i in range(snapshot.option_count)
        )

        screen.query_one("#ho-notes", TextArea).focus()
        await pilot.press(*"wall 3 flickers")
        screen.query_one("#chk-phones", Checkbox).focus()
        await pilot.press("space")
        screen.query_one("#rem-video_wall", Input).focus()
        await pilot.press(*"fixed")
        screen.query_one("#ho-sign", Button).press()
        await wait_for(
            pilot, lambda: screen.handover is not None and screen.handover.status == "signed"
        )
        handover_id = screen.handover.id
        assert screen.query_one("#ho-notes", TextArea).read_only
        assert not screen.query_one("#ho-sign", Button).display
        assert outgoing.pending_handover is None  # your own handover is not "waiting"

    with api(world, "lead") as c:
        stored = c.get(f"/handovers/{handover_id}").json()
    assert stored["status"] == "signed"
    assert stored["notes"] == "wall 3 flickers"
    assert {e["id"]: (e["checked"], e["remark"]) for e in stored["checklist"]} == {
        "phones": (True, ""),
        "video_wall": (False, "fixed"),
    }

    incoming = make("lead2")
    async with incoming.run_test(size=SIZE) as pilot:
        # Signing in shows the waiting handover, and the status bar keeps it.
        await wait_for(pilot, lambda: handover_screen(incoming) is not None)
        screen = handover_screen(incoming)
        assert screen is not None and screen.handover is not None
        assert screen.handover.id == handover_id
        indicator = incoming.screen_stack[0].query_one(HandoverIndicator)
        assert f"#{handover_id}" in str(indicator.render())
        # Closed unread, it stays on the status bar, and H opens it again (not a new draft
        # for the shift that has just begun).
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(incoming.screen, HandoverScreen))
        assert f"#{handover_id}" in str(indicator.render())
        await pilot.press("H")
        await wait_for(pilot, lambda: handover_screen(incoming) is not None)
        screen = handover_screen(incoming)
        assert screen is not None and screen.handover is not None
        assert screen.handover.id == handover_id and screen.handover.status == "signed"
        assert screen.query_one("#ho-acknowledge", Button).display
        assert not screen.query_one("#ho-sign", Button).display

        screen.query_one("#ho-acknowledge", Button).press()
        await wait_for(
            pilot, lambda: screen.handover is not None and screen.handover.status == "acknowledged"
        )
        await wait_for(pilot, lambda: incoming.pending_handover is None)
        await wait_for(pilot, lambda: str(indicator.render()) == "")

    with api(world, "lead") as c:
        stored = c.get(f"/handovers/{handover_id}").json()
    assert stored["status"] == "acknowledged" and stored["acknowledged_by"] == "lead2"


async def test_a_leader_reads_only_and_counts_open_their_queue(
    world: tuple[Server, Seeded], make: Callable[..., CityGridApp]
) -> None:
    report_one(world)
    with api(world, "lead2") as c:  # this shift's record exists (built, or signed earlier)
        c.post("/handovers", json={"notes": "交班"})
        assert c.get("/shifts/current").json()["handover_id"] is not None
    app = make("leader", lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.model.loaded)
        # A leader's console opens on the wallboard; Escape shows the queue beneath it.
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WallboardScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "QueueScreen")
        await pilot.press("H")
        await wait_for(pilot, lambda: handover_screen(app) is not None)
        screen = handover_screen(app)
        assert screen is not None
        assert screen.query_one("#ho-notes", TextArea).read_only
        for name in ("save", "sign", "acknowledge"):
            assert not screen.query_one(f"#ho-{name}", Button).display
        assert all(c.disabled for c in screen.query(Checkbox))

        snapshot = screen.query_one("#ho-snapshot", OptionList)
        index = next(
            i
            for i in range(snapshot.option_count)
            if snapshot.get_option_at_index(i).id == "q:reported:reported"
        )
        snapshot.focus()
        snapshot.highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, HandoverScreen))
        assert app.model.queue.key == "reported"


async def test_replay_steps_through_the_shift(
    world: tuple[Server, Seeded], make: Callable[..., CityGridApp]
) -> None:
    first, second = report_one(world), report_one(world)
    app = make("lead")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.model.loaded)
        await pilot.press("H")
        await wait_for(pilot, lambda: handover_screen(app) is not None)
        screen = handover_screen(app)
        assert screen is not None
        screen.query_one("#ho-replay", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen) and app.screen.loaded)
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        serials = [getattr(i, "serial", "") for i in replay.items]
        assert first in serials and second in serials
        seqs = [i.seq for i in replay.items]
        assert seqs == sorted(seqs)

        await pilot.press("end")
        assert replay.index == len(replay.items) - 1
        await pilot.press("left")
        assert replay.index == len(replay.items) - 2
        await pilot.press("n")
        assert replay.index == len(replay.items) - 1
        await pilot.press("home", "p")
        assert replay.index == 0
        await pilot.press("right")
        assert replay.index == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HandoverScreen))


async def test_the_status_bar_follows_handovers_signed_and_acknowledged_elsewhere(
    tmp_path: Path,
) -> None:
    """A lead already at work: another lead signs at their desk, and the handover reaches
    this status bar (a notice, no screen over the work); acknowledged at another desk, it
    leaves it.  A world of its own: this shift has no handover yet."""
    with serve_world(tmp_path) as served:
        server, seeded = served
        settings = ConsoleSettings(
            server=server.url,
            token=seeded.tokens["lead2"],
            bell=False,
            config_path=tmp_path / "lead2.toml",
        )
        app = CityGridApp(settings, handover_poll_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.model.loaded)
            # The sign-in look has had its answer (nothing waiting), so what follows is
            # found by the look the console keeps taking while the lead works.
            await wait_for(pilot, lambda: app.handover_watch.answers >= 1)
            indicator = app.screen_stack[0].query_one(HandoverIndicator)
            assert str(indicator.render()) == ""

            with api(served, "lead") as c:
                built = c.post("/handovers", json={"notes": "交班"})
                assert built.status_code == 201, built.text
                handover_id = built.json()["id"]
                assert c.post(f"/handovers/{handover_id}/sign").status_code == 200
            await wait_for(pilot, lambda: f"#{handover_id}" in str(indicator.render()))
            await wait_for(pilot, lambda: any("签字交班" in n.message for n in app._notifications))
            assert not isinstance(app.screen, HandoverScreen)

            with api(served, "lead2") as c:  # the same lead, at another desk
                done = c.post(f"/handovers/{handover_id}/acknowledge")
                assert done.status_code == 200, done.text
            await wait_for(pilot, lambda: str(indicator.render()) == "")
            assert app.pending_handover is None
