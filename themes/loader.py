"""Load citygrid themes from TOML files into :class:`textual.theme.Theme` objects.

Built-in themes ship as package data next to this module (``themes/*.toml``); users
may add their own in ``<config_dir>/themes/*.toml`` (same format, see
``citygrid-dark.toml``). A theme file looks like::

    name = "my-theme"          # required: letters, digits, "-" and "_"
    primary = "#5b8fc7"        # required
    dark = true                # optional; every other Theme colour field is optional too
    ansi = false               # optional: true = palette colours (ansi_red ...) only

    [variables]                # optional: citygrid variables ($case-red ...) and Textual ones
    case-red = "#ef6b5f"

Citygrid's own variables fall back to :data:`VARIABLE_DEFAULTS` (or
:data:`ANSI_VARIABLE_DEFAULTS` for ``ansi`` themes) through
``App.get_theme_variable_defaults``; see :func:`variable_defaults`.

Bad user files never stop the console: :func:`user_themes` and :func:`register_all`
return readable error messages naming the file and the key instead.

16-colour mode: use :data:`ANSI_THEME` with ``TEXTUAL_COLOR_SYSTEM=standard`` and construct
the app with ``App(ansi_color=True)``. Textual 8.2.8 picks its NO_COLOR filter in
``App.__init__`` from the theme current *then* (``textual-dark``); with a palette theme
selected later that filter (``Monochrome``) turns ``ansi_*`` colours into black on black
(measured: ``30;40``, also with Textual's own ``ansi-dark``). ``ansi_color=True`` selects
the ``NoColor`` filter instead (measured: ``39;49``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final, Protocol

from textual.color import Color, ColorParseError
from textual.theme import Theme

__all__ = [
    "ANSI_THEME",
    "ANSI_VARIABLE_DEFAULTS",
    "CITYGRID_VARIABLES",
    "DEFAULT_THEME",
    "VARIABLE_DEFAULTS",
    "ThemeError",
    "builtin_themes",
    "load_theme_file",
    "parse_theme",
    "register_all",
    "user_themes",
    "variable_defaults",
]

DEFAULT_THEME: Final = "citygrid-dark"
"""Theme used when nothing else is configured (night-shift friendly)."""

ANSI_THEME: Final = "citygrid-ansi"
"""16-colour palette theme; pair it with ``TEXTUAL_COLOR_SYSTEM=standard``."""

VARIABLE_DEFAULTS: Final[dict[str, str]] = {
    # Deadline traffic lights and case markers (text colours).
    "case-green": "#5fb865",
    "case-yellow": "#e0a526",
    "case-red": "#ef6b5f",
    "case-paused": "#7d8795",
    "case-urgent": "#e07bd0",
    # Grid-map cell colours (used as backgrounds behind a glyph).
    "map-none": "#222a34",
    "map-open": "#3d6c9e",
    "map-many": "#b7862a",
    "map-overdue": "#b3443c",
    "map-supervised": "#8a62b8",
    # Two alternating street (街道) backgrounds on the map.
    "map-street-a": "#1f262f",
    "map-street-b": "#27303b",
    # Connection indicator in the status bar.
    "status-live": "#5fb865",
    "status-reconnecting": "#e0a526",
    "status-stale": "#ef6b5f",
}
"""Defaults for citygrid's CSS variables (``$case-red`` ...), for
``App.get_theme_variable_defaults``. Mid-tone colours that stay legible on both dark
and light backgrounds, so Textual's own themes (``nord``, ``textual-light`` ...) work."""

ANSI_VARIABLE_DEFAULTS: Final[dict[str, str]] = {
    "case-green": "ansi_green",
    "case-yellow": "ansi_bright_yellow",
    "case-red": "ansi_bright_red",
    "case-paused": "ansi_bright_black",
    "case-urgent": "ansi_bright_magenta",
    "map-none": "ansi_default",
    "map-open": "ansi_blue",
    "map-many": "ansi_yellow",
    "map-overdue": "ansi_red",
    "map-supervised": "ansi_magenta",
    "map-street-a": "ansi_default",
    "map-street-b": "ansi_black",
    "status-live": "ansi_green",
    "status-reconnecting": "ansi_bright_yellow",
    "status-stale": "ansi_bright_red",
}
"""Defaults for ``ansi`` themes (including Textual's ``ansi-dark``/``ansi-light``), so a
palette theme never falls back to truecolor hex values."""

