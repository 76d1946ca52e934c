from __future__ import annotations

from sqlmodel import Field, SQLModel


class CategoryRow(SQLModel, table=True):
    """A GB/T 47678.5 class (部件 or 事项), or a city's local extension."""

    __tablename__ = "category"

    kind: str = Field(primary_key=True, max_length=16)
    code: str = Field(primary_key=True, max_length=5)
    big_class: str = Field(max_length=2)
    big_class_name: str = Field(max_length=30)
    big_class_gloss: str = Field(max_length=80)
    name: str = Field(max_length=30)
    gloss: str = Field(max_length=80)
    local: bool = False
