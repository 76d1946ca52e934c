"""Rows of a table model built without the ORM's instance events, for hot write paths
that insert them with one Core statement.

``Model(**values)`` runs pydantic's construction and fires an attribute event for every
field, which on the intake path cost more CPU than the inserts themselves.  :func:`row_of`
gives the same instance state (every field: the given values, and the model's own
defaults for the rest) by filling the instance's dictionary directly; reading it is as
for any row, and :func:`columns_of` gives its values for a Core insert.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.orm import ClassManager, configure_mappers
from sqlmodel import SQLModel

M = TypeVar("M", bound=SQLModel)


@cache
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], frozenset[str]]:
    """The model's field defaults (no factories: each row must get its own value), and
    the fields without one."""
    configure_mappers()  # as the first constructor call would (attribute access needs it)
    defaults: dict[str, Any] = {}
    required: set[str] = set()
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            raise TypeError(f"{model.__name__}.{name} has a default factory; give it explicitly")
        if field.is_required():
            required.add(name)
        else:
            defaults[name] = field.default
    return defaults, frozenset(required)


def row_of(model: type[M], values: Mapping[str, Any]) -> M:
    """A transient ``model`` row holding ``values`` and the model's defaults for every
    field not given (a required field left out raises ``TypeError``); no instance events
    run and nothing is validated, as with ``model.model_construct``."""
    defaults, required = _defaults(model)
    missing = required.difference(values)
    if missing:
        raise TypeError(f"{model.__name__} needs {', '.join(sorted(missing))}")
    manager: ClassManager[M] = model._sa_class_manager  # type: ignore[attr-defined]
    row = manager.new_instance()
    state = row.__dict__
    state.update(defaults)
    state.update(values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


def columns_of(table: Table, row: SQLModel, *, skip: str) -> dict[str, Any]:
    """``row``'s value of each column of ``table`` but ``skip`` (the generated key)."""
    values = row.__dict__
    return {c.name: values[c.name] for c in table.c if c.name != skip}
