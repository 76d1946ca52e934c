"""The ``citygrid`` command.  Imports are lazy so ``citygrid --help`` stays fast and the
console process never loads the backend's frameworks."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from console.admin_cli import DatabaseOpt, audit_app, database_url, fail, tokens_app, users_app

if TYPE_CHECKING:
    from console.config import ConsoleSettings

app = typer.Typer(
    help="citygrid — grid-based urban management command centre (网格化城市管理指挥中心).",
    no_args_is_help=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database tasks.", no_args_is_help=True)
grids_app = typer.Typer(help="The unit-grid layer.", no_args_is_help=True)
catalogue_app = typer.Typer(help="The component/matter catalogue.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(grids_app, name="grids")
app.add_typer(catalogue_app, name="catalogue")


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no command, run the demo: a live demo city and the console."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(demo)


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
    if workers > 1 and url.startswith("sqlite"):
        raise fail("SQLite has a single writer: run one worker, or use PostgreSQL for --workers.")
    import uvicorn

    from backend.core.http import IMPORT_PATH
    from backend.core.schema import upgrade

    upgrade(url)
    uvicorn.run(
        "backend.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        timeout_graceful_shutdown=3,
        proxy_headers=False,
        http=IMPORT_PATH,  # httptools with a cap on the request head (431)
    )


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
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same city).")] = 20261122,
    tokens_out: Annotated[
        Path | None, typer.Option(help="Where to write the demo users' tokens (JSON, 0600).")
    ] = None,
) -> None:
    """Build the synthetic demo district (Tongzhou-shaped), departments, routing and users."""
    import time

    from backend.seed.writer import seed_demo_city, write_tokens_file
    from backend_client.paths import demo_tokens_path

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
    if history:
        from backend.seed.history import seed_history

        started = time.perf_counter()
        made = seed_history(url, count=history, seed=seed)
        elapsed = time.perf_counter() - started
        typer.echo(f"added {made.cases} history cases and {made.events} events in {elapsed:.1f}s")


@app.command()
def simulate(
    server: Annotated[str, typer.Option(envvar="CITYGRID_SERVER")] = "http://127.0.0.1:8765",
    tokens: Annotated[Path | None, typer.Option(help="Demo tokens file from 'seed'.")] = None,
    rate: Annotated[float, typer.Option(min=0.0, help="New reports per minute.")] = 6.0,
    centre_share: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.6,
    pace: Annotated[float, typer.Option(min=0.01, help="Scale of all delays.")] = 1.0,
    duration: Annotated[
        float | None, typer.Option(help="Seconds to run (default: forever).")
    ] = None,
    seed: int = 7,
) -> None:
    """Play supervisors, hotline call-takers and departments against a running server."""
    import asyncio
    import logging

    from backend_client.paths import demo_tokens_path, load_demo_tokens
    from backend_client.simulator import SimConfig, run_simulator

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    path = tokens or demo_tokens_path()
    if not path.exists():
        raise fail(f"No tokens file at {path}; run 'citygrid seed' first.")
    config = SimConfig(
        rate_per_min=rate, seed=seed, centre_share=centre_share, pace=pace, duration=duration
    )
    try:
        stats = asyncio.run(run_simulator(server, load_demo_tokens(path), config))
    except KeyboardInterrupt:
        return
    typer.echo(f"simulator stopped: {stats}")


@grids_app.command("import")
def grids_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    district_name: Annotated[str, typer.Option(help="The district's name, e.g. 通州区.")],
    city_name: Annotated[str | None, typer.Option()] = None,
    database: DatabaseOpt = None,
) -> None:
    """Import a city's real unit-grid layer from GeoJSON (features with a 15-digit 'code')."""
    from sqlmodel import Session

    from backend.core.db import sync_engine
    from backend.core.schema import upgrade
    from backend.domain.geojson_import import GeoJSONImportError, import_grid_layer
    from backend.seed.writer import write_regions

    url = database_url(database)
    try:
        specs = import_grid_layer(file.read_bytes(), district_name, city_name=city_name)
    except GeoJSONImportError as exc:
        raise fail(f"{file}: {exc}") from exc
    upgrade(url)
    engine = sync_engine(url)
    with Session(engine) as session:
        count = write_regions(session, specs)
        session.commit()
    engine.dispose()
    typer.echo(f"imported {count} regions from {file}; restart the server to use them")


@catalogue_app.command("import")
def catalogue_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    database: DatabaseOpt = None,
) -> None:
    """Import a city's local extension classes (CSV: kind,code,big_class,…,name,gloss)."""
    from sqlmodel import Session

    from backend.core.db import sync_engine
    from backend.domain.catalogue import CatalogueError, parse_local_extensions
    from backend.seed.writer import write_catalogue

    try:
        entries = parse_local_extensions(file)
    except CatalogueError as exc:
        raise fail(str(exc)) from exc
    engine = sync_engine(database_url(database))
    with Session(engine) as session:
        count = write_catalogue(session, entries)
        session.commit()
    engine.dispose()
    typer.echo(f"imported {count} local classes from {file}")


