"""What the server-administration commands share: the database option, the actor
option, and how a refusal is printed.  Only ``typer`` at import time."""

from __future__ import annotations

from typing import Annotated

import typer

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="CITYGRID_DATABASE_URL",
        help="sqlite:///path or postgresql://… (default: SQLite in the user data dir).",
    ),
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        envvar="CITYGRID_ADMIN",
        help="Who makes the change, for the audit log (default: the OS user).",
    ),
]


def fail(message: str) -> typer.Exit:
    """Print ``message`` in red on stderr; raise the result to exit with status 1."""
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def database_url(url: str | None) -> str:
    if url:
        return url
    from backend.core.config import default_database_url

    return default_database_url()
