"""A ranking's gzip made from parts decompresses to exactly its body, parts shared with an
earlier answer are not compressed again, and any gzip reader takes it."""

from __future__ import annotations

import gzip
import random
import zlib
from itertools import accumulate

import pytest

from backend.services.assessment import deflate
from backend.services.assessment.deflate import Deflater
from backend.services.assessment.ranking_cache import EncodedRanking


def _parts(rng: random.Random, n: int) -> list[bytes]:
    return [
        ",".join(
            f'{{"id":"{rng.randint(0, 99999)}","v":{rng.random():.3f}}}' for _ in range(40)
        ).encode()
        for _ in range(n)
    ]


def test_parts_gzip_to_the_body_and_shared_parts_are_compressed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(5)
    deflater = Deflater()
    first = [b'{"head":1,"objects":[', *_parts(rng, 30), b"]}", b""]
    calls: list[bytes] = []
    made = deflate.deflated

    def counted(part: bytes) -> bytes:
        calls.append(part)
        return made(part)

    monkeypatch.setattr(deflate, "deflated", counted)
    zipped = deflater.gzip(first)
    assert gzip.decompress(zipped) == b"".join(first)
    assert zlib.decompress(zipped, wbits=31) == b"".join(first)  # one member, checked
    assert len(calls) == len(set(first))
    second = [b'{"head":2,"objects":[', *first[1:10], *_parts(rng, 2), *first[12:]]
    calls.clear()
    again = deflater.gzip(second)
    assert gzip.decompress(again) == b"".join(second)
    assert calls == [second[0], *second[10:12]]  # only what the first answer lacked


def test_an_answer_cut_into_parts_gzips_to_its_body() -> None:
    parts = [b'{"objects":[', *_parts(random.Random(6), 9), b"]}"]
    cuts = tuple(accumulate(len(part) for part in parts))
    body = b"".join(parts)
    deflater = Deflater()
    for _ in range(2):  # the second answer reuses every part
        answer = EncodedRanking(body, '"t"', cuts, deflater)
        assert gzip.decompress(answer.gzipped) == body
    assert gzip.decompress(EncodedRanking(body, '"t"').gzipped) == body  # one shot
