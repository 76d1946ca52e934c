"""Request parameters that several routes share, declared once with their bounds."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header, Path, Query
from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

from backend.core.problems import Invalid
from backend.services.idempotency import MAX_KEY
from backend_client.text import SINGLE_LINE_PATTERN
from backend_client.vocab import Stage
from backend_client.wire import SERIALS_MAX

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Send a write again under the same key to get the stored answer.",
        # HTTP drops a header's outer spaces, so a key must not begin or end with one.
        json_schema_extra={"minLength": 1, "maxLength": MAX_KEY, "pattern": r"^\S(.*\S)?$"},
    ),
]
SerialPath = Annotated[str, Path(min_length=1, max_length=32, pattern=SINGLE_LINE_PATTERN)]


_ISO_DATE_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE_TIME.match(value):
        raise ValueError(
            "must be an ISO 8601 date and time with its offset, e.g. 2026-11-23T08:00+08:00"
        )
    return value


# An instant in a query: ISO 8601 text with an offset (pydantic alone would also take a
# bare number as Unix seconds, which the document does not promise).
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


_SERIAL = r"[0-9A-Za-z-]{1,32}"
SerialList = Annotated[
    str | None,
    Query(
        description=(
            f"comma-separated serials (at most {SERIALS_MAX}): exactly these cases, "
            "in any state (the cases behind an assessment figure)"
        ),
        max_length=SERIALS_MAX * 33,
        pattern=rf"^{_SERIAL}(,{_SERIAL})*$",
    ),
]
StageFilter = Annotated[
    Stage | None,
    Query(description="only cases whose running stage is this one (`callback`: 回访 due)"),
]


def serial_list(raw: str | None) -> list[str]:
    """The serials of a ``serial`` parameter, each once, in the order given."""
    if not raw:
        return []
    serials = list(dict.fromkeys(raw.split(",")))
    if len(serials) > SERIALS_MAX:
        raise Invalid(
            f"Name at most {SERIALS_MAX} serials in one request ({len(serials)} given).",
            field="serial",
        )
    return serials