CITYGRID_VARIABLES: Final[tuple[str, ...]] = tuple(VARIABLE_DEFAULTS)
"""Names of citygrid's own theme variables; every built-in theme defines all of them."""

# Theme fields that hold a colour; "primary" is the only one Textual requires.
_COLOUR_FIELDS: Final = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_REQUIRED: Final = ("name", "primary")
_BOOL_FIELDS: Final = ("dark", "ansi")
_FLOAT_FIELDS: Final = ("luminosity_spread", "text_alpha")
_METADATA_FIELDS: Final = ("author", "description")
_KNOWN_KEYS: Final = frozenset(
    (*_REQUIRED, *_COLOUR_FIELDS, *_BOOL_FIELDS, *_FLOAT_FIELDS, *_METADATA_FIELDS, "variables")
)
_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_ALPHA_SUFFIX_RE: Final = re.compile(r"(?P<colour>.+?)\s+(?P<alpha>[0-9]+(?:\.[0-9]+)?)%")
_VARIABLE_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*")


class ThemeError(ValueError):
    """A theme file could not be read or is invalid. ``str()`` names file and key."""

    def __init__(self, path: Path | str, message: str, key: str | None = None) -> None:
        self.path = Path(path)
        self.key = key
        self.detail = message
        where = f"{self.path}: key {key!r}: " if key else f"{self.path}: "
        super().__init__(where + message)


class _ThemeRegistry(Protocol):
    """What :func:`register_all` needs from an app (``textual.app.App`` satisfies it)."""

    def register_theme(self, theme: Theme) -> None: ...


