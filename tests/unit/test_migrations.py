"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import backend.models  # noqa: F401
from backend.core.schema import MIGRATIONS, upgrade
from backend.models.case import OPEN_STATES_SQL


def test_upgrade_then_compare_finds_no_difference(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_open_cases_index_spells_open_like_the_model() -> None:
    """Migrations are frozen text; if the open states change, a new migration must too."""
    path = MIGRATIONS / "versions" / "0002_open_cases_index.py"
    spec = importlib.util.spec_from_file_location("m0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.OPEN == OPEN_STATES_SQL
