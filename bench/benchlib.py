"""Shared pieces of the citygrid benchmarks: a fresh database, a real server, figures.

Each benchmark seeds a brand-new database (a temp SQLite file, or a fresh PostgreSQL
database created next to ``--database`` and dropped afterwards), starts
``python -m citygrid serve`` on a free loopback port against it, and stops the server
and removes everything when it is done — also on Ctrl-C or a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx

REPO = Path(__file__).resolve().parent.parent
API = "/api/v1"


# --- databases ----------------------------------------------------------------------------------


@dataclass
class Workspace:
    """A temp directory and the URL of the fresh database the benchmark runs against."""

    tmp: Path
    url: str
    kind: str  # "sqlite" or "postgresql"


@contextlib.contextmanager
def fresh_database(
    pg_admin_url: str | None, *, keep: bool = False, prefix: str = "citygrid-bench-"
) -> Iterator[Workspace]:
    """A new empty database: SQLite in a temp dir, or ``CREATE DATABASE`` on the PG server."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    pg_url: str | None = None
    try:
        if pg_admin_url:
            pg_url = _create_pg_database(pg_admin_url)
            yield Workspace(tmp, pg_url, "postgresql")
        else:
            yield Workspace(tmp, f"sqlite:///{tmp / 'citygrid.db'}", "sqlite")
    finally:
        if pg_url and pg_admin_url:
            _drop_pg_database(pg_admin_url, pg_url)
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _create_pg_database(admin_url: str) -> str:
    import psycopg

    name = f"citygrid_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def _drop_pg_database(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_city(ws: Workspace) -> dict[str, str]:
    """``python -m citygrid seed`` into the workspace database; returns username → token."""
    tokens = ws.tmp / "tokens.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "citygrid",
            "seed",
            "--database",
            ws.url,
            "--tokens-out",
            str(tokens),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seed failed:\n{done.stdout}\n{done.stderr}")
    users = json.loads(tokens.read_text())["users"]
    return {u["username"]: u["token"] for u in users}


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    log: Path
    ready_at: float = math.nan  # time.monotonic() of the first answer from /health

    @property
    def api(self) -> str:
        return self.base + API

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


@contextlib.contextmanager
def running_server(
    ws: Workspace,
    *,
    extra_env: dict[str, str] | None = None,
    log_name: str = "server.log",
    port: int | None = None,
    workers: int = 1,
) -> Iterator[Server]:
    """``python -m citygrid serve`` on a loopback port (a free one by default); stopped on
    exit."""
    port = port or free_port()
    log = ws.tmp / log_name
    env = {**os.environ, "CITYGRID_DATABASE_URL": ws.url, **(extra_env or {})}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "citygrid",
                "serve",
                "--database",
                ws.url,
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
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.api}/health", timeout=1.0).status_code == 200:
                server.ready_at = time.monotonic()
                return
        except httpx.TransportError:
            time.sleep(0.01)
    raise RuntimeError(f"server not ready:\n{server.log.read_text()[-3000:]}")


def client(server: Server, token: str, *, timeout: float = 30.0) -> httpx.AsyncClient:
    """One keep-alive HTTP/1.1 connection's worth of client (httpx default: HTTP/1.1)."""
    return api_client(server.api, token, timeout=timeout)


def api_client(api_url: str, token: str, *, timeout: float = 30.0) -> httpx.AsyncClient:
    """:func:`client` from the API's URL alone (for a load process of its own)."""
    return httpx.AsyncClient(
        base_url=api_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
    )


class Seeded(NamedTuple):
    ws: Workspace
    tokens: dict[str, str]  # username -> token
    server: Server


