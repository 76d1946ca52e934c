"""The history's event encoder gives what the model's validator and serialiser give."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from backend.seed.history.eventjson import EventEncoder, json_instant
from backend_client.eventdata import parse_data
from backend_client.vocab import Action

START = datetime(2026, 3, 2, 1, 17, 5, 250_000, tzinfo=UTC)


def test_instants_render_as_the_serialiser_renders_them() -> None:
    rng = random.Random(7)
    instants = [START.replace(microsecond=0), datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)]
    instants += [START + timedelta(microseconds=rng.randrange(10**14)) for _ in range(2000)]
    for instant in instants:
        model = parse_data(Action.SIGN, {"due_at": instant})
        assert f'{{"due_at":"{json_instant(instant)}"}}' == model.json_text(), instant


def _shapes(rng: random.Random) -> list[tuple[Action, dict[str, Any]]]:
    due = START + timedelta(seconds=rng.randrange(10**7), microseconds=rng.randrange(2) * 7)
    return [
        (Action.SIGN, {"due_at": due}),
        (Action.FILE, {}),
        (Action.VERIFY, {"note": "现场核实。", "passed": rng.random() < 0.5, "due_at": due}),
        (Action.DISPATCH, {"department": f"D{rng.randrange(3)}", "due_at": due}),
        (
            Action.DECIDE,
            {
                "approve": True,
                "note": "同意。",
                "request": "extension",
                "hours": 8.0,
                "due_at": due,
            },
        ),
        (Action.CALLBACK, {"result": "dissatisfied", "redo": True}),
        (
            Action.REPORT_DISPOSAL,
            {
                "note": "已处置。",
                "due_at": due,
                "attachments": [{"ref": "photo://a.jpg", "phase": "after"}],
            },
        ),
        (Action.URGE, {"due_at": due, "note": "快"}),  # a due the core did not set last
        (Action.SUPERVISE, {"due_at": due.astimezone(timezone(timedelta(hours=8)))}),
    ]


def test_remembered_shapes_give_the_models_and_texts_of_the_full_path() -> None:
    rng = random.Random(11)
    encoder = EventEncoder()
    for _ in range(200):
        for action, data in _shapes(rng):
            made = encoder(action, dict(data))
            expected = parse_data(action, data)
            assert made == expected, (action, data)
            assert made.model_fields_set == expected.model_fields_set
            assert encoder.text(made) == expected.json_text(), (action, data)


def test_text_of_data_the_encoder_did_not_make_last_is_the_models() -> None:
    encoder = EventEncoder()
    first = encoder(Action.SIGN, {"due_at": START})
    second = encoder(Action.SIGN, {"due_at": START + timedelta(hours=1)})
    assert encoder.text(first) == first.json_text() == '{"due_at":"2026-03-02T01:17:05.250000Z"}'
    assert encoder.text(second) == '{"due_at":"2026-03-02T02:17:05.250000Z"}'
