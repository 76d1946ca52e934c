"""The request floor: GET /api/v1/time and /api/v1/health against a bare FastAPI route.

Seeds a fresh SQLite database (``citygrid seed``), starts the real server and, next to
it, a bare FastAPI app (one route returning a small JSON object) on uvicorn with the
same protocol and log level.  Then it drives both with ``wrk`` (Debian's package; it
must be on PATH): 1 thread, ``--connections`` connections, ``--seconds`` each, with a
valid bearer token on every request.  Each citygrid route runs right after a bare run
(bare, /time, bare, /health), so each ratio compares two runs seconds apart on the same
loaded machine; ``--rounds`` repeats that and the median ratio counts.

Budgets: /time >= 0.7x the bare route, /health >= 0.4x (requests/s).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchlib import (
    REPO,
    Check,
    Server,
    _wait_ready,
    environment_line,
    free_port,
    fresh_database,
    process_cpu_seconds,
    running_server,
    seed_city,
    table,
    verdicts,
)

BUDGETS = {"/time": 0.7, "/health": 0.4}

BARE_APP = """
import sys
import uvicorn
from fastapi import FastAPI

app = FastAPI()

@app.get("/api/v1/health")
async def health() -> dict[str, object]:
    return {"status": "ok", "version": "0.1.0", "database": "sqlite", "head_seq": 0}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", http="httptools")
"""

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


@dataclass
class Run:
    name: str
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int
    server_cpu_ms: float  # per request


@contextlib.contextmanager
def bare_server(tmp: Path) -> Iterator[Server]:
    """The bare FastAPI route on uvicorn, on a free loopback port."""
    port = free_port()
    log = tmp / "bare.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", BARE_APP, str(port)], cwd=REPO, stdout=out, stderr=out
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        _wait_ready(server, timeout=60)
        yield server
    finally:
        server.stop()


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not m:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(
    name: str,
    server: Server,
    path: str,
    token: str,
    args: argparse.Namespace,
    script: Path | None = None,
) -> Run:
    """``wrk`` against ``server``; ``script`` is a Lua file that shapes the requests."""
    cpu0 = process_cpu_seconds(server.proc.pid)
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--latency",
            *(["-s", str(script)] if script is not None else []),
            "-H",
            f"Authorization: Bearer {token}",
            f"{server.base}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = process_cpu_seconds(server.proc.pid) - cpu0
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    errors = int(bad.group(1)) if bad else 0
    if sock:
        errors += sum(int(n) for n in re.findall(r"\d+", sock.group(1)))
    return Run(name, rps, p50, p99, errors, cpu / max(1, total) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)")
        return 2
    print(environment_line())
    runs: list[Run] = []
    ratios: dict[str, list[float]] = {path: [] for path in BUDGETS}
    with fresh_database(None, keep=args.keep) as ws:
        token = seed_city(ws)["lead"]
        with running_server(ws) as citygrid, bare_server(ws.tmp) as bare:
            for path in BUDGETS:  # warm both, untimed
                wrk("warm", bare, "/api/v1/health", token, _short(args))
                wrk("warm", citygrid, f"/api/v1{path}", token, _short(args))
            for _ in range(args.rounds):
                for path in BUDGETS:
                    base = wrk("bare FastAPI", bare, "/api/v1/health", token, args)
                    run = wrk(f"citygrid {path}", citygrid, f"/api/v1{path}", token, args)
                    runs += [base, run]
                    ratios[path].append(run.rps / base.rps)
    rows = [
        [
            r.name,
            f"{r.rps:.0f}",
            f"{r.p50:.1f}",
            f"{r.p99:.1f}",
            f"{r.server_cpu_ms:.2f}",
            str(r.errors),
        ]
        for r in runs
    ]
    print(
        table(
            ["route", "req/s", "p50 ms", "p99 ms", "srv CPU ms/req", "errors"],
            rows,
            title=f"\nwrk -t1 -c{args.connections} -d{args.seconds}s, each pair back-to-back",
        )
    )
    checks = [
        Check(
            f"{path} / bare route",
            f"{statistics.median(ratios[path]):.2f}x "
            f"(runs {', '.join(f'{x:.2f}' for x in ratios[path])})",
            f">= {budget}x",
            statistics.median(ratios[path]) >= budget,
        )
        for path, budget in BUDGETS.items()
    ]
    checks.append(
        Check("errors", str(sum(r.errors for r in runs)), "0", all(r.errors == 0 for r in runs))
    )
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


def _short(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "seconds": 1})


if __name__ == "__main__":
    sys.exit(main())
