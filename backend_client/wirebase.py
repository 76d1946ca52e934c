"""The wire schema's building blocks: the base model, bounded text and flags, and the
attachment reference that requests and event data both carry.

:mod:`backend_client.wire` and :mod:`backend_client.eventdata` build on these (and
``wire`` re-exports them, so ``from backend_client.wire import WireModel`` still works).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Strict, StringConstraints

from backend_client.text import MULTI_LINE_PATTERN, SINGLE_LINE_PATTERN
from backend_client.vocab import AttachmentPhase

NOTE_MAX = 2000
ATTACHMENT_NOTE_MAX = 200

Serial = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=SINGLE_LINE_PATTERN)]
Note = Annotated[str, StringConstraints(max_length=NOTE_MAX, pattern=MULTI_LINE_PATTERN)]


def line(max_length: int, min_length: int = 0) -> StringConstraints:
    """One line of text: bounded, no control characters but tab."""
    return StringConstraints(
        min_length=min_length, max_length=max_length, pattern=SINGLE_LINE_PATTERN
    )


# Request fields take JSON's own types only: 0 is not false and "1.5" is not a number.
Flag = Annotated[bool, Strict()]


class WireModel(BaseModel):
    # Schemas are built at a model's first use, not at import: the console loads the
    # whole wire schema but validates only a few of its models before the first paint.
    model_config = ConfigDict(extra="forbid", frozen=False, defer_build=True)


class AttachmentRef(WireModel):
    """An attachment a client names by reference (a report or action may carry these)."""

    ref: Annotated[str, line(500, min_length=1)]
    phase: AttachmentPhase = AttachmentPhase.BEFORE
    note: Annotated[str, line(ATTACHMENT_NOTE_MAX)] = ""


def build_schemas() -> int:
    """Build every deferred model schema now (the wire models and the server's own models
    built on them); returns how many were built.

    The server calls this on importing its API, so no request pays for a first build,
    and each schema is built on its own (not inside a framework's wrapper of it).
    """
    built = 0
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.model_config.get("defer_build"):
            model.model_rebuild()
            # Built now: adapters made from here on (a framework's request bodies) build
            # at once, where the framework expects it, instead of at their first use.
            model.model_config["defer_build"] = False
            built += 1
    return built
