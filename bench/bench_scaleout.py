"""Intake with ``wrk``: SQLite with one worker, PostgreSQL with one and with two workers.

Each configuration gets a fresh seeded database and the real server
(``citygrid serve --workers N``).  ``wrk`` (1 thread, ``--connections`` keep-alive
connections, ``--seconds`` each) first measures ``GET /health`` on that server (the
in-run baseline), then POSTs valid reports (a Lua script cycles through 500 bodies from
:func:`benchlib.report_body`).  It prints cases/s, latency and intake ÷ health for each.

Budgets: PostgreSQL 2 workers ÷ 1 worker ≥ 1.5, and PostgreSQL 1 worker ÷ SQLite 1 worker
≥ 0.8 (the same run, back to back).  Server CPU is the parent process's only, so it is
shown for one worker.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys

from bench_floor import Run, wrk
from benchlib import (
    Check,
    environment_line,
    fresh_database,
    load_city,
    report_body,
    running_server,
    seed_city,
    table,
    verdicts,
)

MIN_SCALE = 1.5  # PostgreSQL, 2 workers ÷ 1
MIN_PG_VS_SQLITE = 0.8  # PostgreSQL 1 worker ÷ SQLite 1 worker
BODIES = 500


def lua_script(bodies: list[str]) -> str:
    """POST each body in turn (one counter per connection's thread: wrk -t1 has one)."""
    items = ",\n".join(f"[==[{b}]==]" for b in bodies)
    return f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {{
{items}
}}
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
end
"""


def measure(
    label: str, pg_admin: str | None, workers: int, args: argparse.Namespace
) -> tuple[Run, Run]:
    """(health, intake) on a fresh database served by ``workers`` processes."""
    with fresh_database(pg_admin, keep=args.keep) as ws:
        print(f"[{label}] seeding {ws.kind} ...", flush=True)
        token = seed_city(ws)["lead"]
        with running_server(ws, workers=workers) as server:
            city = load_city(server, token)
            rng = random.Random(args.seed)
            bodies = [json.dumps(report_body(rng, city), ensure_ascii=False) for _ in range(BODIES)]
            script = ws.tmp / "post_cases.lua"
            script.write_text(lua_script(bodies), encoding="utf-8")
            warm = argparse.Namespace(**{**vars(args), "seconds": 1})
            wrk("warm", server, "/api/v1/health", token, warm)
            wrk("warm", server, "/api/v1/cases", token, warm, script)
            health = wrk(f"{label} GET /health", server, "/api/v1/health", token, args)
            intake = wrk(f"{label} POST /cases", server, "/api/v1/cases", token, args, script)
    return health, intake


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--database",
        metavar="PG_URL",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="admin URL of the PostgreSQL server; a fresh database is made beside it",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bodies")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs (server logs)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)")
        return 2
    print(environment_line())
    runs = {
        "SQLite x1": measure("SQLite x1", None, 1, args),
        "PostgreSQL x1": measure("PostgreSQL x1", args.database, 1, args),
        "PostgreSQL x2": measure("PostgreSQL x2", args.database, 2, args),
    }
    print(environment_line())
    rows = []
    for health, intake in runs.values():
        for r in (health, intake):
            cpu = f"{r.server_cpu_ms:.2f}" if "x1" in r.name else "-"
            rows.append([r.name, f"{r.rps:.0f}", f"{r.p50:.1f}", f"{r.p99:.1f}", cpu, r.errors])
        rows.append(["  intake ÷ health", f"{intake.rps / health.rps:.2f}", "", "", "", ""])
    print(
        table(
            ["run", "req/s", "p50 ms", "p99 ms", "srv CPU ms/req", "errors"],
            [[str(c) for c in row] for row in rows],
            title=f"\nwrk -t1 -c{args.connections} -d{args.seconds}s",
        )
    )
    sqlite1, pg1, pg2 = (intake.rps for _h, intake in runs.values())
    errors = sum(r.errors for pair in runs.values() for r in pair)
    checks = [
        Check(
            "PostgreSQL 2 workers ÷ 1",
            f"{pg2 / pg1:.2f}x ({pg2:.0f} / {pg1:.0f} cases/s)",
            f">= {MIN_SCALE}x",
            pg2 / pg1 >= MIN_SCALE,
        ),
        Check(
            "PostgreSQL 1 worker ÷ SQLite 1 worker",
            f"{pg1 / sqlite1:.2f}x ({pg1:.0f} / {sqlite1:.0f} cases/s)",
            f">= {MIN_PG_VS_SQLITE}x",
            pg1 / sqlite1 >= MIN_PG_VS_SQLITE,
        ),
        Check("errors", str(errors), "0", errors == 0),
    ]
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
