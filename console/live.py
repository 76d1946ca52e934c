"""What the demo runs once the backend is up: the simulator in the background and the
console in front, signed in as the shift lead."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import TYPE_CHECKING

from backend_client.paths import DemoUser
from backend_client.simulator import SimConfig, run_simulator

if TYPE_CHECKING:
    from console.config import ConsoleSettings


async def run_console_or_simulator(
    url: str,
    users: list[DemoUser],
    lead: DemoUser,
    rate: float,
    *,
    headless: bool = False,
    settings: ConsoleSettings | None = None,
    mouse: bool = True,
) -> int:
    stop = asyncio.Event()
    simulator = asyncio.create_task(
        run_simulator(url, users, SimConfig(rate_per_min=rate), stop), name="simulator"
    )
    try:
        if headless or not os.isatty(0):
            print("simulator running (Ctrl+C to stop)…", flush=True)
            await simulator
            return 0
        from console.app import CityGridApp
        from console.config import load_settings

        chosen = (settings or load_settings()).with_(server=url, token=lead.token)
        app = CityGridApp(chosen)
        result = await app.run_async(mouse=mouse)
        return app.return_code or int(result or 0)
    finally:
        stop.set()
        simulator.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await simulator
