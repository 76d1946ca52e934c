"""``citygrid assessment rebuild|catch-up|export``: assessment from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backend.cli_common import DatabaseOpt, database_url, fail

assessment_app = typer.Typer(help="Assessment (考核评价) figures.", no_args_is_help=True)


@assessment_app.command("rebuild")
def rebuild(database: DatabaseOpt = None) -> None:
    """Clear the projection and fold the whole event log again (safe while serving)."""
    folded, seconds = _run(database_url(database), rebuild=True)
    typer.echo(f"assessment rebuilt from {folded} events in {seconds:.1f}s")


@assessment_app.command("catch-up")
def catch_up(database: DatabaseOpt = None) -> None:
    """Fold the events written since the projection was last brought up to date."""
    folded, seconds = _run(database_url(database), rebuild=False)
    typer.echo(f"assessment folded {folded} new events in {seconds:.1f}s")


def _run(url: str, *, rebuild: bool) -> tuple[int, float]:
    import asyncio
    import time

    from backend.core.config import Settings
    from backend.core.db import Database
    from backend.domain.calendar import WorkingCalendar
    from backend.services.assessment.projector import Projector

    calendar = WorkingCalendar.load(Settings().calendar_path)

    async def go() -> int:
        db = Database(url)
        try:
            projector = Projector(db, calendar.tz)
            if rebuild:
                return await projector.rebuild()
            folded = 0
            while (batch := await projector.catch_up()) > 0:
                folded += batch
            return folded
        finally:
            await db.dispose()

    started = time.perf_counter()
    folded = asyncio.run(go())
    return folded, time.perf_counter() - started


@assessment_app.command("export")
def export(
    period: Annotated[str, typer.Option(help="2026-11, 2026-W48, 2026-Q4, 2026 or a day range.")],
    format: Annotated[str, typer.Option(help="xlsx or csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option(help="File to write (default: by period).")] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Whose view (default: the first admin).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Write the period's rankings (and the notice) as an office file, as the API does."""
    if format not in ("xlsx", "csv"):
        raise fail(f"--format is xlsx or csv, not {format!r}")
    body = _export(database_url(database), period, format, as_user)
    path = out or Path(f"citygrid-assessment-{period.replace('..', '_')}.{format}")
    path.write_bytes(body)
    typer.echo(f"wrote {path} ({len(body):,} bytes)")


def _export(url: str, period: str, fmt: str, username: str | None) -> bytes:
    import asyncio

    from sqlmodel import select

    from backend.core.config import Settings
    from backend.core.db import Database
    from backend.domain.assessment.policy import AssessmentPolicy
    from backend.domain.calendar import WorkingCalendar
    from backend.domain.gridcode import kind_for_code_length, scope_prefix
    from backend.models import UserRow
    from backend.services.access import Actor
    from backend.services.assessment.figures import AssessmentRefused, AssessmentService
    from backend.services.assessment.projector import Projector
    from backend.services.reference import Reference
    from backend_client.vocab import Role

    settings = Settings()
    calendar = WorkingCalendar.load(settings.calendar_path)

    async def go() -> bytes:
        db = Database(url)
        try:
            ref = Reference(db)
            await ref.load()
            async with db.read() as session:
                query = select(UserRow).where(
                    UserRow.username == username if username else UserRow.role == "admin"
                )
                user = (await session.exec(query)).first()
            if user is None or user.id is None:
                raise fail(f"no user {username!r}" if username else "no admin user")
            kind = kind_for_code_length(user.jurisdiction_code)
            assert kind is not None
            actor = Actor(
                user.id,
                user.username,
                user.display_name,
                Role(user.role),
                user.jurisdiction_code,
                scope_prefix(kind, user.jurisdiction_code),
                user.department_id,
            )
            projector = Projector(db, calendar.tz)
            while await projector.catch_up() > 0:
                pass
            policy = AssessmentPolicy.load(settings.assessment_path)
            service = AssessmentService(db, ref, policy, calendar.tz, projector)
            try:
                return await service.export(actor, period, "csv" if fmt == "csv" else "xlsx")
            except AssessmentRefused as refused:
                raise fail(refused.message) from None
        finally:
            await db.dispose()

    return asyncio.run(go())
