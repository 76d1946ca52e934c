"""Server memory with stalled stream clients: N clients that stop reading while
``--events`` large events are written, then resume.

    python bench/bench_stalled.py [--stalled 10] [--events 3000] [--database PG_ADMIN_URL]

Two runs, each on a fresh database and a fresh server with the same seed and the same
writes (the in-run baseline is the first):

* **none**: no stream open; ``--events`` ``comment`` actions with a 2,000-character
  note (about 7 KB per event on the stream), ``--writers`` at a time;
* **stalled**: ``--stalled`` raw ``GET /events/stream`` connections (small receive
  buffers) that read the response head and then stop reading; the same writes; then
  every client resumes and reads until it has the last seq.

Reports the server's RSS (``/proc/<pid>/status``) after the writes in both runs,
the peak while the clients were stalled, and after they resumed.  Budget: RSS after
the resume ≤ 1.3 × RSS with no client.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import time
from dataclasses import dataclass

import httpx
from benchlib import (
    Check,
    Server,
    client,
    environment_line,
    load_city,
    report_cases,
    rss_mb,
    seeded_server,
    table,
    verdicts,
)

BUDGET_RATIO = 1.3
CASES = 100
NOTE = ("巡查发现道路破损，影响通行，请尽快处理。" * 100)[:2000]


@dataclass
class Run:
    after_writes: float
    peak_stalled: float = 0.0
    after_resume: float = 0.0
    write_seconds: float = 0.0
    resume_seconds: float = 0.0


class Stalled:
    """A stream connection that reads the response head and then nothing until told."""

    def __init__(self, server: Server, token: str, after: int) -> None:
        self.server = server
        self.token = token
        self.after = after
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        url = httpx.URL(self.server.api)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (url.host, url.port))
        # a small buffer on our side too: asyncio stops reading from the socket once full
        self.reader, self.writer = await asyncio.open_connection(sock=sock, limit=4096)
        self.writer.write(
            (
                f"GET {url.raw_path.decode()}/events/stream?after={self.after} HTTP/1.1\r\n"
                f"Host: {url.host}:{url.port}\r\nAuthorization: Bearer {self.token}\r\n"
                "Accept: text/event-stream\r\n\r\n"
            ).encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n", 1)[0], head

    async def resume(self, last: int) -> None:
        assert self.reader is not None and self.writer is not None
        needle = b"id: %d\n" % last
        tail = b""
        while chunk := await self.reader.read(256 * 1024):
            window = tail + chunk
            if needle in window:
                break
            if b"event: resync" in window:
                raise RuntimeError("the server sent resync")
            tail = window[-32:]
        else:
            raise RuntimeError("the stream ended before the last event")
        self.writer.close()


async def write_events(server: Server, token: str, count: int, writers: int, seed: int) -> int:
    """``count`` comments with a long note, spread over ``CASES`` cases (an action's answer
    carries the case's timeline, so fewer cases would make the writes slow); returns
    the last seq."""
    rng = random.Random(seed)
    city = load_city(server, token)
    async with client(server, token) as lead:
        serials = await report_cases(lead, city, rng, CASES)
        queue = list(range(count))

        async def writer() -> None:
            while queue:
                n = queue.pop()
                response = await lead.post(
                    f"/cases/{serials[n % len(serials)]}/actions",
                    json={"action": "comment", "note": NOTE},
                )
                response.raise_for_status()

        await asyncio.gather(*(writer() for _ in range(writers)))
        return int((await lead.get("/health")).json()["head_seq"])


async def one_run(args: argparse.Namespace, stalled: int) -> Run:
    with seeded_server(args.database) as (_ws, tokens, server):
        pid = server.proc.pid
        async with client(server, tokens["lead"]) as lead:
            head = int((await lead.get("/health")).json()["head_seq"])
        clients = [Stalled(server, tokens["lead"], head) for _ in range(stalled)]
        for c in clients:
            await c.open()
        peak = [0.0]
        done = asyncio.Event()

        async def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(pid, children=True))
                try:
                    async with asyncio.timeout(0.25):
                        await done.wait()
                except TimeoutError:
                    pass

        sampler = asyncio.create_task(sample())
        t0 = time.monotonic()
        last = await write_events(server, tokens["lead"], args.events, args.writers, args.seed)
        run = Run(after_writes=rss_mb(pid, children=True), write_seconds=time.monotonic() - t0)
        t1 = time.monotonic()
        async with asyncio.timeout(args.limit):
            await asyncio.gather(*(c.resume(last) for c in clients))
        run.resume_seconds = time.monotonic() - t1
        done.set()
        await sampler
        run.peak_stalled = peak[0]
        run.after_resume = rss_mb(pid, children=True)
        return run


async def run(args: argparse.Namespace) -> int:
    print(environment_line())
    none = await one_run(args, 0)
    print(f"none: {args.events} events written in {none.write_seconds:.1f}s", flush=True)
    stalled = await one_run(args, args.stalled)
    print(
        f"stalled: {args.events} events written in {stalled.write_seconds:.1f}s; "
        f"{args.stalled} clients resumed in {stalled.resume_seconds:.1f}s"
    )
    rows = [
        ["no stream client", f"{none.after_writes:.0f}", "-", "-"],
        [
            f"{args.stalled} stalled clients",
            f"{stalled.after_writes:.0f}",
            f"{stalled.peak_stalled:.0f}",
            f"{stalled.after_resume:.0f}",
        ],
    ]
    print(table(["server RSS, MB", "after writes", "peak", "after resume"], rows, title=""))
    ratio = stalled.after_resume / none.after_writes
    peak_ratio = stalled.peak_stalled / none.after_writes
    print(f"ratio after resume / none: {ratio:.2f}; peak / none: {peak_ratio:.2f}")
    check = Check("RSS after resume", f"{ratio:.2f}x", f"<= {BUDGET_RATIO}x", ratio <= BUDGET_RATIO)
    print(verdicts([check]))
    return 0 if check.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stalled", type=int, default=10)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--writers", type=int, default=8, help="concurrent POSTs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=float, default=120.0, help="resume time limit, s")
    parser.add_argument("--database", help="PostgreSQL admin URL (default: a temp SQLite file)")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
