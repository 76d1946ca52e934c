"""Where citygrid keeps its files on this machine, and the demo seeder's tokens file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from backend_client.errors import CitygridError
from backend_client.vocab import Role

APP = "citygrid"


def data_dir() -> Path:
    """The per-user data directory (demo database, tokens)."""
    return Path(user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """The per-user configuration directory."""
    return Path(user_config_dir(APP, appauthor=False))


def demo_tokens_path() -> Path:
    """The tokens file written by ``citygrid seed``."""
    return data_dir() / "demo-tokens.json"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    jurisdiction_code: str
    department_code: str | None
    token: str


class DemoTokensError(CitygridError):
    """The tokens file is missing or not in the seeder's format."""


def _user(raw: Any) -> DemoUser:
    if not isinstance(raw, dict):
        raise TypeError("a user entry is not an object")
    dept = raw.get("department_code")
    return DemoUser(
        username=str(raw["username"]),
        display_name=str(raw["display_name"]),
        role=Role(raw["role"]),
        jurisdiction_code=str(raw["jurisdiction_code"]),
        department_code=str(dept) if dept is not None else None,
        token=str(raw["token"]),
    )


def load_demo_tokens(path: Path | None = None) -> list[DemoUser]:
    """The demo users with their tokens (default: :func:`demo_tokens_path`)."""
    path = path or demo_tokens_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DemoTokensError(f"No tokens file at {path}; run 'citygrid seed' first.") from exc
    except (OSError, ValueError) as exc:
        raise DemoTokensError(f"Cannot read the tokens file {path}: {exc}") from exc
    try:
        return [_user(entry) for entry in raw["users"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise DemoTokensError(f"{path} is not a citygrid tokens file ({exc!r}).") from exc
