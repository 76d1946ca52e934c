"""What the console really sends to a terminal: the real ``citygrid console`` in a pty
at 80×24 against the real server, every byte captured.

Synchronisation is on what the terminal receives (the status bar saying ``live``); after
that each key gets a fixed capture window, and the run ends with ``q``.  Then:

* ``--ascii --lang en``: no byte above 0x7F except inside user data (case text, names
  of grids, streets, categories, departments and people, as the API returns them);
* ``NO_COLOR=1``: no colour SGR at all (no 38/48, 30–37, 40–47, 90–97, 100–107), but
  bold or reverse still carry the cursor;
* ``TERM=vt100``: both of the above, and no alternate screen or mouse tracking;
* ``TERM=dumb``: refused with a sentence.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import httpx
import pytest

from tests.api.helpers import act, report
from tests.conftest import REPO, Seeded, Server

COLS, ROWS = 80, 24
READY_LIMIT = 40.0  # bounds a failing start only
WINDOW = 0.8  # seconds of output captured after each key
CSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]")
OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
ESC2 = re.compile(rb"\x1b[@-Z\\-_=>()][0-9A-Za-z]?")
SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
COLOUR_PARAMS = {38, 48, *range(30, 38), *range(40, 48), *range(90, 98), *range(100, 108)}
# q (quit) last; keys in between open the map, the help, a dialog and the detail.
KEYS = ["M", "M", "question_mark", "escape", "3", "d", "escape", "0", "enter", "escape"]
KEY_BYTES = {"question_mark": b"?", "escape": b"\x1b", "enter": b"\r"}


class Capture:
    def __init__(self, master: int) -> None:
        self.master = master
        self.data = bytearray()

    def read_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the child closed the pty
                return
            if not chunk:
                return
            self.data += chunk

    def read_until(self, needle: bytes, limit: float) -> None:
        end = time.monotonic() + limit
        while needle not in self.data:
            if time.monotonic() > end:
                raise AssertionError(f"{needle!r} never came; got {bytes(self.data[-400:])!r}")
            self.read_for(0.1)


def run_console(
    server: Server, token: str, tmp: Path, args: list[str], env: dict[str, str]
) -> tuple[bytes, int]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    child_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"NO_COLOR", "TEXTUAL_COLOR_SYSTEM", "CITYGRID_LANG", "COLUMNS", "LINES"}
    }
    child_env.update(
        {
            "TERM": "xterm-256color",
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "XDG_DATA_HOME": str(tmp / "data"),
            "LANG": "C.UTF-8",
            **env,
        }
    )
    cmd = [sys.executable, "-m", "console", "console", "--server", server.url, "--token", token]
    proc = subprocess.Popen(
        [*cmd, "--no-bell", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=child_env,
        cwd=REPO,
        start_new_session=True,
    )
    os.close(slave)
    capture = Capture(master)
    try:
        capture.read_until(b"live", READY_LIMIT)
        for key in KEYS:
            os.write(master, KEY_BYTES.get(key, key.encode()))
            capture.read_for(WINDOW)
        os.write(master, b"q")
        capture.read_for(WINDOW)
        code = proc.wait(timeout=15)
        capture.read_for(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return bytes(capture.data), code


def user_data(server: Server, token: str) -> str:
    """Every name and text the API hands the console: what may be non-ASCII on screen."""
    parts: list[object] = []
    with httpx.Client(
        base_url=server.api, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        for path in ("/me", "/regions", "/catalogue", "/departments"):
            parts.append(client.get(path).json())
        cursor: str | None = None
        while True:
            params: dict[str, object] = {"state": "open", "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/cases", params=params).json()
            parts.append(page["items"])
            for item in page["items"][:50]:
                parts.append(client.get(f"/cases/{item['serial']}").json())
            cursor = page.get("next_cursor")
            if not cursor:
                break
    return json.dumps(parts, ensure_ascii=False)


def visible_text(raw: bytes) -> str:
    return ESC2.sub(b"", OSC.sub(b"", CSI.sub(b"", raw))).decode("utf-8")


def non_ascii_outside(text: str, corpus: str) -> list[str]:
    return [run for run in re.findall(r"[^\x00-\x7f]+", text) if run not in corpus]


def sgr_params(raw: bytes) -> list[set[int]]:
    return [
        {int(p) for p in re.split(rb"[;:]", m.group(1)) if p}
        for m in SGR.finditer(raw)
        if m.group(1)
    ]


@pytest.fixture
async def with_case(console_server: Server, console_seeded: Seeded) -> None:
    """A fresh open case with non-ASCII text, so user data is certainly on screen."""
    async with httpx.AsyncClient(
        base_url=console_server.api,
        headers={"Authorization": f"Bearer {console_seeded.tokens['lead']}"},
        timeout=30,
    ) as lead:
        grids = (await lead.get("/grids")).json()
        await report(lead, grids[0]["code"], description="井盖缺失——路口东侧…")
        filed = await report(lead, grids[1]["code"], description="路灯不亮 ★ 三盏")
        await act(lead, filed["serial"], "file")  # `3` then `d` opens the dispatch dialog


@pytest.mark.usefixtures("with_case")
def test_ascii_sends_only_ascii_outside_user_data(
    console_server: Server, console_seeded: Seeded, tmp_path: Path
) -> None:
    token = console_seeded.tokens["lead"]
    raw, code = run_console(console_server, token, tmp_path, ["--ascii", "--lang", "en"], {})
    assert code == 0
    text = visible_text(raw)
    assert "live" in text and "filed" in text  # the queue, the tabs and the status bar
    assert "Dispatch" in text and "Help" in text  # a dialog and the help were drawn
    stray = non_ascii_outside(text, user_data(console_server, token))
    assert not stray, sorted(set(stray))[:20]


@pytest.mark.usefixtures("with_case")
def test_no_color_sends_no_colour_at_all(
    console_server: Server, console_seeded: Seeded, tmp_path: Path
) -> None:
    token = console_seeded.tokens["lead"]
    raw, code = run_console(console_server, token, tmp_path, ["--lang", "en"], {"NO_COLOR": "1"})
    assert code == 0
    params = sgr_params(raw)
    coloured = [p for p in params if p & COLOUR_PARAMS]
    assert not coloured, coloured[:5]
    assert any(p & {1, 7} for p in params)  # bold / reverse still mark the cursor


@pytest.mark.usefixtures("with_case")
def test_vt100_gets_ascii_no_colour_no_alternate_screen_no_mouse(
    console_server: Server, console_seeded: Seeded, tmp_path: Path
) -> None:
    token = console_seeded.tokens["lead"]
    raw, code = run_console(console_server, token, tmp_path, ["--lang", "en"], {"TERM": "vt100"})
    assert code == 0
    for mode in (b"\x1b[?1049h", b"\x1b[?1000h", b"\x1b[?1003h", b"\x1b[?2004h"):
        assert mode not in raw, mode
    assert not [p for p in sgr_params(raw) if p & COLOUR_PARAMS]
    stray = non_ascii_outside(visible_text(raw), user_data(console_server, token))
    assert not stray, sorted(set(stray))[:20]


def test_dumb_terminal_is_refused_with_a_sentence(
    console_server: Server, console_seeded: Seeded
) -> None:
    env = {**os.environ, "TERM": "dumb"}
    cmd = [sys.executable, "-m", "console", "console", "--server", console_server.url]
    result = subprocess.run(
        [*cmd, "--token", console_seeded.tokens["lead"]],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "TERM=dumb cannot show a full-screen console" in result.stderr
