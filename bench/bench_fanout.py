"""Event fan-out: from the commit of an action to its arrival on N SSE subscribers.

Seeds a fresh database, starts the real server on a loopback port, reports
``--cases`` cases, then

* opens ``--subscribers`` concurrent ``GET /api/v1/events/stream?after=<head>``
  connections as ``lead`` (raw httpx streaming; ``id:`` lines give the seq) in
  ``--subscriber-procs`` separate processes (0: in the driver's own event loop),
  and waits until every one has received the stream's opening comment;
* for ``--duration`` seconds performs ``--rate`` ``comment`` actions per second,
  open loop (each POST is started on its schedule, whether or not the previous one
  answered), spread over the cases, and records when each POST was sent and when
  its response (which carries the event's seq) came back — the commit happens
  before the response;
* waits until every subscriber has seen the last seq (or ``--grace`` seconds).

Latency = arrival on a subscriber − return of the POST (and, also reported,
arrival − send).  Times come from ``time.monotonic()`` (CLOCK_MONOTONIC, one clock
for every process on the machine).  Every subscriber must receive exactly the
produced seqs, in order: none lost, none doubled.

Budget: p99 <= 100 ms (arrival − POST return), none lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import multiprocessing.queues
import multiprocessing.sharedctypes
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from benchlib import (
    LATENCY_HEAD,
    Check,
    Latency,
    Server,
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

MAX_P99_MS = 100.0

# One subscriber's result: the (seq, arrival time) of every event, and anything odd.
Arrivals = list[tuple[int, float]]


@dataclass
class SubscriberResult:
    arrivals: Arrivals = field(default_factory=list)
    resyncs: int = 0
    error: str = ""


# --- subscribers (run in child processes, or in the driver's loop) ------------------------------


async def follow(
    api: str,
    token: str,
    after: int,
    count: int,
    connected: Any,  # multiprocessing Value('i'): subscribers that got the opening comment
    final_seq: Any,  # multiprocessing Value('q'): -1 until the driver is done
    grace: float,
) -> list[SubscriberResult]:
    """``count`` stream connections; returns when each saw ``final_seq`` or after ``grace``."""
    results = [SubscriberResult() for _ in range(count)]
    last = [after] * count

    async def one(i: int) -> None:
        res = results[i]
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        timeout = httpx.Timeout(30.0, read=None)
        async with (
            httpx.AsyncClient(base_url=api, headers=headers, timeout=timeout) as c,
            c.stream("GET", "/events/stream", params={"after": after}) as response,
        ):
            if response.status_code != 200:
                res.error = f"HTTP {response.status_code}"
                with connected.get_lock():
                    connected.value += 1
                return
            first = True
            kind = ""
            async for line in response.aiter_lines():
                if first:
                    first = False
                    with connected.get_lock():
                        connected.value += 1
                if line.startswith("id:"):
                    now = time.monotonic()
                    seq = int(line[3:].strip())
                    if kind == "resync":
                        res.resyncs += 1
                    else:
                        res.arrivals.append((seq, now))
                        last[i] = seq
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif not line:
                    kind = ""

    tasks = [asyncio.create_task(one(i)) for i in range(count)]
    try:
        while final_seq.value < 0:
            await asyncio.sleep(0.05)
            for i, t in enumerate(tasks):
                if t.done() and not results[i].error:
                    exc = t.exception()
                    results[i].error = repr(exc) if exc else "stream ended"
        deadline = time.monotonic() + grace
        # Polled: ``last`` is plain data written by the readers, no event to wait on.
        while time.monotonic() < deadline and min(last) < final_seq.value:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    finally:
        for t in tasks:
            t.cancel()
        for i, t in enumerate(tasks):
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await t
                except Exception as exc:
                    results[i].error = results[i].error or repr(exc)
    return results


def subscriber_process(
    api: str,
    token: str,
    after: int,
    count: int,
    connected: Any,
    final_seq: Any,
    grace: float,
    out: multiprocessing.queues.Queue[tuple[list[tuple[Arrivals, int, str]], float]],
) -> None:
    results = asyncio.run(follow(api, token, after, count, connected, final_seq, grace))
    # Plain tuples: classes of a spawned child's __main__ do not unpickle in the parent.
    out.put(([(r.arrivals, r.resyncs, r.error) for r in results], time.process_time()))


# --- the driver ---------------------------------------------------------------------------------


@dataclass
class Action:
    sent: float
    returned: float = 0.0
    seq: int = 0
    error: str = ""


async def drive(
    server: Server, token: str, serials: list[str], rate: float, duration: float
) -> list[Action]:
    """``rate`` comment actions a second for ``duration`` seconds, on schedule."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    actions: list[Action] = []
    async with httpx.AsyncClient(
        base_url=server.api, headers=headers, limits=limits, timeout=30
    ) as c:
        await c.get("/health")

        async def one(i: int) -> None:
            a = Action(sent=time.monotonic())
            actions.append(a)
            body = {"action": "comment", "note": f"值班长批示 #{i}：请加快处置。"}
            try:
                r = await c.post(f"/cases/{serials[i % len(serials)]}/actions", json=body)
                a.returned = time.monotonic()
                if r.status_code == 200:
                    a.seq = int(r.json()["seq"])
                else:
                    a.error = f"HTTP {r.status_code}: {r.text[:200]}"
            except httpx.HTTPError as exc:
                a.error = repr(exc)

        total = round(rate * duration)
        start = time.monotonic() + 0.1
        tasks = []
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return actions


