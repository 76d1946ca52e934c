"""Typed JSON columns: the tables hold pydantic values, stored as the JSON they always were.

:class:`JSONOf` is a JSON column whose values are one pydantic shape (a model, or a list
of models): it encodes a value once, with the shape's own serialiser, into the text the
driver sends (on PostgreSQL wrapped so psycopg sends it as ``json`` without encoding it
again), and validates what it reads back.  :class:`EventDataJSON` is the event log's
``data``: it writes any :class:`~backend_client.eventdata.EventData` the same way, and
reads back what the driver gives, because which model it is depends on the row's
``action``: :mod:`backend.models.event` parses it with :func:`event_data` when the ORM
loads a row (the assessment fold reads the plain object through Core, :func:`plain_json`).
:class:`PlainJSONOf` holds plain JSON values typed by TypedDicts (the case's stage runs,
attachments, pending request and merge snapshot, which the workflow core builds as dicts):
it writes them as :class:`JSONOf` does, keys in the order they were set, and reads them as
decoded, keys in their stored order, after checking them against the shape.

The column type is ``JSON`` on every database, as before, so no migration is needed.
A nullable :func:`json_of` column stores ``None`` as JSON ``null`` (as the plain JSON
columns these replaced did, and as the history seeder writes), and reads SQL ``NULL`` or
JSON ``null`` as ``None``.
"""

from __future__ import annotations

import json
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


def _binder(dialect: Dialect, encode: Encode, none_as_json: bool = False) -> Callable[[Any], Any]:
    """The DBAPI value for a Python value: its JSON text, encoded once by ``encode``
    (``None``: SQL NULL, or JSON ``null`` with ``none_as_json``)."""
    null = not none_as_json
    if dialect.name == "postgresql":
        from psycopg.types.json import Json  # the driver's json wrapper, given our text

        def for_postgres(value: Any) -> Any:
            return None if value is None and null else Json(value, dumps=encode)

        return for_postgres

    def for_sqlite(value: Any) -> Any:
        return None if value is None and null else encode(value).decode()

    return for_sqlite


class JSONOf(TypeDecorator[T], Generic[T]):
    """A JSON column holding values of ``shape`` (anything pydantic can validate).

    With ``none_as_json`` it also holds ``None``, stored as JSON ``null`` (not SQL NULL)."""

    impl = JSON
    cache_ok = True

    def __init__(self, shape: Any, none_as_json: bool = False) -> None:
        super().__init__()
        self.shape = shape
        self.none_as_json = none_as_json
        self.should_evaluate_none = none_as_json  # the ORM hands us None instead of NULL
        stored: Any = shape | None if none_as_json else shape
        self._adapter: TypeAdapter[T] = TypeAdapter(stored)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        return _binder(dialect, self._adapter.dump_json, self.none_as_json)

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


class PlainJSONOf(JSONOf[T]):
    """A JSON column of plain JSON values of ``shape`` (TypedDicts): read back as decoded
    once checked, because validating would rebuild each dict in the shape's key order."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], T | None]:
        check = self._adapter.validate_python
        decode = None if dialect.name == "postgresql" else json.loads  # psycopg decodes

        def process(value: Any) -> T | None:
            if value is None:
                return None
            if decode is not None:
                value = decode(value)
            check(value, strict=True)  # JSON's own types: nothing to coerce and lose
            return cast(T, value)

        return process


def json_of(shape: Any, nullable: bool = False, plain: bool = False) -> Any:
    """A :class:`JSONOf` column for a table model's ``sa_column`` (a :class:`PlainJSONOf`
    one if ``plain``): non-null, or with ``nullable`` one whose ``None`` is stored as JSON
    ``null``."""
    column: JSONOf[Any] = (PlainJSONOf if plain else JSONOf)(shape, none_as_json=nullable)
    return Column(column, nullable=nullable)


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
