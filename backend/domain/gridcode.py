"""Region and unit-grid codes (DB11/T 2157-2023 layout, GB/T 2260 prefixes).

A unit-grid code is 15 digits: 6 district (GB/T 2260) + 3 street/town + 3
community/village + 3 sequence.  Shorter region codes are its prefixes:
district 6, street 9, community 12.  A city is stored with its 6-digit code
("110100") but covers every code starting with its first 4 digits.

Pure Python: no framework imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend_client.vocab import AreaClass, RegionKind

GRID_CODE_LENGTH = 15
_PART = "(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})"  # 001-999
# The codes parse_grid_code accepts, as a regular expression (for the API document).
GRID_CODE_PATTERN = f"^(0[1-9]|[1-9][0-9])[0-9]{{4}}{_PART}{{3}}$"
CODE_LENGTHS: dict[RegionKind, int] = {
    RegionKind.CITY: 6,
    RegionKind.DISTRICT: 6,
    RegionKind.STREET: 9,
    RegionKind.COMMUNITY: 12,
    RegionKind.GRID: 15,
}
_DIGITS = frozenset("0123456789")
_SCOPE_LENGTHS = frozenset({4, 6, 9, 12, 15})


class InvalidRegionCode(ValueError):
    """A region code (or scope prefix) is malformed; the message says why."""


class InvalidGridCode(InvalidRegionCode):
    """A unit-grid code is malformed; the message says exactly what is wrong."""


@dataclass(frozen=True)
class RegionSpec:
    """One region to create: city, district, street, community or unit grid."""

    code: str
    name: str
    kind: RegionKind
    parent_code: str | None
    area_class: AreaClass
    geometry: dict[str, Any]  # GeoJSON Polygon or MultiPolygon, lon/lat, closed rings


@dataclass(frozen=True)
class GridCode:
    district: str  # 6 digits, GB/T 2260
    street: str  # 3 digits
    community: str  # 3 digits
    sequence: str  # 3 digits, 001… west→east then north→south
    code: str  # all 15 digits

    @property
    def street_code(self) -> str:
        return self.code[:9]

    @property
    def community_code(self) -> str:
        return self.code[:12]


def _first_non_digit(s: str) -> int | None:
    for i, ch in enumerate(s):
        if ch not in _DIGITS:
            return i
    return None


def _check_digits(s: object, what: str, error: type[InvalidRegionCode]) -> str:
    if not isinstance(s, str):
        raise error(f"{what} must be a string of digits, not {type(s).__name__}")
    bad = _first_non_digit(s)
    if bad is not None:
        raise error(f"{what} {s!r} has a non-digit character {s[bad]!r} at position {bad + 1}")
    return s


def parse_grid_code(s: str) -> GridCode:
    """Split a 15-digit unit-grid code, or raise InvalidGridCode saying what is wrong."""
    _check_digits(s, "grid code", InvalidGridCode)
    if len(s) != GRID_CODE_LENGTH:
        raise InvalidGridCode(
            f"grid code {s!r} has {len(s)} digits; a unit-grid code has exactly 15 "
            "(6 district + 3 street + 3 community + 3 sequence)"
        )
    district, street, community, sequence = s[:6], s[6:9], s[9:12], s[12:]
    if district[:2] == "00":
        raise InvalidGridCode(
            f"grid code {s!r} starts with province 00; the first 6 digits must be a "
            "GB/T 2260 district code such as 110112"
        )
    for part, value, where in (
        ("street", street, "digits 7-9"),
        ("community", community, "digits 10-12"),
        ("sequence", sequence, "digits 13-15"),
    ):
        if value == "000":
            raise InvalidGridCode(
                f"grid code {s!r} has {part} part 000 ({where}); it must be 001-999"
            )
    return GridCode(district, street, community, sequence, s)


def is_grid_code(s: object) -> bool:
    if not isinstance(s, str):
        return False
    try:
        parse_grid_code(s)
    except InvalidGridCode:
        return False
    return True


def kind_for_code_length(code: str) -> RegionKind | None:
    """The region kind a code's shape implies; 6 digits ending in "00" is a city."""
    if not isinstance(code, str) or not code or _first_non_digit(code) is not None:
        return None
    n = len(code)
    if n == 6:
        return RegionKind.CITY if code.endswith("00") else RegionKind.DISTRICT
    return {9: RegionKind.STREET, 12: RegionKind.COMMUNITY, 15: RegionKind.GRID}.get(n)


def _check_region_code(kind: RegionKind, code: str) -> str:
    _check_digits(code, f"{kind.value} code", InvalidRegionCode)
    want = CODE_LENGTHS[kind]
    if len(code) != want:
        raise InvalidRegionCode(
            f"{kind.value} code {code!r} has {len(code)} digits; it must have {want}"
        )
    if kind is RegionKind.CITY and not code.endswith("00"):
        raise InvalidRegionCode(f"city code {code!r} must end in 00 (e.g. 110100)")
    if kind is RegionKind.DISTRICT and code.endswith("00"):
        raise InvalidRegionCode(
            f"district code {code!r} ends in 00, which is a city code; use the "
            "county-level code (e.g. 110112)"
        )
    return code


def scope_prefix(kind: RegionKind, code: str) -> str:
    """The prefix every grid code inside this region starts with."""
    _check_region_code(kind, code)
    return code[:4] if kind is RegionKind.CITY else code


def in_scope(scope_prefix: str, grid_code: str) -> bool:
    """Whether a grid lies in a jurisdiction; malformed grid codes are in no scope.

    Raises InvalidRegionCode for a malformed prefix (an empty prefix must never
    silently mean "everything").
    """
    _check_digits(scope_prefix, "scope prefix", InvalidRegionCode)
    if len(scope_prefix) not in _SCOPE_LENGTHS:
        raise InvalidRegionCode(
            f"scope prefix {scope_prefix!r} has {len(scope_prefix)} digits; "
            "it must have 4 (city), 6, 9, 12 or 15"
        )
    return is_grid_code(grid_code) and grid_code.startswith(scope_prefix)


def parent_code(code: str) -> str | None:
    """Code of the enclosing region (a district's parent is its city); None for a city."""
    kind = kind_for_code_length(code)
    if kind is None:
        _check_digits(code, "region code", InvalidRegionCode)
        raise InvalidRegionCode(
            f"region code {code!r} has {len(code)} digits; it must have 6, 9, 12 or 15"
        )
    if kind is RegionKind.CITY:
        return None
    if kind is RegionKind.DISTRICT:
        return code[:4] + "00"
    return code[: CODE_LENGTHS[kind] - 3]


def street_kind_label(street3: str) -> str:
    """街道 / 镇 / 乡 / 其他单位 for the middle 3 digits of a 12-digit division code."""
    _check_digits(street3, "street part", InvalidRegionCode)
    if len(street3) != 3:
        raise InvalidRegionCode(f"street part {street3!r} must have exactly 3 digits")
    n = int(street3)
    if n == 0:
        raise InvalidRegionCode("street part 000 is not a street, town or township")
    if n < 100:
        return "街道"
    if n < 200:
        return "镇"
    if n < 400:
        return "乡"
    if n < 600:
        return "其他单位"
    return "未定义"