def _check_colour(path: Path, key: str, value: object, *, alpha_ok: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ThemeError(path, f"expected a colour string, got {value!r}", key)
    text = value.strip()
    try:
        Color.parse(text)
    except ColorParseError as exc:
        match = _ALPHA_SUFFIX_RE.fullmatch(text) if alpha_ok else None
        if match is None:
            raise ThemeError(path, f"invalid colour: {exc}", key) from None
        try:
            Color.parse(match["colour"])
        except ColorParseError as inner:
            raise ThemeError(path, f"invalid colour: {inner}", key) from None
    return text


def _check_variables(path: Path, raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise ThemeError(path, "expected a [variables] table", "variables")
    variables: dict[str, str] = {}
    for name, value in raw.items():
        key = f"variables.{name}"
        if not _VARIABLE_RE.fullmatch(name):
            raise ThemeError(path, "variable names use lower-case letters, digits and '-'", key)
        if name in VARIABLE_DEFAULTS or (isinstance(value, str) and value.startswith("ansi_")):
            variables[name] = _check_colour(path, key, value, alpha_ok=True)
        elif isinstance(value, str) and value.strip():
            # One of Textual's own variables (e.g. "block-cursor-text-style": "none").
            variables[name] = value.strip()
        else:
            raise ThemeError(path, f"expected a non-empty string, got {value!r}", key)
    return variables


def parse_theme(data: Mapping[str, Any], path: Path | str = "<theme>") -> Theme:
    """Validate an already-parsed TOML mapping and build a :class:`Theme`.

    Raises:
        ThemeError: naming ``path`` and the offending key.
    """
    source = Path(path)
    for key in _REQUIRED:
        if key not in data:
            raise ThemeError(source, "missing required key", key)
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ThemeError(
            source,
            f"unknown key; allowed keys are {', '.join(sorted(_KNOWN_KEYS))}",
            unknown[0],
        )

    name = data["name"]
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ThemeError(
            source, f"theme name must be letters, digits, '-' or '_', got {name!r}", "name"
        )

    colours: dict[str, str] = {}
    for key in _COLOUR_FIELDS:
        if key in data:
            colours[key] = _check_colour(source, key, data[key])

    flags: dict[str, bool] = {}
    for key in _BOOL_FIELDS:
        if key in data:
            value = data[key]
            if not isinstance(value, bool):
                raise ThemeError(source, f"expected true or false, got {value!r}", key)
            flags[key] = value

    numbers: dict[str, float] = {}
    for key in _FLOAT_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThemeError(source, f"expected a number, got {value!r}", key)
            if not 0.0 <= float(value) <= 1.0:
                raise ThemeError(source, f"expected a number from 0 to 1, got {value!r}", key)
            numbers[key] = float(value)

    for key in _METADATA_FIELDS:
        if key in data and not isinstance(data[key], str):
            raise ThemeError(source, f"expected a string, got {data[key]!r}", key)

    variables = _check_variables(source, data.get("variables", {}))

    return Theme(
        name=name,
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        success=colours.get("success"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        boost=colours.get("boost"),
        dark=flags.get("dark", True),
        ansi=flags.get("ansi", False),
        luminosity_spread=numbers.get("luminosity_spread", 0.15),
        text_alpha=numbers.get("text_alpha", 0.95),
        variables=variables,
    )


def _load(path: Path, text: str) -> Theme:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(path, f"invalid TOML: {exc}") from None
    return parse_theme(data, path)


def load_theme_file(path: Path | str) -> Theme:
    """Read one TOML theme file.

    Raises:
        ThemeError: unreadable file, invalid TOML, missing/unknown key or bad colour;
            the message names the file and the key.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(source, f"cannot read file: {exc}") from None
    return _load(source, text)


def builtin_themes() -> list[Theme]:
    """The themes shipped in this package, sorted by name.

    Raises:
        ThemeError: only if the package itself is broken (tests guard this).
    """
    themes: list[Theme] = []
    package = resources.files(__package__ or "themes")
    for entry in sorted(package.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".toml") and entry.is_file():
            themes.append(_load(Path(str(entry)), entry.read_text(encoding="utf-8")))
    return themes


def user_themes(config_dir: Path) -> tuple[list[Theme], list[str]]:
    """Load ``<config_dir>/themes/*.toml`` (sorted by file name).

    Bad files are skipped, not fatal. Returns ``(themes, errors)``: one readable message
    per bad file or duplicate name. A missing directory is not an error.
    """
    directory = Path(config_dir) / "themes"
    if not directory.is_dir():
        return [], []
    themes: dict[str, Theme] = {}
    origin: dict[str, Path] = {}
    errors: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        if not path.is_file():
            continue
        try:
            theme = load_theme_file(path)
        except ThemeError as exc:
            errors.append(str(exc))
            continue
        if theme.name in themes:
            errors.append(
                f"{path}: key 'name': theme {theme.name!r} is also defined in "
                f"{origin[theme.name]}; using {path.name}"
            )
        themes[theme.name] = theme
        origin[theme.name] = path
    return list(themes.values()), errors


def register_all(app: _ThemeRegistry, config_dir: Path | None) -> list[str]:
    """Register the built-in themes, then the user's (a user theme may replace a
    built-in one of the same name). Returns error messages for bad user files."""
    for theme in builtin_themes():
        app.register_theme(theme)
    if config_dir is None:
        return []
    themes, errors = user_themes(config_dir)
    for theme in themes:
        app.register_theme(theme)
    return errors


def variable_defaults(theme: Theme | None = None) -> dict[str, str]:
    """Citygrid variable defaults suited to ``theme`` (palette colours for ``ansi`` themes).

    Use from ``App.get_theme_variable_defaults``::

        def get_theme_variable_defaults(self) -> dict[str, str]:
            return variable_defaults(self.current_theme)
    """
    source = ANSI_VARIABLE_DEFAULTS if theme is not None and theme.ansi else VARIABLE_DEFAULTS
    return dict(source)
