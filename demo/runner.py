"""``citygrid demo``: a living centre on this machine in seconds.

The backend runs as a child process (the console process never loads the server's
frameworks); the simulator runs in this process as an API client, beside the console
signed in as the shift lead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from backend.core.paths import data_dir
from backend.domain.tokens import IssuedToken
from backend.seed.tokens_file import demo_tokens_path, load_demo_tokens
from backend_client.vocab import Role
from demo.simulator import SimConfig, run_simulator

if TYPE_CHECKING:
    from console.config import ConsoleSettings


def demo_database() -> Path:
    return data_dir() / "demo.db"


def _seeded(db: Path, tokens: Path) -> bool:
    return db.exists() and tokens.exists()


def _run_cli(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "citygrid", *args], env=env, check=True)


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "citygrid", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
    )


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer on {url} within {timeout:.0f}s")


DEMO_HISTORY = 2000  # closed past cases
DEMO_BACKLOG = 1200  # open cases at the start of the shift, in every stage


def run_demo(
    *,
    port: int,
    rate: float,
    fresh: bool,
    settings: ConsoleSettings,
    mouse: bool = True,
    pace: float = 1.0,
) -> int:
    db = demo_database()
    tokens = demo_tokens_path()
    env = {**os.environ, "CITYGRID_DATABASE_URL": f"sqlite:///{db}"}
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    if fresh or not _seeded(db, tokens):
        print("seeding the demo city…", flush=True)
        history, backlog = str(DEMO_HISTORY), str(DEMO_BACKLOG)
        # The server folds the new cases into the assessment figures in the background, so
        # the console is not kept waiting for them.
        _run_cli("seed", "--history", history, "--backlog", backlog, "--no-fold", env=env)
    url = f"http://127.0.0.1:{port}"
    server = start_server(port, env)
    try:
        # Load the console (a second or so) while the server starts, not after.
        import console.app
        import console.screens.queue  # noqa: F401

        wait_healthy(url, server)
        users = load_demo_tokens(tokens)
        lead = next(u for u in users if u.role is Role.SHIFT_LEAD)
        print(f"citygrid demo: API {url}/docs — signed in as {lead.display_name} (值班长)")
        print(f"  curl -H 'Authorization: Bearer {lead.token}' {url}/api/v1/cases?state=filed")
        return asyncio.run(
            run_console_or_simulator(
                url, users, lead, rate, pace=pace, settings=settings, mouse=mouse
            )
        )
    except KeyboardInterrupt:
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


DEMO_BACKLOG_SPREAD = 3600.0  # the seeded backlog starts moving over the first hour


def demo_config(rate: float, pace: float) -> SimConfig:
    """The demo centre's simulator: ``pace`` 2 is twice as busy (reports come twice as
    often, every reaction takes half as long), 0.5 half as busy."""
    return SimConfig(rate_per_min=rate * pace, pace=1.0 / pace, backlog_spread=DEMO_BACKLOG_SPREAD)


async def run_console_or_simulator(
    url: str,
    users: list[IssuedToken],
    lead: IssuedToken,
    rate: float,
    *,
    pace: float = 1.0,
    headless: bool = False,
    settings: ConsoleSettings | None = None,
    mouse: bool = True,
) -> int:
    stop = asyncio.Event()
    simulator = asyncio.create_task(
        run_simulator(url, users, demo_config(rate, pace), stop), name="simulator"
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
