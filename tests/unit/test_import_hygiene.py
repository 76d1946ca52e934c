"""Layering: the backend never loads the console's UI toolkit, and the console process
never loads the server's frameworks (they cost start-up time and memory on operator
workstations, and a console must not be able to touch the database).

Who may import whom (checked twice: the modules a process loads, and every import
statement in the packages' source):

* ``backend_client`` (wire schema, vocabulary, client): nothing of ours.
* ``backend``: ``backend_client``; never ``console``, ``demo``, ``widgets``, ``themes``
  or ``textual``.
* ``console``, ``widgets``, ``themes``: ``backend_client`` (and each other); never
  ``backend``, ``demo`` or a server framework.
* ``demo``: ``backend_client``, ``console`` (it runs one) and the backend's pure modules
  (the behaviour table, the tokens file); the demo's process never loads a server
  framework either: its server is a child process.
* ``citygrid``: the entry point over them all, loading none of the heavy parts.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVER_FRAMEWORKS = {
    "fastapi",
    "sqlalchemy",
    "sqlmodel",
    "starlette",
    "uvicorn",
    "alembic",
    "psycopg",
    "aiosqlite",
}

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
        "console.screens.queue",
        "console.screens.intake",
        "backend_client",
        "backend_client.client",
        "backend_client.wire",
        "widgets.line_table",
        "widgets.grid_map",
    ],
)
def test_console_side_never_loads_the_backend(module: str) -> None:
    roots = loaded_roots(module)
    assert not roots & (SERVER_FRAMEWORKS | {"backend", "demo"})


@pytest.mark.parametrize(
    "module", ["demo.simulator", "demo.runner", "demo.cli", "demo.decisions", "demo.evidence"]
)
def test_demo_process_never_loads_server_frameworks(module: str) -> None:
    assert not loaded_roots(module) & SERVER_FRAMEWORKS


@pytest.mark.parametrize(
    "module",
    [
        "backend.main",
        "backend.asgi",
        "backend.cli",
        "backend.seed.writer",
        "backend.seed.history",
        "backend.services.admin",
    ],
)
def test_backend_never_loads_textual(module: str) -> None:
    roots = loaded_roots(module)
    assert not roots & {"textual", "console", "widgets", "themes", "demo"}


def test_cli_help_is_lazy() -> None:
    roots = loaded_roots("citygrid.cli")
    assert not roots & ({"textual", "httpx", "pydantic"} | SERVER_FRAMEWORKS)


def test_the_wire_vocabulary_does_not_load_the_http_client() -> None:
    """The server imports the vocabulary and the wire schema; the client stays out."""
    roots = loaded_roots("backend_client.vocab", "backend_client.wire")
    assert not roots & {"httpx", "httpx_sse"}


FORBIDDEN = {
    "backend_client": {"backend", "console", "demo", "widgets", "themes", "textual", "citygrid"},
    "backend": {"console", "demo", "widgets", "themes", "textual", "citygrid"},
    "console": {"backend", "demo"} | SERVER_FRAMEWORKS,
    "widgets": {"backend", "console", "demo"} | SERVER_FRAMEWORKS,
    "themes": {"backend", "console", "demo"} | SERVER_FRAMEWORKS,
    "demo": {"citygrid"} | SERVER_FRAMEWORKS,
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_across_its_layer(package: str) -> None:
    crossings = {
        str(path.relative_to(REPO)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in sorted((REPO / package).rglob("*.py"))
        if "migrations" not in path.parts
    }
    assert {path: bad for path, bad in crossings.items() if bad} == {}
