"""uvicorn's server with a deadline on shutdown.

A stop signal starts uvicorn's graceful shutdown (open connections get
``timeout_graceful_shutdown`` seconds, then the lifespan's services stop).  Should any
part of that hang, the process would live on until someone kills it; here, once
``SHUTDOWN_DEADLINE`` seconds have passed since the first signal, every thread's stack
and every asyncio task's stack go to stderr (the log says what hung) and the process
ends with status 70.  Everything acknowledged is already committed: ending it loses
nothing.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import threading
from types import FrameType

import uvicorn

SHUTDOWN_DEADLINE = 10.0  # seconds from the first stop signal to the end of the process
HUNG_EXIT_STATUS = 70  # EX_SOFTWARE


class DeadlineServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deadline: threading.Timer | None = None

    async def serve(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)  # type: ignore[arg-type]

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._deadline is None:
            self._deadline = threading.Timer(SHUTDOWN_DEADLINE, self._give_up)
            self._deadline.daemon = True
            self._deadline.start()

    def _give_up(self) -> None:
        out = sys.stderr
        print(
            f"citygrid: shutdown still not done {SHUTDOWN_DEADLINE:.0f}s after the stop "
            "signal; the stacks follow, then the process ends.",
            file=out,
        )
        faulthandler.dump_traceback(file=out, all_threads=True)
        loop = self._loop
        if loop is not None:
            try:
                tasks = list(asyncio.all_tasks(loop))
            except RuntimeError:  # the set changed while it was read: the threads must do
                tasks = []
            for task in tasks:
                print(f"--- {task!r}", file=out)
                task.print_stack(file=out)
        out.flush()
        os._exit(HUNG_EXIT_STATUS)
