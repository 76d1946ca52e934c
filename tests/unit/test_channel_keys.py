"""Channel keys: issued hashed, audited with a generation bump, refused when unknown;
and the façade's pure parts (query parameters, address resolution, XML)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from backend.core.db import sync_engine
from backend.core.schema import upgrade
from backend.core.security import hash_token
from backend.domain.tokens import TokenState
from backend.models import AuditRow, AuthStateRow, ChannelKeyRow, RegionRow, UserRow
from backend.open311.errors import Open311Error
from backend.open311.listing import SPAN, parse_query
from backend.open311.location import resolve_address
from backend.open311.render import iso, to_xml
from backend.services.admin import AdminError
from backend.services.channel_keys import add_key, list_keys, revoke_key
from backend.services.reference import Reference, RegionInfo
from backend_client.vocab import RegionKind

NOW = datetime(2026, 11, 23, 2, 0, 30, 123456, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def session(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    engine = sync_engine(url)
    with Session(engine, expire_on_commit=False) as s:
        s.add(
            RegionRow(
                code="110112",
                name="通州区",
                kind="district",
                area_class="B",
                geometry={},
                min_lon=0,
                min_lat=0,
                max_lon=1,
                max_lat=1,
                centroid_lon=0.5,
                centroid_lat=0.5,
            )
        )
        s.commit()
        yield s
    engine.dispose()


def generation(s: Session) -> int:
    state = s.get(AuthStateRow, 1)
    return state.generation if state else 0


def test_a_key_is_stored_hashed_audited_and_revoked_once(session: Session) -> None:
    before = generation(session)
    issued = add_key(session, "wechat", "110112", now=NOW, by="admin", rate_per_minute=30)
    row = session.get(ChannelKeyRow, issued.id)
    assert row is not None and row.key_hash == hash_token(issued.key) != issued.key
    user = session.get(UserRow, row.user_id)
    assert user is not None and user.username == "channel.wechat.110112"
    assert user.role == "operator" and user.jurisdiction_code == "110112"
    assert generation(session) == before + 1
    second = add_key(session, "wechat", "110112", now=NOW, by="admin")
    assert session.get(ChannelKeyRow, second.id).user_id == row.user_id  # type: ignore[union-attr]
    assert revoke_key(session, issued.id, now=NOW, by="admin") is not None
    assert revoke_key(session, issued.id, now=NOW, by="admin") is None  # nothing changes
    states = {k.id: k.state for k in list_keys(session, now=NOW)}
    assert states == {issued.id: TokenState.REVOKED, second.id: TokenState.ACTIVE}
    actions = [a.action for a in session.exec(select(AuditRow)).all()]
    assert actions == ["channel_key.add", "channel_key.add", "channel_key.revoke"]


@pytest.mark.parametrize(
    ("channel", "jurisdiction", "rate", "says"),
    [
        ("fax", "110112", 10, "Unknown channel"),
        ("open311", "110112", 10, "Unknown channel"),
        ("app", "999999", 10, "Unknown jurisdiction"),
        ("app", "110112", 0, "rate"),
    ],
)
def test_refused_keys_say_why(
    session: Session, channel: str, jurisdiction: str, rate: int, says: str
) -> None:
    with pytest.raises(AdminError, match=says):
        add_key(session, channel, jurisdiction, now=NOW, by="admin", rate_per_minute=rate)
    with pytest.raises(AdminError, match="no channel key"):
        revoke_key(session, 42, now=NOW, by="admin")


def test_times_are_local_whole_seconds_with_the_offset() -> None:
    assert iso(NOW, TZ) == "2026-11-23T10:00:30+08:00"
    assert iso(None, TZ) is None


def test_query_defaults_span_and_empty_parameters() -> None:
    q = parse_query({"status": "", "service_code": ""}, NOW, TZ)
    assert q.start == NOW - SPAN and q.end is None and not q.statuses and not q.categories
    ids = parse_query({"service_request_id": "a, b,", "status": "bogus"}, NOW, TZ)
    assert ids.ids == ["a", "b"]  # overrides: the bad status is not even read
    naive = parse_query({"start_date": "2026-11-01T08:00:00"}, NOW, TZ)
    assert naive.start == datetime(2026, 11, 1, 8, tzinfo=TZ)
    for bad in (
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
        {"start_date": "yesterday"},
        {"status": "pending"},
        {"page_size": "1001"},
        {"page": "-1"},
        {"service_code": "matter-6042"},
    ):
        with pytest.raises(Open311Error) as err:
            parse_query(bad, NOW, TZ)
        assert err.value.status == 400, bad
    span = parse_query({"end_date": "2026-11-20T00:00:00+08:00"}, NOW, TZ)
    assert span.end is not None and span.start == span.end - timedelta(days=90)


def test_address_names_resolve_to_the_most_specific_region_in_scope() -> None:
    ref = Reference.__new__(Reference)
    regions = [
        RegionInfo("110112001", "中仓街道", RegionKind.STREET, "110112", "A", (9.0, 9.0)),
        RegionInfo("110112001002", "上营社区", RegionKind.COMMUNITY, "110112001", "A", (9.0, 9.0)),
        RegionInfo(
            "110112001002003", "上营社区03号网格", RegionKind.GRID, "110112001002", "A", (9, 9)
        ),
        RegionInfo(
            "110112001002001", "上营社区01号网格", RegionKind.GRID, "110112001002", "A", (9, 9)
        ),
        RegionInfo("110112002", "新华街道", RegionKind.STREET, "110112", "A", (9.0, 9.0)),
    ]
    ref.regions = {r.code: r for r in regions}
    ref._buckets = {}
    assert resolve_address(ref, "中仓街道上营社区03号网格旁", "110112") == "110112001002003"
    assert resolve_address(ref, "中仓街道 上营社区 东门", "110112") == "110112001002001"
    assert resolve_address(ref, "新华街道", "110112") is None  # no grid under it
    assert resolve_address(ref, "上营社区", "110112002") is None  # outside the scope
    assert resolve_address(ref, "110112001002003", "110112") == "110112001002003"


def test_xml_names_list_items_and_leaves_none_empty() -> None:
    root = ET.fromstring(
        to_xml("service_requests", [{"service_request_id": "1", "lat": None, "ok": True}])
    )
    assert root.findtext("request/service_request_id") == "1"
    assert root.find("request/lat") is not None and root.findtext("request/lat") == ""
    assert root.findtext("request/ok") == "true"
    assert list(ET.fromstring(to_xml("services", []))) == []
