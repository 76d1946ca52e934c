"""A server whose shutdown hangs still ends soon after the stop signal, and says what
hung: the stacks of its threads and tasks, then exit status 70."""

from __future__ import annotations

import signal
import subprocess
import sys

from backend.core.serving import HUNG_EXIT_STATUS

HANGING_APP = """
import asyncio, contextlib
import uvicorn
import backend.core.serving as serving

serving.SHUTDOWN_DEADLINE = 1.0

@contextlib.asynccontextmanager
async def lifespan(app):
    yield
    await asyncio.Event().wait()  # a service whose stop never returns

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        message = await receive()
        async with lifespan(app):
            await send({"type": "lifespan.startup.complete"})
            await receive()
        await send({"type": "lifespan.shutdown.complete"})

config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info", lifespan="on")
serving.DeadlineServer(config).run()
"""


def test_a_hung_shutdown_ends_with_the_stacks_after_the_deadline() -> None:
    proc = subprocess.Popen([sys.executable, "-c", HANGING_APP], stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # the server says when it listens
            if "Uvicorn running on" in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)  # bounds a failing test only
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == HUNG_EXIT_STATUS
    assert "shutdown still not done" in rest
    assert "lifespan" in rest  # the task that hung, with its stack
