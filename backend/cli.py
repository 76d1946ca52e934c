"""Server administration: ``citygrid serve|db|seed|users|tokens|keys|audit|grids|catalogue``
and ``assessment``.

A typer app the ``citygrid`` entry point mounts.  Each command imports what it needs
when it runs, so ``citygrid --help`` stays fast; the work is the services' (admin,
reference data) and the seeder's, never SQL here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from backend.admin_cli import audit_app, tokens_app, users_app
from backend.assessment_cli import assessment_app
from backend.cli_common import DatabaseOpt, database_url, fail
from backend.keys_cli import keys_app

app = typer.Typer(no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database tasks.", no_args_is_help=True)
grids_app = typer.Typer(help="The unit-grid layer.", no_args_is_help=True)
catalogue_app = typer.Typer(help="The component/matter catalogue.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(grids_app, name="grids")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(assessment_app, name="assessment")


@app.command()
def serve(
    database: DatabaseOpt = None,
    host: Annotated[str, typer.Option(envvar="CITYGRID_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="CITYGRID_PORT", min=0, max=65535)] = 8765,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes (PostgreSQL only).")] = 1,
    log_level: str = "info",
) -> None:
    """Run the REST API (upgrades the database schema first)."""
    url = database_url(database)
    os.environ["CITYGRID_DATABASE_URL"] = url
    os.environ.setdefault("CITYGRID_FREEZE_HEAP", "true")  # see backend.core.heap
    if workers > 1 and url.startswith("sqlite"):
        raise fail("SQLite has a single writer: run one worker, or use PostgreSQL for --workers.")
    import uvicorn

    from backend.core.http import IMPORT_PATH
    from backend.core.schema import upgrade

    upgrade(url)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "timeout_graceful_shutdown": 3,
        "proxy_headers": False,
        "http": IMPORT_PATH,  # httptools with a cap on the request head (431)
    }
    if workers > 1:  # uvicorn's supervisor restarts and stops the worker processes
        uvicorn.run("backend.asgi:app", workers=workers, **options)
        return
    from backend.core.serving import DeadlineServer

    DeadlineServer(uvicorn.Config("backend.asgi:app", **options)).run()


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Create or migrate the schema to the newest version."""
    from backend.core.schema import upgrade

    url = database_url(database)
    upgrade(url)
    typer.echo(f"schema up to date: {url}")


@app.command()
def seed(
    database: DatabaseOpt = None,
    history: Annotated[int, typer.Option(min=0, help="Past cases to add.")] = 0,
    backlog: Annotated[
        int, typer.Option(min=0, help="Open cases to add, waiting in every stage now.")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same city).")] = 20261122,
    tokens_out: Annotated[
        Path | None, typer.Option(help="Where to write the demo users' tokens (JSON, 0600).")
    ] = None,
    fold: Annotated[
        bool,
        typer.Option(
            help="Fold the new cases into the assessment figures now (else the server folds "
            "them in the background when it starts)."
        ),
    ] = True,
) -> None:
    """Build the synthetic demo district (Tongzhou-shaped), departments, routing and users."""
    import time

    from backend.seed.tokens_file import demo_tokens_path, write_tokens_file
    from backend.seed.writer import seed_demo_city

    url = database_url(database)
    started = time.perf_counter()
    report = seed_demo_city(url, seed=seed)
    path = tokens_out or demo_tokens_path()
    write_tokens_file(path, report.tokens)
    typer.echo(
        f"seeded {report.regions} regions ({report.grids} grids), {report.categories} classes, "
        f"{report.departments} departments, {report.routes} routing rules, {report.users} users "
        f"in {time.perf_counter() - started:.1f}s; tokens in {path}"
    )
    if history or backlog:
        from backend.seed.history import seed_history

        started = time.perf_counter()
        made = seed_history(url, count=history, seed=seed, backlog=backlog)
        elapsed = time.perf_counter() - started
        typer.echo(
            f"added {made.cases} cases ({backlog} open) and {made.events} events in {elapsed:.1f}s"
        )
        if fold:  # so a server starting on this history has its figures at once
            from backend.assessment_cli import catch_up

            catch_up(url)


@grids_app.command("import")
def grids_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    district_name: Annotated[str, typer.Option(help="The district's name, e.g. 通州区.")],
    city_name: Annotated[str | None, typer.Option()] = None,
    database: DatabaseOpt = None,
) -> None:
    """Import a city's real unit-grid layer from GeoJSON (features with a 15-digit 'code')."""
    from backend.domain.geojson_import import GeoJSONImportError, import_grid_layer
    from backend.services.reference_data import import_regions

    try:
        specs = import_grid_layer(file.read_bytes(), district_name, city_name=city_name)
    except GeoJSONImportError as exc:
        raise fail(f"{file}: {exc}") from exc
    count = import_regions(database_url(database), specs)
    typer.echo(f"imported {count} regions from {file}; restart the server to use them")


@catalogue_app.command("import")
def catalogue_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    database: DatabaseOpt = None,
) -> None:
    """Import a city's local extension classes (CSV: kind,code,big_class,…,name,gloss)."""
    from backend.domain.catalogue import CatalogueError, parse_local_extensions
    from backend.services.reference_data import import_catalogue

    try:
        entries = parse_local_extensions(file)
    except CatalogueError as exc:
        raise fail(str(exc)) from exc
    count = import_catalogue(database_url(database), entries)
    typer.echo(f"imported {count} local classes from {file}")
