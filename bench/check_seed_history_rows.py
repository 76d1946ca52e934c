"""Fingerprint of the history rows: run it before and after a change to the seeder.

    python bench/check_seed_history_rows.py [--count 5000] [--backlog 300]

Seeds the demo city into a fresh SQLite file, adds a history (and a backlog) for a fixed
seed and end, and prints a SHA-256 of ``case_file`` (by id) and of ``event_log`` (by seq),
each row as Python sees its values (types included).  Equal digests: the same rows, byte
for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from backend.seed.history import seed_history  # noqa: E402
from bench.bench_seed_history import seed_city  # noqa: E402

END = datetime(2026, 11, 1, 9, tzinfo=UTC)
TABLES = (("case_file", "id"), ("event_log", "seq"))


def fingerprint(path: Path) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(path)
    try:
        out = []
        for table, order in TABLES:
            digest = hashlib.sha256()
            rows = 0
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):
                digest.update(repr(row).encode())
                rows += 1
            out.append((table, rows, digest.hexdigest()))
        return out
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--backlog", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="check-history-") as directory:
        workdir = Path(directory)
        path = workdir / "citygrid.db"
        url = f"sqlite:///{path}"
        seed_city(url, workdir)
        seed_history(
            url, count=args.count, seed=args.seed, end=END, workers=0, backlog=args.backlog
        )
        for table, rows, digest in fingerprint(path):
            print(f"{table} {rows} {digest}")


if __name__ == "__main__":
    main()
