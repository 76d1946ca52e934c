"""Stream catch-up: N clients streaming from ``after=0`` over the whole log, and what it
costs everyone else.

    python bench/bench_catchup.py [--clients 20] [--history 2100] [--database PG_ADMIN_URL]

Seeds a fresh database with the demo city and ``--history`` past cases (about seven
events each: ≥ 14,000 events by default), starts the real server on a loopback port,
then

* baseline: ``--probes`` sequential ``GET /cases?limit=100`` as ``lead`` with no stream
  open, half before the catch-up and half after (the in-run baseline);
* catch-up: ``--clients`` ``GET /events/stream?after=0`` as ``lead`` (who may see every
  event) in ``--procs`` reader processes (niced: they stand in for consoles on other
  machines), each reading until it has seen the head seq, while the same probe runs in
  a loop in this process.

Reports the catch-up's total time (first connect to the last client at the head), the
bytes and events per client, and the probe's p50/p99 during the catch-up against the
baseline.  Budget: p50 and p99 during the catch-up ≤ 2 × the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from typing import Any

import httpx
from benchlib import (
    LATENCY_HEAD,
    Check,
    Latency,
    client,
    environment_line,
    fresh_database,
    process_cpu_seconds,
    running_server,
    seed_city,
    table,
    verdicts,
)

BUDGET_RATIO = 2.0


# --- readers (child processes) ------------------------------------------------------------------


async def read_to_head(api: str, token: str, head: int, count: int) -> list[tuple[float, int, int]]:
    """``count`` streams from 0; each returns (seconds to the head, events, bytes).

    Raw HTTP/1.1 over asyncio streams, so the readers take as little of the machine's
    CPU as possible (the server writes whole frames per chunk, so an ``id:`` line is
    never split by the chunked encoding)."""
    url = httpx.URL(api)
    request = (
        f"GET {url.raw_path.decode()}/events/stream?after=0 HTTP/1.1\r\n"
        f"Host: {url.host}:{url.port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    ).encode()
    last = b"id: %d\n" % head

    async def one() -> tuple[float, int, int]:
        started = time.monotonic()
        events = size = 0
        tail = b""
        reader, writer = await asyncio.open_connection(url.host, url.port)
        try:
            writer.write(request)
            while chunk := await reader.read(256 * 1024):
                size += len(chunk)
                window = tail + chunk
                events += window.count(b"\nid: ") - tail.count(b"\nid: ")
                if last in window:
                    return time.monotonic() - started, events, size
                tail = window[-32:]
        finally:
            writer.close()
        raise RuntimeError("the stream ended before the head")

    return list(await asyncio.gather(*(one() for _ in range(count))))


def reader_process(api: str, token: str, head: int, count: int, out: Any, go: Any) -> None:
    """Reports "ready" once imported, waits for ``go``, then streams.  Niced: on this
    one machine the readers stand in for consoles elsewhere, and their CPU should not
    be charged to the server's answers."""
    os.nice(19)
    out.put("ready")
    go.wait()
    try:
        out.put(asyncio.run(read_to_head(api, token, head, count)))
    except Exception as exc:  # reported to the driver
        out.put(repr(exc))


# --- the probe ----------------------------------------------------------------------------------


async def probe(c: httpx.AsyncClient, *, count: int | None, until: Any = None) -> list[float]:
    """Sequential ``GET /cases``: ``count`` of them, or until ``until()`` is true."""
    seconds: list[float] = []
    while (count is not None and len(seconds) < count) or (until is not None and not until()):
        t0 = time.perf_counter()
        response = await c.get("/cases", params={"limit": 100})
        seconds.append(time.perf_counter() - t0)
        response.raise_for_status()
    return seconds


async def run(args: argparse.Namespace) -> int:
    with fresh_database(args.database) as ws:
        t0 = time.perf_counter()
        tokens = seed_city(ws)
        from backend.seed.history import seed_history

        made = seed_history(ws.url, count=args.history)
        print(
            f"seeded {made.events} past events in {time.perf_counter() - t0:.1f}s ({ws.kind}); "
            + environment_line()
        )
        with running_server(ws) as server:
            async with client(server, tokens["lead"]) as lead:
                head = int((await lead.get("/health")).json()["head_seq"])
                print(f"event log head: {head}")
                await probe(lead, count=20)  # warm-up
                before = await probe(lead, count=args.probes // 2)

                ctx = multiprocessing.get_context("spawn")
                out = ctx.Queue()
                per = [
                    args.clients // args.procs + (i < args.clients % args.procs)
                    for i in range(args.procs)
                ]
                go = ctx.Event()
                procs = [
                    ctx.Process(
                        target=reader_process, args=(server.api, tokens["lead"], head, n, out, go)
                    )
                    for n in per
                    if n
                ]
                for p in procs:
                    p.start()
                for _ in procs:  # start-up CPU is not the catch-up's
                    assert await asyncio.to_thread(out.get, True, 60) == "ready"
                cpu0 = process_cpu_seconds(server.proc.pid)
                started = time.monotonic()
                go.set()
                results: list[Any] = []

                def done() -> bool:
                    while not out.empty():
                        results.append(out.get())
                    return len(results) == len(procs) or time.monotonic() - started > args.limit

                during = Latency.of(await probe(lead, count=None, until=done))
                total = time.monotonic() - started
                server_cpu = process_cpu_seconds(server.proc.pid) - cpu0
                for p in procs:
                    p.join(timeout=10)
                # the baseline is taken before and after, so drifting load on a shared
                # machine weighs on both sides alike
                baseline = Latency.of(before + await probe(lead, count=args.probes // 2))
            errors = [r for r in results if isinstance(r, str)]
            streams = [s for r in results if not isinstance(r, str) for s in r]
            if errors or len(streams) != args.clients:
                print(f"readers failed: {errors or 'timed out'}")
                return 1
            events = sum(s[1] for s in streams) / len(streams)
            size = sum(s[2] for s in streams) / len(streams)
            print(
                f"\n{args.clients} clients from 0 to {head}: all at the head in {total:.1f}s "
                f"(slowest stream {max(s[0] for s in streams):.1f}s, fastest "
                f"{min(s[0] for s in streams):.1f}s); {events:.0f} events, "
                f"{size / 1e6:.1f} MB per client; server CPU {server_cpu:.1f}s "
                f"({server_cpu / total:.0%} of a core)"
            )
            print(
                table(
                    ["GET /cases?limit=100", *LATENCY_HEAD],
                    [["no catch-up", *baseline.row()], ["during catch-up", *during.row()]],
                    title="",
                )
            )
            r50, r99 = during.p50 / baseline.p50, during.p99 / baseline.p99
            print(f"ratio during / baseline: p50 {r50:.2f}, p99 {r99:.2f}")
            checks = [
                Check("p50 ratio", f"{r50:.2f}", f"<= {BUDGET_RATIO}", r50 <= BUDGET_RATIO),
                Check("p99 ratio", f"{r99:.2f}", f"<= {BUDGET_RATIO}", r99 <= BUDGET_RATIO),
                Check("events in the log", str(head), ">= 14000", head >= 14000),
            ]
            print(verdicts(checks))
            return 0 if all(c.ok for c in checks) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--procs", type=int, default=2, help="reader processes")
    parser.add_argument("--history", type=int, default=2100, help="past cases (~7 events each)")
    parser.add_argument("--probes", type=int, default=200, help="baseline GET /cases requests")
    parser.add_argument("--limit", type=float, default=180.0, help="give up after this many s")
    parser.add_argument("--database", help="PostgreSQL admin URL (default: a temp SQLite file)")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
