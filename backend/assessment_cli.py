"""``citygrid assessment rebuild|catch-up``: the assessment projection from the command line."""

from __future__ import annotations

import typer

from backend.cli_common import DatabaseOpt, database_url

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
