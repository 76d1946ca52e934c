from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class ChannelKeyRow(SQLModel, table=True):
    """An Open311 ``api_key`` for one reporting channel (the 12345 hotline gateway, the
    WeChat mini-program's back end, the citizens' app, handheld terminals), stored only
    as its SHA-256.  Reports made with it are the channel user's (``user_id``), inside
    ``jurisdiction_code``, at most ``rate_per_minute`` requests a minute.
    """

    __tablename__ = "channel_key"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(unique=True, max_length=64)
    channel: str = Field(max_length=16)
    jurisdiction_code: str = Field(max_length=15)
    rate_per_minute: int
    user_id: int = Field(foreign_key="app_user.id", index=True)
    label: str = Field(default="", max_length=64)
    created_at: datetime
    revoked_at: datetime | None = None
