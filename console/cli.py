"""The console's command: ``citygrid console`` (and the display options the demo's
command shares).  The console speaks to its server only through ``backend_client``.
Imports are lazy so ``citygrid --help`` stays fast."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from console.config import ConsoleSettings

app = typer.Typer(no_args_is_help=True, add_completion=False)


def fail(message: str) -> typer.Exit:
    """Print ``message`` in red on stderr; raise the result to exit with status 1."""
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


LangOpt = Annotated[str | None, typer.Option(help="zh or en (default: from the locale).")]
ThemeOpt = Annotated[str | None, typer.Option(help="citygrid-dark, -light, -contrast, -ansi.")]
AnsiOpt = Annotated[bool, typer.Option(help="16 colours from the terminal's own palette.")]
AsciiOpt = Annotated[bool, typer.Option("--ascii", help="ASCII only: glyphs, borders, map.")]
NoMouseOpt = Annotated[bool, typer.Option("--no-mouse", help="Do not track the mouse (SSH).")]
NoBellOpt = Annotated[bool, typer.Option("--no-bell")]
FpsOpt = Annotated[int | None, typer.Option(min=1, max=120, help="Frame-rate cap for slow links.")]


def console_settings(
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
    wallboard: Annotated[
        bool, typer.Option("--wallboard", help="The leaders' wallboard: read only, cycling.")
    ] = False,
) -> None:
    """Open the console against a running centre."""
    settings = console_settings(
        lang=lang,
        theme=theme,
        ansi=ansi,
        ascii_glyphs=ascii_glyphs,
        no_bell=no_bell,
        fps=fps,
        server=server,
        token=token,
    )
    if wallboard:
        settings = settings.with_(wallboard=True)
    if not settings.token:
        raise fail(
            "No token. Ask your admin for one ('citygrid tokens add NAME'), then pass "
            '--token, set CITYGRID_TOKEN, or put token = "…" under [console] in '
            f"{settings.config_path}."
        )
    sys.exit(_run_console(settings, mouse=not no_mouse))


def _run_console(settings: ConsoleSettings, *, mouse: bool) -> int:
    import asyncio

    from console.app import CityGridApp

    refusal = asyncio.run(_check_server(settings))
    if refusal:
        raise fail(refusal)
    app = CityGridApp(settings)
    result = app.run(mouse=mouse)
    # Non-zero after a crash (Textual sets 1) or a refused token; else what the app chose.
    return app.return_code or int(result or 0)


async def _check_server(settings: ConsoleSettings) -> str | None:
    """Why the console cannot start against this server and token, or None: asks the
    server who the token belongs to, through the client."""
    from backend_client import CitygridClient, CitygridError, Unauthorized, Unavailable

    async with CitygridClient(
        settings.server, settings.token, timeout=5.0, retry_backoff=0.0
    ) as api:
        try:
            await api.me()
        except Unavailable as exc:
            return f"Cannot reach {settings.server}: {exc}"
        except Unauthorized as exc:
            reason = exc.detail or "Ask your admin for a new one ('citygrid tokens add NAME')."
            return f"The server does not accept this token. {reason}"
        except CitygridError:
            return None  # the console shows what else is wrong once it runs
    return None
