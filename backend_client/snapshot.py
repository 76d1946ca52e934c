"""The compact snapshot of the open cases (``GET /cases/snapshot``): its wire form.

A console holds every open case of its jurisdiction, so at start-up it reads them all at
once instead of page by page.  The answer is newline-delimited JSON
(``application/x-ndjson``), gzip-compressed when the client accepts it:

* line 1, a :class:`SnapshotHead` object: the head seq the rows were read at and the
  column names;
* then batches, each a JSON array of rows, each row an array of values in the head's
  column order (a :class:`~backend_client.wire.CaseSummary` without its keys: times as
  ISO 8601 text, enums as their values).  The most urgent cases come first, and the
  first batch is small so a console can paint it at once;
* last, a :class:`SnapshotEnd` object with the number of rows sent.  A stream that ends
  without it was cut off and is not a snapshot.

Every row comes from one database snapshot at ``as_of_seq``: follow
``/events/stream?after=<as_of_seq>`` and nothing is missed.  The columns are the fields of
``CaseSummary``, so the wire schema stays the one definition.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import httpx
from pydantic import Field

from backend_client.errors import ProtocolError, error_from_response, unavailable
from backend_client.wire import CaseSummary, WireModel

SNAPSHOT_PATH = "/cases/snapshot"
SNAPSHOT_MEDIA_TYPE = "application/x-ndjson"
SNAPSHOT_COLUMNS: tuple[str, ...] = tuple(CaseSummary.model_fields)
TIME_COLUMNS = frozenset({"warn_at", "deadline_at", "paused_at", "created_at", "updated_at"})
FIRST_BATCH = 500  # rows in the first batch: a few screens of the most urgent cases
BATCH = 5000  # rows in each batch after it

Row = list[Any]


class SnapshotHead(WireModel):
    """The snapshot's first line."""

    as_of_seq: int = Field(ge=0)
    columns: list[str]


class SnapshotEnd(WireModel):
    """The snapshot's last line: it is complete."""

    count: int = Field(ge=0)


SnapshotLine = SnapshotHead | SnapshotEnd | list[Row]


def parse_line(line: bytes | str) -> SnapshotLine:
    """One line of the answer: the head, a batch of rows, or the end."""
    data = json.loads(line)
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "columns" in data:
        return SnapshotHead.model_validate(data)
    if isinstance(data, dict) and "count" in data:
        return SnapshotEnd.model_validate(data)
    raise ProtocolError(f"{SNAPSHOT_PATH}: a line that is neither rows, head nor end.")


async def snapshot_lines(http: httpx.AsyncClient) -> AsyncGenerator[bytes, None]:
    """The answer's lines, undecoded (decode them off the event loop with
    :func:`parse_line`).  Raises the client errors for an error answer or a lost link."""
    request = http.build_request("GET", SNAPSHOT_PATH, headers={"Accept": SNAPSHOT_MEDIA_TYPE})
    try:
        response = await http.send(request, stream=True)
    except httpx.TransportError as exc:
        raise unavailable(request, exc) from exc
    try:
        if not response.is_success:
            await response.aread()
            raise error_from_response(response)
        parts: list[bytes] = []  # the line being received, in pieces
        async for chunk in response.aiter_bytes():
            if b"\n" not in chunk:
                parts.append(chunk)
                continue
            first, *lines, rest = chunk.split(b"\n")
            parts.append(first)
            for line in (b"".join(parts), *lines):
                if line:
                    yield line
            parts = [rest]
        if last := b"".join(parts):
            yield last
    except httpx.TransportError as exc:
        raise unavailable(request, exc) from exc
    finally:
        await response.aclose()
