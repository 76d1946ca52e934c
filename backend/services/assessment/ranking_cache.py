"""Encoded rankings kept for as long as the figures behind them cannot have moved.

A ranking is a pure function of the period, the family, the policy version, how far the
log is folded (the projection cursor), the upheld appeals' adjustments in the period, the
people (for posts) and what the reader may see. :class:`RankingKey` holds exactly those;
an answer computed for one key is the answer for every later request with the same key,
so it is kept as the JSON bytes sent (gzipped too, once asked for) and the ETag that names
them. The cache is bounded by the bytes it holds; the least recently used answers go first.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

from backend.services.assessment.deflate import GZIP_LEVEL, Deflater
from backend_client.assessment import ObjectFamily, Ranking

MAX_BYTES = 64 * 1024 * 1024

Adjusted = tuple[tuple[str, str, tuple[tuple[str, float], ...]], ...]
"""Upheld appeals' changes in a period: (object type, object id, ((counter, delta), …))."""


@dataclass(frozen=True)
class RankingKey:
    period: str  # the period's first and last day
    family: ObjectFamily
    policy_version: str
    through_seq: int
    adjusted: Adjusted
    people: int  # hash of the people's names, roles and jurisdictions (posts only, else 0)
    viewer: tuple[str, bool, int | None, int | None]  # scope, handler, department, own id

    @property
    def etag(self) -> str:
        digest = hashlib.blake2b(repr(self).encode(), digest_size=12).hexdigest()
        return f'"{digest}"'


@dataclass(frozen=True)
class EncodedRanking:
    body: bytes  # the ranking as JSON, as the API sends it
    etag: str
    cuts: tuple[int, ...] = ()  # where the body's parts end, for ``deflater`` (see deflate)
    deflater: Deflater | None = field(default=None, compare=False, repr=False)

    @cached_property
    def gzipped(self) -> bytes:
        """The body gzip-compressed, made once (a month's regions: ~5 MB of JSON)."""
        if self.deflater is None:
            return gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        whole, starts = memoryview(self.body), (0, *self.cuts)
        spans = zip(starts, self.cuts, strict=False)  # no copies: views of the body
        return self.deflater.gzip([whole[start:end] for start, end in spans])

    @cached_property
    def ranking(self) -> Ranking:
        """The model, made when code reads it (the notice, an export, a publication)."""
        return Ranking.model_validate_json(self.body)


class RankingCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._held: OrderedDict[RankingKey, EncodedRanking] = OrderedDict()
        self._bytes = 0

    def get(self, key: RankingKey) -> EncodedRanking | None:
        found = self._held.get(key)
        if found is not None:
            self._held.move_to_end(key)
        return found

    def put(self, key: RankingKey, answer: EncodedRanking) -> None:
        if len(answer.body) > self.max_bytes:
            return
        stale = [
            k for k in self._held if _same_question(k, key) and k.through_seq < key.through_seq
        ]
        for old in stale:  # the log has moved on: these can never be asked for again
            self._drop(old)
        if key in self._held:
            self._drop(key)
        self._held[key] = answer
        self._bytes += len(answer.body)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._held)))

    def __len__(self) -> int:
        return len(self._held)

    @property
    def held_bytes(self) -> int:
        return self._bytes

    def _drop(self, key: RankingKey) -> None:
        self._bytes -= len(self._held.pop(key).body)


def _same_question(a: RankingKey, b: RankingKey) -> bool:
    return (a.period, a.family, a.policy_version, a.viewer) == (
        b.period,
        b.family,
        b.policy_version,
        b.viewer,
    )
