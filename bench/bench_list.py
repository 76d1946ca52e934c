"""The operator's queue: GET /api/v1/cases?state=S&region=STREET&sort=deadline&limit=200.

Builds a realistic store in a fresh SQLite database:

* ``citygrid seed`` (the demo district, users, tokens),
* ``--history N`` past closed/voided cases with their event log, bulk-loaded by
  ``backend.seed.history.seed_history`` (default 1,000,000), then the assessment
  figures rebuilt in bulk (``citygrid assessment rebuild``),
* ``--open M`` live cases (default 20,000) created through the real API by
  ``--clients`` concurrent clients: reported, then for most of them filed,
  dispatched (to the routed department), signed and disposal reported by that
  department's handler, so they sit in every open state across all streets.

Then, one request at a time (as ``lead``), it times page 1 of the list for
``--requests`` (state, street) combinations, page 2 (with the ``cursor`` from page 1)
and, for information, ``state=open`` (all nine open states).  Each list request is
followed by a ``GET /health`` whose latency is the baseline measured under the same
conditions.  It prints SQLite's ``EXPLAIN QUERY PLAN`` for the list query built by
``backend.services.queries`` to show which index it uses.

Budget: p99 <= 25 ms for the list requests (page 1 and page 2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    LATENCY_HEAD,
    Check,
    City,
    Latency,
    Server,
    Workspace,
    environment_line,
    fresh_database,
    load_city,
    process_cpu_seconds,
    report_body,
    running_server,
    seed_city,
    table,
    verdicts,
)

MAX_P99_MS = 25.0
LIST_STATES = ("reported", "filed", "dispatched", "in_progress", "disposed")
# Where the open cases end up (the last step each one gets).
STATE_MIX = {"reported": 20, "filed": 15, "dispatched": 25, "in_progress": 30, "disposed": 10}


# --- building the store -------------------------------------------------------------------------


def add_history(ws: Workspace, count: int) -> str:
    """Bulk past cases; returns a line for the report."""
    if count <= 0:
        return "history: none"
    from backend.seed.history import seed_history

    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - last[0] > 10:
            last[0] = time.monotonic()
            print(f"  history {done:,}/{total:,}", flush=True)

    made = seed_history(ws.url, count=count, progress=progress)
    # Build the assessment figures in bulk, as an operator would before serving a bulk
    # import: otherwise the server folds the whole history while the list is timed.
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "citygrid", "assessment", "rebuild", "--database", ws.url],
        check=True,
        capture_output=True,
    )
    rebuilt = time.perf_counter() - started
    return (
        f"history: {made.cases:,} cases, {made.events:,} events in {made.seconds:.0f} s; "
        f"assessment rebuilt in {rebuilt:.0f} s"
    )


@dataclass
class OpenStats:
    by_state: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    calls: int = 0


async def add_open_cases(
    server: Server, tokens: dict[str, str], city: City, count: int, clients: int, seed: int
) -> OpenStats:
    """``count`` live cases through the API, walked to a mix of open states."""
    rng = random.Random(seed)
    states = list(STATE_MIX)
    weights = list(STATE_MIX.values())
    plan = [(report_body(rng, city), rng.choices(states, weights)[0]) for _ in range(count)]
    lead = {"Authorization": f"Bearer {tokens['lead']}"}
    stats = OpenStats()
    next_index = 0

    def note(key: str) -> None:
        stats.errors[key] = stats.errors.get(key, 0) + 1

    async def step(
        c: httpx.AsyncClient, serial: str, headers: dict[str, str], action: dict[str, Any]
    ) -> dict[str, Any] | None:
        stats.calls += 1
        r = await c.post(f"/cases/{serial}/actions", json=action, headers=headers)
        if r.status_code != 200:
            note(f"{action['action']}: HTTP {r.status_code}")
            return None
        case: dict[str, Any] = r.json()["case"]
        return case

    async def walk(c: httpx.AsyncClient, body: dict[str, Any], target: str) -> str | None:
        stats.calls += 1
        r = await c.post("/cases", json=body, headers=lead)
        if r.status_code != 201:
            note(f"report: HTTP {r.status_code}")
            return None
        case = r.json()["case"]
        serial = case["serial"]
        for action, done_at in (("file", "filed"), ("dispatch", "dispatched")):
            if case["state"] == target:
                return str(case["state"])
            got = await step(c, serial, lead, {"action": action})
            if got is None:
                return str(case["state"])
            case = got
            assert case["state"] == done_at, case["state"]
        if case["state"] == target:
            return str(case["state"])
        handler = tokens.get(f"h_{str(case['department_code']).lower()}")
        if handler is None:
            note(f"no handler for {case['department_code']}")
            return str(case["state"])
        dept = {"Authorization": f"Bearer {handler}"}
        got = await step(c, serial, dept, {"action": "sign"})
        if got is None or target == "in_progress":
            return str((got or case)["state"])
        got = await step(c, serial, dept, {"action": "report_disposal", "note": "已处置完毕"})
        return str((got or case)["state"])

    async def worker() -> None:
        nonlocal next_index
        async with httpx.AsyncClient(base_url=server.api, timeout=60) as c:
            while next_index < len(plan):
                i = next_index
                next_index += 1
                state = await walk(c, *plan[i])
                if state:
                    stats.by_state[state] = stats.by_state.get(state, 0) + 1
                if (i + 1) % 2000 == 0:
                    print(f"  open cases {i + 1:,}/{count:,}", flush=True)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    stats.seconds = time.perf_counter() - started
    return stats


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    latencies: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    items: int = 0
    bytes: int = 0
    server_cpu: float = 0.0
    errors: int = 0


async def timed(c: httpx.AsyncClient, url: str, params: dict[str, Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    r = await c.get(url, params=params)
    elapsed = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"GET {url} {params}: HTTP {r.status_code} {r.text[:300]}")
    return elapsed, r


async def measure(
    server: Server, token: str, name: str, queries: list[dict[str, Any]], requests: int
) -> Series:
    """``requests`` list calls, one at a time, each followed by a /health call."""
    series = Series(name)
    if not queries:
        return series
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.api, headers=headers, timeout=60) as c:
        for params in queries[:10]:  # warm caches and the connection, untimed
            await c.get("/cases", params=params)
            await c.get("/health")
        cpu0 = process_cpu_seconds(server.proc.pid)
        for i in range(requests):
            params = queries[i % len(queries)]
            elapsed, r = await timed(c, "/cases", params)
            series.latencies.append(elapsed)
            series.items += len(r.json()["items"])
            series.bytes += len(r.content)
            elapsed, _ = await timed(c, "/health", {})
            series.health.append(elapsed)
        series.server_cpu = process_cpu_seconds(server.proc.pid) - cpu0
    return series


async def page_two_queries(
    server: Server, token: str, queries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The same queries with the cursor page 1 returned (those that have a page 2)."""
    out = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.api, headers=headers, timeout=60) as c:
        for params in queries:
            page = (await c.get("/cases", params=params)).json()
            if page["next_cursor"]:
                out.append({**params, "cursor": page["next_cursor"]})
    return out


