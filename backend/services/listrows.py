"""Queue rows encoded once: a ``GET /cases`` page is joined from cached JSON.

A queue row (:class:`CaseSummary`) is fixed by three things: the case's id and
version (every change to a case bumps its version, which is also its ETag), the
traffic light at the moment of the request, and the names the reference data gives
its category and department.  :class:`RowCache` keeps each row's JSON under
``(id, version, light)`` and forgets everything when the reference data is reloaded,
so a page of rows already seen costs no validation and no encoding; the rows it has
not seen are validated together and encoded one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from backend.services.broadcaster import BoundedCache
from backend.services.reference import Reference
from backend.services.views import summary_fields
from backend_client.lights import light_of
from backend_client.vocab import Light
from backend_client.wire import CasePage, CaseSummary

SUMMARY = TypeAdapter(CaseSummary)
SUMMARY_LIST = TypeAdapter(list[CaseSummary])  # validating a page at once is ~2x faster
CACHE_BYTES = 32 * 1024 * 1024
EMPTY_ITEMS = b'{"items":[]'

RowKey = tuple[int, int, Light]


class RowCache:
    def __init__(self, ref: Reference, budget: int = CACHE_BYTES) -> None:
        self._ref = ref
        self._budget = budget
        self._rows: BoundedCache[RowKey, bytes] = BoundedCache(budget, len)
        self._names = self._names_now()

    def _names_now(self) -> tuple[object, object]:
        return self._ref.categories, self._ref.departments

    def rows(self, rows: Sequence[Any], now: datetime) -> list[bytes]:
        """The JSON of each queue row, from result rows with the summary's columns."""
        names = self._names_now()
        if names[0] is not self._names[0] or names[1] is not self._names[1]:
            self._rows = BoundedCache(self._budget, len)  # renamed or added: start again
            self._names = names
        keys = [
            (r.id, r.version, light_of(now, r.warn_at, r.deadline_at, r.paused_at)) for r in rows
        ]
        out = [self._rows.get(k) for k in keys]
        missing = [i for i, encoded in enumerate(out) if encoded is None]
        if missing:
            fresh = SUMMARY_LIST.validate_python(
                [summary_fields(rows[i], self._ref, now) for i in missing]
            )
            for i, item in zip(missing, fresh, strict=True):
                encoded = SUMMARY.dump_json(item)
                self._rows.put(keys[i], encoded)
                out[i] = encoded
        return [encoded for encoded in out if encoded is not None]


def page_json(items: Sequence[bytes], next_cursor: str | None, as_of_seq: int) -> bytes:
    """A :class:`CasePage` as its own ``model_dump_json`` would write it, around rows
    already encoded."""
    rest = CasePage(items=[], next_cursor=next_cursor, as_of_seq=as_of_seq).model_dump_json()
    head = rest.encode()
    assert head.startswith(EMPTY_ITEMS), head  # items is the page's first field
    return b'{"items":[' + b",".join(items) + b"]" + head[len(EMPTY_ITEMS) :]
