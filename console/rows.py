"""The console's in-memory queue row: the fields of ``wire.CaseSummary``, compact.

A console holds every open case of its jurisdiction (100,000 in a big district), so
rows are slotted objects with repeated strings shared, built straight from JSON for
the start-up snapshot (no per-row validation) and from ``CaseSummary`` for events.
The wire schema stays the one definition: the fields are checked against it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from backend_client.vocab import (
    CaseState,
    CategoryKind,
    Light,
    PendingKind,
    Source,
    Stage,
    Urgency,
)
from backend_client.wire import CaseSummary

_STATES = {s.value: s for s in CaseState}
_SOURCES = {s.value: s for s in Source}
_KINDS = {k.value: k for k in CategoryKind}
_URGENCY = {u.value: u for u in Urgency}
_PENDING = {p.value: p for p in PendingKind}
_STAGES = {s.value: s for s in Stage}
_LIGHTS = {v.value: v for v in Light}
_shared: dict[str, str] = {}
_iso = datetime.fromisoformat


def _share(text: str | None) -> str | None:
    """One string object per distinct value (category and department names repeat)."""
    if text is None:
        return None
    return _shared.setdefault(text, sys.intern(text) if len(text) < 40 else text)


def _when(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


class QueueRow:
    __slots__ = (
        "address",
        "category_code",
        "category_kind",
        "category_name",
        "created_at",
        "deadline_at",
        "department_code",
        "department_name",
        "grid_code",
        "light",
        "merged_into",
        "paused_at",
        "pending",
        "rework_count",
        "serial",
        "source",
        "stage",
        "state",
        "street_code",
        "summary",
        "supervised",
        "updated_at",
        "urge_count",
        "urgency",
        "version",
        "warn_at",
    )  # fmt: skip

    serial: str
    state: CaseState
    source: Source
    category_kind: CategoryKind
    category_code: str
    category_name: str
    grid_code: str
    street_code: str
    address: str
    summary: str
    urgency: Urgency
    department_code: str | None
    department_name: str | None
    rework_count: int
    supervised: bool
    urge_count: int
    pending: PendingKind | None
    stage: Stage | None
    warn_at: datetime | None
    deadline_at: datetime | None
    paused_at: datetime | None
    light: Light
    merged_into: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> QueueRow:
        """From a decoded ``CaseSummary`` JSON object (the snapshot's fast path)."""
        row = cls.__new__(cls)
        row.serial = d["serial"]
        row.state = _STATES[d["state"]]
        row.source = _SOURCES[d["source"]]
        row.category_kind = _KINDS[d["category_kind"]]
        row.category_code = _share(d["category_code"]) or ""
        row.category_name = _share(d["category_name"]) or ""
        row.grid_code = d["grid_code"]
        row.street_code = _share(d["street_code"]) or ""
        row.address = d.get("address", "")
        row.summary = d.get("summary", "")
        row.urgency = _URGENCY[d["urgency"]]
        row.department_code = _share(d.get("department_code"))
        row.department_name = _share(d.get("department_name"))
        row.rework_count = d.get("rework_count", 0)
        row.supervised = d.get("supervised", False)
        row.urge_count = d.get("urge_count", 0)
        pending = d.get("pending")
        row.pending = _PENDING[pending] if pending else None
        stage = d.get("stage")
        row.stage = _STAGES[stage] if stage else None
        row.warn_at = _when(d.get("warn_at"))
        row.deadline_at = _when(d.get("deadline_at"))
        row.paused_at = _when(d.get("paused_at"))
        row.light = _LIGHTS[d.get("light", "none")]
        row.merged_into = d.get("merged_into")
        row.version = d["version"]
        created = _when(d["created_at"])
        updated = _when(d["updated_at"])
        assert created is not None and updated is not None
        row.created_at, row.updated_at = created, updated
        return row

    @classmethod
    def from_values(cls, v: Sequence[Any]) -> QueueRow:
        """From one row of ``GET /cases/snapshot``: the values in ``SNAPSHOT_COLUMNS``
        order (the start-up path for 100,000 rows: positional, no key lookups)."""
        row = cls.__new__(cls)
        (
            row.serial,
            state,
            source,
            kind,
            code,
            category_name,
            row.grid_code,
            street_code,
            row.address,
            row.summary,
            urgency,
            department_code,
            department_name,
            row.rework_count,
            row.supervised,
            row.urge_count,
            pending,
            stage,
            warn_at,
            deadline_at,
            paused_at,
            light,
            row.merged_into,
            row.version,
            created_at,
            updated_at,
        ) = v
        row.state = _STATES[state]
        row.source = _SOURCES[source]
        row.category_kind = _KINDS[kind]
        row.category_code = _share(code) or ""
        row.category_name = _share(category_name) or ""
        row.street_code = _share(street_code) or ""
        row.urgency = _URGENCY[urgency]
        row.department_code = _share(department_code)
        row.department_name = _share(department_name)
        row.pending = _PENDING[pending] if pending else None
        row.stage = _STAGES[stage] if stage else None
        row.warn_at = _iso(warn_at) if warn_at else None
        row.deadline_at = _iso(deadline_at) if deadline_at else None
        row.paused_at = _iso(paused_at) if paused_at else None
        row.light = _LIGHTS[light]
        row.created_at = _iso(created_at)
        row.updated_at = _iso(updated_at)
        return row

    @classmethod
    def from_summary(cls, case: CaseSummary) -> QueueRow:
        """From a validated wire model (events, action results)."""
        row = cls.__new__(cls)
        for name in cls.__slots__:
            value = getattr(case, name)
            setattr(row, name, _share(value) if name in _SHARED else value)
        return row


_SHARED = {"category_code", "category_name", "street_code", "department_code", "department_name"}

assert set(QueueRow.__slots__) == set(CaseSummary.model_fields), "QueueRow drifted from the wire"
