"""From ``scripts/demo`` to a busy centre on screen: every queue populated, the map coloured.

The script starts ``scripts/demo`` (the virtualenv already set up) in a private tmux
server, in an 80×24 pane with ``TERM=xterm-256color``, ``LANG=zh_CN.UTF-8`` and throw-away
XDG data and config directories, exactly as a newcomer would.  It reads the pane every
0.1 s and times, from the launch:

* **queues**: the tab line shows a count above zero for all ten queues (1 … 9, 0);
* **map**: after ``M``, the map rows carry background colours (the grids' traffic
  lights), on at least ``--coloured`` cells.

Two runs: **first** (a new data directory: the demo seeds the city, its history and the
open backlog) and **again** (the same directory, already seeded).  Budget: ≤ 10 s to both
in each run.  ``q`` ends each demo; the tmux server is killed whatever happens.

    .venv/bin/python bench/bench_demo_busy.py
    .venv/bin/python bench/bench_demo_busy.py --width 120 --height 40
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchlib import Check, environment_line, table, verdicts

REPO = Path(__file__).resolve().parent.parent
BUDGET_S = 10.0
TAB = re.compile(r"(?:\[)?([0-9])[ :][^\]0-9 ]*\s*([0-9]+)")
BACKGROUND = re.compile(r"\x1b\[(?:[0-9;]*;)?48;(?:5;[0-9]+|2;[0-9]+;[0-9]+)[;0-9]*m")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tab_counts(first_line: str) -> dict[str, int]:
    """``[1 待受理 121] 2:72 … 0:1201`` → {"1": 121, "2": 72, …}."""
    return {key: int(n) for key, n in TAB.findall(first_line)}


@dataclass
class Run:
    name: str
    queues: float
    map: float
    counts: dict[str, int]


class Pane:
    def __init__(self, sock: Path) -> None:
        self.sock = str(sock)

    def tmux(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        done = subprocess.run(
            ["tmux", "-S", self.sock, *args], capture_output=True, text=True, env=env
        )
        return done.stdout

    def text(self, colours: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-e"] if colours else []), "-t", "demo")

    def alive(self) -> bool:
        return bool(self.tmux("list-sessions"))


def run_once(name: str, data: Path, args: argparse.Namespace) -> Run:
    pane = Pane(data / "tmux.sock")
    env = {
        "XDG_DATA_HOME": str(data / "data"),
        "XDG_CONFIG_HOME": str(data / "config"),
        "LANG": "zh_CN.UTF-8",
        "TERM": "xterm-256color",
    }
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    demo = shlex.quote(str(REPO / "scripts" / "demo"))
    command = f"env -u COLUMNS -u LINES {assigns} {demo} --port {free_port()}"
    started = time.monotonic()
    pane.tmux(
        "new-session", "-d", "-s", "demo", "-x", str(args.width), "-y", str(args.height), command
    )
    try:
        queues = map_at = float("nan")
        counts: dict[str, int] = {}
        deadline = started + args.limit
        while time.monotonic() < deadline:
            lines = pane.text().splitlines()
            counts = tab_counts(lines[0]) if lines else {}
            if len(counts) == 10 and all(n > 0 for n in counts.values()):
                queues = time.monotonic() - started
                break
            time.sleep(0.1)
        else:
            raise SystemExit(f"{name}: queues not all populated in {args.limit}s:\n{pane.text()}")
        pane.tmux("send-keys", "-t", "demo", "M")
        while time.monotonic() < deadline:
            rows = pane.text(colours=True).splitlines()[1:-3]
            if sum(len(BACKGROUND.findall(r)) for r in rows) >= args.coloured:
                map_at = time.monotonic() - started
                break
            time.sleep(0.1)
        else:
            raise SystemExit(f"{name}: the map shows no colours:\n{pane.text()}")
        pane.tmux("send-keys", "-t", "demo", "q")
        end = time.monotonic() + 20
        while pane.alive() and time.monotonic() < end:
            time.sleep(0.1)
        return Run(name, queues, map_at, counts)
    finally:
        pane.tmux("kill-server")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=80)
    parser.add_argument("--height", type=int, default=24)
    parser.add_argument("--limit", type=float, default=120.0, help="give up after (s)")
    parser.add_argument("--coloured", type=int, default=50, help="map cells with a background")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    print(environment_line())
    with tempfile.TemporaryDirectory(prefix="citygrid-demo-busy-") as tmp:
        data = Path(tmp)
        runs = [run_once("first", data, args), run_once("again", data, args)]
    print(
        table(
            ["run", "all queues > 0 (s)", "map coloured (s)", "tab counts 1…9,0"],
            [
                [
                    r.name,
                    f"{r.queues:.1f}",
                    f"{r.map:.1f}",
                    " ".join(str(r.counts.get(k, 0)) for k in "1234567890"),
                ]
                for r in runs
            ],
            title=f"\nscripts/demo at {args.width}×{args.height}",
        )
    )
    checks = [
        Check(f"{r.name}: queues and map", f"{max(r.queues, r.map):.1f} s", f"≤ {BUDGET_S:.0f} s",
              max(r.queues, r.map) <= BUDGET_S)
        for r in runs
    ]  # fmt: skip
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
