"""Revocation: how soon a revoked token is refused and its streams end, per worker.

Seeds a fresh database, starts the real server (SQLite: one worker; PostgreSQL with
``--database``: two worker processes), and for ``--rounds`` rounds issues a token,
opens ``--streams`` event streams and as many keep-alive clients with it (each signed
in, so its sign-in is cached), revokes it with the admin function the ``tokens
revoke`` command runs, and measures from the commit to

1. each client's first 401 (clients poll ``GET /me`` every 10 ms),
2. each stream's end.

Baseline in the same run: ``GET /time`` (no sign-in, no query) against ``GET /me`` (a cached
sign-in), to show the sign-in costs a request next to nothing.

Budgets: every refusal and every stream end within 1 s; /me p50 ≤ 1.5 × /time p50.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime

import httpx
from benchlib import (
    LATENCY_HEAD,
    REPO,
    Check,
    Latency,
    Server,
    add_database_options,
    client,
    environment_line,
    on_each_database,
    seeded_server,
    table,
    verdicts,
)

sys.path.insert(0, str(REPO))

from sqlmodel import Session

from backend.core.db import sync_engine
from backend.services import admin

MAX_S = 1.0
MAX_RATIO = 1.5


def issue(url: str, label: str) -> tuple[str, int]:
    engine = sync_engine(url)
    try:
        with Session(engine) as session:
            t = admin.issue_token(session, "lead", now=datetime.now(UTC), by="bench", label=label)
            session.commit()
            return t.token, t.token_id
    finally:
        engine.dispose()


def revoke(url: str, token_id: int) -> float:
    engine = sync_engine(url)
    try:
        with Session(engine) as session:
            admin.revoke_token(session, token_id, now=datetime.now(UTC), by="bench")
            session.commit()
            return time.monotonic()
    finally:
        engine.dispose()


async def one_round(
    server: Server, url: str, n: int, streams: int
) -> tuple[list[float], list[float]]:
    token, token_id = await asyncio.to_thread(issue, url, f"bench{n}")
    clients = [client(server, token) for _ in range(streams)]
    opened = [asyncio.Event() for _ in range(streams)]
    ended: list[float] = []

    async def follow(c: httpx.AsyncClient, ready: asyncio.Event) -> None:
        async with c.stream("GET", "/events/stream") as response:
            async for _ in response.aiter_lines():
                ready.set()
        ended.append(time.monotonic())

    followers = [asyncio.create_task(follow(client(server, token), e)) for e in opened]
    try:
        await asyncio.gather(*(e.wait() for e in opened))
        for c in clients:
            assert (await c.get("/me")).status_code == 200
        committed = await asyncio.to_thread(revoke, url, token_id)

        async def refused(c: httpx.AsyncClient) -> float:
            while True:
                if (await c.get("/me")).status_code == 401:
                    return time.monotonic() - committed
                await asyncio.sleep(0.01)

        async with asyncio.timeout(30):
            refusals = await asyncio.gather(*(refused(c) for c in clients))
            await asyncio.gather(*followers)
        return list(refusals), [t - committed for t in ended]
    finally:
        for task in followers:
            task.cancel()
        for c in clients:
            await c.aclose()


async def baseline(server: Server, token: str, count: int) -> tuple[Latency, Latency]:
    async with client(server, token) as c:
        figures = []
        for path in ("/time", "/me"):
            times = []
            for _ in range(count):
                started = time.perf_counter()
                assert (await c.get(path)).status_code == 200
                times.append(time.perf_counter() - started)
            figures.append(Latency.of(times))
    return figures[0], figures[1]


async def bench(server: Server, url: str, token: str, args: argparse.Namespace) -> list[Check]:
    health, me = await baseline(server, token, args.count)
    refusals: list[float] = []
    ends: list[float] = []
    for n in range(args.rounds):
        r, e = await one_round(server, url, n, args.streams)
        refusals += r
        ends += e
    ref, end = Latency.of(refusals), Latency.of(ends)
    print(
        table(
            ["figure", *LATENCY_HEAD],
            [
                ["GET /time", *health.row()],
                ["GET /me", *me.row()],
                ["revoke -> 401", *ref.row()],
                ["revoke -> stream end", *end.row()],
            ],
        )
    )
    ratio = me.p50 / health.p50
    return [
        Check(
            "revoke -> 401, max",
            f"{ref.max:.0f} ms",
            f"<= {MAX_S * 1000:.0f} ms",
            ref.max <= MAX_S * 1000,
        ),
        Check(
            "revoke -> stream end, max",
            f"{end.max:.0f} ms",
            f"<= {MAX_S * 1000:.0f} ms",
            end.max <= MAX_S * 1000,
        ),
        Check("/me p50 / /time p50", f"{ratio:.2f}", f"<= {MAX_RATIO}", ratio <= MAX_RATIO),
    ]


def run_one(pg_admin: str | None, args: argparse.Namespace) -> list[Check]:
    label = "PostgreSQL, 2 workers" if pg_admin else "SQLite"
    workers = 2 if pg_admin else 1
    with seeded_server(pg_admin, keep=args.keep, workers=workers, label=label) as rig:
        print(f"[{label}] {args.rounds} rounds x {args.streams} clients and streams", flush=True)
        checks = asyncio.run(bench(rig.server, rig.ws.url, rig.tokens["lead"], args))
    return [Check(f"{label}: {c.name}", c.measured, c.budget, c.ok) for c in checks]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10, help="revocations (default 10)")
    parser.add_argument("--streams", type=int, default=6, help="clients and streams per round")
    parser.add_argument("--count", type=int, default=500, help="baseline requests per path")
    add_database_options(parser, pg_note=" (two workers)")
    args = parser.parse_args()
    print(environment_line())
    checks = on_each_database(args, run_one)
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
