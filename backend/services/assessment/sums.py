"""A period's counters per object, in one aggregate query: the months the period covers
whole from ``assessment_month``, its ragged ends from ``assessment_day``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, String, func, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.assessment.counters import Counters
from backend.domain.assessment.tally import ObjectKey
from backend.models import assessment_day, assessment_month
from backend.models.assessment import COUNTER_COLUMNS
from backend_client.assessment import ObjectType

_FLOAT = "extension_hours"
_WHOLE = tuple(name for name in COUNTER_COLUMNS if name != _FLOAT)
_FLOAT_AT = COUNTER_COLUMNS.index(_FLOAT)


def split(first: date, last: date) -> tuple[list[str], list[tuple[date, date]]]:
    """The months wholly inside ``first``..``last`` (both included), and the day ranges
    left over (at most one at each end)."""
    months: list[str] = []
    ragged: list[tuple[date, date]] = []
    start = first
    while start <= last:
        month_end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if start.day == 1 and month_end <= last:
            months.append(start.strftime("%Y-%m"))
        else:
            ragged.append((start, min(month_end, last)))
        start = month_end + timedelta(days=1)
    return months, ragged


def _by_month(types: Sequence[ObjectType], months: list[str]) -> Select[Any]:
    table = assessment_month
    return (
        select(table.c.object_type, table.c.object_id, *(table.c[n] for n in COUNTER_COLUMNS))
        .where(table.c.month.in_(months))
        .where(table.c.object_type.in_(types))
    )


def _by_day(types: Sequence[ObjectType], first: date, last: date) -> Select[Any]:
    table = assessment_day
    return (
        select(table.c.object_type, table.c.object_id, *(table.c[n] for n in COUNTER_COLUMNS))
        .where(table.c.day >= first.isoformat())
        .where(table.c.day <= last.isoformat())
        .where(table.c.object_type.in_(types))
    )


Row = tuple[str, float]
"""An object's counters as the database sums them: the whole counters (every one but
``extension_hours``) as one text, ``"[3,0,12,…]"`` in ``COUNTER_COLUMNS`` order (see
:class:`packed`), and ``extension_hours`` as read (a float is not sent through text).
Equal rows make equal :class:`Counters`: a ranking reuses what it made from an unchanged
row, comparing one string instead of ~40 values, and reading a row converts two values
instead of forty (the database writes the text)."""


class packed(FunctionElement[str]):
    """Values as one JSON array's text, written by the database: ``[3,0,12]`` (SQLite's
    ``json_array``; PostgreSQL's ``json_build_array`` as text, ``[3, 0, 12]``)."""

    type = String()
    name = "packed"
    inherit_cache = True


@compiles(packed)
def _json_array(element: packed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(packed, "postgresql")
def _json_build_array(element: packed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(json_build_array({compiler.process(element.clauses, **kw)}) AS TEXT)"


_MONTH_WHOLE = packed(*(assessment_month.c[name] for name in _WHOLE))


async def period_rows(
    session: AsyncSession, first: date, last: date, types: Sequence[ObjectType]
) -> dict[ObjectKey, Row]:
    """Every object's summed counter row for the days ``first``..``last``."""
    months, ragged = split(first, last)
    parts = [_by_day(types, start, end) for start, end in ragged]
    if months:
        parts.append(_by_month(types, months))
    if len(parts) == 1 and len(months) == 1:  # one month: one row per object already
        table = assessment_month
        stmt: Select[Any] = (
            select(
                table.c.object_type,
                table.c.object_id,
                _MONTH_WHOLE,
                table.c[_FLOAT],
            )
            .where(table.c.month == months[0])
            .where(table.c.object_type.in_(types))
        )
    else:
        both = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
        stmt = select(
            both.c.object_type,
            both.c.object_id,
            packed(*(func.sum(both.c[name]) for name in _WHOLE)),
            func.sum(both.c[_FLOAT]),
        ).group_by(both.c.object_type, both.c.object_id)
    rows = (await (await session.connection()).execute(stmt)).all()
    return {ObjectKey(kind, ident): (whole, hours) for kind, ident, whole, hours in rows}


def counters_of(row: Row) -> Counters:
    """The counters a summed row holds."""
    whole, hours = row
    values: list[Any] = [int(v) for v in whole[1:-1].split(",")]
    values.insert(_FLOAT_AT, float(hours or 0))
    return Counters(**dict(zip(COUNTER_COLUMNS, values, strict=True)))
