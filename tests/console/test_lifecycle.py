"""The app's timers and signals against Textual's lifecycle: nothing the app publishes
may reach a screen or widget once Textual has begun removing it."""

from __future__ import annotations

from pathlib import Path

from backend.core.clock import FrozenClock
from console.app import CityGridApp
from console.config import ConsoleSettings
from console.messages import SnapshotLoaded
from console.rows import QueueRow
from tests.console.conftest import wait_for
from tests.console.test_alerts import ME, START, case

ROUNDS = 10  # the old code crashed in about 7 of 10 rounds like these


async def test_a_fast_tick_never_reaches_the_queue_screen_during_shutdown(
    tmp_path: Path,
) -> None:
    settings = ConsoleSettings(token="x", bell=False, lang="en", config_path=tmp_path / "c.toml")
    for _ in range(ROUNDS):
        await _start_and_shut_down(settings)


async def _start_and_shut_down(settings: ConsoleSettings) -> None:
    # A tick every millisecond: some land while Textual removes the queue screen.
    app = CityGridApp(settings, clock=FrozenClock(START), connect=False, tick_seconds=0.001)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = [QueueRow.from_summary(case(n, minutes=5)) for n in range(1, 6)]
        app.post_message(SnapshotLoaded(rows, 1, ME, 0.0))
        await wait_for(pilot, lambda: app.model.loaded)
    # Leaving the block shuts the app down as a signal or a closed terminal does (no
    # ``exit()`` first, so the app's timer keeps firing while the screens are removed);
    # run_test re-raises what crashed the app: NoMatches from a tick, before the fix.
    assert app.return_code is None  # Textual sets 1 when something crashed the app