@contextlib.contextmanager
def seeded_server(
    pg_admin_url: str | None,
    *,
    keep: bool = False,
    workers: int = 1,
    label: str | None = None,
) -> Iterator[Seeded]:
    """A fresh database with the demo city seeded and a server running on it; with
    ``label``, says so (``[label] seeding <url> ...``)."""
    with fresh_database(pg_admin_url, keep=keep) as ws:
        if label is not None:
            print(f"\n[{label}] seeding {ws.url} ...", flush=True)
        tokens = seed_city(ws)
        with running_server(ws, workers=workers) as server:
            yield Seeded(ws, tokens, server)


# --- SQLite, then PostgreSQL --------------------------------------------------------------------


def add_database_options(parser: argparse.ArgumentParser, *, pg_note: str = "") -> None:
    """``--database PG_URL``, ``--no-sqlite`` and ``--keep``, for :func:`on_each_database`."""
    parser.add_argument(
        "--database",
        metavar="PG_URL",
        help=f"also run on PostgreSQL{pg_note}: an admin URL such as "
        "postgresql://postgres@127.0.0.1:5432/test; a fresh database is created "
        "next to it and dropped afterwards",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="with --database: PG only")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")


RunOne = Callable[[str | None, argparse.Namespace], "list[Check]"]


def on_each_database(args: argparse.Namespace, run_one: RunOne) -> list[Check]:
    """``run_one`` on SQLite (unless ``--no-sqlite``), then on PostgreSQL if asked."""
    checks: list[Check] = []
    if not args.no_sqlite:
        checks += run_one(None, args)
    if args.database:
        checks += run_one(args.database, args)
    return checks


async def report_cases(
    api: httpx.AsyncClient, city: City, rng: random.Random, count: int
) -> list[str]:
    """``count`` new cases through ``POST /cases``; their serials."""
    serials = []
    for _ in range(count):
        response = await api.post("/cases", json=report_body(rng, city))
        response.raise_for_status()
        serials.append(response.json()["case"]["serial"])
    return serials


# --- realistic request bodies -------------------------------------------------------------------


@dataclass
class City:
    grids: list[str]
    categories: list[dict[str, Any]]  # kind, code, name, big_class
    weights: list[float]

    @property
    def streets(self) -> list[str]:
        return sorted({g[:9] for g in self.grids})


def load_city(server: Server, token: str) -> City:
    """Grid codes and the catalogue (with the simulator's field mix of classes)."""
    from backend.seed.behaviour import category_weights
    from backend_client.wire import Category

    headers = {"Authorization": f"Bearer {token}"}
    grids = httpx.get(f"{server.api}/grids", headers=headers, timeout=30).json()
    raw = httpx.get(f"{server.api}/catalogue", headers=headers, timeout=30).json()
    cats = [Category.model_validate(c) for c in raw]
    return City(
        grids=sorted(g["code"] for g in grids),
        categories=[c.model_dump(mode="json") for c in cats],
        weights=category_weights(cats),
    )


def report_body(rng: random.Random, city: City, grid: str | None = None) -> dict[str, Any]:
    """A valid ``CaseCreate`` body: a hotline call or a patrol find, somewhere in the city,
    with the demo city's shares, names and texts."""
    from backend.seed import behaviour as B
    from demo.decisions import caller, phone

    cat = rng.choices(city.categories, weights=city.weights)[0]
    grid = grid or rng.choice(city.grids)
    place = f"网格{grid[-3:]}号"
    body: dict[str, Any] = {
        "category_kind": cat["kind"],
        "category_code": cat["code"],
        "grid_code": grid,
        "address": f"{place}附近",
        "urgency": "urgent" if rng.random() < B.URGENT_SHARE else "normal",
    }
    if rng.random() < B.HOTLINE_SHARE:
        note = rng.choice(B.HOTLINE_NOTES)
        body |= {
            "source": "hotline",
            "description": B.HOTLINE_DESCRIPTION.format(
                place=place, category=cat["name"], note=note
            ),
            "reporter_name": caller(rng),
            "reporter_phone": phone(rng),
        }
    else:
        note = rng.choice(B.PATROL_NOTES)
        body |= {
            "source": "supervisor",
            "description": B.PATROL_DESCRIPTION.format(
                place=place, category=cat["name"], note=note
            ),
            "attachments": [{"ref": f"photo://{grid}/{rng.getrandbits(32):08x}.jpg"}],
        }
    return body


