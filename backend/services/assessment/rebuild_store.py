"""Where a rebuild reads the log and writes the projection, with the plain drivers.

SQLite has one writer, and the server must keep writing while a rebuild folds: each
worker writes its range's facts to a file of its own beside the database, and this
process copies each, as it comes, into a shadow table of the new facts (one short write
transaction a range, so the server's writes go in between). The write lock is held at
length only at the end, for one transaction that drops the old facts table, renames the
shadow into its place, replaces the day and month rows and sets the cursor: no copy of
the facts in it. The log is folded up to its last seq when the rebuild started; whatever
came after is the incremental fold's.

PostgreSQL writes in one transaction that holds the projector's advisory lock from the
start (the server's folds skip their turn meanwhile) and streams rows in with ``COPY``.
Readers see the old projection until either commits.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from backend.domain.assessment.counters import COUNTER_FIELDS
from backend.domain.assessment.daily import DayRow

FOLD_LOCK_KEY = 47_678_0008  # the advisory lock every assessment fold takes (PostgreSQL)
SQLITE_BUSY_MS = 60_000
PROJECTION = ("assessment_day", "assessment_month", "assessment_fact", "assessment_cursor")
DAY_COLUMNS = ("day", "object_type", "object_id", *COUNTER_FIELDS)
MONTH_COLUMNS = ("month", "object_type", "object_id", *COUNTER_FIELDS)
FACT_TABLE = "assessment_fact"
FACT_COLUMNS = ("case_id", "facts", "last_seq")
_FACT_LIST = ", ".join(FACT_COLUMNS)
FactRow = tuple[int, str, int]  # case id, facts as JSON text, last seq
Head = tuple[int | None, int, int]  # the log's last seq (None: empty), lowest and highest case id


@dataclass(frozen=True)
class Store:
    """Where the projection lives, as the plain database driver reaches it."""

    sqlite: bool
    target: str  # SQLite: the file; PostgreSQL: a libpq connection string

    @classmethod
    def of(cls, url: str) -> Store:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            path = parsed.database or ""
            if path in ("", ":memory:"):
                raise ValueError("a rebuild reads the log from other processes: use a file")
            return cls(True, path)
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return cls(False, dsn)

    def connect(self) -> Any:
        if self.sqlite:
            return _sqlite(self.target, "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")
        import psycopg

        pg = psycopg.connect(self.target)
        pg.execute("SET TIME ZONE 'UTC'")  # instants come back as UTC, as the ORM gives them
        return pg


class Writer(Protocol):
    def start(self) -> Head: ...
    def stage_for(self, first: int) -> str | None:
        """The file a worker writes the facts of the range from case ``first`` to (None:
        it hands them back)."""

    def put_facts(self, rows: Sequence[FactRow], staged: str | None) -> None: ...
    def finish(
        self, days: Iterable[DayRow], months: Iterable[DayRow], through: int | None
    ) -> None: ...
    def close(self) -> None: ...


def stage_facts(path: str, rows: Sequence[FactRow]) -> None:
    """Write one range's facts to a file of their own (in a worker process)."""
    stage = _sqlite(path, "PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF")
    try:
        stage.execute(_STAGE_TABLE)
        stage.execute("BEGIN")
        stage.executemany("INSERT INTO fact VALUES (?, ?, ?)", rows)
        stage.execute("COMMIT")
    finally:
        stage.close()


def writer_for(store: Store) -> Writer:
    return _SqliteWriter(store) if store.sqlite else _PostgresWriter(store)


