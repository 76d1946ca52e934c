"""The ``citygrid`` command: mounts each layer's commands under one name.

``backend.cli`` (server administration: serve, db, seed, users, tokens, audit, grids,
catalogue), ``console.cli`` (console) and ``demo.cli`` (demo, simulate).  Each of those
modules loads only ``typer`` when imported and the rest when one of its commands runs,
so ``citygrid --help`` stays fast and the console never loads the server's frameworks.
A new layer's commands are one more ``add_typer`` line below.
"""

from __future__ import annotations

import typer

from backend.cli import app as backend_app
from console.cli import app as console_app
from demo.cli import app as demo_app
from demo.cli import demo

app = typer.Typer(
    help="citygrid — grid-based urban management command centre (网格化城市管理指挥中心).",
    no_args_is_help=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
for layer in (backend_app, console_app, demo_app):
    app.add_typer(layer)


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no command, run the demo: a live demo city and the console."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(demo)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
