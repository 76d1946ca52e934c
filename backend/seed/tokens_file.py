"""The demo's tokens file: written by ``citygrid seed``, read by the demo and the
simulator.  One format, one module (pure: no database, no frameworks)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from backend.core.paths import data_dir
from backend.domain.tokens import IssuedToken
from backend_client.errors import CitygridError
from backend_client.vocab import Role


class DemoTokensError(CitygridError):
    """The tokens file is missing or not in the seeder's format."""


def demo_tokens_path() -> Path:
    """The tokens file written by ``citygrid seed``."""
    return data_dir() / "demo-tokens.json"


def write_tokens_file(path: Path, tokens: list[IssuedToken], server: str | None = None) -> None:
    """The demo's credentials, readable only by this user."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "server": server,
        "users": [
            {
                "username": t.username,
                "display_name": t.display_name,
                "role": t.role.value,
                "jurisdiction_code": t.jurisdiction_code,
                "department_code": t.department_code,
                "token": t.token,
                "token_id": t.token_id,
            }
            for t in tokens
        ],
    }
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
    tmp.replace(path)


def _entry(raw: Any) -> IssuedToken:
    if not isinstance(raw, dict):
        raise TypeError("a user entry is not an object")
    dept = raw.get("department_code")
    return IssuedToken(
        username=str(raw["username"]),
        display_name=str(raw["display_name"]),
        role=Role(raw["role"]),
        jurisdiction_code=str(raw["jurisdiction_code"]),
        department_code=str(dept) if dept is not None else None,
        token=str(raw["token"]),
        token_id=int(raw.get("token_id", 0)),
    )


def load_demo_tokens(path: Path | None = None) -> list[IssuedToken]:
    """The demo users with their tokens (default: :func:`demo_tokens_path`)."""
    path = path or demo_tokens_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DemoTokensError(f"No tokens file at {path}; run 'citygrid seed' first.") from exc
    except (OSError, ValueError) as exc:
        raise DemoTokensError(f"Cannot read the tokens file {path}: {exc}") from exc
    try:
        return [_entry(entry) for entry in raw["users"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise DemoTokensError(f"{path} is not a citygrid tokens file ({exc!r}).") from exc
