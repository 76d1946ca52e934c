"""The terminal profile, the ASCII and no-colour line filters, the plain driver's
filter, the cursor guard, and `citygrid demo` taking the console's display options."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from typer.testing import CliRunner

from backend_client.vocab import Action, CaseState
from citygrid import cli
from console.config import ConsoleSettings
from console.guard import CursorGuard, Remote
from console.terminal import _PRIVATE_MODE, AsciiFilter, NoColorFilter, profile_for, to_ascii

BLACK = Color(0, 0, 0)


def test_profiles_by_term_and_no_color() -> None:
    assert profile_for({"TERM": "xterm-256color"}).colours == "many"
    assert not profile_for({"TERM": "xterm-256color"}).ascii
    vt = profile_for({"TERM": "vt100"})
    assert vt.ascii and vt.plain and vt.colours == "none"
    linux = profile_for({"TERM": "linux"})
    assert linux.ascii and linux.plain and linux.colours == "16"
    assert profile_for({"TERM": "xterm", "NO_COLOR": "1"}).colours == "none"
    assert profile_for({"TERM": "xterm", "NO_COLOR": ""}).colours == "many"  # set but empty
    assert not profile_for({"TERM": "dumb"}).usable and not profile_for({}).usable
    assert profile_for({"TERM": "xterm"}, ascii=True).ascii


def test_ascii_fold_keeps_width_and_user_text() -> None:
    ui = "╭─ 派遣 ─╮│● live │ ◌ ✕ ‖ — … ▲▼ ★ ⏎ ▏▄▇█ ·∘◆ ›"
    folded = to_ascii(ui)
    assert len(folded) == len(ui)
    assert all(ord(c) < 0x80 for c in folded.replace("派遣", ""))
    assert "派遣" in folded
    segments = AsciiFilter().apply([Segment("井盖缺失 │ ●", Style())], BLACK)
    assert segments[0].text == "井盖缺失 | *"


def test_no_color_filter_drops_every_colour_but_keeps_bold_and_reverse() -> None:
    style = Style(color="red", bgcolor=RichColor.from_ansi(17), bold=True, reverse=True, dim=True)
    (out,) = NoColorFilter().apply([Segment("x", style)], BLACK)
    assert out.style is not None
    assert out.style.color is not None and out.style.color.is_default
    assert out.style.bgcolor is not None and out.style.bgcolor.is_default
    assert out.style.bold and out.style.reverse and not out.style.dim


def test_plain_driver_drops_private_modes_but_not_the_cursor() -> None:
    data = "\x1b[?1049h\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b[?25l\x1b[?2026$phi\x1b[?25h"
    assert _PRIVATE_MODE.sub("", data) == "\x1b[?25lhi\x1b[?25h"


def remote(serial: str, state: CaseState = CaseState.FILED) -> Remote:
    return Remote(serial, "王伟", Action.FILE, state)


def test_guard_holds_once_within_the_moment_on_the_new_row_only() -> None:
    guard = CursorGuard(hold_seconds=1.5)
    guard.note("A", "B", remote("A"), CaseState.REPORTED, at=10.0)
    assert guard.hold("C", at=10.1) is None  # the operator moved to another row on purpose
    shift = guard.hold("B", at=10.5)
    assert shift is not None and shift.now == "B"
    assert "王伟" in shift.describe("zh") and "B" in shift.describe("en")
    assert guard.hold("B", at=10.6) is None  # pressed again: acts
    guard.note("A", "B", remote("A"), CaseState.REPORTED, at=20.0)
    assert guard.hold("B", at=21.5) is None  # after the moment


def test_guard_ignores_a_note_that_changes_nothing_and_other_rows() -> None:
    guard = CursorGuard()
    guard.note("A", "A", remote("A", CaseState.FILED), CaseState.FILED, at=1.0)  # a comment
    assert guard.shift is None
    guard.note("A", "B", remote("Z"), CaseState.REPORTED, at=1.0)  # not the cursor's case
    assert guard.shift is None
    guard.note("A", "A", remote("A", CaseState.FILED), CaseState.REPORTED, at=1.0)
    assert guard.hold("A", at=1.1) is not None  # same row, new state: held


def test_demo_takes_every_console_option(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def fake_run_demo(**kw: object) -> int:
        seen.update(kw)
        return 0

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("TERM", "xterm-256color")
    # set, so that the values the command writes are undone after the test
    monkeypatch.setenv("TEXTUAL_FPS", "60")
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "auto")
    monkeypatch.setattr("demo.runner.run_demo", fake_run_demo)
    args = ["demo", "--lang", "en", "--ascii", "--theme", "citygrid-light", "--no-mouse"]
    result = CliRunner().invoke(cli.app, [*args, "--fps", "5", "--ansi", "--no-bell"])
    assert result.exit_code == 0, result.output
    settings = seen["settings"]
    assert isinstance(settings, ConsoleSettings)
    assert (settings.lang, settings.ascii, settings.theme, settings.bell) == (
        "en",
        True,
        "citygrid-light",
        False,
    )
    assert seen["mouse"] is False
    assert os.environ["TEXTUAL_FPS"] == "5" and os.environ["TEXTUAL_COLOR_SYSTEM"] == "standard"
