"""Queue rows encoded once: a page joined from cached rows is byte for byte the page
pydantic would write, and a row is encoded again when its version, its light or the
reference names change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from backend.core.db import Database
from backend.models import CategoryRow, DepartmentRow
from backend.services.listrows import SUMMARY_LIST, RowCache, page_json
from backend.services.reference import Reference
from backend.services.views import summary_fields
from backend_client.wire import CasePage

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def reference(dept_name: str = "环卫中心") -> Reference:
    ref = Reference(Database("postgresql://nobody@127.0.0.1:1/none"))  # never connects
    ref.categories = {
        ("matter", "06042"): CategoryRow(
            kind="matter",
            code="06042",
            big_class="06",
            big_class_name="市容环境",
            big_class_gloss="",
            name="垃圾箱满溢",
            gloss="",
        )
    }
    ref.departments = {3: DepartmentRow(id=3, code="HW", name=dept_name, kind="professional")}
    return ref


def row(case_id: int, version: int = 1, **changes: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "id": case_id,
        "serial": f"110112-{case_id:06d}",
        "state": "dispatched",
        "source": "hotline",
        "category_kind": "matter",
        "category_code": "06042",
        "grid_code": "110112001001001",
        "street_code": "110112001",
        "address": "新华大街 1 号",
        "description": '垃圾箱满溢，"急"',
        "urgency": "normal",
        "department_id": 3,
        "rework_count": 0,
        "supervised": False,
        "urge_count": 1,
        "pending_kind": None,
        "stage": None,
        "warn_at": NOW + timedelta(hours=1),
        "deadline_at": NOW + timedelta(hours=2),
        "paused_at": None,
        "merged_into": None,
        "version": version,
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW,
        "due_key": NOW + timedelta(hours=2),
    }
    return SimpleNamespace(**{**fields, **changes})


def plain_page(rows: list[Any], ref: Reference, now: datetime, cursor: str | None) -> bytes:
    items = SUMMARY_LIST.validate_python([summary_fields(r, ref, now) for r in rows])
    return CasePage(items=items, next_cursor=cursor, as_of_seq=42).model_dump_json().encode()


def encoded(cache: RowCache, rows: list[Any], now: datetime) -> list[bytes]:
    """What list_cases does: cached rows by (id, version), the others encoded."""
    keys = [(r.id, r.version) for r in rows]
    found = cache.cached(keys)
    made = cache.add([r for r, f in zip(rows, found, strict=True) if f is None], now)
    return [(f or made[k]).encoded(now) for k, f in zip(keys, found, strict=True)]


def test_a_joined_page_is_the_page_pydantic_writes() -> None:
    ref = reference()
    cache = RowCache(ref)
    rows = [
        row(1),
        row(2, version=4, supervised=True, warn_at=NOW - timedelta(minutes=1)),  # yellow
        row(3, department_id=None, deadline_at=None, warn_at=None),  # no light
        row(4, paused_at=NOW),
        row(5, deadline_at=NOW),  # red
    ]
    for cursor in (None, "WyIyMDI2Il0"):
        first = page_json(encoded(cache, rows, NOW), cursor, 42)
        assert all(f is not None for f in cache.cached([(r.id, r.version) for r in rows]))
        again = page_json(encoded(cache, rows, NOW), cursor, 42)  # from the cache
        assert first == again == plain_page(rows, ref, NOW, cursor)
    assert page_json([], None, 0) == CasePage(items=[], as_of_seq=0).model_dump_json().encode()


def test_a_new_version_is_encoded_again_and_the_light_follows_the_clock() -> None:
    ref = reference()
    cache = RowCache(ref)
    encoded(cache, [row(1)], NOW)
    assert cache.cached([(1, 2)]) == [None]
    moved = row(1, version=2, state="in_progress")
    assert b'"in_progress"' in encoded(cache, [moved], NOW)[0]
    late = NOW + timedelta(hours=3)  # past the deadline: the same version turns red
    assert b'"light":"red"' in encoded(cache, [moved], late)[0]
    assert b'"light":"green"' in encoded(cache, [moved], NOW)[0]
    assert encoded(cache, [moved], late) == [plain_row(moved, ref, late)]


def test_text_that_looks_like_the_light_is_left_alone() -> None:
    ref = reference()
    cache = RowCache(ref)
    tricky = row(1, address='"light":"none"', description='x","light":"none"')
    late = NOW + timedelta(hours=3)
    assert encoded(cache, [tricky], late) == [plain_row(tricky, ref, late)]


def test_reloaded_reference_names_are_used() -> None:
    ref = reference("环卫中心")
    cache = RowCache(ref)
    assert "环卫中心".encode() in encoded(cache, [row(1)], NOW)[0]
    ref.departments = reference("环境卫生中心").departments  # as Reference.load_codes does
    assert cache.cached([(1, 1)]) == [None]
    assert "环境卫生中心".encode() in encoded(cache, [row(1)], NOW)[0]


def plain_row(r: Any, ref: Reference, now: datetime) -> bytes:
    return SUMMARY_LIST.validate_python([summary_fields(r, ref, now)])[0].model_dump_json().encode()
