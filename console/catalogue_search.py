"""The category picker's fuzzy search over catalogue classes: by code, Chinese name or
English gloss (any object with ``code``, ``name`` and ``gloss``: the wire's
``Category``, the backend's catalogue entries)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

from backend_client.text import is_digits

_CODE_SEPARATORS = re.compile(r"[\s\-._/]+")


class Searchable(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def gloss(self) -> str: ...


S = TypeVar("S", bound=Searchable)


def _fold(text: str) -> str:
    """Normalise for matching: NFKC (full-width → half-width), case-fold, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=8192)
def _folded(text: str) -> str:
    return _fold(text)


def _fields(entry: Searchable) -> tuple[str, str]:
    return _folded(entry.name), _folded(entry.gloss)


Score = tuple[int, int, int, int, int]  # (tier, …) — lower is better


def _substring_score(text: str, needle: str) -> tuple[int, int, int, int] | None:
    """Rank a substring hit: whole-field match, then word start, then position, then brevity."""
    first = text.find(needle)
    if first < 0:
        return None
    pos = first
    while pos > 0 and text[pos - 1].isalnum():
        pos = text.find(needle, pos + 1)
    at_word = pos >= 0
    return (0 if text == needle else 1, 0 if at_word else 1, pos if at_word else first, len(text))


def _subsequence_score(text: str, needle: str) -> tuple[int, int, int] | None:
    """The tightest in-order match of ``needle``'s characters in ``text``: (gaps, start, len)."""
    best: tuple[int, int, int] | None = None
    start = text.find(needle[0])
    while start >= 0:
        pos = start
        for ch in needle[1:]:
            pos = text.find(ch, pos + 1)
            if pos < 0:
                return best  # a later start cannot match either
        score = (pos - start + 1 - len(needle), start, len(text))
        if best is None or score < best:
            best = score
        start = text.find(needle[0], start + 1)
    return best


def _score(entry: Searchable, query: str, digits: str | None) -> Score | None:
    """Where ``entry`` ranks for ``query`` (see :func:`fuzzy_rank`); ``None``: no match."""
    if digits is not None:
        if entry.code == digits:
            return (0, 0, 0, 0, 0)
        if entry.code.startswith(digits):
            return (1, 0, 0, 0, 0)
    name, gloss = _fields(entry)
    hits = [s for s in (_substring_score(name, query), _substring_score(gloss, query)) if s]
    if digits is not None and (pos := entry.code.find(digits)) > 0:
        hits.append((1, 1, pos, len(entry.code)))  # "6010" finds 06010
    if hits:
        return (2, *min(hits))
    tokens = query.split()
    if len(tokens) > 1:
        haystack = f"{name} {gloss}"
        if all(t in haystack for t in tokens):
            return (3, sum(haystack.find(t) for t in tokens), len(haystack), 0, 0)
    compact = query.replace(" ", "")
    subs = [
        s
        for s in (
            _subsequence_score(name, compact),
            _subsequence_score(gloss, compact),
        )
        if s
    ]
    if subs:
        return (4, *min(subs), 0)
    return None


def fuzzy_rank(entries: Sequence[S], query: str, limit: int = 20) -> list[S]:
    """Rank ``entries`` against ``query`` for the category picker; at most ``limit`` results.

    Tiers, best first: exact code; code prefix (``06-010`` and ``06 0`` count as digits);
    substring of the Chinese name or English gloss (whole-field match, then word start,
    then earlier, then shorter; a code containing the digits ranks here too); every word
    of a multi-word query; finally subsequence matches (characters in order, tightest
    first).  Ties keep the input order.  Matching ignores case and full/half width.  An
    empty query returns the first ``limit`` entries.
    """
    if limit <= 0:
        return []
    folded = _fold(query)
    if not folded:
        return list(entries[:limit])
    compact_code = _CODE_SEPARATORS.sub("", folded)
    digits = compact_code if is_digits(compact_code) else None
    scored: list[tuple[Score, int, S]] = []
    for index, entry in enumerate(entries):
        score = _score(entry, folded, digits)
        if score is not None:
            scored.append((score, index, entry))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in scored[:limit]]
