"""Citygrid colour themes: TOML files in this package plus user themes.

See :mod:`themes.loader` for the file format and the API.
"""

from themes.loader import (
    ANSI_THEME,
    ANSI_VARIABLE_DEFAULTS,
    CITYGRID_VARIABLES,
    DEFAULT_THEME,
    VARIABLE_DEFAULTS,
    ThemeError,
    builtin_themes,
    load_theme_file,
    parse_theme,
    register_all,
    user_themes,
    variable_defaults,
)

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
