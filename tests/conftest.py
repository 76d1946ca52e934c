"""Shared fixtures: a seeded database and a real server on a loopback port.

API tests run against SQLite always and against PostgreSQL (127.0.0.1:5432, trust
auth, database ``test``) when it is reachable; each PostgreSQL run gets its own
fresh database so runs never see each other's data.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: no per-example deadline (CI machines are
# shared and noisy), and a fixed derandomised order so runs are reproducible.
settings.register_profile("citygrid", deadline=None, derandomize=True)
settings.load_profile("citygrid")

PG_ADMIN_URL = os.environ.get("CITYGRID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


PG_AVAILABLE = postgres_available()
# CI sets this: there, a PostgreSQL test that would be skipped is a failure instead.
PG_REQUIRED = os.environ.get("CITYGRID_REQUIRE_POSTGRES") == "1"


def pytest_sessionstart(session: pytest.Session) -> None:
    if PG_REQUIRED and not PG_AVAILABLE:
        raise pytest.UsageError(
            f"CITYGRID_REQUIRE_POSTGRES=1 but PostgreSQL does not answer at {PG_ADMIN_URL}; "
            "start it (see .ci/run) or unset the variable to skip the PostgreSQL tests."
        )


def fresh_pg_database() -> str:
    import psycopg

    name = f"citygrid_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Seeded:
    url: str
    tokens: dict[str, str]  # username -> token
    users: list[dict[str, str]]

    def user(self, role: str, **match: str) -> dict[str, str]:
        for u in self.users:
            if u["role"] == role and all(u.get(k) == v for k, v in match.items()):
                return u
        raise LookupError(f"no demo user with role {role} {match}")


def seed_database(url: str, tmp: Path, *options: str) -> Seeded:
    """``citygrid seed`` into ``url`` with ``options`` (``--backlog``, ``--history``…)."""
    tokens_path = tmp / "tokens.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "seed",
            "--database",
            url,
            "--tokens-out",
            str(tokens_path),
            *options,
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    users = json.loads(tokens_path.read_text())["users"]
    return Seeded(url=url, tokens={u["username"]: u["token"] for u in users}, users=users)


def add_user(seeded: Seeded, username: str, role: str, jurisdiction: str) -> str:
    """Create a user with the real CLI and return its bearer token (the last output line)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "users",
            "add",
            username,
            "--role",
            role,
            "--jurisdiction",
            jurisdiction,
            "--database",
            seeded.url,
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    token = done.stdout.strip().splitlines()[-1].strip()
    seeded.tokens[username] = token
    return token


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    database_url: str
    port: int
    log: Path

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=15)


def start_server(
    database_url: str,
    log: Path,
    *,
    port: int | None = None,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> Server:
    port = port or free_port()
    env = {
        **os.environ,
        "CITYGRID_DATABASE_URL": database_url,
        "CITYGRID_PING_INTERVAL": "1",
        "CITYGRID_STREAM_POLL_INTERVAL": "0.5",
        **(extra_env or {}),
    }
    out = log.open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", proc, database_url, port, log)
    wait_ready(server)
    return server


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    """Poll /health until the server answers (polling a condition, not sleeping blindly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited: {server.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.api}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"server not ready: {server.log.read_text()[-3000:]}")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgres" and not PG_AVAILABLE:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    return name


@pytest.fixture(scope="session")
def seeded(backend_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp(f"seed-{backend_name}")
    url = f"sqlite:///{tmp / 'citygrid.db'}" if backend_name == "sqlite" else fresh_pg_database()
    try:
        yield seed_database(url, tmp)
    finally:
        if backend_name == "postgres":
            drop_pg_database(url)


@pytest.fixture(scope="session")
def server(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    srv = start_server(seeded.url, log)
    try:
        yield srv
    finally:
        srv.stop()


@dataclass
class Api:
    """Authenticated async clients for the demo users, against the live server."""

    server: Server
    seeded: Seeded

    def client(self, username: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.server.api,
            headers={"Authorization": f"Bearer {self.seeded.tokens[username]}"},
            timeout=httpx.Timeout(30.0),
        )


@pytest.fixture
def api(server: Server, seeded: Seeded) -> Api:
    return Api(server, seeded)
