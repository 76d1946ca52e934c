"""The reference cache looks again on a miss, but bad input cannot make it reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from backend.core.db import Database, sync_engine
from backend.core.schema import upgrade
from backend.models import CategoryRow
from backend.services import reference
from backend.services.reference import Reference


def add_category(url: str, code: str) -> None:
    engine = sync_engine(url)
    with Session(engine) as session:
        session.add(
            CategoryRow(
                kind="matter",
                code=code,
                big_class=code[:2],
                big_class_name="扩展",
                big_class_gloss="local",
                name="测试",
                gloss="test",
                local=True,
            )
        )
        session.commit()
    engine.dispose()


async def test_miss_finds_new_codes_and_never_reloads_regions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'ref.db'}"
    upgrade(url)
    db = Database(url)
    ref = Reference(db)
    await ref.load()
    region_loads = 0
    original = ref._load_regions

    async def counting() -> None:
        nonlocal region_loads
        region_loads += 1
        await original()

    monkeypatch.setattr(ref, "_load_regions", counting)
    monkeypatch.setattr(reference, "MISS_REFRESH_SECONDS", 0.0)
    add_category(url, "99001")  # as another worker or the CLI would
    assert (await ref.category("matter", "99001")) is not None
    monkeypatch.setattr(reference, "MISS_REFRESH_SECONDS", 3600.0)
    code_loads = 0
    original_codes = ref.load_codes

    async def counting_codes() -> None:
        nonlocal code_loads
        code_loads += 1
        await original_codes()

    monkeypatch.setattr(ref, "load_codes", counting_codes)
    for _ in range(5):  # a burst of unknown codes: no reload at all within the interval
        assert (await ref.category("matter", "99999")) is None
        assert (await ref.department_by_code("NOPE")) is None
    assert code_loads == 0
    assert region_loads == 0
    await db.dispose()
