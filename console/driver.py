"""The console's terminal driver: Textual's Linux driver, safe when the terminal goes away.

Two hazards of Textual's driver kept a console running after its SSH line or tmux pane
had gone (a third of the hang-ups of a loaded console in a tmux pane):

* it takes every SIGCONT for the end of a Ctrl+Z suspend and enters application mode
  again, with a new writer thread. A SIGCONT also comes with no suspend before it: the
  kernel sends SIGHUP and SIGCONT together when a line drops, and tmux, a shell or a
  supervisor may send one to a job that was never stopped;
* its writer thread dies on the first write to a terminal that has gone (EIO), and
  every write after that waits, once the thread's queue is full, for ever: the SIGHUP
  that ends the console can arrive after the line has dropped, and the shutdown it
  begins writes too.

:class:`ConsoleDriver` resumes only after a suspend of its own, and writes through
:class:`TerminalOutput`, which drops what a gone terminal can no longer show.
"""

from __future__ import annotations

from typing import Any, TextIO

from textual.drivers.linux_driver import LinuxDriver


class TerminalOutput:
    """A terminal's output stream whose writes, once the terminal has gone, go nowhere."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except OSError:
                self.gone = True

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()


class ConsoleDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._suspended_by_signal = False  # before the parent installs the signal handlers
        super().__init__(*args, **kwargs)
        if self._file is not None:
            self._file = TerminalOutput(self._file)  # type: ignore[assignment]

    def _sigtstp_application(self, *args: Any) -> None:
        self._suspended_by_signal = True  # the parent stops the process before it returns
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args: Any) -> None:
        if not self._suspended_by_signal:
            return  # nothing of ours was suspended: the terminal is as we left it
        self._suspended_by_signal = False
        super()._sigcont_application(*args)
