"""Request parameters that several routes share, declared once with their bounds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path

from backend.services.idempotency import MAX_KEY
from backend_client.text import SINGLE_LINE_PATTERN

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Send a write again under the same key to get the stored answer.",
        json_schema_extra={"minLength": 1, "maxLength": MAX_KEY},
    ),
]
SerialPath = Annotated[str, Path(min_length=1, max_length=32, pattern=SINGLE_LINE_PATTERN)]
