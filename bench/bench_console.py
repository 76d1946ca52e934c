"""The console at scale: start-up, idle CPU, idle terminal bytes and memory, in a real pty.

For each ``--sizes`` N (default 10,000 and 100,000 open cases) the script builds a fresh
SQLite store, starts the real server on loopback, and spawns
``citygrid console --server … --token …`` (as the shift lead, Chinese, 120×40,
``TERM=xterm-256color``) in a pseudo-terminal it reads itself:

* **start → first painted queue**: from process spawn to the first output that shows
  the loaded queue (the status bar's ``<shown>/<N>``: the snapshot of all N cases is in
  the model and on the terminal); also the first frame of any kind (the empty queue
  screen's table header).
  ``--starts`` runs, median.  Baseline in the same run and harness: a bare Textual app
  (one ``Static``).
* **idle CPU** of the console process over ``--idle`` seconds after load, countdowns
  running (``/proc/<pid>/stat`` utime+stime), and **bytes written to the terminal per
  second** over the same window.  Reference in the same harness: ``htop`` (if installed).
* **RSS** (``VmRSS``) after load; baseline: the bare Textual app.
* **keystrokes to dispatch** a filed case to its routed department: ``d``, ``Enter``
  (2; driven for real by ``tests/e2e/test_tmux_demo.py``).

How the N open cases are made (fast, and exactly what the service writes): ``--templates``
cases (default 240) go through the real API with 16 concurrent clients — reported, then
filed, dispatched, signed or disposal-reported by the routed department — so every
column, JSON field and event row is the service's own.  The server is stopped, and the
templates are cloned with ``sqlite3`` ``executemany`` into N cases (new id and serial,
another grid of the same area class with its street/community codes, the deadline moved
by a random −3 h…+3 d so the queue mixes overdue, warning and green lights), each with
a copy of its template's event rows.  The assessment projection is then rebuilt in bulk
(``citygrid assessment rebuild``), as after any bulk import, and the server restarted on
the result.
Creating 100,000 cases through the API instead takes minutes (≈300 cases/s with three or
four actions each); the clone takes seconds.

Budgets: first painted queue ≤ 1.5 s at 10k and ≤ 4 s at 100k; idle CPU ≤ 3 % of a core
and idle output ≤ 2.5 KB/s at 100k; RSS ≤ 200 MB at 100k.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import functools
import os
import random
import select
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    REPO,
    Check,
    Server,
    Workspace,
    environment_line,
    fresh_database,
    load_city,
    process_cpu_seconds,
    report_body,
    rss_mb,
    running_server,
    seed_city,
    table,
    verdicts,
)

from backend_client.snapshot import parse_line, snapshot_lines

WIDTH, HEIGHT = 120, 40
CITYGRID = Path(sys.executable).parent / "citygrid"
OPEN_STATES = (
    "reported",
    "verifying",
    "self_disposed",
    "filed",
    "dispatched",
    "in_progress",
    "suspended",
    "disposed",
    "checking",
)
BUDGET_START = {10_000: 1.5, 100_000: 4.0}  # seconds, spawn to first painted queue
BUDGET_LOADED = {100_000: 3.0}  # seconds, spawn to all N in the model and painted
BUDGET_CPU = 3.0  # % of one core, idle at 100k
BUDGET_BYTES = 2.5 * 1024  # bytes/s to the terminal, idle at 120×40
BUDGET_RSS = 200.0  # MB at 100k
DISPATCH_KEYS = ("d", "Enter")

BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self): yield Static("bare-textual-ready")
Bare().run()
"""
TS = "%Y-%m-%d %H:%M:%S.%f"


# --- a process in a pseudo-terminal -------------------------------------------------------------


def _child_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {
        "TERM": "xterm-256color",
        "LANG": "zh_CN.UTF-8",
        "XDG_CONFIG_HOME": str(tmp / "config"),  # no user console.toml, themes or keymap
        "XDG_DATA_HOME": str(tmp / "data"),
    }
    for name in ("TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "TEXTUAL_FPS", "COLORTERM"):
        env.pop(name, None)
    return env


def _controlling_tty() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """A child on a fresh pty (120×40 unless told); a thread drains and timestamps its output."""

    def __init__(
        self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (WIDTH, HEIGHT)
    ) -> None:
        master, slave = os.openpty()
        width, height = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        self.master = master
        self.output = bytearray()
        self.lock = threading.Lock()
        self.marks: dict[str, float] = {}  # marker -> seconds after spawn
        self._watch: dict[str, bytes] = {}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=REPO,
            start_new_session=True,
            preexec_fn=_controlling_tty,  # the pty becomes the child's controlling terminal
            close_fds=True,
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def watch(self, name: str, text: str) -> None:
        with self.lock:
            self._watch[name] = text.encode()
            self._check()

    def _check(self) -> None:
        now = time.perf_counter() - self.started
        for name, needle in list(self._watch.items()):
            if needle in self.output:
                self.marks.setdefault(name, now)
                del self._watch[name]

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    if self.proc.poll() is not None:
                        return
                    continue
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.output += chunk
                if self._watch:
                    self._check()

    def bytes_so_far(self) -> int:
        with self.lock:
            return len(self.output)

    def wait_mark(self, name: str, limit: float) -> float | None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self.lock:
                if name in self.marks:
                    return self.marks[name]
            if self.proc.poll() is not None:
                return None
            time.sleep(0.005)
        return None

    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def close(self, quit_keys: bytes) -> None:
        self.send(quit_keys)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=2)
        with contextlib.suppress(OSError):
            os.close(self.master)

    def tail(self) -> str:
        with self.lock:
            return self.output[-1500:].decode("utf-8", "replace")


@dataclass
class Idle:
    cpu_percent: float
    bytes_per_s: float


def measure_idle(p: PtyProcess, seconds: float) -> Idle:
    cpu0, bytes0, t0 = (
        process_cpu_seconds(p.proc.pid, children=False),
        p.bytes_so_far(),
        time.perf_counter(),
    )
    time.sleep(seconds)
    cpu1, bytes1, t1 = (
        process_cpu_seconds(p.proc.pid, children=False),
        p.bytes_so_far(),
        time.perf_counter(),
    )
    return Idle(100 * (cpu1 - cpu0) / (t1 - t0), (bytes1 - bytes0) / (t1 - t0))


# --- building N open cases ----------------------------------------------------------------------


@dataclass
class Store:
    ws: Workspace
    tokens: dict[str, str]
    open_total: int = 0
    template_seconds: float = 0.0
    clone_seconds: float = 0.0
    template_max_id: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


STATE_MIX = {"reported": 20, "filed": 15, "dispatched": 25, "in_progress": 30, "disposed": 10}


async def _walk(
    c: httpx.AsyncClient, tokens: dict[str, str], body: dict[str, Any], target: str
) -> str:
    """Report one case as the lead and take it, through the API, to ``target``."""
    lead = {"Authorization": f"Bearer {tokens['lead']}"}
    r = await c.post("/cases", json=body, headers=lead)
    r.raise_for_status()
    case = r.json()["case"]
    steps = [("file", lead), ("dispatch", lead)]
    for action, headers in steps:
        if case["state"] == target:
            return str(case["state"])
        r = await c.post(
            f"/cases/{case['serial']}/actions", json={"action": action}, headers=headers
        )
        r.raise_for_status()
        case = r.json()["case"]
    handler = tokens.get(f"h_{str(case['department_code']).lower()}")
    if case["state"] == target or handler is None:
        return str(case["state"])
    dept = {"Authorization": f"Bearer {handler}"}
    for action, extra in (("sign", {}), ("report_disposal", {"note": "已处置完毕"})):
        r = await c.post(
            f"/cases/{case['serial']}/actions", json={"action": action, **extra}, headers=dept
        )
        r.raise_for_status()
        case = r.json()["case"]
        if case["state"] == target:
            break
    return str(case["state"])


