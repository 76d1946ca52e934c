"""Idle terminal bytes per second of the leaders' wallboard (``console --wallboard``).

Seeds the demo city into a fresh SQLite store, puts ``--templates`` open cases in it
through the real API, starts the server on loopback and spawns ``citygrid console
--wallboard`` as the shift lead on a 120×40 pty (``TERM=xterm-256color``).  Once the
board is painted it waits ``--settle`` seconds (the first figures and the twelve months of
trend come in) and counts every byte written during ``--idle`` seconds: the clock, the
panel cycling every 15 s and the figures' refresh every 60 s.  Budget: ≤ 1 KB/s.

    .venv/bin/python bench/bench_wallboard_bytes.py --idle 20 --templates 30
"""

from __future__ import annotations

import argparse
import sys
import time

from bench_console import CITYGRID, PtyProcess, Store, _child_env, make_templates, measure_idle
from benchlib import Check, environment_line, fresh_database, running_server, seed_city, verdicts

SIZE = (120, 40)
BUDGET = 1024.0  # bytes per second


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--templates", type=int, default=60, help="open cases via the API")
    parser.add_argument("--idle", type=float, default=20.0, help="idle window, seconds")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds before measuring")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(environment_line())
    with fresh_database(None, keep=False, prefix="citygrid-bench-wallboard-") as ws:
        store = Store(ws, seed_city(ws))
        make_templates(store, args.templates, args.seed)
        with running_server(ws, log_name="server-wallboard.log") as server:
            argv = [str(CITYGRID), "console", "--server", server.base, "--token"]
            argv += [store.tokens["lead"], "--lang", "zh", "--wallboard"]
            p = PtyProcess(argv, _child_env(ws.tmp), SIZE)
            try:
                p.watch("board", "街道排名")
                if p.wait_mark("board", 60) is None:
                    print(f"the wallboard never painted; it shows:\n{p.tail()}")
                    return 1
                time.sleep(args.settle)  # the first figures and the trend fetch
                rate = measure_idle(p, args.idle).bytes_per_s
            finally:
                p.close(b"q")
    print(f"wallboard idle at {SIZE[0]}×{SIZE[1]}: {rate:,.0f} B/s over {args.idle:.0f} s")
    checks = [Check("wallboard idle bytes", f"{rate:,.0f} B/s", "≤ 1,024 B/s", rate <= BUDGET)]
    print(verdicts(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
