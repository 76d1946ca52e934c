"""Column helpers shared by the table models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlalchemy.types import TypeEngine

# BIGINT on PostgreSQL, INTEGER on SQLite (so it stays the rowid alias and autoincrements).
BigId: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")


def json_column(nullable: bool = False) -> Any:
    return Column(JSON, nullable=nullable)
