"""Request parameters that several routes share, declared once with their bounds."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header, Path
from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

from backend.services.idempotency import MAX_KEY
from backend_client.text import SINGLE_LINE_PATTERN

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