def open_counts(ws: Workspace) -> dict[str, int]:
    path = ws.url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT state, COUNT(*) FROM case_file GROUP BY state").fetchall()
    return {str(state): int(n) for state, n in rows}


def explain(ws: Workspace, state: str, street: str, with_cursor: bool) -> list[str]:
    """EXPLAIN QUERY PLAN of the list query as backend.services.queries builds it."""
    from sqlalchemy import and_, or_
    from sqlalchemy.dialects import sqlite
    from sqlmodel import col, select

    from backend.models import CaseRow
    from backend.services.queries import CaseFilter, region_clause

    now = datetime.now(UTC)
    flt = CaseFilter(states=[state], region=street)
    # The lead's jurisdiction (the district) is applied as scope, as for the request.
    stmt = select(CaseRow).where(region_clause("110112"), *flt.clauses(now))
    if with_cursor:
        stmt = stmt.where(
            or_(
                col(CaseRow.due_key) > now,
                and_(col(CaseRow.due_key) == now, col(CaseRow.id) > 0),
            )
        )
    stmt = stmt.order_by(col(CaseRow.due_key).asc(), col(CaseRow.id).asc()).limit(201)
    compiled = stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    params = [values[k] for k in compiled.positiontup or []]
    params = [v.isoformat(" ") if isinstance(v, datetime) else v for v in params]
    path = ws.url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {compiled}", params).fetchall()
    return [f"  {detail}" for *_, detail in rows]


# --- main ---------------------------------------------------------------------------------------


def build_store(ws: Workspace, args: argparse.Namespace) -> dict[str, str]:
    """Seed, bulk history, then the open cases through the API; returns the tokens."""
    print(f"seeding {ws.url} ...", flush=True)
    tokens = seed_city(ws)
    started = time.perf_counter()
    try:
        history_line = add_history(ws, args.history)
    except Exception as exc:  # the seeder is young: say so and go on without it
        history_line = f"history: FAILED ({type(exc).__name__}: {exc}); measured without"
    print(f"{history_line} (wall {time.perf_counter() - started:.0f} s)", flush=True)
    with running_server(ws, log_name="server-build.log") as server:
        city = load_city(server, tokens["lead"])
        print(f"server on {server.base}; creating {args.open:,} open cases ...", flush=True)
        made = asyncio.run(add_open_cases(server, tokens, city, args.open, args.clients, args.seed))
        rate = made.calls / made.seconds if made.seconds else 0.0
        print(
            f"open cases: {made.by_state} in {made.seconds:.0f} s "
            f"({made.calls:,} API calls, {rate:.0f}/s); errors {made.errors or 'none'}"
        )
    return tokens


