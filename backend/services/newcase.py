"""A new case's row: its serial (``YYYY-DDDDDD-NNNNNN``, one counter per year and
district, advanced in one upsert) and its insert, both Core statements built once, inside
the transaction that creates the case."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import CaseRow, SerialCounterRow
from backend.models.plain import columns_of, row_of


def _next_value_statement(insert: Any) -> Any:
    table = SerialCounterRow.__table__  # type: ignore[attr-defined]
    return (
        insert(table)
        .values(year=bindparam("year"), district_code=bindparam("district"), last_value=1)
        .on_conflict_do_update(
            index_elements=["year", "district_code"],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )


# Built once per dialect: building the statement per case cost more CPU than running it.
SQLITE_NEXT_VALUE = _next_value_statement(sqlite_insert)
POSTGRES_NEXT_VALUE = _next_value_statement(pg_insert)


async def next_serial(
    session: AsyncSession, is_sqlite: bool, tz: ZoneInfo, district: str, now: datetime
) -> str:
    """The next serial of ``district`` in the centre's current year (``tz``)."""
    year = now.astimezone(tz).year
    stmt = SQLITE_NEXT_VALUE if is_sqlite else POSTGRES_NEXT_VALUE
    params = {"year": year, "district": district}
    value = (await (await session.connection()).execute(stmt, params)).scalar_one()
    return f"{year}-{district}-{value:06d}"


CASE_TABLE: Table = CaseRow.__table__  # type: ignore[attr-defined]
CASE_INSERT = CASE_TABLE.insert().returning(CASE_TABLE.c.id)


async def insert_case(session: AsyncSession, values: dict[str, Any]) -> CaseRow:
    """Insert a new case of ``values`` (the model's defaults for the columns not given)
    with one Core statement, without the ORM's instance events or flush (they cost
    several times more CPU than the insert).  The row comes back detached, as if loaded:
    a change to it later in the transaction is written as an UPDATE once it is added to
    the session."""
    case = row_of(CaseRow, values)
    result = await (await session.connection()).execute(
        CASE_INSERT, columns_of(CASE_TABLE, case, skip="id")
    )
    case.id = result.scalar_one()
    make_transient_to_detached(case)
    return case