async def _templates(server: Server, tokens: dict[str, str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    city = load_city(server, tokens["lead"])
    states, weights = list(STATE_MIX), list(STATE_MIX.values())
    plan = [(report_body(rng, city), rng.choices(states, weights)[0]) for _ in range(count)]
    errors: list[str] = []

    async def worker(mine: list[tuple[dict[str, Any], str]]) -> None:
        async with httpx.AsyncClient(base_url=server.api, timeout=60) as c:
            for body, target in mine:
                try:
                    await _walk(c, tokens, body, target)
                except httpx.HTTPError as exc:  # a busy machine: skip this one
                    errors.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(worker(plan[i::16]) for i in range(16)))
    return errors


def make_templates(store: Store, count: int, seed: int) -> None:
    with running_server(store.ws, log_name="server-templates.log") as server:
        started = time.perf_counter()
        errors = asyncio.run(_templates(server, store.tokens, count, seed))
        store.template_seconds = time.perf_counter() - started
        if errors:
            print(f"  {len(errors)} template cases failed, e.g. {errors[0]}")
    with contextlib.closing(sqlite3.connect(_db_path(store.ws))) as db:
        store.template_max_id = int(db.execute("SELECT max(id) FROM case_file").fetchone()[0])


def _db_path(ws: Workspace) -> str:
    return ws.url.removeprefix("sqlite:///")


def grow_to(store: Store, total: int, seed: int) -> None:
    """Clone the API-made open cases (and their events) until ``total`` cases are open."""
    rng = random.Random(seed + total)
    db = sqlite3.connect(_db_path(store.ws))
    db.row_factory = sqlite3.Row
    marks = ",".join("?" * len(OPEN_STATES))
    templates = db.execute(  # the API-made cases only: never clone a clone
        f"SELECT * FROM case_file WHERE state IN ({marks}) AND id <= ? ORDER BY id",
        (*OPEN_STATES, store.template_max_id),
    ).fetchall()
    have = db.execute(
        f"SELECT count(*) FROM case_file WHERE state IN ({marks})", OPEN_STATES
    ).fetchone()[0]
    need = total - have
    if need <= 0 or not templates:
        store.open_total = have
        db.close()
        return
    events: dict[int, list[sqlite3.Row]] = {}
    ids = ",".join(str(t["id"]) for t in templates)
    for row in db.execute(f"SELECT * FROM event_log WHERE case_id IN ({ids}) ORDER BY seq"):
        events.setdefault(row["case_id"], []).append(row)
    grids: dict[str, list[str]] = {}
    for code, area in db.execute("SELECT code, area_class FROM region WHERE kind = 'grid'"):
        grids.setdefault(area, []).append(code)
    case_cols = [d[0] for d in db.execute("SELECT * FROM case_file LIMIT 0").description]
    case_cols = [c for c in case_cols if c != "id"]
    event_cols = [d[0] for d in db.execute("SELECT * FROM event_log LIMIT 0").description]
    event_cols = [c for c in event_cols if c != "seq"]
    next_id = db.execute("SELECT max(id) FROM case_file").fetchone()[0] + 1
    year, district = templates[0]["serial"].split("-")[:2]
    counter = db.execute(
        "SELECT last_value FROM serial_counter WHERE year = ? AND district_code = ?",
        (int(year), district),
    ).fetchone()[0]
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # stored as naive UTC
    started = time.perf_counter()
    case_rows: list[tuple[object, ...]] = []
    event_rows: list[tuple[object, ...]] = []
    case_sql = (
        f"INSERT INTO case_file (id, {', '.join(case_cols)}) "
        f"VALUES ({', '.join('?' * (len(case_cols) + 1))})"
    )
    event_sql = (
        f"INSERT INTO event_log ({', '.join(event_cols)}) "
        f"VALUES ({', '.join('?' * len(event_cols))})"
    )
    db.execute("BEGIN")
    for i in range(need):
        template = templates[i % len(templates)]
        counter += 1
        serial = f"{year}-{district}-{counter:06d}"
        grid = rng.choice(grids[template["area_class"]])
        shift = timedelta(seconds=rng.uniform(-3 * 3600, 3 * 86400))
        values = dict(template)
        values |= {
            "serial": serial,
            "grid_code": grid,
            "community_code": grid[:12],
            "street_code": grid[:9],
            "district_code": grid[:6],
            "reporters": template["reporters"].replace(template["serial"], serial),
        }
        if template["deadline_at"] is not None:
            deadline = datetime.strptime(template["deadline_at"], TS)
            new_deadline = now + shift
            moved = new_deadline - deadline
            for name in ("warn_at", "deadline_at", "due_key"):
                if values[name] is not None and values[name] < "9999":
                    values[name] = (datetime.strptime(values[name], TS) + moved).strftime(TS)
        case_id = next_id + i
        case_rows.append((case_id, *(values[c] for c in case_cols)))
        for event in events.get(template["id"], []):
            ev = dict(event) | {"case_id": case_id, "serial": serial, "grid_code": grid}
            event_rows.append(tuple(ev[c] for c in event_cols))
        if len(case_rows) >= 20_000:
            db.executemany(case_sql, case_rows)
            db.executemany(event_sql, event_rows)
            case_rows, event_rows = [], []
    db.executemany(case_sql, case_rows)
    db.executemany(event_sql, event_rows)
    db.execute(
        "UPDATE serial_counter SET last_value = ? WHERE year = ? AND district_code = ?",
        (counter, int(year), district),
    )
    db.commit()
    store.clone_seconds += time.perf_counter() - started
    store.open_total = db.execute(
        f"SELECT count(*) FROM case_file WHERE state IN ({marks})", OPEN_STATES
    ).fetchone()[0]
    store.by_state = dict(
        db.execute(
            f"SELECT state, count(*) FROM case_file WHERE state IN ({marks}) GROUP BY state",
            OPEN_STATES,
        ).fetchall()
    )
    db.execute("ANALYZE")
    db.close()
    # The clones' events bypassed the assessment projection: build it in bulk, as an
    # operator would after a bulk import. Otherwise the restarted server folds ~290,000
    # events in the background while the first starts are timed.
    subprocess.run(
        [sys.executable, "-m", "citygrid", "assessment", "rebuild", "--database", store.ws.url],
        check=True,
        capture_output=True,
        cwd=REPO,
    )


# --- the measurements ---------------------------------------------------------------------------


@dataclass
class Start:
    first_frame: float | None
    first_rows: float | None  # the first page (most urgent cases) on the terminal
    loaded: float | None  # every open case in the model and the status bar


def console_argv(url: str, token: str) -> list[str]:
    return [str(CITYGRID), "console", "--server", url, "--token", token, "--lang", "zh"]


def start_console(url: str, token: str, n: int, tmp: Path) -> tuple[PtyProcess, Start]:
    p = PtyProcess(console_argv(url, token), _child_env(tmp))
    p.watch("frame", "流水号")  # the table header: the queue screen is on the terminal
    p.watch("rows", "-110112-")  # a serial: the first page of cases is painted
    # The status bar's "<in queue>/<open>" once the snapshot of all n cases is in the
    # model and painted (the tab line's "全部 <n>" is cut off at 120 columns).
    p.watch("loaded", f"/{n} │")
    loaded = p.wait_mark("loaded", 60)
    return p, Start(p.marks.get("frame"), p.marks.get("rows"), loaded)


def start_bare(tmp: Path) -> tuple[PtyProcess, float | None]:
    p = PtyProcess([sys.executable, "-c", BARE_APP], _child_env(tmp))
    p.watch("ready", "bare-textual-ready")
    return p, p.wait_mark("ready", 30)


def median(values: list[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return statistics.median(clean) if clean else None


def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


@dataclass
class SizeResult:
    n: int
    starts: list[Start]
    idle: Idle | None = None
    rss: float | None = None


async def _read_paged(api: str, token: str) -> tuple[float, float, int]:
    """The console's former load: ``GET /cases?state=open`` pages (500, then 5,000)."""
    async with httpx.AsyncClient(
        base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as c:
        started = time.perf_counter()
        first, cursor, rows = 0.0, None, 0
        while True:
            params: dict[str, Any] = {"state": "open", "sort": "deadline"}
            params["limit"] = 500 if cursor is None else 5000
            if cursor:
                params["cursor"] = cursor
            page = (await c.get("/cases", params=params)).json()
            first = first or time.perf_counter() - started
            rows += len(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return first, time.perf_counter() - started, rows


async def _read_snapshot(api: str, token: str) -> tuple[float, float, int]:
    """``GET /cases/snapshot`` (gzip), every line decoded: the console's load, on the wire."""
    async with httpx.AsyncClient(
        base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as c:
        started = time.perf_counter()
        first, rows = 0.0, 0
        async for line in snapshot_lines(c):
            item = parse_line(line)
            if isinstance(item, list):
                first = first or time.perf_counter() - started
                rows += len(item)
        return first, time.perf_counter() - started, rows


def measure_wire(server: Server, token: str, n: int) -> None:
    """The snapshot against the former paged read, same server, same run (no console)."""
    snap = asyncio.run(_read_snapshot(server.api, token))
    paged = asyncio.run(_read_paged(server.api, token))
    print(
        f"  N={n:,} on the wire: snapshot first batch {snap[0]:.2f} s, all {snap[1]:.2f} s "
        f"({snap[2]:,} rows); paged read first page {paged[0]:.2f} s, all {paged[1]:.2f} s "
        f"({paged[2]:,} rows); snapshot ÷ paged {snap[1] / paged[1]:.2f}",
        flush=True,
    )


def measure_size(store: Store, n: int, args: argparse.Namespace) -> SizeResult:
    result = SizeResult(n, [])
    with running_server(store.ws, log_name=f"server-{n}.log") as server:
        token = store.tokens["lead"]
        if args.wire:
            measure_wire(server, token, n)
        for run in range(args.starts):
            p, start = start_console(server.base, token, store.open_total, store.ws.tmp)
            result.starts.append(start)
            if start.loaded is None:
                print(f"  N={n:,} run {run + 1}: the queue never painted; last output:")
                print(p.tail())
                p.close(b"q")
                continue
            print(
                f"  N={n:,} run {run + 1}: first frame {fmt_s(start.first_frame)}, "
                f"first rows {fmt_s(start.first_rows)}, all loaded {fmt_s(start.loaded)}",
                flush=True,
            )
            last = run == args.starts - 1
            if last:
                time.sleep(2.0)  # let the load settle (GC, the first ticks)
                result.rss = rss_mb(p.proc.pid)
                if n >= args.idle_at:
                    print(f"  N={n:,}: {args.idle:.0f} s idle…", flush=True)
                    result.idle = measure_idle(p, args.idle)
            p.close(b"q")
    return result


def measure_bare(args: argparse.Namespace, tmp: Path) -> tuple[float | None, float | None]:
    times: list[float | None] = []
    rss: float | None = None
    for run in range(args.starts):
        p, ready = start_bare(tmp)
        times.append(ready)
        if run == args.starts - 1 and ready is not None:
            time.sleep(1.0)
            rss = rss_mb(p.proc.pid)
        p.close(b"\x11")  # ctrl+q
    return median(times), rss


def measure_htop(seconds: float, tmp: Path) -> Idle | None:
    htop = shutil.which("htop")
    if htop is None:
        return None
    p = PtyProcess([htop], _child_env(tmp))
    p.watch("ready", "Load average")
    if p.wait_mark("ready", 10) is None:
        p.close(b"q")
        return None
    time.sleep(2.0)
    idle = measure_idle(p, seconds)
    p.close(b"q")
    return idle


# --- main ---------------------------------------------------------------------------------------


def timed(label: str, fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    print(f"  {label}: {elapsed:.1f} s", flush=True)
    return elapsed


def run(args: argparse.Namespace) -> list[Check]:
    checks: list[Check] = []
    with fresh_database(None, keep=args.keep, prefix="citygrid-bench-console-") as ws:
        print("building the store…", flush=True)
        store = Store(ws, {})
        timed("seed the city", lambda: store.tokens.update(seed_city(ws)))
        timed(
            f"{args.templates} template cases via the API",
            lambda: make_templates(store, args.templates, args.seed),
        )
        print("baseline: a bare Textual app in the same pty harness…", flush=True)
        bare_start, bare_rss = measure_bare(args, ws.tmp)
        print(f"  bare app first paint {fmt_s(bare_start)}, RSS {bare_rss or 0:.0f} MB")
        results: list[SizeResult] = []
        for n in sorted(args.sizes):
            timed(f"clone to {n:,} open cases", functools.partial(grow_to, store, n, args.seed))
            print(f"  open cases by state: {store.by_state}", flush=True)
            results.append(measure_size(store, n, args))
        print(f"htop reference: {args.idle:.0f} s idle…", flush=True)
        htop = measure_htop(args.idle, ws.tmp)

    rows: list[list[str]] = []
    for r in results:
        rows.append(
            [
                f"console, {r.n:,} open",
                fmt_s(median([s.first_frame for s in r.starts])),
                fmt_s(median([s.first_rows for s in r.starts])),
                fmt_s(median([s.loaded for s in r.starts])),
                f"{r.idle.cpu_percent:.2f} %" if r.idle else "—",
                f"{r.idle.bytes_per_s / 1024:.2f} KB/s" if r.idle else "—",
                f"{r.rss:.0f} MB" if r.rss else "—",
            ]
        )
    rows.append(
        ["bare Textual app", fmt_s(bare_start), "—", "—", "—", "—", f"{bare_rss or 0:.0f} MB"]
    )
    rows.append(
        [
            "htop (reference)",
            "—",
            "—",
            "—",
            f"{htop.cpu_percent:.2f} %" if htop else "not installed",
            f"{htop.bytes_per_s / 1024:.2f} KB/s" if htop else "—",
            "—",
        ]
    )
    head = ["process", "first frame", "first rows", "all loaded", "idle CPU", "idle output", "RSS"]
    print()
    print(table(head, rows, title=f"Console in a {WIDTH}×{HEIGHT} pty (median of {args.starts})"))
    print(
        f"\nkeystrokes to dispatch a filed case to its routed department: "
        f"{len(DISPATCH_KEYS)} ({', '.join(DISPATCH_KEYS)}; tests/e2e/test_tmux_demo.py)"
    )
    print(
        f"store: {args.templates} API-made templates in {store.template_seconds:.1f} s, "
        f"cloned in {store.clone_seconds:.1f} s"
    )

    for r in results:
        every = median([s.loaded for s in r.starts])
        if r.n in BUDGET_LOADED:
            checks.append(
                Check(
                    f"start → all {r.n:,} loaded",
                    fmt_s(every),
                    f"<= {BUDGET_LOADED[r.n]} s",
                    every is not None and every <= BUDGET_LOADED[r.n],
                )
            )
        loaded = median([s.first_rows for s in r.starts])
        budget = BUDGET_START.get(r.n)
        if budget is not None:
            checks.append(
                Check(
                    f"start → first painted queue, {r.n:,} open",
                    fmt_s(loaded),
                    f"<= {budget} s",
                    loaded is not None and loaded <= budget,
                )
            )
        if r.idle is not None:
            checks.append(
                Check(
                    f"idle CPU, {r.n:,} open",
                    f"{r.idle.cpu_percent:.2f} %",
                    f"<= {BUDGET_CPU} %",
                    r.idle.cpu_percent <= BUDGET_CPU,
                )
            )
            checks.append(
                Check(
                    f"idle output at {WIDTH}×{HEIGHT}, {r.n:,} open",
                    f"{r.idle.bytes_per_s / 1024:.2f} KB/s",
                    f"<= {BUDGET_BYTES / 1024} KB/s",
                    r.idle.bytes_per_s <= BUDGET_BYTES,
                )
            )
        if r.n >= args.idle_at and r.rss is not None:
            checks.append(
                Check(
                    f"RSS, {r.n:,} open",
                    f"{r.rss:.0f} MB",
                    f"<= {BUDGET_RSS:.0f} MB",
                    r.rss <= BUDGET_RSS,
                )
            )
    checks.append(Check("keystrokes to dispatch", str(len(DISPATCH_KEYS)), "—", True))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10_000, 100_000],
        help="open-case counts to measure, comma-separated (default 10000,100000)",
    )
    parser.add_argument("--templates", type=int, default=240, help="cases made via the API")
    parser.add_argument("--starts", type=int, default=3, help="console starts per size")
    parser.add_argument("--idle", type=float, default=20.0, help="idle window, seconds")
    parser.add_argument(
        "--idle-at", type=int, default=100_000, help="measure idle/RSS from this size on"
    )
    parser.add_argument(
        "--wire",
        action="store_true",
        help="also time the snapshot and the former paged read over HTTP alone (the "
        "paged read takes minutes at 100k on a busy machine)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (db, logs)")
    args = parser.parse_args()
    if not CITYGRID.exists():
        parser.error(f"{CITYGRID} not found: install the project (pip install -e .)")
    print(environment_line())
    started = time.perf_counter()
    checks = run(args)
    print(verdicts(checks))
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