@contextlib.contextmanager
def store(args: argparse.Namespace) -> Iterator[tuple[Workspace, dict[str, str]]]:
    """A freshly built store, or (``--reuse DIR``) one a ``--keep`` run left behind."""
    if args.reuse:
        tmp = Path(args.reuse)
        ws = Workspace(tmp, f"sqlite:///{tmp / 'citygrid.db'}", "sqlite")
        users = json.loads((tmp / "tokens.json").read_text())["users"]
        print(f"reusing {ws.url} (built by an earlier --keep run)")
        yield ws, {u["username"]: u["token"] for u in users}
        return
    with fresh_database(None, keep=args.keep) as ws:
        yield ws, build_store(ws, args)


def run(args: argparse.Namespace) -> list[Check]:
    with store(args) as (ws, tokens), running_server(ws) as server:
        city = load_city(server, tokens["lead"])
        counts = open_counts(ws)
        print(f"stored cases by state: {counts}")
        rng = random.Random(args.seed)
        combos = [
            {"state": s, "region": street, "sort": "deadline", "limit": args.limit}
            for s in LIST_STATES
            for street in city.streets
        ]
        rng.shuffle(combos)
        token = tokens["lead"]
        page1 = asyncio.run(measure(server, token, "page 1", combos, args.requests))
        second = asyncio.run(page_two_queries(server, token, combos))
        page2 = asyncio.run(measure(server, token, "page 2 (cursor)", second, args.requests))
        everything = [{**q, "state": "open"} for q in combos[: len(city.streets)]]
        open_all = asyncio.run(
            measure(server, token, "state=open (info)", everything, args.requests)
        )
        due = [{"state": "closed", "stage": "callback", "sort": "deadline", "limit": 5000}]
        callbacks = asyncio.run(measure(server, token, "callbacks due (info)", due, args.requests))
        print(f"\nEXPLAIN QUERY PLAN (state={LIST_STATES[2]}, region={city.streets[0]}):")
        print("\n".join(explain(ws, LIST_STATES[2], city.streets[0], with_cursor=False)))
        print("... with a page-2 cursor:")
        print("\n".join(explain(ws, LIST_STATES[2], city.streets[0], with_cursor=True)))

    rows = []
    for s in (page1, page2, open_all, callbacks):
        n = max(1, len(s.latencies))
        extra = [
            f"{s.items / n:.0f}",
            f"{s.bytes / n / 1024:.0f}",
            f"{s.server_cpu / n * 1000:.1f}",
        ]
        rows.append([f"list {s.name}", *Latency.of(s.latencies).row(), *extra])
        rows.append([f"  /health baseline for {s.name}", *Latency.of(s.health).row(), "", "", ""])
    print(
        table(
            ["request", *LATENCY_HEAD, "items", "KiB", "srv CPU ms/req (list+health)"],
            rows,
            title=f"\nList latency, one request at a time ({len(combos)} state x street combos, "
            f"{len(second)} with a page 2; limit={args.limit})",
        )
    )
    checks = []
    for s in (page1, page2):
        if not s.latencies:
            checks.append(
                Check(f"list {s.name} p99", "no such pages (too few open cases)", "", False)
            )
            continue
        lat = Latency.of(s.latencies)
        base = Latency.of(s.health)
        checks.append(
            Check(
                f"list {s.name} p99",
                f"{lat.p99:.1f} ms (health p99 {base.p99:.1f} ms)",
                f"<= {MAX_P99_MS:.0f} ms",
                lat.p99 <= MAX_P99_MS,
            )
        )
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--history", type=int, default=1_000_000, help="past cases stored")
    parser.add_argument("--open", type=int, default=20_000, help="live cases created via API")
    parser.add_argument("--clients", type=int, default=16, help="clients creating open cases")
    parser.add_argument("--requests", type=int, default=400, help="timed requests per series")
    parser.add_argument("--limit", type=int, default=200, help="page size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (db, server log)")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        help="measure on the store a --keep run left in DIR (skips the build)",
    )
    args = parser.parse_args()
    print(environment_line())
    checks = run(args)
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
