"""The heap alive after start-up is taken out of the garbage collector's scans, under
``citygrid serve`` and not in apps made in-process."""

from __future__ import annotations

import asyncio
import gc
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.config import Settings
from backend.core.heap import freeze_start_up
from backend.core.schema import upgrade
from backend.core.serving import DeadlineServer
from backend.main import create_app


def test_freeze_start_up_takes_what_is_alive_out_of_the_scans() -> None:
    alive: list[list[int]] = [[1, 2, 3]]
    try:
        freeze_start_up()
        assert gc.get_freeze_count() > 0
        assert not any(found is alive for found in gc.get_objects())
        later: list[list[int]] = [[4]]
        assert any(found is later for found in gc.get_objects())  # made later: scanned
    finally:
        gc.unfreeze()
    assert any(found is alive for found in gc.get_objects())


@pytest.mark.parametrize("freeze", [True, False])
def test_the_app_freezes_its_start_up_heap_only_when_told(tmp_path: Path, freeze: bool) -> None:
    url = f"sqlite:///{tmp_path / 'citygrid.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url, freeze_heap=freeze, assessment_fold=False, photo_dir=tmp_path
    )
    app = create_app(settings)

    async def frozen_while_serving() -> int:
        async with app.router.lifespan_context(app):
            return gc.get_freeze_count()

    before = gc.get_freeze_count()
    try:
        frozen = asyncio.run(frozen_while_serving())
    finally:
        gc.unfreeze()
    assert (frozen > before) is freeze


def test_serve_turns_the_freeze_on_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []

    def record(server: DeadlineServer) -> None:
        seen.append(os.environ.get("CITYGRID_FREEZE_HEAP"))

    monkeypatch.setattr(DeadlineServer, "run", record)
    monkeypatch.delenv("CITYGRID_DATABASE_URL", raising=False)  # serve sets it: undone after
    url = f"sqlite:///{tmp_path / 'citygrid.db'}"
    for preset in (None, "false"):
        if preset is None:
            monkeypatch.delenv("CITYGRID_FREEZE_HEAP", raising=False)
        else:
            monkeypatch.setenv("CITYGRID_FREEZE_HEAP", preset)
        result = CliRunner().invoke(cli, ["serve", "--database", url, "--port", "0"])
        assert result.exit_code == 0, result.output
    assert seen == ["true", "false"]
