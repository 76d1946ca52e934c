"""Typed JSON columns: the tables hold pydantic values, stored as the JSON they always were.

:class:`JSONOf` is a JSON column whose values are one pydantic shape (a model, or a list
of models): it encodes a value once, with the shape's own serialiser, into the text the
driver sends (on PostgreSQL wrapped so psycopg sends it as ``json`` without encoding it
again), and validates what it reads back.  :class:`EventDataJSON` is the event log's
``data``: it writes any :class:`~backend_client.eventdata.EventData` the same way, and
reads back what the driver gives, because which model it is depends on the row's
``action``: :mod:`backend.models.event` parses it with :func:`event_data` when the ORM
loads a row (the assessment fold reads the plain object through Core, :func:`plain_json`).

The column type is ``JSON`` on every database, as before, so no migration is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from pydantic import TypeAdapter
from sqlalchemy import JSON, Column, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from backend_client.eventdata import DATA_MODELS, EventData, parse_data
from backend_client.vocab import Action

T = TypeVar("T")

Encode = Callable[[Any], bytes]


def _binder(dialect: Dialect, encode: Encode) -> Callable[[Any], Any]:
    """The DBAPI value for a Python value: its JSON text, encoded once by ``encode``."""
    if dialect.name == "postgresql":
        from psycopg.types.json import Json  # the driver's json wrapper, given our text

        def for_postgres(value: Any) -> Any:
            return None if value is None else Json(value, dumps=encode)

        return for_postgres

    def for_sqlite(value: Any) -> Any:
        return None if value is None else encode(value).decode()

    return for_sqlite


class JSONOf(TypeDecorator[T], Generic[T]):
    """A JSON column holding values of ``shape`` (anything pydantic can validate)."""

    impl = JSON
    cache_ok = True

    def __init__(self, shape: Any) -> None:
        super().__init__()
        self.shape = shape
        self._adapter: TypeAdapter[T] = TypeAdapter(shape)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        return _binder(dialect, self._adapter.dump_json)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], T | None]:
        # SQLite hands back the text (validated straight from it: cheaper than json.loads
        # alone); psycopg has already decoded PostgreSQL's json.
        validate = (
            self._adapter.validate_python
            if dialect.name == "postgresql"
            else self._adapter.validate_json
        )

        def process(value: Any) -> T | None:
            return None if value is None else validate(value)

        return process


def json_of(shape: Any) -> Any:
    """A non-null :class:`JSONOf` column for a table model's ``sa_column``."""
    return Column(JSONOf(shape), nullable=False)


def _event_json(data: EventData) -> bytes:
    # each model's own serialiser (what ``EventData.json_text`` gives the history seeder)
    return data.__pydantic_serializer__.to_json(data)


class EventDataJSON(TypeDecorator[Any]):
    """The event log's ``data``: written from any event-data model; read as what the driver
    gives (SQLite: the text, PostgreSQL: the decoded object), for :func:`event_data`.
    ``plain_json`` reads it as a plain JSON object instead."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        return _binder(dialect, _event_json)

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


def event_data(action: str, stored: Any) -> EventData:
    """The stored ``data`` of an ``action`` event as that action's model."""
    if isinstance(stored, str):
        validator = DATA_MODELS[Action(action)].__pydantic_validator__
        return cast(EventData, validator.validate_json(stored))
    return parse_data(action, stored)


def plain_json(column: Any) -> Any:
    """``column`` read as a plain JSON object (for Core reads that want no models)."""
    return type_coerce(column, JSON)
