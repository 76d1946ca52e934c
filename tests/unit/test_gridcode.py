from __future__ import annotations

import pytest

from backend.domain.gridcode import (
    GridCode,
    InvalidGridCode,
    InvalidRegionCode,
    in_scope,
    is_grid_code,
    kind_for_code_length,
    parent_code,
    parse_grid_code,
    scope_prefix,
    street_kind_label,
)
from backend_client.vocab import RegionKind

GOOD = "110112001002003"


def test_parse_valid_code() -> None:
    g = parse_grid_code(GOOD)
    assert g == GridCode("110112", "001", "002", "003", GOOD)
    assert g.street_code == "110112001"
    assert g.community_code == "110112001002"
    assert is_grid_code(GOOD)


@pytest.mark.parametrize(
    ("code", "wording"),
    [
        ("11011200100200", "has 14 digits; a unit-grid code has exactly 15"),
        ("1101120010020031", "has 16 digits"),
        ("", "has 0 digits"),
        ("110112A01002003", "non-digit character 'A' at position 7"),
        (" 110112001002003", "non-digit character ' ' at position 1"),
        ("11011200100200３", "non-digit character '３' at position 15"),
        ("110112000002003", "street part 000 (digits 7-9)"),
        ("110112001000003", "community part 000 (digits 10-12)"),
        ("110112001002000", "sequence part 000 (digits 13-15)"),
        ("000112001002003", "starts with province 00"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code: str, wording: str) -> None:
    with pytest.raises(InvalidGridCode, match=wording.replace("(", r"\(").replace(")", r"\)")):
        parse_grid_code(code)
    assert not is_grid_code(code)


def test_invalid_grid_code_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        parse_grid_code(110112001002003)  # type: ignore[arg-type]
    assert not is_grid_code(110112001002003)


@pytest.mark.parametrize(
    ("kind", "code", "prefix"),
    [
        (RegionKind.CITY, "110100", "1101"),
        (RegionKind.DISTRICT, "110112", "110112"),
        (RegionKind.STREET, "110112001", "110112001"),
        (RegionKind.COMMUNITY, "110112001002", "110112001002"),
        (RegionKind.GRID, GOOD, GOOD),
    ],
)
def test_scope_prefix(kind: RegionKind, code: str, prefix: str) -> None:
    assert scope_prefix(kind, code) == prefix
    assert in_scope(prefix, GOOD)


@pytest.mark.parametrize(
    ("kind", "code", "wording"),
    [
        (RegionKind.CITY, "110112", "must end in 00"),
        (RegionKind.DISTRICT, "110100", "which is a city code"),
        (RegionKind.STREET, "110112", "has 6 digits; it must have 9"),
        (RegionKind.COMMUNITY, "11011200100x", "non-digit character 'x' at position 12"),
    ],
)
def test_scope_prefix_rejects_wrong_codes(kind: RegionKind, code: str, wording: str) -> None:
    with pytest.raises(InvalidRegionCode, match=wording):
        scope_prefix(kind, code)


def test_in_scope() -> None:
    assert in_scope("1101", GOOD)
    assert not in_scope("1102", GOOD)
    assert not in_scope("110112002", GOOD)
    assert not in_scope("1101", "110112001002000")  # malformed grid code: in no scope
    for bad in ("", "11", "11011"):
        with pytest.raises(InvalidRegionCode):
            in_scope(bad, GOOD)


def test_kind_for_code_length() -> None:
    assert kind_for_code_length("110100") is RegionKind.CITY
    assert kind_for_code_length("110112") is RegionKind.DISTRICT
    assert kind_for_code_length("110112001") is RegionKind.STREET
    assert kind_for_code_length("110112001002") is RegionKind.COMMUNITY
    assert kind_for_code_length(GOOD) is RegionKind.GRID
    assert kind_for_code_length("1101") is None
    assert kind_for_code_length("11011x") is None
    assert kind_for_code_length("") is None


def test_parent_code() -> None:
    assert parent_code(GOOD) == "110112001002"
    assert parent_code("110112001002") == "110112001"
    assert parent_code("110112001") == "110112"
    assert parent_code("110112") == "110100"
    assert parent_code("110100") is None
    with pytest.raises(InvalidRegionCode, match="has 4 digits"):
        parent_code("1101")


@pytest.mark.parametrize(
    ("street3", "label"),
    [
        ("001", "街道"),
        ("099", "街道"),
        ("100", "镇"),
        ("199", "镇"),
        ("200", "乡"),
        ("399", "乡"),
        ("400", "其他单位"),
        ("599", "其他单位"),
    ],
)
def test_street_kind_label(street3: str, label: str) -> None:
    assert street_kind_label(street3) == label


def test_street_kind_label_rejects_bad_parts() -> None:
    with pytest.raises(InvalidRegionCode, match="000"):
        street_kind_label("000")
    with pytest.raises(InvalidRegionCode, match="exactly 3 digits"):
        street_kind_label("01")
