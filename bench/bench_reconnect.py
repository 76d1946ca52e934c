"""Reconnecting: from the server answering again to the console live, after a kill.

The script seeds a fresh SQLite city, starts the real server on a loopback port, and
runs the real console app in this process (headless, 120×40, as the shift lead) against
it.  For each outage in ``--outages`` (default 3, 15 and 40 s) it kills the server
(SIGKILL), waits until the console shows the link down, keeps the server down for the
outage, starts it again **on the same port**, and measures:

* **server back → console live**: from the first answer to ``GET /health`` (polled every
  10 ms) to the console's link turning ``live`` (its stream reconnected with
  ``Last-Event-ID``, no snapshot reload);
* that the stream resumed: a case reported right after the restart reaches the console.

Baseline in the same run, on the same server: a brand-new event follower's connect
(``GET /events/stream`` until its ``live``), i.e. what a reconnect costs at the least.

Budget: ≤ 2 s for every outage.  The long outage is the one that used to be slow:
the old backoff doubled up to 30 s, so a console came back 16 s or more after the
server did.

    python bench/bench_reconnect.py                 # ~1.5 min
    python bench/bench_reconnect.py --outages 5     # one short round
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchlib import (
    Check,
    City,
    Server,
    Workspace,
    client,
    environment_line,
    free_port,
    fresh_database,
    load_city,
    report_body,
    running_server,
    seed_city,
    table,
    verdicts,
)

import console.app
from backend_client.client import CitygridClient
from backend_client.events import EventFollower, StreamState
from console.app import CityGridApp
from console.config import ConsoleSettings
from console.messages import LinkChanged

BUDGET_S = 2.0
WAIT_LIMIT_S = 60.0  # bounds a round that never comes back


class TimedApp(CityGridApp):
    """The console, noting when its link turns live (Textual also runs the base handler)."""

    CSS_PATH = str(Path(console.app.__file__).with_name("console.tcss"))

    def __init__(self, settings: ConsoleSettings) -> None:
        super().__init__(settings)
        self.live_at: list[float] = []

    def on_link_changed(self, message: LinkChanged) -> None:
        if message.state == "live":
            self.live_at.append(time.monotonic())


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        await asyncio.sleep(0.005)


async def fresh_connect(server: Server, token: str) -> float:
    """Seconds from a new follower's first request to its ``live``."""
    async with CitygridClient(server.base, token) as api:
        started = time.monotonic()
        follower = EventFollower(api, after=(await api.health()).head_seq)
        async with contextlib.aclosing(follower.items()) as items:
            async for item in items:
                if isinstance(item, StreamState) and item.state == "live":
                    return time.monotonic() - started
    raise RuntimeError("the stream ended before it was live")


async def report_one(server: Server, token: str, city: City, rng: random.Random) -> str:
    async with client(server, token) as http:
        response = await http.post("/cases", json=report_body(rng, city))
        response.raise_for_status()
        serial: str = response.json()["case"]["serial"]
        return serial


@dataclass
class Round:
    took: float  # server back → console live
    baseline: float  # a fresh follower's connect
    resumed: bool


class Rig:
    """The console and the server it follows, which the rounds kill and start again."""

    def __init__(self, ws: Workspace, stack: contextlib.ExitStack, token: str) -> None:
        self.ws, self.stack, self.token = ws, stack, token
        self.port = free_port()
        self.rng = random.Random(1)
        self.server: Server | None = None
        url = f"http://127.0.0.1:{self.port}"
        self.app = TimedApp(ConsoleSettings(server=url, token=token, lang="en", bell=False))

    async def start_server(self, n: int) -> Server:
        self.server = await asyncio.to_thread(
            self.stack.enter_context,
            running_server(self.ws, port=self.port, log_name=f"server-{n}.log"),
        )
        return self.server

    async def round(self, n: int, outage: float, city: City) -> Round:
        app, server = self.app, self.server
        assert server is not None
        server.proc.kill()
        server.proc.wait()
        await until(lambda: app.link_state != "live", "the console to see it down")
        await asyncio.sleep(outage)
        seen = len(app.live_at)
        server = await self.start_server(n)
        await until(lambda: len(app.live_at) > seen, "the console to be live again")
        took = max(0.0, app.live_at[-1] - server.ready_at)
        serial = await report_one(server, self.token, city, self.rng)
        await until(lambda: serial in app.model.store.cases, "the case reported after the restart")
        return Round(took, await fresh_connect(server, self.token), serial in app.model.store.cases)


async def measure(ws: Workspace, tokens: dict[str, str], outages: list[float]) -> list[Check]:
    rounds: list[Round] = []
    with contextlib.ExitStack() as stack:
        rig = Rig(ws, stack, tokens["lead"])
        server = await rig.start_server(0)
        city = await asyncio.to_thread(load_city, server, rig.token)
        async with rig.app.run_test(size=(120, 40)):
            await until(
                lambda: rig.app.model.loaded and rig.app.link_state == "live", "the console"
            )
            for n, outage in enumerate(outages, 1):
                rounds.append(await rig.round(n, outage, city))
    rows = [
        [f"{o:.0f} s down", f"{r.took:.2f} s", f"{r.baseline:.3f} s", f"{r.took / r.baseline:.0f}×"]
        for o, r in zip(outages, rounds, strict=True)
    ]
    print(
        table(
            ["outage", "server back → live", "fresh connect", "ratio"],
            rows,
            title="\nReconnect after SIGKILL, same port",
        )
    )
    worst = max(r.took for r in rounds)
    print(f"median {statistics.median(r.took for r in rounds):.2f} s, max {worst:.2f} s")
    resumed = all(r.resumed for r in rounds)
    return [
        Check("server back → console live (max)", f"{worst:.2f} s", "≤ 2 s", worst <= BUDGET_S),
        Check("stream resumed after each restart", "yes" if resumed else "no", "yes", resumed),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--outages",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[3.0, 15.0, 40.0],
        help="seconds the server stays down, per round, comma-separated (default 3,15,40)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (db, logs)")
    args = parser.parse_args()
    print(environment_line())
    with fresh_database(None, keep=args.keep) as ws:
        print("seeding the city…", flush=True)
        tokens = seed_city(ws)
        checks = asyncio.run(measure(ws, tokens, args.outages))
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