class _SqliteWriter:
    def __init__(self, store: Store) -> None:
        # The old facts are derived data: dropping them need not overwrite their pages.
        self.conn: sqlite3.Connection = store.connect()
        self.conn.execute("PRAGMA secure_delete=OFF")
        self.path = Path(f"{store.target}.rebuild-{os.getpid()}")
        self.shadow = f"{FACT_TABLE}_rebuild_{os.getpid()}"  # the new facts, until the swap
        self._drop_shadow()  # a failed rebuild's, if this pid had one

    def start(self) -> Head:
        (ddl,) = self.conn.execute(
            "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?",
            (FACT_TABLE,),
        ).fetchone()
        name = re.compile(rf'^(CREATE TABLE\s+)"?{FACT_TABLE}"?', re.IGNORECASE)
        shadow_ddl, found = name.subn(rf"\g<1>main.{self.shadow}", ddl, count=1)
        if not found:
            raise RuntimeError(f"cannot read the definition of {FACT_TABLE}: {ddl}")
        self.conn.execute(shadow_ddl)  # the same columns, keys and constraints
        return _head(self.conn)  # no lock: the log only grows, and is read up to here

    def stage_for(self, first: int) -> str:
        return f"{self.path}-{first}"

    def put_facts(self, rows: Sequence[FactRow], staged: str | None) -> None:
        assert staged is not None and not rows  # stage_for gave every task a file
        conn = self.conn
        conn.execute("ATTACH DATABASE ? AS part", (staged,))
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    f"INSERT INTO main.{self.shadow} ({_FACT_LIST}) "
                    f"SELECT {_FACT_LIST} FROM part.fact ORDER BY case_id"
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE part")
            Path(staged).unlink()

    def finish(self, days: Iterable[DayRow], months: Iterable[DayRow], through: int | None) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table in PROJECTION:
                conn.execute(f"DELETE FROM main.{table}")
            # Emptied first: a whole-table DELETE frees the pages in one go, while DROP
            # TABLE with foreign keys on deletes row by row (30 s for a million facts).
            conn.execute(f"DROP TABLE main.{FACT_TABLE}")
            conn.execute(f"ALTER TABLE main.{self.shadow} RENAME TO {FACT_TABLE}")
            conn.executemany(_insert_sums("main.assessment_day", DAY_COLUMNS), days)
            conn.executemany(_insert_sums("main.assessment_month", MONTH_COLUMNS), months)
            if through is not None:
                conn.execute(
                    "INSERT INTO main.assessment_cursor (id, seq) VALUES (1, ?)", (through,)
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        try:
            self._drop_shadow()  # nothing after the swap; a failed rebuild's new facts
        finally:
            self.conn.close()
            for part in self.path.parent.glob(f"{self.path.name}-*"):  # a failed rebuild's
                part.unlink(missing_ok=True)

    def _drop_shadow(self) -> None:
        found = self.conn.execute(
            "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (self.shadow,)
        ).fetchone()
        if found:  # emptied first, for the reason given in ``finish``
            self.conn.execute(f"DELETE FROM main.{self.shadow}")
            self.conn.execute(f"DROP TABLE main.{self.shadow}")


class _PostgresWriter:
    def __init__(self, store: Store) -> None:
        self.conn = store.connect()

    def start(self) -> Head:
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (FOLD_LOCK_KEY,))
        head = _head(self.conn)
        for table in PROJECTION:
            self.conn.execute(f"DELETE FROM {table}")
        return head

    def stage_for(self, first: int) -> None:
        return None  # the facts stream into COPY from here

    def put_facts(self, rows: Sequence[FactRow], staged: str | None) -> None:
        self._copy("assessment_fact", FACT_COLUMNS, rows)

    def finish(self, days: Iterable[DayRow], months: Iterable[DayRow], through: int | None) -> None:
        self._copy("assessment_day", DAY_COLUMNS, days)
        self._copy("assessment_month", MONTH_COLUMNS, months)
        if through is not None:
            self.conn.execute("INSERT INTO assessment_cursor (id, seq) VALUES (1, %s)", (through,))
        self.conn.commit()

    def close(self) -> None:
        self.conn.rollback()  # nothing, after a commit; all of it, after a failure
        self.conn.close()

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


_STAGE_TABLE = "CREATE TABLE fact (case_id INTEGER PRIMARY KEY, facts TEXT, last_seq INTEGER)"


def _insert_sums(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def _sqlite(path: str, *pragmas: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (f"PRAGMA busy_timeout={SQLITE_BUSY_MS}", "PRAGMA cache_size=-65536", *pragmas):
        conn.execute(pragma)
    return conn


# One aggregate a subquery: SQLite answers a lone min() or max() from an index, but three
# in one SELECT scan the whole log (1.6 s at 7.7 million events).
HEAD_SQL = (
    "SELECT (SELECT max(seq) FROM event_log), (SELECT min(case_id) FROM event_log),"
    " (SELECT max(case_id) FROM event_log)"
)


def _head(conn: Any) -> Head:
    seq, first, last = conn.execute(HEAD_SQL).fetchone()
    return seq, first or 0, last or 0
