"""What the demo runs once the backend is up.  The console app (issue #3) replaces the
headless loop here; until then the demo keeps the simulator running."""

from __future__ import annotations

from backend_client.paths import DemoUser
from backend_client.simulator import SimConfig, run_simulator


async def run_console_or_simulator(
    url: str, users: list[DemoUser], lead: DemoUser, rate: float
) -> int:
    print("simulator running (Ctrl+C to stop)…", flush=True)
    await run_simulator(url, users, SimConfig(rate_per_min=rate))
    return 0
