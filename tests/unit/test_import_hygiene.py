"""Layering: the backend never loads the console's UI toolkit, and the console process
never loads the server's frameworks (they cost start-up time and memory on operator
workstations, and a console must not be able to touch the database)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))
"""


def loaded_roots(*modules: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=list(modules))],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(json.loads(out.stdout))


@pytest.mark.parametrize(
    "module",
    [
        "console.app",
        "console.cli",
        "console.admin_cli",
        "console.screens.queue",
        "console.screens.intake",
        "console.demo",
        "backend_client.simulator",
        "backend_client.wire",
        "widgets.line_table",
        "widgets.grid_map",
    ],
)
def test_console_side_never_loads_server_frameworks(module: str) -> None:
    roots = loaded_roots(module)
    assert not roots & {
        "fastapi",
        "sqlalchemy",
        "sqlmodel",
        "starlette",
        "uvicorn",
        "alembic",
        "psycopg",
        "aiosqlite",
    }


@pytest.mark.parametrize(
    "module", ["backend.main", "backend.asgi", "backend.seed.writer", "backend.services.admin"]
)
def test_backend_never_loads_textual(module: str) -> None:
    roots = loaded_roots(module)
    assert not roots & {"textual", "console", "widgets", "themes"}


def test_cli_help_is_lazy() -> None:
    roots = loaded_roots("console.cli")
    assert "textual" not in roots and "fastapi" not in roots
