"""Event data typed and encoded once per shape: the core's output with only its due changed.

The workflow core hands :func:`backend.domain.workflow.step` a dict of the event's JSON
values and asks for the model (``typed``).  Across a history most events of one action
carry the same values but for ``due_at``: :class:`EventEncoder` validates and serialises
each such shape once with the model's own validator and serialiser, and for the next
event of that shape copies the model with the new due and splices the due's text into
the serialiser's output.  A value it cannot key on (a list) and a due it cannot render
take the model's path.  The equivalence test holds the result to the live service's
bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backend_client.eventdata import EventData, parse_data
from backend_client.vocab import Action

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_HMS = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))
_DUE_KEY = '"due_at":"'

# (action, has a due, the other items) -> (template model, JSON before the due's text and
# after it), or None for a shape whose due the serialiser renders otherwise.
_Shape = tuple[EventData, str, str] | None


def json_instant(value: datetime) -> str:
    """A UTC instant as the model's serialiser writes it (``…T08:30:00.250000Z``, no
    fraction on a whole second)."""
    seconds, micro = divmod((value - _EPOCH) // _ONE_US, 1_000_000)
    days, second = divmod(seconds, 86_400)
    day = _day(days)
    if micro:
        return f"{day}T{_HMS[second]}.{micro:06d}Z"
    return f"{day}T{_HMS[second]}Z"


_DAYS: dict[int, str] = {}


def _day(days: int) -> str:
    text = _DAYS.get(days)
    if text is None:
        text = _DAYS[days] = (_EPOCH + timedelta(days=days)).date().isoformat()
    return text


_UNKNOWN = object()
_set = object.__setattr__


def _with_due(template: EventData, due: datetime) -> EventData:
    """``template`` with ``due_at`` set to ``due`` (a valid aware instant, the field's type),
    as ``BaseModel.__copy__`` makes a copy (the frozen model's set of fields is shared)."""
    model = object.__new__(type(template))
    values = template.__dict__.copy()
    values["due_at"] = due
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", template.__pydantic_fields_set__)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


class EventEncoder:
    """A ``typed`` for the workflow core that remembers shapes; :meth:`text` gives the
    JSON text of the data it made last (what ``EventData.json_text`` would)."""

    def __init__(self) -> None:
        self._shapes: dict[tuple[Any, ...], _Shape] = {}
        self._last: EventData | None = None
        self._last_text = ""

    def __call__(self, action: Action, data: dict[str, Any]) -> EventData:
        due = data.get("due_at")
        if due is not None and due.tzinfo is not UTC:
            return self._made(parse_data(action, data))
        items = tuple(data.items())
        if due is not None:  # the core sets it last
            if items[-1][0] != "due_at":
                return self._made(parse_data(action, data))
            items = items[:-1]
        try:
            key = (action, due is None, items)
            shape = self._shapes.get(key, _UNKNOWN)
        except TypeError:  # a list (attachments): no shape to remember
            return self._made(parse_data(action, data))
        if shape is _UNKNOWN:
            model = parse_data(action, data)
            self._shapes[key] = self._shape(model, due)
            return self._made(model)
        if not isinstance(shape, tuple):  # a due the serialiser renders otherwise
            return self._made(parse_data(action, data))
        template: EventData = shape[0]
        before: str = shape[1]
        if due is None:
            self._last, self._last_text = template, before
            return template
        model = _with_due(template, due)
        self._last = model
        self._last_text = f"{before}{json_instant(due)}{shape[2]}"
        return model

    def text(self, data: EventData) -> str:
        """The JSON text of ``data``: remembered when this encoder made it last."""
        return self._last_text if data is self._last else data.json_text()

    def _made(self, model: EventData) -> EventData:
        self._last, self._last_text = model, model.json_text()
        return model

    @staticmethod
    def _shape(model: EventData, due: datetime | None) -> _Shape:
        text = model.json_text()
        if due is None:
            return model, text, ""
        marker = f"{_DUE_KEY}{json_instant(due)}"
        if text.count(marker) != 1 or text.count(_DUE_KEY) != 1:
            return None
        before, after = text.split(marker)
        return model, before + _DUE_KEY, after
