"""End to end in a real terminal: ``citygrid demo`` in tmux, dispatch a case by keyboard.

The demo runs exactly as a user starts it (seeding into a throw-away XDG data dir, the
server as a child process, the simulator with no new reports, the console signed in as
the shift lead) inside a 120×40 tmux pane on a private tmux server.  The test files a
case through the API, then types ``3 / <serial> Enter d Enter`` and checks through the
API that the case went to its routed department, dispatched by the shift lead.  ``q``
must end the demo and its server child; the tmux server is killed whatever happens.

The simulator still plays the centre's desk for some cases (a stable hash of the serial,
``is_centre_case``), and would dispatch such a case itself; the test reports until it
gets a serial the simulator leaves to the operator.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from demo.decisions import is_centre_case
from demo.simulator import SimConfig
from tests.conftest import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

CITYGRID = Path(sys.executable).parent / "citygrid"
WIDTH, HEIGHT = 120, 40
DISPATCH_KEYS = ("d", "Enter")  # from a filed case under the cursor to dispatched


def clean_env() -> dict[str, str]:
    """Our environment without COLUMNS/LINES.

    Textual sizes its screen with ``shutil.get_terminal_size()``, which believes those
    variables over the pty; under pytest the C-level environment carries ``COLUMNS=80
    LINES=24`` (set by readline, not visible in ``os.environ``), and a child started
    without an explicit ``env`` would draw an 80×24 console in the 120×40 pane.
    """
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


class Tmux:
    """One private tmux server (its socket in the test's tmp dir) holding the demo's pane."""

    def __init__(self, socket: Path) -> None:
        self.socket = str(socket)
        self.session = "demo"
        self.processes: set[int] = set()  # the demo's process tree, to check none is left

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args],
            check=check,
            capture_output=True,
            text=True,
            env=clean_env(),
        )

    def start(self, command: str, size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
        width, height = size
        self.run(
            "new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), command
        )

    def alive(self) -> bool:
        return self.run("has-session", "-t", self.session, check=False).returncode == 0

    def pane(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session, check=False).stdout

    def size(self) -> str:
        fmt = "#{window_width}x#{window_height}"
        return self.run(
            "display-message", "-p", "-t", self.session, fmt, check=False
        ).stdout.strip()

    def pane_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", self.session, "#{pane_pid}").stdout)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def kill(self) -> None:
        """End the tmux server, then anything of the demo's that outlived it."""
        self.run("kill-server", check=False)
        deadline = time.monotonic() + 10
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in self.leftovers():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def leftovers(self) -> list[int]:
        return [pid for pid in sorted(self.processes) if ours(pid)]


def wait_for(what: str, condition: Callable[[], bool], tmux: Tmux, limit: float = 30.0) -> None:
    """Poll ``condition`` until it holds; ``limit`` only bounds a failing run."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {what}; the {tmux.size()} pane shows:\n{tmux.pane()}"
            )
        time.sleep(0.1)


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def ours(pid: int) -> bool:
    """``pid`` still runs one of the demo's processes (not a zombie, not a reused pid)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return state != "Z" and (b"citygrid" in cmdline or b"console" in cmdline)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(tmp_path / "tmux.sock")
    try:
        yield server
    finally:
        server.kill()


def table_rows(pane: str) -> list[str]:
    return pane.splitlines()[2:-2]


def test_dispatch_a_filed_case_in_the_demo(tmp_path: Path, tmux: Tmux) -> None:
    port = free_port()
    env = {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "LANG": "zh_CN.UTF-8",
        "TERM": "xterm-256color",
    }
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    citygrid = shlex.quote(str(CITYGRID))
    tmux.start(f"env -u COLUMNS -u LINES {assigns} {citygrid} demo --port {port} --rate 0")

    # The queue screen is painted: the tab line names the 待派遣 queue.
    wait_for("the queue screen", lambda: "待派遣" in tmux.pane().split("\n", 1)[0], tmux, 120)
    tmux.processes = {tmux.pane_pid(), *descendants(tmux.pane_pid())}
    assert any(b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in tmux.processes)

    tokens = json.loads((tmp_path / "data" / "citygrid" / "demo-tokens.json").read_text())
    lead = next(u for u in tokens["users"] if u["role"] == "shift_lead")
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        headers={"Authorization": f"Bearer {lead['token']}"},
        timeout=10.0,
    )
    with api:
        grid = api.get("/grids").raise_for_status().json()[100]["code"]
        share = SimConfig().centre_share
        for _attempt in range(20):
            reported = api.post(
                "/cases",
                json={
                    "source": "hotline",
                    "category_kind": "matter",
                    "category_code": "06010",
                    "description": "端到端测试：路边暴露垃圾，请派遣。",
                    "grid_code": grid,
                },
            ).raise_for_status()
            serial = reported.json()["case"]["serial"]
            if not is_centre_case(serial, share):  # the simulator leaves its desk work to us
                break
        else:
            pytest.fail("every report went to the simulator's desk")
        api.post(f"/cases/{serial}/actions", json={"action": "file"}).raise_for_status()
        # an action answers with the queue row; the routing suggestion is in the detail
        routed = (
            api.get(f"/cases/{serial}").raise_for_status().json()["suggested_department"]["code"]
        )

        # 待派遣, then filter to the serial: the stream brings the filed case in.
        tmux.keys("3")
        wait_for("the 待派遣 tab", lambda: "[3 待派遣" in tmux.pane(), tmux)
        tmux.keys("/")
        wait_for("the filter prompt", lambda: "筛选：" in tmux.pane(), tmux)
        tmux.keys(serial, literal=True)
        wait_for("the typed serial", lambda: serial in "".join(tmux.pane().splitlines()[-5:]), tmux)
        tmux.keys("Enter")
        # The filter applies as it is typed; the status bar names it only once Enter has
        # closed the prompt, so the next key goes to the table, not into the prompt.
        wait_for(
            "the prompt closed on the filed case alone in the table",
            lambda: (
                f"筛选: {serial} │ 1/" in tmux.pane()
                and any(serial in row and "待派遣" in row for row in table_rows(tmux.pane()))
            ),
            tmux,
        )
        tmux.keys(DISPATCH_KEYS[0])
        wait_for("the dispatch dialog", lambda: "★ " + routed in tmux.pane(), tmux)
        dialog = tmux.pane()
        assert "派遣" in dialog and serial in dialog
        tmux.keys(DISPATCH_KEYS[1])
        wait_for(
            "the case to leave the 待派遣 queue",
            lambda: not any(serial in row for row in table_rows(tmux.pane())),
            tmux,
        )
        print(
            f"\nkeystrokes to dispatch a filed case to its routed department: {len(DISPATCH_KEYS)}"
        )

        case = api.get(f"/cases/{serial}").raise_for_status().json()
        # The simulator's handler may already have signed it; the dispatch is in the record.
        assert case["state"] in {"dispatched", "in_progress"}, case["state"]
        assert case["department_code"] == routed
        dispatches = [e for e in case["timeline"] if e["action"] == "dispatch"]
        assert len(dispatches) == 1
        assert dispatches[0]["actor"] == lead["display_name"]
        assert dispatches[0]["actor_role"] == "shift_lead"

    # q quits the console; the demo then stops its server child and the pane closes.
    tmux.keys("q")
    wait_for("the demo to exit", lambda: not tmux.alive(), tmux, 20)
    deadline = time.monotonic() + 15
    while tmux.leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.leftovers(), f"processes outlived the demo: {tmux.leftovers()}"
