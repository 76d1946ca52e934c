"""What the demo runs once the backend is up: the simulator in the background and the
console in front, signed in as the shift lead."""

from __future__ import annotations

import asyncio
import contextlib
import os

from backend_client.paths import DemoUser
from backend_client.simulator import SimConfig, run_simulator


async def run_console_or_simulator(
    url: str, users: list[DemoUser], lead: DemoUser, rate: float, *, headless: bool = False
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

        settings = load_settings().with_(server=url, token=lead.token)
        app = CityGridApp(settings)
        result = await app.run_async()
        return app.return_code or int(result or 0)
    finally:
        stop.set()
        simulator.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await simulator
