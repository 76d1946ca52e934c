"""Backend settings, from ``CITYGRID_*`` environment variables (12-factor)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.core.paths import data_dir


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'citygrid.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYGRID_", extra="ignore")

    database_url: str = default_database_url()
    # Seconds between keep-alive comments on the event stream.
    ping_interval: float = 15.0
    # A client more than this many events behind is told to resync from a snapshot.
    stream_max_backlog: int = 20_000
    # Events kept in memory per worker for fan-out without touching the database.
    stream_ring_size: int = 4096
    # Fallback poll of the event table (PostgreSQL), in case a NOTIFY was missed.
    stream_poll_interval: float = 2.0
    # Seconds between looks at the auth generation: a revoked token or disabled user is
    # refused, and its streams closed, within about this long on every worker.
    auth_poll_interval: float = 0.25
    # How often the assessment projection looks for other workers' writes (its own at once).
    assessment_poll_interval: float = 1.0
    # Fold the log into the assessment figures in this process (off: figures read only, e.g.
    # a reporting replica, or a benchmark's baseline without the projection).
    assessment_fold: bool = True
    # After start-up, take what is alive out of the garbage collector's scans (see
    # backend.core.heap): on for `citygrid serve`, off for apps made in-process (tests).
    freeze_heap: bool = False
    max_body_bytes: int = 256 * 1024
    # The request line and headers together (answered 431 beyond; see backend.core.http).
    max_header_bytes: int = 32 * 1024
    # Photo evidence: the largest upload accepted, and where the files are kept
    # (default: a ``photos`` directory beside a SQLite database, else the user data dir).
    photo_max_bytes: int = 5 * 1024 * 1024
    photo_max_pixels: int = 40_000_000
    photo_dir: Path | None = None
    calendar_path: Path | None = None
    # The assessment policy (weights, bands, grades, targets); default: the shipped one.
    assessment_path: Path | None = None
    timelimits_path: Path | None = None
    shifts_path: Path | None = None  # duty shifts and the handover checklist
    demo_district_code: str = "110112"


def photo_root(settings: Settings) -> Path:
    if settings.photo_dir is not None:
        return settings.photo_dir
    url = settings.database_url
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix) and ":memory:" not in url:
            return Path(url.removeprefix(prefix)).parent / "photos"
    return data_dir() / "photos"


@lru_cache
def get_settings() -> Settings:
    return Settings()
