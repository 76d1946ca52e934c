from __future__ import annotations

from sqlmodel import Field, SQLModel


class DepartmentRow(SQLModel, table=True):
    """A responsible unit (专业部门 / 责任单位); street offices carry their street's code."""

    __tablename__ = "department"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=32)  # professional / street_office / utility
    region_code: str | None = Field(default=None, max_length=15)


class RoutingRuleRow(SQLModel, table=True):
    """(category, region) → department.  Empty fields match anything; most specific wins."""

    __tablename__ = "routing_rule"

    id: int | None = Field(default=None, primary_key=True)
    category_kind: str | None = Field(default=None, max_length=16)
    category_prefix: str = Field(default="", max_length=5)  # "", big class "06" or "06010"
    region_prefix: str = Field(default="", max_length=15)
    department_id: int = Field(foreign_key="department.id")
