"""Assessment: rebuilding the projection, a month's full ranking from the API, and intake
with the projection kept current against intake without it, each against a baseline of
the same run.

1. **Rebuild**: seeds ``--history`` cases, then times ``citygrid assessment rebuild`` as
   a process, against seeding the same history in the same run; the per-case cost is
   extrapolated to 1,000,000 cases (budget 60 s).
2. **Ranking**: a month's rankings of every family (``GET /assessment/rankings``),
   ``--requests`` times, p99 (budget 200 ms) and its ratio to ``GET /health``.
3. **Intake**: ``POST /cases`` from ``--clients`` clients on a server that folds the log
   as it commits and on one that does not (``CITYGRID_ASSESSMENT_FOLD=false``), twice
   each, alternating; the ratio with / without (budget >= 0.95).

    python bench/bench_assessment.py [--history 50000] [--clients 16] [--count 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from benchlib import (
    REPO,
    Check,
    Latency,
    Server,
    client,
    environment_line,
    fresh_database,
    load_city,
    report_body,
    run_phase,
    running_server,
    seed_city,
    verdicts,
)

REBUILD_BUDGET_S = 60.0
RANKING_P99_MS = 200.0
MIN_INTAKE_RATIO = 0.95
MILLION = 1_000_000


def citygrid(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "citygrid", *args], check=True, cwd=REPO,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - started


async def ranking_p99(server: Server, token: str, month: str, n: int) -> tuple[Latency, Latency]:
    async with client(server, token) as c:
        await c.get("/health")
        for family in ("region", "department", "post"):  # warm: first reads load pages
            await c.get("/assessment/rankings", params={"period": month, "family": family})
        ranking: list[float] = []
        health: list[float] = []
        for i in range(n):
            t0 = time.perf_counter()
            family = ("region", "department", "post")[i % 3]
            answer = await c.get("/assessment/rankings", params={"period": month, "family": family})
            answer.raise_for_status()
            ranking.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            (await c.get("/health")).raise_for_status()
            health.append(time.perf_counter() - t0)
    return Latency.of(ranking), Latency.of(health)


async def intake_rate(server: Server, token: str, args: argparse.Namespace, seed: int) -> float:
    city = load_city(server, token)
    rng = random.Random(seed)
    bodies = [report_body(rng, city) for _ in range(args.count + 100)]
    clients = [client(server, token) for _ in range(args.clients)]
    try:
        await asyncio.gather(*(c.get("/health") for c in clients))
        await run_phase(server, clients, "warm-up", 201, 100,
                        lambda c, i: c.post("/cases", json=bodies[i]))  # fmt: skip
        phase = await run_phase(server, clients, "intake", 201, args.count,
                                lambda c, i: c.post("/cases", json=bodies[100 + i]))  # fmt: skip
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return phase.rate


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--history", type=int, default=50_000, help="history cases to seed")
    parser.add_argument("--requests", type=int, default=150, help="ranking requests")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--count", type=int, default=1500, help="measured intake requests")
    args = parser.parse_args()
    print(environment_line())
    checks: list[Check] = []
    with fresh_database(None) as ws:
        seed_city(ws)
        seeded = citygrid("seed", "--database", ws.url, "--history", str(args.history),
                          "--tokens-out", str(ws.tmp / "t.json"))  # fmt: skip
        users = json.loads((ws.tmp / "t.json").read_text())["users"]
        tokens = {u["username"]: u["token"] for u in users}  # seeding again rotated them
        rebuild = citygrid("assessment", "rebuild", "--database", ws.url)
        per_case_ms = rebuild / args.history * 1000
        million = per_case_ms * MILLION / 1000
        print(f"\nseed {args.history:,} history cases (and fold them): {seeded:.1f} s")
        print(f"rebuild: {rebuild:.1f} s = {per_case_ms:.3f} ms/case "
              f"(rebuild/seed {rebuild / seeded:.2f}); 1,000,000 ≈ {million:.0f} s")  # fmt: skip
        budget = f"<= {REBUILD_BUDGET_S:.0f} s"
        checks.append(Check("rebuild 1M (extrapolated)", f"{million:.0f} s", budget,
                            million <= REBUILD_BUDGET_S))  # fmt: skip
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # a full month
        with running_server(ws) as server:
            lat, health = asyncio.run(ranking_p99(server, tokens["lead"], month, args.requests))
        print(f"ranking {month}: p50 {lat.p50:.1f} ms, p99 {lat.p99:.1f} ms; "
              f"/health p99 {health.p99:.1f} ms (ratio {lat.p99 / health.p99:.1f}×)")  # fmt: skip
        checks.append(Check("ranking p99", f"{lat.p99:.1f} ms", f"<= {RANKING_P99_MS:.0f} ms",
                            lat.p99 <= RANKING_P99_MS))  # fmt: skip
        rates: dict[bool, list[float]] = {True: [], False: []}
        for round_, fold in enumerate((True, False, True, False)):
            env = {"CITYGRID_ASSESSMENT_FOLD": "true" if fold else "false"}
            with running_server(ws, extra_env=env, log_name=f"intake{round_}.log") as server:
                rate = asyncio.run(intake_rate(server, tokens["lead"], args, round_))
            rates[fold].append(rate)
            print(f"intake {'with' if fold else 'without'} the projection: {rate:.0f} cases/s")
        with_, without = sum(rates[True]) / 2, sum(rates[False]) / 2
        ratio = with_ / without if without else 0.0
        print(f"intake with / without: {ratio:.2f}")
        checks.append(Check("intake with/without projection", f"{ratio:.2f}",
                            f">= {MIN_INTAKE_RATIO}", ratio >= MIN_INTAKE_RATIO))  # fmt: skip
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