LangOpt = Annotated[str | None, typer.Option(help="zh or en (default: from the locale).")]
ThemeOpt = Annotated[str | None, typer.Option(help="citygrid-dark, -light, -contrast, -ansi.")]
AnsiOpt = Annotated[bool, typer.Option(help="16 colours from the terminal's own palette.")]
AsciiOpt = Annotated[bool, typer.Option("--ascii", help="ASCII only: glyphs, borders, map.")]
NoMouseOpt = Annotated[bool, typer.Option("--no-mouse", help="Do not track the mouse (SSH).")]
NoBellOpt = Annotated[bool, typer.Option("--no-bell")]
FpsOpt = Annotated[int | None, typer.Option(min=1, max=120, help="Frame-rate cap for slow links.")]


def _console_settings(
    *,
    lang: str | None,
    theme: str | None,
    ansi: bool,
    ascii_glyphs: bool,
    no_bell: bool,
    fps: int | None,
    server: str | None = None,
    token: str | None = None,
) -> ConsoleSettings:
    """The console's settings from the config file and the command line's options.

    Also prepares the terminal: 16 colours for ``--ansi`` and for a ``linux`` console,
    the frame cap; a ``dumb`` terminal, which cannot address the cursor, is refused."""
    from console.config import ConfigError, load_settings
    from console.terminal import profile_for

    profile = profile_for(os.environ, ascii=ascii_glyphs, ansi=ansi)
    if not profile.usable:
        raise fail(
            f"TERM={profile.term or '(unset)'} cannot show a full-screen console. Use a "
            "terminal with cursor addressing (for example TERM=xterm-256color, linux or "
            "vt100), or the API and 'citygrid simulate' from this one."
        )
    if ansi or profile.colours == "16":
        os.environ["TEXTUAL_COLOR_SYSTEM"] = "standard"
    if fps:
        os.environ["TEXTUAL_FPS"] = str(fps)
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    settings = settings.with_(server=server, token=token, lang=lang, theme=theme)
    if ascii_glyphs:
        settings = settings.with_(ascii=True)
    if no_bell:
        settings = settings.with_(bell=False)
    return settings


@app.command()
def console(
    server: Annotated[
        str | None, typer.Option(help="The centre's API, e.g. http://centre:8765.")
    ] = None,
    token: Annotated[str | None, typer.Option(help="Bearer token (or CITYGRID_TOKEN).")] = None,
    lang: LangOpt = None,
    theme: ThemeOpt = None,
    ansi: AnsiOpt = False,
    ascii_glyphs: AsciiOpt = False,
    no_mouse: NoMouseOpt = False,
    no_bell: NoBellOpt = False,
    fps: FpsOpt = None,
) -> None:
    """Open the console against a running centre."""
    settings = _console_settings(
        lang=lang,
        theme=theme,
        ansi=ansi,
        ascii_glyphs=ascii_glyphs,
        no_bell=no_bell,
        fps=fps,
        server=server,
        token=token,
    )
    if not settings.token:
        raise fail(
            "No token. Ask your admin for one ('citygrid tokens add NAME'), then pass "
            '--token, set CITYGRID_TOKEN, or put token = "…" under [console] in '
            f"{settings.config_path}."
        )
    sys.exit(_run_console(settings, mouse=not no_mouse))


def _run_console(settings: ConsoleSettings, *, mouse: bool) -> int:
    import httpx

    from console.app import CityGridApp

    try:
        probe = httpx.get(
            f"{settings.server}/api/v1/me",
            headers={"Authorization": f"Bearer {settings.token}"},
            timeout=5.0,
        )
    except httpx.TransportError as exc:
        raise fail(f"Cannot reach {settings.server}: {exc}") from exc
    if probe.status_code == 401:
        try:
            reason = str(probe.json()["detail"])
        except (ValueError, KeyError, TypeError):
            reason = "Ask your admin for a new one ('citygrid tokens add NAME')."
        raise fail(f"The server does not accept this token. {reason}")
    app = CityGridApp(settings)
    result = app.run(mouse=mouse)
    # Non-zero after a crash (Textual sets 1) or a refused token; else what the app chose.
    return app.return_code or int(result or 0)


@app.command()
def demo(
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8765,
    rate: Annotated[float, typer.Option(help="New reports per minute.")] = 6.0,
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo database.")] = False,
    lang: LangOpt = None,
    theme: ThemeOpt = None,
    ansi: AnsiOpt = False,
    ascii_glyphs: AsciiOpt = False,
    no_mouse: NoMouseOpt = False,
    no_bell: NoBellOpt = False,
    fps: FpsOpt = None,
) -> None:
    """Start the embedded backend on a demo city with the live simulator; the console
    takes the same display options as 'citygrid console'."""
    from console.demo import run_demo

    settings = _console_settings(
        lang=lang, theme=theme, ansi=ansi, ascii_glyphs=ascii_glyphs, no_bell=no_bell, fps=fps
    )
    sys.exit(run_demo(port=port, rate=rate, fresh=fresh, settings=settings, mouse=not no_mouse))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
