"""Console tests drive the real app with Pilot against a real server on loopback."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot

from console.app import CityGridApp
from console.config import ConsoleSettings
from tests.conftest import Seeded, Server, seed_database, start_server


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console adapts to TERM and NO_COLOR: tests pick theirs, not the runner's."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(scope="session")
def console_seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    tmp = tmp_path_factory.mktemp("console-seed")
    return seed_database(f"sqlite:///{tmp / 'console.db'}", tmp)


@pytest.fixture(scope="session")
def console_server(
    console_seeded: Seeded, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("console-server") / "server.log"
    server = start_server(console_seeded.url, log)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_app(
    console_server: Server, console_seeded: Seeded, tmp_path: Path
) -> Callable[..., CityGridApp]:
    def make(user: str = "lead", lang: str = "zh", **kw: object) -> CityGridApp:
        settings = ConsoleSettings(
            server=console_server.url,
            token=console_seeded.tokens[user],
            lang=lang,
            bell=False,
            config_path=tmp_path / "console.toml",
        )
        return CityGridApp(settings, **kw)  # type: ignore[arg-type]

    return make


async def wait_for(
    pilot: Pilot[object], condition: Callable[[], bool], limit: float = 15.0
) -> None:
    """Let the app run until ``condition`` holds; ``limit`` only bounds a failing test."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await pilot.pause(0.02)


Http = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def http(console_server: Server, console_seeded: Seeded) -> AsyncIterator[Http]:
    """``http("lead")``: an API client for a demo user (closed after the test)."""
    clients: dict[str, httpx.AsyncClient] = {}

    def client(user: str = "lead") -> httpx.AsyncClient:
        if user not in clients:
            clients[user] = api_client(console_server, console_seeded, user)
        return clients[user]

    yield client
    for c in clients.values():
        await c.aclose()


def api_client(server: Server, seeded: Seeded, user: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {seeded.tokens[user]}"},
        timeout=httpx.Timeout(30.0),
    )
