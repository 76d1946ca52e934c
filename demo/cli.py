"""The demo's commands: ``citygrid demo`` (embedded backend, demo city, simulator and
console) and ``citygrid simulate`` (the simulator against a running server).  Imports
are lazy so ``citygrid --help`` stays fast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from console.cli import (
    AnsiOpt,
    AsciiOpt,
    FpsOpt,
    LangOpt,
    NoBellOpt,
    NoMouseOpt,
    ThemeOpt,
    console_settings,
    fail,
)

app = typer.Typer(no_args_is_help=True, add_completion=False)


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

    from backend.seed.tokens_file import demo_tokens_path, load_demo_tokens
    from demo.simulator import SimConfig, run_simulator

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


@app.command()
def demo(
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8765,
    rate: Annotated[float, typer.Option(help="New reports per minute.")] = 6.0,
    pace: Annotated[
        float,
        typer.Option(min=0.05, max=20.0, help="How busy the centre is: 2 twice, 0.5 half."),
    ] = 1.0,
    fresh: Annotated[
        bool, typer.Option(help="Start from a new demo database (a fresh backlog).")
    ] = False,
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
    from demo.runner import run_demo

    settings = console_settings(
        lang=lang, theme=theme, ansi=ansi, ascii_glyphs=ascii_glyphs, no_bell=no_bell, fps=fps
    )
    sys.exit(
        run_demo(
            port=port, rate=rate, pace=pace, fresh=fresh, settings=settings, mouse=not no_mouse
        )
    )
