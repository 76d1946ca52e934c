"""The token lifecycle end to end: the admin commands run as their own process (as an
admin would run them), against the real server; a change is refused within a second
on every worker and the open streams of the token or user are closed.

The waits below poll a condition with a bound (``LIMIT_S``) that leaves room for a
loaded machine; the server promises one second, and the 30 s sign-in cache this
replaced fails every one of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from backend.core.db import sync_engine
from backend.models import AuditRow, TokenRow
from backend.services import admin
from tests.conftest import REPO, Seeded, Server, seed_database, start_server

LIMIT_S = 3.0
EXPIRES_S = 5.0  # long enough to sign in and open a stream on a loaded machine


def citygrid(url: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "console", *args, "--database", url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def new_user(seeded: Seeded, by: str = "tester") -> tuple[str, str]:
    name = f"u{uuid.uuid4().hex[:8]}"
    district = seeded.user("shift_lead")["jurisdiction_code"]
    out = citygrid(
        seeded.url,
        "users",
        "add",
        name,
        "--role",
        "shift_lead",
        "--jurisdiction",
        district,
        "--by",
        by,
    )
    return name, out.stdout.strip()


def token_row(url: str, **where: object) -> TokenRow:
    engine = sync_engine(url)
    try:
        with Session(engine) as session:
            query = select(TokenRow)
            for key, value in where.items():
                query = query.where(getattr(TokenRow, key) == value)
            row = session.exec(query).one()
            return row
    finally:
        engine.dispose()


def client(server: Server, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(10.0),
    )


async def eventually(check: Callable[[], Awaitable[bool]], limit_s: float = LIMIT_S) -> float:
    """Seconds until ``check()`` holds; fails after ``limit_s``."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > limit_s:
            raise AssertionError(f"condition not met within {limit_s}s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def refused(c: httpx.AsyncClient, *words: str) -> bool:
    response = await c.get("/me")
    if response.status_code != 401:
        assert response.status_code == 200, response.text
        return False
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert all(w in detail for w in words), detail
    return True


class OpenStream:
    def __init__(self, task: asyncio.Task[list[str]]) -> None:
        self.task = task

    async def closed(self) -> list[str]:
        """The stream's lines once the server has ended it (bounded)."""
        async with asyncio.timeout(LIMIT_S):
            return await self.task


@asynccontextmanager
async def open_stream(server: Server, token: str) -> AsyncIterator[OpenStream]:
    opened = asyncio.Event()

    async def read() -> list[str]:
        lines: list[str] = []
        async with (
            client(server, token) as c,
            c.stream("GET", "/events/stream", timeout=httpx.Timeout(30.0)) as response,
        ):
            assert response.status_code == 200
            async for line in response.aiter_lines():
                lines.append(line)
                opened.set()
        return lines

    task = asyncio.create_task(read())
    try:
        async with asyncio.timeout(10):
            await opened.wait()
        yield OpenStream(task)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_revoked_token_is_refused_and_its_stream_closed(
    server: Server, seeded: Seeded
) -> None:
    label = f"t{uuid.uuid4().hex[:8]}"
    token = citygrid(seeded.url, "tokens", "add", "lead", "--label", label).stdout.strip()
    token_id = token_row(seeded.url, label=label).id
    async with client(server, token) as c, open_stream(server, token) as stream:
        assert (await c.get("/me")).status_code == 200  # signed in, and cached
        out = citygrid(seeded.url, "tokens", "revoke", str(token_id), "--by", "alice")
        assert f"revoked token {token_id} of lead" in out.stdout
        await eventually(lambda: refused(c, "revoked", "tokens add lead"))
        lines = await stream.closed()
        assert any(line.startswith(": closed:") and "revoked" in line for line in lines)
    async with client(server, seeded.tokens["lead"]) as other:
        assert (await other.get("/me")).status_code == 200  # lead's other tokens still work


async def test_disabled_user_is_refused_and_enabled_again(server: Server, seeded: Seeded) -> None:
    name, token = new_user(seeded)
    async with client(server, token) as c, open_stream(server, token) as stream:
        assert (await c.get("/me")).json()["username"] == name
        citygrid(seeded.url, "users", "disable", name)
        await eventually(lambda: refused(c, "disabled", f"users enable {name}"))
        lines = await stream.closed()
        assert any(line.startswith(": closed:") and "disabled" in line for line in lines)
        citygrid(seeded.url, "users", "enable", name)

        async def accepted() -> bool:
            return (await c.get("/me")).status_code == 200

        await eventually(accepted)


async def test_expired_token_is_refused_and_its_stream_closed(
    server: Server, seeded: Seeded
) -> None:
    expires_at = datetime.now(UTC) + timedelta(seconds=EXPIRES_S)
    engine = sync_engine(seeded.url)
    try:
        with Session(engine) as session:
            token = admin.issue_token(
                session, "lead", now=datetime.now(UTC), by="tester", expires_at=expires_at
            ).token
            session.commit()
    finally:
        engine.dispose()
    async with client(server, token) as c, open_stream(server, token) as stream:
        assert (await c.get("/me")).status_code == 200
        await eventually(lambda: refused(c, "expired", "tokens add lead"), EXPIRES_S + LIMIT_S)
        assert datetime.now(UTC) >= expires_at
        lines = await stream.closed()
        assert any(line.startswith(": closed:") and "expired" in line for line in lines)


async def test_rotate_refuses_the_old_tokens_and_the_new_one_works(
    server: Server, seeded: Seeded
) -> None:
    name, first = new_user(seeded)
    second = citygrid(seeded.url, "tokens", "add", name).stdout.strip()
    async with client(server, first) as c1, client(server, second) as c2:
        assert (await c1.get("/me")).status_code == 200
        assert (await c2.get("/me")).status_code == 200
        out = citygrid(seeded.url, "tokens", "rotate", name)
        new = out.stdout.strip()
        assert new.startswith("cg_") and new not in (first, second)
        assert "revoked 2 older token(s)" in out.stderr
        await eventually(lambda: refused(c1, "revoked"))
        await eventually(lambda: refused(c2, "revoked"))
    async with client(server, new) as c3:
        assert (await c3.get("/me")).json()["username"] == name
    listing = citygrid(seeded.url, "tokens", "list", "--user", name).stdout
    assert first not in listing and second not in listing and new not in listing
    states = [line.split()[-1] for line in listing.splitlines()[1:]]
    assert states == ["revoked", "revoked", "active"]


def test_users_add_on_an_existing_user_is_refused(seeded: Seeded) -> None:
    def token_ids() -> list[str]:
        listing = citygrid(seeded.url, "tokens", "list", "--user", "lead").stdout
        return [line.split()[0] for line in listing.splitlines()[1:]]

    before = token_ids()
    district = seeded.user("shift_lead")["jurisdiction_code"]
    done = citygrid(
        seeded.url,
        "users",
        "add",
        "lead",
        "--role",
        "shift_lead",
        "--jurisdiction",
        district,
        ok=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""  # no token printed
    assert "already exists" in done.stderr
    assert "tokens add lead" in done.stderr and "tokens rotate lead" in done.stderr
    assert token_ids() == before


def test_every_change_is_audited_with_who_and_when(seeded: Seeded) -> None:
    started = datetime.now(UTC)
    name, _ = new_user(seeded, by="carol")
    citygrid(
        seeded.url, "tokens", "add", name, "--label", "desk", "--expires", "90d", "--by", "dave"
    )
    citygrid(seeded.url, "users", "disable", name, "--by", "erin")
    citygrid(seeded.url, "users", "enable", name, "--by", "erin")
    citygrid(seeded.url, "tokens", "rotate", name, "--by", "frank")
    citygrid(seeded.url, "tokens", "revoke", "--user", name, "--by", "grace")
    ended = datetime.now(UTC)
    engine = sync_engine(seeded.url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(AuditRow).where(AuditRow.target == name).order_by(col(AuditRow.id))
            ).all()
    finally:
        engine.dispose()
    assert [(r.actor, r.action) for r in rows] == [
        ("carol", "user.add"),
        ("dave", "token.add"),
        ("erin", "user.disable"),
        ("erin", "user.enable"),
        ("frank", "token.rotate"),
        ("grace", "token.revoke"),
    ]
    assert all(started <= r.at <= ended for r in rows)
    assert rows[1].detail["label"] == "desk"
    desk = token_row(seeded.url, id=rows[1].detail["token_id"])
    assert desk.label == "desk" and desk.expires_at is not None
    assert timedelta(days=90) <= desk.expires_at - started <= timedelta(days=90) + (ended - started)
    shown = citygrid(seeded.url, "audit", "list", "--target", name).stdout.splitlines()
    assert [line.split()[2:4] for line in shown] == [[r.actor, r.action] for r in rows]


async def test_last_used_is_recorded(server: Server, seeded: Seeded) -> None:
    label = f"l{uuid.uuid4().hex[:8]}"
    token = citygrid(seeded.url, "tokens", "add", "lead", "--label", label).stdout.strip()
    assert token_row(seeded.url, label=label).last_used_at is None
    before = datetime.now(UTC)
    async with client(server, token) as c:
        assert (await c.get("/me")).status_code == 200

    async def recorded() -> bool:
        used = token_row(seeded.url, label=label).last_used_at
        return used is not None and used >= before.replace(microsecond=0)

    await eventually(recorded)
    listing = citygrid(seeded.url, "tokens", "list", "--user", "lead").stdout
    line = next(line for line in listing.splitlines() if f" {label} " in line)
    assert line.split()[-3:-1] != ["-", "-"] and line.endswith("active")
    assert token not in listing


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("backend_name", ["postgres"], indirect=True)
async def test_revocation_reaches_every_postgres_worker(seeded: Seeded, tmp_path: Path) -> None:
    """Two servers (one of them with two worker processes) on one database: a token
    revoked by the command line is refused by each, and every stream of it is closed."""
    multi = start_server(seeded.url, tmp_path / "multi.log", workers=2)
    single = start_server(seeded.url, tmp_path / "single.log")
    label = f"p{uuid.uuid4().hex[:8]}"
    token = citygrid(seeded.url, "tokens", "add", "lead", "--label", label).stdout.strip()
    token_id = token_row(seeded.url, label=label).id
    try:
        servers = [multi, multi, multi, multi, single]
        clients = [client(s, token) for s in servers]
        async with (
            clients[0] as c0,
            clients[1] as c1,
            clients[2] as c2,
            clients[3] as c3,
            clients[4] as c4,
            open_stream(multi, token) as s0,
            open_stream(multi, token) as s1,
            open_stream(multi, token) as s2,
            open_stream(multi, token) as s3,
            open_stream(single, token) as s4,
        ):
            every = [c0, c1, c2, c3, c4]
            for c in every:
                assert (await c.get("/me")).status_code == 200
            citygrid(seeded.url, "tokens", "revoke", str(token_id))
            for c in every:
                await eventually(partial(refused, c, "revoked"))
            for s in (s0, s1, s2, s3, s4):
                lines = await s.closed()
                assert any(line.startswith(": closed:") for line in lines)
    finally:
        multi.stop()
        single.stop()


def test_seeding_again_rotates_the_demo_tokens(tmp_path: Path) -> None:
    """A second ``citygrid seed`` writes new demo tokens and revokes the ones it replaces,
    instead of leaving every earlier tokens file valid."""
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    first = seed_database(url, tmp_path / "one")
    second = seed_database(url, tmp_path / "two")
    engine = sync_engine(url)
    try:
        with Session(engine) as session:
            lead = admin.list_tokens(session, now=datetime.now(UTC), username="lead")
    finally:
        engine.dispose()
    assert [t.state.value for t in lead] == ["revoked", "active"]
    assert first.tokens["lead"] != second.tokens["lead"]
