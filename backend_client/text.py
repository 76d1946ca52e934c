"""What counts as a digit, a whole number and acceptable text — one definition for the
wire schema, the server's parameters and headers, and the client.

Python's ``str.isdigit`` and the regex ``\\d`` accept any Unicode digit (``９``, ``²``),
which ``int()`` then rejects or a code column stores as garbage: codes here are ASCII
``[0-9]`` only.  Text may not carry C0 control characters (PostgreSQL cannot store
NUL at all); multi-line text may carry tab, newline and carriage return.
"""

from __future__ import annotations

import re

INT64_MAX = 2**63 - 1  # every integer the server accepts fits a signed 64-bit column

# Patterns usable in pydantic, FastAPI parameters and the OpenAPI document alike.
SINGLE_LINE_PATTERN = r"^[^\x00-\x08\x0a-\x1f\x7f]*$"  # tab allowed
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # tab, LF, CR allowed
TEXT_PATTERNS = frozenset({SINGLE_LINE_PATTERN, MULTI_LINE_PATTERN})
TEXT_RULE = "must not contain control characters such as NUL (U+0000)"

_DIGITS = re.compile(r"[0-9]+")


def is_digits(value: str) -> bool:
    """A non-empty run of ASCII digits 0-9 (not ``²`` or ``９``)."""
    return _DIGITS.fullmatch(value) is not None


def whole_number(value: str, *, maximum: int = INT64_MAX) -> int | None:
    """The value as a whole number 0…``maximum``, or None when it is not one."""
    cleaned = value.strip()
    if not is_digits(cleaned) or len(cleaned.lstrip("0")) > len(str(maximum)):
        return None
    number = int(cleaned)
    return number if number <= maximum else None