async def make_cases(server: Server, token: str, count: int, seed: int) -> list[str]:
    city = load_city(server, token)
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.api, headers=headers, timeout=30) as c:
        serials = []
        for _ in range(count):
            r = await c.post("/cases", json=report_body(rng, city))
            r.raise_for_status()
            serials.append(r.json()["case"]["serial"])
        head = (await c.get("/health")).json()["head_seq"]
    print(f"reported {count} cases to comment on; event head {head}")
    return serials


async def head_seq(server: Server) -> int:
    async with httpx.AsyncClient(base_url=server.api) as c:
        return int((await c.get("/health")).json()["head_seq"])


async def run_in_process(
    server: Server, token: str, serials: list[str], args: argparse.Namespace
) -> tuple[list[Action], list[SubscriberResult], float]:
    ctx = multiprocessing.get_context("spawn")
    connected = ctx.Value("i", 0)
    final_seq = ctx.Value("q", -1)
    after = await head_seq(server)
    followers = asyncio.create_task(
        follow(server.api, token, after, args.subscribers, connected, final_seq, args.grace)
    )
    await wait_connected(connected, args.subscribers)
    actions = await drive(server, token, serials, args.rate, args.duration)
    final_seq.value = max((a.seq for a in actions), default=after)
    results = await followers
    return actions, results, 0.0


async def wait_connected(connected: Any, count: int, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while connected.value < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {connected.value}/{count} subscribers connected")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # let the last ones settle into their stream loop


def run_with_processes(
    server: Server, token: str, serials: list[str], args: argparse.Namespace
) -> tuple[list[Action], list[SubscriberResult], float]:
    ctx = multiprocessing.get_context("spawn")
    connected = ctx.Value("i", 0)
    final_seq = ctx.Value("q", -1)
    out: multiprocessing.queues.Queue[tuple[list[tuple[Arrivals, int, str]], float]]
    out = ctx.Queue()
    after = asyncio.run(head_seq(server))
    shares = [
        args.subscribers // args.subscriber_procs
        + (1 if i < args.subscribers % args.subscriber_procs else 0)
        for i in range(args.subscriber_procs)
    ]
    procs = [
        ctx.Process(
            target=subscriber_process,
            args=(server.api, token, after, n, connected, final_seq, args.grace, out),
            daemon=True,
        )
        for n in shares
    ]
    for p in procs:
        p.start()
    try:
        asyncio.run(wait_connected(connected, args.subscribers))
        actions = asyncio.run(drive(server, token, serials, args.rate, args.duration))
        final_seq.value = max((a.seq for a in actions), default=after)
        results: list[SubscriberResult] = []
        child_cpu = 0.0
        for _ in procs:
            got, cpu = out.get(timeout=args.grace + 60)
            results += [SubscriberResult(*r) for r in got]
            child_cpu += cpu
        for p in procs:
            p.join(timeout=10)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)
    return actions, results, child_cpu


# --- analysis -----------------------------------------------------------------------------------


