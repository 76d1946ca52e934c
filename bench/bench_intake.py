"""Case intake over HTTP: POST /api/v1/cases from N concurrent keep-alive clients.

Seeds a fresh database, starts the real server on a loopback port, then with
``--clients`` asyncio clients (one ``httpx.AsyncClient`` each, HTTP/1.1 keep-alive,
closed loop: next request when the previous answered) it measures

1. ``GET /health`` throughput (baseline, before intake),
2. ``POST /cases`` throughput and latency (valid reports across grids and classes,
   as the ``lead`` user), after a warm-up,
3. ``GET /health`` again (baseline, after intake),

and reports cases/s, latency percentiles and intake/health (against the mean of the
two health runs, so machine noise during the run affects both sides).

Budgets: >= 300 cases/s, p99 <= 50 ms, intake/health >= 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys

import httpx
from benchlib import (
    LATENCY_HEAD,
    Check,
    Latency,
    Phase,
    Server,
    add_database_options,
    client,
    environment_line,
    load_city,
    on_each_database,
    report_body,
    run_phase,
    seeded_server,
    table,
    verdicts,
)

MIN_CASES_PER_S = 300.0
MAX_P99_MS = 50.0
MIN_RATIO = 0.5


async def bench(server: Server, token: str, args: argparse.Namespace) -> list[Phase]:
    city = load_city(server, token)
    rng = random.Random(args.seed)
    bodies = [report_body(rng, city) for _ in range(args.warmup + args.count)]

    async def post_case(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.post("/cases", json=bodies[i])

    async def get_health(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.get("/health")

    clients = [client(server, token) for _ in range(args.clients)]
    try:
        # Open every keep-alive connection before anything is timed.
        await asyncio.gather(*(c.get("/health") for c in clients))
        await run_phase(server, clients, "health warm-up", 200, args.warmup, get_health)
        health1 = await run_phase(
            server, clients, "GET /health (before)", 200, args.count, get_health
        )
        await run_phase(
            server,
            clients,
            "intake warm-up",
            201,
            args.warmup,
            lambda c, i: post_case(c, i + args.count),
        )
        intake = await run_phase(server, clients, "POST /cases", 201, args.count, post_case)
        health2 = await run_phase(
            server, clients, "GET /health (after)", 200, args.count, get_health
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return [health1, intake, health2]


def report(label: str, phases: list[Phase]) -> list[Check]:
    health1, intake, health2 = phases
    rows = []
    for p in phases:
        lat = Latency.of(p.latencies)
        errors = sum(p.errors.values())
        n = max(1, len(p.latencies))
        cpu = [f"{p.server_cpu / n * 1000:.2f}", f"{p.client_cpu / n * 1000:.2f}"]
        rows.append([p.name, f"{p.rate:.0f}", *lat.row(), *cpu, str(errors)])
    print(
        table(
            ["phase", "req/s", *LATENCY_HEAD, "srv CPU ms/req", "client CPU ms/req", "errors"],
            rows,
            title=f"\n{label}: {len(intake.latencies)} measured requests per phase",
        )
    )
    for p in phases:
        if p.errors:
            print(f"  {p.name} errors: {p.errors}")
    health_rate = (health1.rate + health2.rate) / 2
    ratio = intake.rate / health_rate if health_rate else 0.0
    lat = Latency.of(intake.latencies)
    print(f"  health baseline (mean of before/after): {health_rate:.0f} req/s")
    print(f"  intake/health ratio: {ratio:.2f}")
    return [
        Check(
            f"{label} cases/s",
            f"{intake.rate:.0f}",
            f">= {MIN_CASES_PER_S:.0f}",
            intake.rate >= MIN_CASES_PER_S,
        ),
        Check(
            f"{label} intake p99",
            f"{lat.p99:.1f} ms",
            f"<= {MAX_P99_MS:.0f} ms",
            lat.p99 <= MAX_P99_MS,
        ),
        Check(f"{label} intake/health", f"{ratio:.2f}", f">= {MIN_RATIO}", ratio >= MIN_RATIO),
        Check(f"{label} errors", str(sum(intake.errors.values())), "0", not intake.errors),
    ]


def run_one(pg_admin: str | None, args: argparse.Namespace) -> list[Check]:
    label = "PostgreSQL" if pg_admin else "SQLite"
    with seeded_server(pg_admin, keep=args.keep, label=label) as (_ws, tokens, server):
        print(f"[{label}] server on {server.base}; {args.clients} clients", flush=True)
        phases = asyncio.run(bench(server, tokens[args.user], args))
    return report(label, phases)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--count", type=int, default=3000, help="measured requests per phase")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--user", default="lead", help="demo user whose token is used")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bodies")
    add_database_options(parser)
    args = parser.parse_args()
    print(environment_line())
    checks = on_each_database(args, run_one)
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
