"""Actions on a case with a long history: an action's cost must not grow with it.

Seeds a fresh database, starts the real server on a loopback port, reports two cases
as ``lead`` and then times ``--count`` comments, one after another, on each:

1. a fresh case (the baseline, measured in the same run on the same server),
2. a case that already holds ``--history`` comments (added untimed first).

It prints the time per comment and the response size for both, and their ratio.

Budget: long/fresh time per comment <= 1.5 (an action answers with the queue row and
its new version, not the whole timeline; before, 500 comments made each one ~6x slower).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time

import httpx
from benchlib import (
    Check,
    client,
    environment_line,
    fresh_database,
    load_city,
    report_body,
    running_server,
    seed_city,
    table,
    verdicts,
)

MAX_RATIO = 1.5


async def comment(c: httpx.AsyncClient, serial: str, i: int) -> int:
    r = await c.post(f"/cases/{serial}/actions", json={"action": "comment", "note": f"第{i}次"})
    r.raise_for_status()
    return len(r.content)


async def timed(c: httpx.AsyncClient, serial: str, count: int) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    for i in range(count):
        size = await comment(c, serial, i)
    return (time.perf_counter() - started) / count, size


async def bench(args: argparse.Namespace) -> list[Check]:
    with fresh_database(args.database, keep=args.keep) as ws:
        tokens = seed_city(ws)
        with running_server(ws) as server:
            city = load_city(server, tokens["lead"])
            rng = random.Random(args.seed)
            async with client(server, tokens["lead"]) as c:
                serials = []
                for _ in range(2):
                    r = await c.post("/cases", json=report_body(rng, city))
                    r.raise_for_status()
                    serials.append(r.json()["case"]["serial"])
                fresh, long = serials
                for i in range(args.history):
                    await comment(c, long, i)
                await timed(c, fresh, 20)  # warm-up
                base_s, base_size = await timed(c, fresh, args.count)
                long_s, long_size = await timed(c, long, args.count)
                detail = await c.get(f"/cases/{long}", params={"timeline_limit": 50})
                detail.raise_for_status()
    ratio = long_s / base_s if base_s else 0.0
    print(
        table(
            ["case", "prior events", "ms/comment", "response bytes"],
            [
                ["fresh", "1", f"{base_s * 1000:.1f}", str(base_size)],
                ["long", str(args.history + 1), f"{long_s * 1000:.1f}", str(long_size)],
            ],
            title=f"\n{args.count} comments on each case, one at a time ({ws.kind})",
        )
    )
    print(f"  long/fresh: {ratio:.2f}; detail page of 50: {len(detail.content)} bytes")
    return [
        Check("long/fresh time", f"{ratio:.2f}", f"<= {MAX_RATIO}", ratio <= MAX_RATIO),
        Check(
            "response size grows",
            f"{long_size - base_size} B",
            "<= 16 B",
            long_size - base_size <= 16,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--history", type=int, default=500, help="comments already on the case")
    parser.add_argument("--count", type=int, default=200, help="timed comments per case")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", metavar="PG_URL", help="run on PostgreSQL (admin URL)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")
    args = parser.parse_args()
    print(environment_line())
    checks = asyncio.run(bench(args))
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