# --- the load loop -------------------------------------------------------------------------------

Request = Callable[[httpx.AsyncClient, int], Coroutine[Any, Any, httpx.Response]]


@dataclass
class Phase:
    name: str
    ok_status: int
    wall: float = 0.0
    server_cpu: float = 0.0  # seconds of server process CPU during the phase
    client_cpu: float = 0.0  # seconds of this (client) process CPU during the phase
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


async def run_phase(
    server: Server,
    clients: list[httpx.AsyncClient],
    name: str,
    ok_status: int,
    count: int,
    request: Request,
) -> Phase:
    """``count`` requests shared by the clients, each client one request at a time
    (closed loop: a client sends its next request when the previous one answered)."""
    phase = Phase(name, ok_status)
    next_index = 0

    async def worker(c: httpx.AsyncClient) -> None:
        nonlocal next_index
        while next_index < count:
            i = next_index
            next_index += 1
            t0 = time.perf_counter()
            try:
                response = await request(c, i)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
                phase.errors[key] = phase.errors.get(key, 0) + 1
                continue
            elapsed = time.perf_counter() - t0
            if response.status_code == ok_status:
                phase.latencies.append(elapsed)
            else:
                key = f"HTTP {response.status_code}"
                phase.errors[key] = phase.errors.get(key, 0) + 1
                if phase.errors[key] == 1:
                    print(f"  {name}: {key}: {response.text[:300]}", file=sys.stderr)

    cpu0, server_cpu0 = time.process_time(), process_cpu_seconds(server.proc.pid)
    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    phase.wall = time.perf_counter() - started
    phase.client_cpu = time.process_time() - cpu0
    phase.server_cpu = process_cpu_seconds(server.proc.pid) - server_cpu0
    return phase


# --- figures ------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already-sorted values (q in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Latency:
    n: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        """Summary in milliseconds."""
        ms = sorted(s * 1000 for s in seconds)
        mean = sum(ms) / len(ms) if ms else math.nan
        return cls(
            len(ms),
            percentile(ms, 50),
            percentile(ms, 95),
            percentile(ms, 99),
            ms[-1] if ms else math.nan,
            mean,
        )

    def row(self) -> list[str]:
        return [str(self.n), *(f"{v:.1f}" for v in (self.p50, self.p95, self.p99, self.max))]


LATENCY_HEAD = ["n", "p50 ms", "p95 ms", "p99 ms", "max ms"]


def table(head: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "") -> str:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join("-" * w for w in widths)
    out = [title] if title else []
    out.append("  ".join(str(h).ljust(w) for h, w in zip(head, widths, strict=True)))
    out.append(line)
    for r in rows:
        out.append(
            "  ".join(
                (str(c).ljust(w) if i == 0 else str(c).rjust(w))
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(out)


@dataclass
class Check:
    name: str
    measured: str
    budget: str
    ok: bool


def verdicts(checks: Sequence[Check]) -> str:
    rows = [[c.name, c.measured, c.budget, "PASS" if c.ok else "MISS"] for c in checks]
    return table(["budget check", "measured", "budget", "verdict"], rows, title="\nVerdict")


def process_cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User + system CPU time of a process and (by default) its reaped children
    (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11 : 15 if children else 13]) / ticks


def rss_mb(pid: int, *, children: bool = False) -> float:
    """Resident set size (``VmRSS``) of ``pid``, and of its children if asked, in MB."""
    pids = [pid]
    listed = Path(f"/proc/{pid}/task/{pid}/children")
    if children and listed.exists():
        pids += [int(p) for p in listed.read_text().split()]
    total = 0
    found = False
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
                found = True
    return total / 1024 if found else float("nan")


def environment_line() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return (
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
