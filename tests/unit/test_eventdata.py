"""Event data is a tagged union: one model per action, tagged by the event's action, stored
and sent as the plain JSON object it always was."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from backend.main import create_app
from backend_client.eventdata import (
    DATA_MODELS,
    DecideData,
    DispatchData,
    MergeData,
    ReportData,
    parse_data,
)
from backend_client.vocab import Action, PendingKind
from backend_client.wire import Event, TimelineEntry

DUE = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def test_every_action_has_its_model() -> None:
    assert set(DATA_MODELS) == set(Action)
    assert all(model.ACTION is action for action, model in DATA_MODELS.items())


def test_the_action_picks_the_model_and_absent_fields_are_not_sent() -> None:
    data = parse_data(Action.DISPATCH, {"department": "HW", "due_at": DUE.isoformat()})
    assert isinstance(data, DispatchData)
    assert data.due_at == DUE and data.note is None
    assert data.wire() == {"department": "HW", "due_at": "2026-12-03T09:30:00Z"}
    assert parse_data(Action.DISPATCH, data.wire()) == data
    decided = parse_data("decide", {"approve": True, "request": "extension", "hours": 8.0})
    assert isinstance(decided, DecideData) and decided.request is PendingKind.EXTENSION


def test_the_merge_target_side_uses_the_wire_name_from() -> None:
    data = parse_data(Action.MERGE, {"from": "2026-110112-000001", "role": "target"})
    assert isinstance(data, MergeData) and data.from_ == "2026-110112-000001"
    assert data.wire() == {"from": "2026-110112-000001", "role": "target"}


def test_data_off_the_schema_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_data(Action.COMMENT, {"note": "x", "colour": "red"})
    with pytest.raises(ValidationError):
        parse_data(Action.REPORT, {"source": "hotline"})  # a report names all four


def test_timeline_entries_and_events_parse_data_by_their_action() -> None:
    report = {"source": "hotline", "urgency": "normal", "category": "matter:06010",
              "self_disposed": False}  # fmt: skip
    entry = TimelineEntry.model_validate(
        {
            "seq": 3,
            "action": "report",
            "actor": "王伟",
            "actor_role": "operator",
            "at": DUE,
            "data": report,
        }
    )
    assert isinstance(entry.data, ReportData)
    assert entry.model_dump(mode="json")["data"] == report
    assert "data" in Event.model_json_schema()["required"]


def test_the_openapi_document_shows_the_union() -> None:
    schemas = create_app().openapi()["components"]["schemas"]
    for name in ("TimelineEntry", "Event"):
        members = {
            ref["$ref"].rsplit("/", 1)[1] for ref in schemas[name]["properties"]["data"]["anyOf"]
        }
        assert members == {model.__name__ for model in DATA_MODELS.values()}


def test_every_dump_uses_the_wire_names() -> None:
    """The stream dumps events without ``by_alias``: the merge target's ``from`` must
    still be ``from`` there, and in the seeder's text."""
    data = {"from": "2026-110112-000001", "role": "target"}
    entry = TimelineEntry.model_validate(
        {
            "seq": 4,
            "action": "merge",
            "actor": "王伟",
            "actor_role": "operator",
            "at": DUE,
            "data": data,
        }
    )
    assert '"data":{"from":"2026-110112-000001","role":"target"}' in entry.model_dump_json()
    assert entry.data.json_text() == '{"from":"2026-110112-000001","role":"target"}'
