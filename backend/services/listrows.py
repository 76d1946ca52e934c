"""Queue rows encoded once: a ``GET /cases`` page is joined from cached JSON.

A queue row (:class:`CaseSummary`) is fixed by the case's id and version (every change
to a case bumps its version, which is also its ETag), except for two things: the
traffic light, which depends on the moment of the request, and the names the
reference data gives its category and department.  :class:`RowCache` keeps, under
``(id, version)``, the row's JSON with the light left as ``none`` and the times the
light is computed from; a page then needs from the table only each row's id and
version (the rows not cached are read by id, in the same snapshot), and costs no
validation and no encoding.  The cache starts again when the reference data is
reloaded.

The light is written into the JSON by replacing ``"light":"none"``: that text can
only be the key, because inside a JSON string every quote is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
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
ENTRY_OVERHEAD = 300  # bytes of the key, times and object headers, roughly
EMPTY_ITEMS = b'{"items":[]'


def _light_json(light: Light) -> bytes:
    return b'"light":' + json.dumps(light.value).encode()


NO_LIGHT = _light_json(Light.NONE)
LIGHTS = {light: _light_json(light) for light in Light}


@dataclass(frozen=True)
class Row:
    """One version of one case's queue row, its light left out."""

    json: bytes  # with "light":"none"
    due_key: datetime
    warn_at: datetime | None
    deadline_at: datetime | None
    paused_at: datetime | None

    def encoded(self, now: datetime) -> bytes:
        light = light_of(now, self.warn_at, self.deadline_at, self.paused_at)
        return self.json if light is Light.NONE else self.json.replace(NO_LIGHT, LIGHTS[light], 1)


class RowCache:
    def __init__(self, ref: Reference, budget: int = CACHE_BYTES) -> None:
        self._ref = ref
        self._budget = budget
        self._rows: BoundedCache[tuple[int, int], Row] = BoundedCache(budget, _weight)
        self._names = self._names_now()

    def _names_now(self) -> tuple[object, object]:
        return self._ref.categories, self._ref.departments

    def cached(self, keys: Sequence[tuple[int, int]]) -> list[Row | None]:
        """The cached row for each ``(id, version)``, or ``None``."""
        names = self._names_now()
        if names[0] is not self._names[0] or names[1] is not self._names[1]:
            self._rows = BoundedCache(self._budget, _weight)  # renamed or added: start again
            self._names = names
        return [self._rows.get(key) for key in keys]

    def add(self, rows: Sequence[Any], now: datetime) -> dict[tuple[int, int], Row]:
        """Encode result rows with the summary's columns (and ``id``, ``due_key``)."""
        fields = [summary_fields(r, self._ref, now) for r in rows]
        for f in fields:
            f["light"] = Light.NONE
        made: dict[tuple[int, int], Row] = {}
        for r, item in zip(rows, SUMMARY_LIST.validate_python(fields), strict=True):
            row = Row(SUMMARY.dump_json(item), r.due_key, r.warn_at, r.deadline_at, r.paused_at)
            made[(r.id, r.version)] = row
            self._rows.put((r.id, r.version), row)
        return made


def _weight(row: Row) -> int:
    return len(row.json) + ENTRY_OVERHEAD


def page_json(items: Sequence[bytes], next_cursor: str | None, as_of_seq: int) -> bytes:
    """A :class:`CasePage` as its own ``model_dump_json`` would write it, around rows
    already encoded."""
    rest = CasePage(items=[], next_cursor=next_cursor, as_of_seq=as_of_seq).model_dump_json()
    head = rest.encode()
    assert head.startswith(EMPTY_ITEMS), head  # items is the page's first field
    return b'{"items":[' + b",".join(items) + b"]" + head[len(EMPTY_ITEMS) :]
