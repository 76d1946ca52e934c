from __future__ import annotations

from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.models.types import json_column


class RegionRow(SQLModel, table=True):
    """A node of city → district → street → community → unit grid."""

    __tablename__ = "region"
    __table_args__ = (Index("ix_region_bbox", "kind", "min_lon", "max_lon"),)

    code: str = Field(primary_key=True, max_length=15)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, index=True, max_length=15)
    area_class: str = Field(max_length=1)
    geometry: dict[str, Any] = Field(sa_column=json_column())
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    centroid_lon: float
    centroid_lat: float
