"""Console settings: command line, then environment, then the XDG config file.

``~/.config/citygrid/console.toml``::

    [console]
    server = "http://centre:8765"
    token = "cg_…"          # or CITYGRID_TOKEN
    lang = "zh"             # zh / en
    theme = "citygrid-dark"
    bell = true
    ascii = false           # ASCII map and glyphs for terminals with ambiguous widths
    wallboard = false       # open the leaders' wallboard (also: --wallboard)

    [keymap]                # action id = key(s); see `?` in the console for the ids
    dispatch = "d"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

CONFIG_NAME = "console.toml"


def config_dir() -> Path:
    """The per-user configuration directory (console.toml, themes/)."""
    return Path(user_config_dir("citygrid", appauthor=False))


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ConsoleSettings:
    server: str = "http://127.0.0.1:8765"
    token: str | None = None
    lang: str = "zh"
    theme: str = "citygrid-dark"
    bell: bool = True
    ascii: bool = False
    mouse: bool = True
    wallboard: bool = False  # open the leaders' wallboard (read only) instead of the queue
    keymap: Mapping[str, str] = field(default_factory=dict)
    config_path: Path | None = None
    exposed_token_mode: int | None = None  # the config file holds a token others can read

    def with_(self, **changes: Any) -> ConsoleSettings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def config_path() -> Path:
    return config_dir() / CONFIG_NAME


def read_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_settings(
    env: Mapping[str, str] | None = None, path: Path | None = None
) -> ConsoleSettings:
    from console.i18n import detect_lang

    env = os.environ if env is None else env
    path = path or config_path()
    data = read_config(path)
    section = data.get("console", {})
    keymap = data.get("keymap", {})
    if not isinstance(section, dict) or not isinstance(keymap, dict):
        raise ConfigError(f"{path}: [console] and [keymap] must be tables")
    settings = ConsoleSettings(
        config_path=path,
        lang=detect_lang(env),
        exposed_token_mode=exposed_mode(path) if section.get("token") else None,
    )
    settings = settings.with_(
        server=section.get("server"),
        token=section.get("token"),
        lang=section.get("lang"),
        theme=section.get("theme"),
        bell=section.get("bell"),
        ascii=section.get("ascii"),
        wallboard=section.get("wallboard"),
        keymap={str(k): str(v) for k, v in keymap.items()},
    )
    return settings.with_(server=env.get("CITYGRID_SERVER"), token=env.get("CITYGRID_TOKEN"))


def exposed_mode(path: Path) -> int | None:
    """The permission bits of ``path`` if group or others may read or write it, else None.

    The token in the config file is the operator's identity: it belongs in a file only
    its owner can read (``chmod 600``).
    """
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o077 else None


def token_file_warning(settings: ConsoleSettings) -> str | None:
    """The sentence telling the operator to ``chmod 600`` an exposed token file."""
    from console.i18n import t

    if settings.exposed_token_mode is None or settings.config_path is None:
        return None
    return t(
        "warn.token_file_mode",
        settings.lang,
        path=settings.config_path,
        mode=f"{settings.exposed_token_mode:03o}",
    )


def save_preference(path: Path, key: str, value: str | bool) -> None:
    """Persist one ``[console]`` preference (theme, lang, bell), keeping the rest of the file."""
    data = read_config(path)
    section = dict(data.get("console", {}))
    section[key] = value
    data["console"] = section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump_toml(data), encoding="utf-8")


def _dump_toml(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    for table, values in data.items():
        if not isinstance(values, Mapping):
            continue
        lines.append(f"[{table}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
