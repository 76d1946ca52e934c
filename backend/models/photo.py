from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class PhotoRow(SQLModel, table=True):
    """A photo attached to a case.  The bytes live in the photo store under ``sha256``
    (content-addressed, so one file however many cases carry it); the case's
    ``attachments`` list carries the reference clients see."""

    __tablename__ = "case_photo"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    media_type: str = Field(max_length=16)
    size: int
    width: int
    height: int
    phase: str = Field(max_length=8)
    note: str = Field(default="", max_length=200)
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime
