"""Where generated history goes: scratch chunk files, copied into SQLite or PostgreSQL.

A generated chunk goes to a scratch SQLite file (``cases`` and ``events`` tables without
declared types, so values keep their Python types).  The writer attaches it and copies
the rows with one INSERT … SELECT each (SQLite) or streams them into COPY (PostgreSQL).
Events of cases still open at the chunk's end wait in a ``pending`` table for the next
chunk, so every chunk's events are older than the next one's: seq order is time order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import make_url

from backend.core.db import sync_url
from backend.seed.history.rows import CASE_COLUMNS, EVENT_COLUMNS, Row

_CASE_LIST = ", ".join(CASE_COLUMNS)
_EVENT_LIST = ", ".join(EVENT_COLUMNS)


def _write_chunk_file(path: str, cases: list[Row], events: list[Row]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(f"CREATE TABLE cases ({_CASE_LIST})")
        conn.execute(f"CREATE TABLE events ({_EVENT_LIST})")
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO cases VALUES ({', '.join('?' * len(CASE_COLUMNS))})", cases)
        conn.executemany(
            f"INSERT INTO events VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", events
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


class _Sink:
    """Where the rows go.  ``staging`` is the SQLite connection that attaches chunk files
    and keeps the ``pending`` events between chunks."""

    staging: sqlite3.Connection
    dropped: list[str]
    # Drop the case/event secondary indexes for a big load and build them afterwards?
    rebuild_indexes = False

    def _init_staging(self, conn: sqlite3.Connection) -> None:
        self.staging = conn
        self.dropped = []
        conn.execute(f"CREATE TEMP TABLE pending ({_EVENT_LIST})")

    def load(self, path: str, boundary: str | None) -> tuple[int, int]:
        """Copy one chunk file in; returns (cases, events) written."""
        conn = self.staging
        conn.execute("ATTACH DATABASE ? AS chunk", (path,))
        try:
            with self.transaction():
                conn.execute("INSERT INTO temp.pending SELECT * FROM chunk.events")
                cases = self.put_cases(f"SELECT {_CASE_LIST} FROM chunk.cases ORDER BY rowid")
                events = self.flush(boundary)
        finally:
            conn.execute("DETACH DATABASE chunk")
        return cases, events

    def flush(self, boundary: str | None) -> int:
        where, params = ("WHERE at < ?", (boundary,)) if boundary is not None else ("", ())
        events = self.put_events(
            f"SELECT {_EVENT_LIST} FROM temp.pending {where} ORDER BY at, rowid", params
        )
        self.staging.execute(f"DELETE FROM temp.pending {where}", params)
        return events

    # Backend specifics ------------------------------------------------------------------------

    def transaction(self) -> Any:
        raise NotImplementedError

    def put_cases(self, select: str) -> int:
        raise NotImplementedError

    def put_events(self, select: str, params: tuple[str, ...]) -> int:
        raise NotImplementedError

    def query(self, sql: str) -> list[Any]:
        raise NotImplementedError

    def max_case_id(self) -> int:
        raise NotImplementedError

    def drop_indexes(self) -> None:
        raise NotImplementedError

    def restore_indexes(self) -> None:
        raise NotImplementedError

    def finish(self, counters: dict[tuple[int, str], int], last_id: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def counters(self) -> dict[tuple[int, str], int]:
        rows = self.query("SELECT year, district_code, last_value FROM serial_counter")
        return {(int(y), str(d)): int(v) for y, d, v in rows}


_INDEXED_TABLES = ("case_file", "event_log")


class _SqliteSink(_Sink):
    # Measured: keeping the indexes costs about the CPU time a rebuild would, but it is
    # spread over the load, where the generator processes overlap it; a rebuild at the
    # end would be a serial tail of 20-30 s for a million cases.
    rebuild_indexes = False

    def __init__(self, path: str) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=OFF",
            "PRAGMA busy_timeout=10000",
            "PRAGMA cache_size=-262144",
            "PRAGMA temp_store=MEMORY",
        ):
            conn.execute(pragma)
        self._init_staging(conn)
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def put_cases(self, select: str) -> int:
        cur = self.conn.execute(f"INSERT INTO main.case_file ({_CASE_LIST}) {select}")
        return int(cur.rowcount)

    def put_events(self, select: str, params: tuple[str, ...]) -> int:
        cur = self.conn.execute(f"INSERT INTO main.event_log ({_EVENT_LIST}) {select}", params)
        return int(cur.rowcount)

    def query(self, sql: str) -> list[Any]:
        return self.conn.execute(sql).fetchall()

    def max_case_id(self) -> int:
        return int(self.query("SELECT COALESCE(MAX(id), 0) FROM case_file")[0][0])

    def drop_indexes(self) -> None:
        marks = ", ".join("?" * len(_INDEXED_TABLES))
        rows = self.conn.execute(
            f"SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks}) ORDER BY name",
            _INDEXED_TABLES,
        ).fetchall()
        for name, ddl in rows:
            self.conn.execute(f'DROP INDEX main."{name}"')
            self.dropped.append(ddl)

    def restore_indexes(self) -> None:
        while self.dropped:
            self.conn.execute(self.dropped.pop())

    def finish(self, counters: dict[tuple[int, str], int], last_id: int) -> None:
        self.restore_indexes()
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO serial_counter (year, district_code, last_value) VALUES (?, ?, ?)"
                " ON CONFLICT (year, district_code) DO UPDATE"
                " SET last_value = MAX(serial_counter.last_value, excluded.last_value)",
                [(y, d, v) for (y, d), v in sorted(counters.items())],
            )
        self.conn.execute("PRAGMA analysis_limit=1000")
        self.conn.execute("ANALYZE main")

    def close(self) -> None:
        try:
            self.restore_indexes()
        finally:
            self.conn.close()


class _PostgresSink(_Sink):
    rebuild_indexes = True  # COPY into unindexed tables, then CREATE INDEX: the usual way

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)
        self.conn.execute("SET TIME ZONE 'UTC'")  # the generated timestamps are UTC
        self.conn.execute("SET synchronous_commit = off")
        self._init_staging(sqlite3.connect(":memory:", isolation_level=None))

    def transaction(self) -> Any:
        return self.conn.transaction()

    def _copy(self, table: str, columns: str, select: str, params: tuple[str, ...]) -> int:
        n = 0
        rows = self.staging.execute(select, params)
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n

    def put_cases(self, select: str) -> int:
        return self._copy("case_file", _CASE_LIST, select, ())

    def put_events(self, select: str, params: tuple[str, ...]) -> int:
        return self._copy("event_log", _EVENT_LIST, select, params)

    def query(self, sql: str) -> list[Any]:
        return self.conn.execute(sql).fetchall()

    def max_case_id(self) -> int:
        """The highest id in use, counting ids the sequence has handed out already."""
        ((used, sequence),) = self.query(
            "SELECT COALESCE(MAX(id), 0), pg_get_serial_sequence('case_file', 'id') FROM case_file"
        )
        used = int(used)
        if sequence:
            ((last, called),) = self.query(f"SELECT last_value, is_called FROM {sequence}")
            used = max(used, int(last) - (0 if called else 1))
        return used

    def drop_indexes(self) -> None:
        rows = self.conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            " ORDER BY i.indexname",
            (list(_INDEXED_TABLES),),
        ).fetchall()
        for name, ddl in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
            self.dropped.append(ddl)

    def restore_indexes(self) -> None:
        while self.dropped:
            self.conn.execute(self.dropped.pop())

    def finish(self, counters: dict[tuple[int, str], int], last_id: int) -> None:
        self.restore_indexes()
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO serial_counter (year, district_code, last_value) VALUES (%s, %s, %s)"
                " ON CONFLICT (year, district_code) DO UPDATE"
                " SET last_value = GREATEST(serial_counter.last_value, excluded.last_value)",
                [(y, d, v) for (y, d), v in sorted(counters.items())],
            )
            # Explicit ids bypassed the sequence: move it past them (never backwards).
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('case_file', 'id'),"
                " GREATEST(%s, (SELECT COALESCE(MAX(id), 1) FROM case_file)))",
                (last_id,),
            )
        for table in ("case_file", "event_log", "serial_counter"):
            self.conn.execute(f"ANALYZE {table}")

    def close(self) -> None:
        try:
            self.restore_indexes()
        finally:
            self.conn.close()
            self.staging.close()


def _open_sink(url: str) -> _Sink:
    parsed = make_url(sync_url(url))
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("history needs a database file, not an in-memory database")
        return _SqliteSink(parsed.database)
    return _PostgresSink(parsed.set(drivername="postgresql").render_as_string(False))
