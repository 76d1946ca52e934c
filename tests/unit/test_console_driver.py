"""The console's terminal driver when the terminal goes away: a SIGCONT that follows no
suspend of its own leaves application mode alone, and the writer thread outlives a
terminal that has hung up, so nothing that writes waits for ever."""

from __future__ import annotations

import contextlib
import os
import pty
import signal
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import pytest
from textual.app import App
from textual.drivers._writer_thread import WriterThread

from console.driver import ConsoleDriver, TerminalOutput


@pytest.fixture
def no_terminal_stdin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with open(os.devnull) as stdin:
        monkeypatch.setattr(sys, "__stdin__", stdin)
        yield


@pytest.fixture
async def driver(
    monkeypatch: pytest.MonkeyPatch, no_terminal_stdin: None
) -> AsyncIterator[tuple[ConsoleDriver, list[str]]]:
    """A driver with its signal handlers installed; what it does to the terminal and to
    the process is recorded instead of done (the driver wants a running event loop)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    calls: list[str] = []
    made = ConsoleDriver(cast(App[Any], object()))
    monkeypatch.setattr(made, "start_application_mode", lambda: calls.append("start"))
    monkeypatch.setattr(made, "suspend_application_mode", lambda: calls.append("suspend"))
    monkeypatch.setattr(os, "kill", lambda _pid, sig: calls.append(signal.Signals(sig).name))
    try:
        yield made, calls
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


async def test_a_sigcont_with_no_suspend_before_it_leaves_the_terminal_alone(
    driver: tuple[ConsoleDriver, list[str]],
) -> None:
    _, calls = driver
    signal.raise_signal(signal.SIGCONT)  # as the kernel sends with a hang-up's SIGHUP
    assert calls == []


async def test_a_sigcont_after_the_drivers_own_suspend_resumes_it_once(
    driver: tuple[ConsoleDriver, list[str]],
) -> None:
    _, calls = driver
    signal.raise_signal(signal.SIGTSTP)  # Ctrl+Z: application mode off, then stop
    assert calls == ["suspend", "SIGSTOP"]
    signal.raise_signal(signal.SIGCONT)  # fg
    signal.raise_signal(signal.SIGCONT)  # a second one: nothing is suspended any more
    assert calls == ["suspend", "SIGSTOP", "start"]


def test_the_writer_thread_outlives_a_terminal_that_hung_up() -> None:
    """After the line drops, a console still writes (a frame, the shutdown's resets)
    before its SIGHUP arrives; Textual's writer thread died on the first EIO, and the
    31st write then waited for ever on its full queue."""
    master, slave = pty.openpty()
    terminal = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
    output = TerminalOutput(terminal)
    writer = WriterThread(cast(Any, output))
    writer.start()
    writer.write("before the hang-up\n")
    os.close(master)  # the line drops: writes to the terminal now fail with EIO

    def write_then_stop() -> None:
        for frame in range(100):
            writer.write(f"frame {frame}\n")
        writer.stop()

    writing = threading.Thread(target=write_then_stop, daemon=True)
    writing.start()
    writing.join(timeout=30)
    try:
        assert not writing.is_alive(), "a write to the writer thread waited for ever"
        assert not writer.is_alive() and output.gone
        assert output.write("after the end") == len("after the end")  # dropped, not raised
        output.flush()
    finally:
        with contextlib.suppress(OSError):  # its buffer still holds what the terminal lost
            terminal.close()