def analyse(
    actions: list[Action], results: list[SubscriberResult], args: argparse.Namespace
) -> list[Check]:
    ok = [a for a in actions if not a.error]
    failed = [a for a in actions if a.error]
    produced = {a.seq: a for a in ok}
    expected = sorted(produced)
    from_return: list[float] = []
    from_send: list[float] = []
    lost = doubled = out_of_order = resyncs = broken = extra = 0
    for res in results:
        seqs = [s for s, _ in res.arrivals]
        doubled += len(seqs) - len(set(seqs))
        out_of_order += sum(1 for a, b in itertools.pairwise(seqs) if b <= a)
        got = set(seqs)
        lost += len(set(expected) - got)
        extra += len(got - set(expected))
        resyncs += res.resyncs
        broken += 1 if res.error else 0
        for seq, at in res.arrivals:
            a = produced.get(seq)
            if a is not None:
                from_return.append(at - a.returned)
                from_send.append(at - a.sent)
    wall = (max(a.sent for a in actions) - min(a.sent for a in actions)) if actions else 0.0
    achieved = (len(actions) - 1) / wall if wall else 0.0
    post = Latency.of([a.returned - a.sent for a in ok])
    ret = Latency.of(from_return)
    snd = Latency.of(from_send)
    print(
        table(
            ["latency", *LATENCY_HEAD],
            [
                ["POST /actions (send -> response)", *post.row()],
                ["arrival - POST return", *ret.row()],
                ["arrival - POST send", *snd.row()],
            ],
            title=f"\nFan-out: {len(results)} subscribers, {len(ok)} actions at "
            f"{achieved:.1f}/s over {wall:.1f} s",
        )
    )
    negatives = sum(1 for v in from_return if v < 0)
    print(
        f"  (subscriber, event) pairs: {len(from_return):,} of {len(expected) * len(results):,};"
        f" {negatives:,} arrived before their POST's response was read (negative)"
    )
    print(
        f"  POST errors {len(failed)}; lost {lost}; doubled {doubled}; out of order "
        f"{out_of_order}; events not from the driver {extra}; resyncs {resyncs}; "
        f"subscriber errors {broken}"
    )
    for a in failed[:3]:
        print(f"    {a.error}")
    for res in [r for r in results if r.error][:3]:
        print(f"    subscriber: {res.error}")
    intact = lost == doubled == out_of_order == resyncs == broken == 0 and not failed
    return [
        Check(
            "arrival - POST return p99",
            f"{ret.p99:.1f} ms",
            f"<= {MAX_P99_MS:.0f} ms",
            ret.p99 <= MAX_P99_MS,
        ),
        Check(
            "none lost or doubled",
            f"lost {lost}, doubled {doubled}, disorder {out_of_order}, errors {len(failed)}",
            "all 0",
            intact,
        ),
        Check(
            "action rate achieved",
            f"{achieved:.1f}/s",
            f">= {0.95 * args.rate:.0f}/s",
            achieved >= 0.95 * args.rate,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0, help="actions per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of actions")
    parser.add_argument("--cases", type=int, default=40, help="cases the comments go to")
    parser.add_argument(
        "--subscriber-procs",
        type=int,
        default=1,
        help="processes holding the subscribers (0: the driver's own event loop)",
    )
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for stragglers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")
    args = parser.parse_args()
    print(environment_line())
    with fresh_database(None, keep=args.keep) as ws:
        tokens = seed_city(ws)
        with running_server(ws) as server:
            token = tokens["lead"]
            serials = asyncio.run(make_cases(server, token, args.cases, args.seed))
            how = (
                f"{args.subscriber_procs} subscriber process(es) + driver process"
                if args.subscriber_procs > 0
                else "subscribers and driver in one process"
            )
            print(f"server on {server.base}; {args.subscribers} subscribers; {how}", flush=True)
            server_cpu0 = process_cpu_seconds(server.proc.pid)
            driver_cpu0 = time.process_time()
            started = time.monotonic()
            if args.subscriber_procs > 0:
                actions, results, sub_cpu = run_with_processes(server, token, serials, args)
            else:
                actions, results, sub_cpu = asyncio.run(
                    run_in_process(server, token, serials, args)
                )
            wall = time.monotonic() - started
            server_cpu = process_cpu_seconds(server.proc.pid) - server_cpu0
            driver_cpu = time.process_time() - driver_cpu0
    checks = analyse(actions, results, args)
    print(
        f"  CPU over {wall:.0f} s: server {server_cpu / wall:.0%} of a core, driver "
        f"{driver_cpu / wall:.0%}, subscriber processes {sub_cpu / wall:.0%} (incl. start-up)"
    )
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
