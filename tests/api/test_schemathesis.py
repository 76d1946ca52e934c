"""A bounded Schemathesis run: the live server answers as its OpenAPI document says.

Every check (server errors, status codes, content types, headers, response schemas,
bad input rejected, good input accepted, auth not ignored…) over every phase,
including the stateful one, as a shift lead, as a handler and with no token.  The
seed is fixed and generation deterministic, so a failure reproduces with the same
command; the full run is ``schemathesis run URL --checks all`` with no ``-n``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Seeded, Server, seed_database, start_server

EXAMPLES_PER_OPERATION = 5
SEED = 1

# Failures another change fixes, by Schemathesis code.  405 answers lack the `Allow`
# header listing the path's methods (the problem handler drops it): ST204 and ST205.
# Empty this once that fix is in; any other failure fails the test.


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Seeded]]:
    """A server of its own: the run files cases, which other tests must not see."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    seeded = seed_database(f"sqlite:///{tmp / 'citygrid.db'}", tmp)
    server = start_server(seeded.url, tmp / "server.log")
    try:
        yield server, seeded
    finally:
        server.stop()


def run_schemathesis(server: Server, token: str | None, report: Path) -> dict[str, Any]:
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{server.api}/openapi.json"),
        *auth,
        *("--checks", "all", "--workers", "1", "--seed", str(SEED)),
        *("--generation-deterministic", "--max-examples", str(EXAMPLES_PER_OPERATION)),
        *("--request-timeout", "3", "--no-color"),
        *("--report", "json", "--report-json-path", str(report)),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(report.read_text())
    result["output"] = done.stdout
    return result


@pytest.mark.slow
@pytest.mark.parametrize("user", ["lead", "h_hw", None], ids=["shift-lead", "handler", "no-token"])
def test_schemathesis_finds_no_failures(
    fuzz_server: tuple[Server, Seeded], user: str | None, tmp_path: Path
) -> None:
    server, seeded = fuzz_server
    result = run_schemathesis(server, seeded.tokens[user] if user else None, tmp_path / "r.json")
    output = result["output"][-6000:]
    assert result["complete"] and not result["errors"], output
    assert result["operations"]["tested"] == result["operations"]["total"] > 10, output
    assert result["test_cases"]["generated"] > 200, output
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        assert result["phases"][phase]["status"] != "skip", (phase, result["phases"][phase])
    assert not result["failures"], output
