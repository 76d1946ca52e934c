"""``citygrid assessment rebuild|catch-up|export|publish|appeals``: assessment from the
command line, thin over the services the API uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import typer

from backend.cli_common import DatabaseOpt, database_url, fail

if TYPE_CHECKING:
    from backend.core.db import Database
    from backend.services.access import Actor
    from backend.services.assessment.appeals import Appeals
    from backend.services.assessment.figures import AssessmentService
    from backend.services.assessment.publication import Publications

T = TypeVar("T")

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


AsUser = Annotated[str | None, typer.Option("--as", help="Whose view (default: the first admin).")]
Period = Annotated[str, typer.Option(help="2026-11, 2026-W48, 2026-Q4, 2026 or a day range.")]


@assessment_app.command("export")
def export(
    period: Period,
    format: Annotated[str, typer.Option(help="xlsx or csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option(help="File to write (default: by period).")] = None,
    as_user: AsUser = None,
    database: DatabaseOpt = None,
) -> None:
    """Write the period's rankings (and the notice) as an office file, as the API does."""
    if format not in ("xlsx", "csv"):
        raise fail(f"--format is xlsx or csv, not {format!r}")
    fmt: Literal["xlsx", "csv"] = "csv" if format == "csv" else "xlsx"
    body = _served(
        database_url(database), as_user, lambda desk: desk.figures.export(desk.actor, period, fmt)
    )
    path = out or Path(f"citygrid-assessment-{period.replace('..', '_')}.{format}")
    path.write_bytes(body)
    typer.echo(f"wrote {path} ({len(body):,} bytes)")


@assessment_app.command("publish")
def publish(
    period: Period,
    family: Annotated[
        str | None, typer.Option(help="region, department or post (default: every family).")
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Who publishes (default: the first admin).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Publish a period: freeze its figures (revision 1), as POST /assessment/publications."""
    from backend_client.publication import PublicationCreate

    if family not in (None, "region", "department", "post"):
        raise fail(f"--family is region, department or post, not {family!r}")
    body = PublicationCreate.model_validate({"period": period, "family": family})

    async def go(desk: _Desk) -> str:
        from backend.core.clock import system_clock

        frozen = await desk.publications.freeze(desk.actor, body)
        async with desk.db.write() as session:
            published = await desk.publications.publish(session, desk.actor, frozen, system_clock())
        objects = sum(len(ranking.objects) for ranking in published.rankings)
        return (
            f"published {published.period.name} revision {published.revision} "
            f"({objects} ranked objects, policy {published.policy_version})"
        )

    typer.echo(_served(database_url(database), as_user, go))


@assessment_app.command("appeals")
def appeals(as_user: AsUser = None, database: DatabaseOpt = None) -> None:
    """List the appeals the user may see, with their state and the reviewer's note."""

    async def go(desk: _Desk) -> str:
        found = await desk.appeals.listed(desk.actor, mine=False)
        lines = [
            f"{a.id}\t{a.period}\t{a.serial}\t{a.type} {a.object_id}\t{a.counter} {a.delta:+g}"
            f"\t{a.state}\t{a.appellant}\t{a.note}"
            for a in found
        ]
        return "\n".join(lines) if lines else "no appeals"

    typer.echo(_served(database_url(database), as_user, go))


@dataclass
class _Desk:
    """What the commands act through: the services, as one user."""

    db: Database
    actor: Actor
    figures: AssessmentService
    publications: Publications
    appeals: Appeals


def _served(url: str, username: str | None, work: Callable[[_Desk], Awaitable[T]]) -> T:
    import asyncio

    from sqlmodel import select

    from backend.core.config import Settings
    from backend.core.db import Database
    from backend.domain.assessment.policy import AssessmentPolicy
    from backend.domain.calendar import WorkingCalendar
    from backend.domain.gridcode import kind_for_code_length, scope_prefix
    from backend.models import UserRow
    from backend.services.access import Actor
    from backend.services.assessment.appeals import Appeals
    from backend.services.assessment.figures import AssessmentRefused, AssessmentService
    from backend.services.assessment.projector import Projector
    from backend.services.assessment.publication import Publications
    from backend.services.reference import Reference
    from backend_client.vocab import Role

    settings = Settings()
    calendar = WorkingCalendar.load(settings.calendar_path)

    async def go() -> T:
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
            figures = AssessmentService(db, ref, policy, calendar.tz, projector)
            publications = Publications(figures)
            desk = _Desk(db, actor, figures, publications, Appeals(figures, publications, calendar))
            try:
                return await work(desk)
            except AssessmentRefused as refused:
                raise fail(refused.message) from None
        finally:
            await db.dispose()

    return asyncio.run(go())
