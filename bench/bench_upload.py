"""Photo upload latency: POST /api/v1/cases/{serial}/attachments with a 2 MB JPEG.

Seeds a fresh database, starts the real server on a loopback port, makes a few cases,
then uploads ``--uploads`` photos one after another (each a little different, so every
upload is decoded, cleaned, hashed and written) three times: alone (the in-run
baseline); while ``--intake-clients`` clients post new cases as fast as the server takes
them (closed loop: the server is saturated, so any request waits behind that many intake
writes at the one SQLite writer); and while the same clients post at ``--intake-rate``
cases/s between them (open loop: intake running at a rate the server keeps up with, as
a centre's reports arrive).  Reports latency percentiles of each run, the ratios to
alone, and the intake rate meanwhile.

Budget: p99 of the upload under the saturating intake <= 300 ms (the verdict); the
open-loop figure is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import multiprocessing
import random
import sys
import time
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as EventType

import httpx
from benchlib import (
    LATENCY_HEAD,
    Check,
    City,
    Latency,
    Server,
    api_client,
    client,
    environment_line,
    load_city,
    process_cpu_seconds,
    report_body,
    report_cases,
    seeded_server,
    table,
    verdicts,
)
from PIL import Image

TARGET_BYTES = 2 * 1024 * 1024
BUDGET_P99_MS = 300.0


def two_megabyte_jpeg(seed: int) -> bytes:
    """A camera-like JPEG of about 2 MB (noise over gradients compresses like a photo)."""
    rng = random.Random(seed)
    side = 1400
    while True:
        noise = Image.frombytes("RGB", (side, side * 3 // 4), rng.randbytes(side * side * 9 // 4))
        out = io.BytesIO()
        noise.save(out, "JPEG", quality=75)
        if out.tell() >= TARGET_BYTES * 0.95 or side > 3000:
            return out.getvalue()
        side = int(side * 1.1)


def variant(base: bytes, i: int) -> bytes:
    """The same photo with a different comment segment: a distinct file for the store."""
    marker = f"citygrid bench upload {i}".encode()
    segment = b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker
    return base[:2] + segment + base[2:]


async def upload_run(
    api: httpx.AsyncClient, serials: list[str], photo: bytes, n: int, start: int
) -> list[float]:
    seconds: list[float] = []
    for i in range(n):
        serial = serials[i % len(serials)]
        data = variant(photo, start + i)
        began = time.perf_counter()
        response = await api.post(
            f"/cases/{serial}/attachments",
            files={"file": ("photo.jpg", data, "image/jpeg")},
            data={"phase": "before"},
        )
        seconds.append(time.perf_counter() - began)
        if response.status_code != 201:
            raise SystemExit(f"upload failed: {response.status_code} {response.text[:300]}")
    return seconds


def intake_process(
    api_url: str,
    token: str,
    city: City,
    clients: int,
    rate: float,
    stop: EventType,
    started: EventType,
    done: Synchronized[int],
) -> None:
    """Intake load from its own process, so it does not share the measuring event loop.
    ``rate`` 0: each client posts again as soon as it has its answer; otherwise client
    ``i`` takes the slots ``i, i + clients, …`` of a schedule at ``rate`` per second
    (a late client posts at once; it does not burst to catch up)."""

    async def one(seed: int, index: int) -> None:
        rng = random.Random(seed)
        loop = asyncio.get_running_loop()
        began = loop.time()
        slot = index
        async with api_client(api_url, token) as api:
            while not stop.is_set():
                if rate > 0:
                    await asyncio.sleep(max(0.0, began + slot / rate - loop.time()))
                    now_slot = math.ceil((loop.time() - began) * rate)
                    slot = max(
                        slot + clients,
                        index + max(0, now_slot - index + clients - 1) // clients * clients,
                    )
                response = await api.post("/cases", json=report_body(rng, city))
                if response.status_code == 201:
                    with done.get_lock():
                        done.value += 1
                started.set()

    async def run() -> None:
        await asyncio.gather(*(one(100 + i, i) for i in range(clients)))

    asyncio.run(run())


async def under_intake(
    api: httpx.AsyncClient,
    server: Server,
    token: str,
    city: City,
    args: argparse.Namespace,
    run: tuple[list[str], bytes, int],
    rate: float,
) -> tuple[Latency, float]:
    """Upload latency while intake runs from another process; and the intake's cases/s."""
    serials, photo, start = run
    stop, started = multiprocessing.Event(), multiprocessing.Event()
    done: Synchronized[int] = multiprocessing.Value("i", 0)
    loader = multiprocessing.Process(
        target=intake_process,
        args=(server.api, token, city, args.intake_clients, rate, stop, started, done),
    )
    loader.start()
    try:
        if not started.wait(60):
            raise SystemExit("the intake load did not start")
        began, before = time.perf_counter(), done.value
        latency = Latency.of(await upload_run(api, serials, photo, args.uploads, start))
        elapsed, intake_count = time.perf_counter() - began, done.value - before
    finally:
        stop.set()
        loader.join(60)
    return latency, intake_count / elapsed


async def main_async(server: Server, token: str, args: argparse.Namespace) -> int:
    city = load_city(server, token)
    rng = random.Random(7)
    photo = two_megabyte_jpeg(11)
    async with client(server, token, timeout=60) as api:
        serials = await report_cases(api, city, rng, 5)
        await upload_run(api, serials, photo, 3, 0)  # warm-up
        cpu_before = process_cpu_seconds(server.proc.pid)
        alone = Latency.of(await upload_run(api, serials, photo, args.uploads, 1000))
        cpu_ms = (process_cpu_seconds(server.proc.pid) - cpu_before) * 1000 / args.uploads
        busy, busy_rate = await under_intake(
            api, server, token, city, args, (serials, photo, 2000), 0.0
        )
        paced, paced_rate = await under_intake(
            api, server, token, city, args, (serials, photo, 3000), args.intake_rate
        )
    print(environment_line())
    print(f"photo: {len(photo) / 1_048_576:.2f} MB JPEG; uploads per run: {args.uploads}")
    print(f"server CPU per upload, alone: {cpu_ms:.1f} ms (user + system, all its threads)")
    clients = args.intake_clients
    print(
        table(
            ["run", *LATENCY_HEAD, "intake cases/s", "p99 ÷ alone"],
            [
                ["alone", *alone.row(), "-", "1.00"],
                [
                    f"intake, {clients} clients as fast as served",
                    *busy.row(),
                    f"{busy_rate:.0f}",
                    f"{busy.p99 / alone.p99:.2f}",
                ],
                [
                    f"intake, {clients} clients at {args.intake_rate:g}/s",
                    *paced.row(),
                    f"{paced_rate:.0f}",
                    f"{paced.p99 / alone.p99:.2f}",
                ],
            ],
            title="\nUpload latency",
        )
    )
    checks = [
        Check(
            "upload p99 with intake (saturating)",
            f"{busy.p99:.0f} ms",
            f"<= {BUDGET_P99_MS:.0f} ms",
            busy.p99 <= BUDGET_P99_MS,
        )
    ]
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=60)
    parser.add_argument("--intake-clients", type=int, default=4)
    parser.add_argument(
        "--intake-rate",
        type=float,
        default=10.0,
        help="cases/s of the open-loop intake run (the closed-loop run is as fast as served)",
    )
    parser.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: SQLite)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with seeded_server(args.pg, keep=args.keep) as (_ws, tokens, server):
        return asyncio.run(main_async(server, tokens["lead"], args))


if __name__ == "__main__":
    sys.exit(main())
