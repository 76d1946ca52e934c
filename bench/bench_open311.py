"""Intake through the Open311 façade against native intake, in the same run.

Seeds a fresh database, issues a WeChat channel key with ``citygrid keys add``, starts
the real server, then with ``--clients`` keep-alive clients (closed loop, the load loop
of :mod:`benchlib`) measures

1. ``POST /api/v1/cases`` (JSON, as the ``lead`` user),
2. ``POST /open311/v2/requests.json`` (form-encoded, as a WeChat back end sends it:
   service code, grid, description, the reporter's name and phone),
3. ``POST /api/v1/cases`` again,

and reports the façade's rate against the mean of the two native runs (so drift on a
shared machine weighs on both sides).

Budget: Open311/native >= 0.8.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys

import httpx
from benchlib import (
    LATENCY_HEAD,
    REPO,
    Check,
    Latency,
    Phase,
    Server,
    Workspace,
    client,
    environment_line,
    fresh_database,
    load_city,
    report_body,
    run_phase,
    running_server,
    seed_city,
    table,
    verdicts,
)

MIN_RATIO = 0.8


def issue_key(ws: Workspace) -> str:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "console", "keys", "add", "--channel", "wechat"),
            *("--jurisdiction", "110112", "--rate", "100000", "--database", ws.url),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def bench(server: Server, token: str, key: str, args: argparse.Namespace) -> list[Phase]:
    city = load_city(server, token)
    rng = random.Random(args.seed)
    total = args.warmup + args.count
    native = [report_body(rng, city) for _ in range(2 * total)]
    forms = []
    for i in range(total):
        body = report_body(rng, city)
        forms.append(
            {
                "api_key": key,
                "service_code": f"{body['category_kind']}-{body['category_code']}",
                "address_id": body["grid_code"],
                "description": f"{body['description']}（微信 {i}）",
                "first_name": "王",
                "phone": f"139{i:08d}",
                "device_id": f"wx-{i % 97}",
            }
        )

    async def post_case(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.post("/cases", json=native[i])

    async def post_open311(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.post(f"{server.base}/open311/v2/requests.json", data=forms[i])

    clients = [client(server, token) for _ in range(args.clients)]
    w, n = args.warmup, args.count
    try:
        await asyncio.gather(*(c.get("/health") for c in clients))
        await run_phase(server, clients, "native warm-up", 201, w, post_case)
        await run_phase(server, clients, "open311 warm-up", 201, w, post_open311)
        before = await run_phase(
            server, clients, "POST /cases (before)", 201, n, lambda c, i: post_case(c, w + i)
        )
        facade = await run_phase(
            server, clients, "POST open311 requests", 201, n, lambda c, i: post_open311(c, w + i)
        )
        after = await run_phase(
            server, clients, "POST /cases (after)", 201, n, lambda c, i: post_case(c, total + i)
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return [before, facade, after]


def report(label: str, phases: list[Phase]) -> list[Check]:
    before, facade, after = phases
    rows = [
        [p.name, f"{p.rate:.0f}", *Latency.of(p.latencies).row(), str(sum(p.errors.values()))]
        for p in phases
    ]
    print(table(["phase", "req/s", *LATENCY_HEAD, "errors"], rows, title=f"\n{label}"))
    native = (before.rate + after.rate) / 2
    ratio = facade.rate / native if native else 0.0
    print(f"  native (mean of before/after): {native:.0f} cases/s; open311: {facade.rate:.0f}")
    print(f"  open311/native ratio: {ratio:.2f}")
    errors = sum(sum(p.errors.values()) for p in phases)
    return [
        Check(f"{label} open311/native", f"{ratio:.2f}", f">= {MIN_RATIO}", ratio >= MIN_RATIO),
        Check(f"{label} errors", str(errors), "0", errors == 0),
    ]


def run_one(pg_admin: str | None, args: argparse.Namespace) -> list[Check]:
    label = "PostgreSQL" if pg_admin else "SQLite"
    with fresh_database(pg_admin, keep=args.keep) as ws:
        print(f"\n[{label}] seeding {ws.url} ...", flush=True)
        tokens = seed_city(ws)
        key = issue_key(ws)
        with running_server(ws) as server:
            print(f"[{label}] server on {server.base}; {args.clients} clients", flush=True)
            phases = asyncio.run(bench(server, tokens[args.user], key, args))
        return report(label, phases)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--count", type=int, default=2000, help="measured requests per phase")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--user", default="lead", help="demo user for native intake")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bodies")
    parser.add_argument("--database", metavar="PG_URL", help="also run on PostgreSQL (admin URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="with --database: PG only")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")
    args = parser.parse_args()
    print(environment_line())
    checks: list[Check] = []
    if not args.no_sqlite:
        checks += run_one(None, args)
    if args.database:
        checks += run_one(args.database, args)
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
