from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import ColorSystem, ColorType
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import Theme
from textual.widgets import Static

from themes import (
    ANSI_THEME,
    ANSI_VARIABLE_DEFAULTS,
    CITYGRID_VARIABLES,
    DEFAULT_THEME,
    VARIABLE_DEFAULTS,
    ThemeError,
    builtin_themes,
    load_theme_file,
    register_all,
    user_themes,
    variable_defaults,
)

BUILTIN_NAMES = {"citygrid-dark", "citygrid-light", "citygrid-contrast", "citygrid-ansi"}
COLOUR_FIELDS = (
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
)

GOOD_USER_THEME = """\
name = "operator-green"
dark = true
primary = "#2e8b57"
background = "#10201a"

[variables]
case-red = "#ff5555"
"""


def _builtin(name: str) -> Theme:
    return {theme.name: theme for theme in builtin_themes()}[name]


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- built-in themes ---------------------------------------------------------


def test_builtin_theme_names() -> None:
    names = [theme.name for theme in builtin_themes()]
    assert set(names) == BUILTIN_NAMES
    assert len(names) == len(set(names))
    assert DEFAULT_THEME in names
    assert ANSI_THEME in names


@pytest.mark.parametrize("name", sorted(BUILTIN_NAMES))
def test_builtin_theme_is_complete(name: str) -> None:
    theme = _builtin(name)
    for field in COLOUR_FIELDS:
        value = getattr(theme, field)
        assert value, f"{name} lacks {field}"
        Color.parse(value)
    assert set(CITYGRID_VARIABLES) <= set(theme.variables)
    for variable in CITYGRID_VARIABLES:
        Color.parse(theme.variables[variable])


def test_builtin_files_load_with_load_theme_file() -> None:
    directory = Path(__file__).resolve().parents[2] / "themes"
    files = sorted(directory.glob("*.toml"))
    assert {load_theme_file(path).name for path in files} == BUILTIN_NAMES


def test_ansi_theme_uses_palette_colours_only() -> None:
    theme = _builtin(ANSI_THEME)
    assert theme.ansi is True
    assert theme.dark is True
    values = [getattr(theme, field) for field in (*COLOUR_FIELDS, "boost")]
    values += [theme.variables[name] for name in CITYGRID_VARIABLES]
    for value in values:
        assert value.startswith("ansi_"), value
        assert Color.parse(value).ansi is not None, value


@pytest.mark.parametrize("name", sorted(BUILTIN_NAMES - {ANSI_THEME}))
def test_truecolor_themes_are_not_ansi(name: str) -> None:
    assert _builtin(name).ansi is False


def test_dark_theme_is_low_glare() -> None:
    theme = _builtin(DEFAULT_THEME)
    assert theme.dark is True
    assert theme.background is not None
    assert theme.foreground is not None
    background = Color.parse(theme.background)
    assert background != Color(0, 0, 0)  # not pure black
    assert background.brightness < 0.2
    assert background.b > background.r  # blue-grey
    assert Color.parse(theme.foreground) != Color(255, 255, 255)  # not pure white


def test_contrast_theme_is_black_and_white() -> None:
    theme = _builtin("citygrid-contrast")
    assert theme.background == "#000000"
    assert theme.foreground == "#ffffff"


def test_light_theme_is_light() -> None:
    theme = _builtin("citygrid-light")
    assert theme.dark is False
    assert theme.background is not None
    assert Color.parse(theme.background).brightness > 0.8


def test_variable_defaults() -> None:
    assert set(ANSI_VARIABLE_DEFAULTS) == set(VARIABLE_DEFAULTS)
    for value in VARIABLE_DEFAULTS.values():
        Color.parse(value)
    for value in ANSI_VARIABLE_DEFAULTS.values():
        assert Color.parse(value).ansi is not None
    assert variable_defaults() == VARIABLE_DEFAULTS
    assert variable_defaults(_builtin(ANSI_THEME)) == ANSI_VARIABLE_DEFAULTS
    assert variable_defaults(_builtin(DEFAULT_THEME)) == VARIABLE_DEFAULTS


# --- errors --------------------------------------------------------------------


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.toml", 'name = "x"\nprimary = "#fff\n')
    with pytest.raises(ThemeError, match=r"broken\.toml: invalid TOML") as info:
        load_theme_file(path)
    assert info.value.path == path


@pytest.mark.parametrize("missing", ["name", "primary"])
def test_missing_required_key(tmp_path: Path, missing: str) -> None:
    fields = {"name": '"x"', "primary": '"#123456"'}
    del fields[missing]
    text = "".join(f"{key} = {value}\n" for key, value in fields.items())
    path = _write(tmp_path, "partial.toml", text)
    with pytest.raises(ThemeError, match=rf"partial\.toml: key '{missing}': missing") as info:
        load_theme_file(path)
    assert info.value.key == missing


def test_bad_colour_names_file_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "typo.toml", 'name = "x"\nprimary = "#123456"\nerror = "rde"\n')
    with pytest.raises(ThemeError, match=r"typo\.toml: key 'error': invalid colour") as info:
        load_theme_file(path)
    assert "did you mean 'red'" in str(info.value)


def test_bad_ansi_colour(tmp_path: Path) -> None:
    path = _write(tmp_path, "ansi.toml", 'name = "x"\nansi = true\nprimary = "ansi_purple"\n')
    with pytest.raises(ThemeError, match=r"ansi\.toml: key 'primary'"):
        load_theme_file(path)


def test_bad_variable_colour(tmp_path: Path) -> None:
    text = 'name = "x"\nprimary = "#123456"\n[variables]\ncase-red = "#12345"\n'
    path = _write(tmp_path, "var.toml", text)
    with pytest.raises(ThemeError, match=r"var\.toml: key 'variables\.case-red'"):
        load_theme_file(path)


def test_variable_colour_with_alpha_is_accepted(tmp_path: Path) -> None:
    text = (
        'name = "x"\nprimary = "#123456"\n[variables]\n'
        'map-open = "#3d6c9e 50%"\nblock-cursor-text-style = "none"\n'
    )
    theme = load_theme_file(_write(tmp_path, "alpha.toml", text))
    assert theme.variables == {"map-open": "#3d6c9e 50%", "block-cursor-text-style": "none"}


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('primay = "#123456"', "primay"),
        ('dark = "yes"', "dark"),
        ("ansi = 1", "ansi"),
        ("luminosity_spread = 3", "luminosity_spread"),
        ('variables = "x"', "variables"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, line: str, key: str) -> None:
    path = _write(tmp_path, "bad.toml", f'name = "x"\nprimary = "#123456"\n{line}\n')
    with pytest.raises(ThemeError, match=rf"bad\.toml: key '{key}'"):
        load_theme_file(path)


def test_bad_theme_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "name.toml", 'name = "my theme"\nprimary = "#123456"\n')
    with pytest.raises(ThemeError, match=r"name\.toml: key 'name'"):
        load_theme_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ThemeError, match=r"nope\.toml: cannot read file"):
        load_theme_file(tmp_path / "nope.toml")


def test_theme_error_is_value_error() -> None:
    assert issubclass(ThemeError, ValueError)


# --- user themes ---------------------------------------------------------------


def test_user_themes_one_good_one_bad(tmp_path: Path) -> None:
    directory = tmp_path / "themes"
    directory.mkdir()
    _write(directory, "good.toml", GOOD_USER_THEME)
    _write(directory, "bad.toml", 'name = "bad"\nprimary = "not-a-colour"\n')
    _write(directory, "notes.txt", "ignored")
    themes, errors = user_themes(tmp_path)
    assert [theme.name for theme in themes] == ["operator-green"]
    assert themes[0].variables == {"case-red": "#ff5555"}
    assert len(errors) == 1
    assert "bad.toml" in errors[0]
    assert "'primary'" in errors[0]


def test_user_themes_missing_directory(tmp_path: Path) -> None:
    assert user_themes(tmp_path) == ([], [])


def test_user_themes_duplicate_name_is_reported(tmp_path: Path) -> None:
    directory = tmp_path / "themes"
    directory.mkdir()
    _write(directory, "a.toml", GOOD_USER_THEME)
    _write(directory, "b.toml", GOOD_USER_THEME.replace("#2e8b57", "#3cb371"))
    themes, errors = user_themes(tmp_path)
    assert [theme.primary for theme in themes] == ["#3cb371"]
    assert len(errors) == 1
    assert "b.toml" in errors[0]
    assert "a.toml" in errors[0]


class _Registry:
    def __init__(self) -> None:
        self.themes: dict[str, Theme] = {}

    def register_theme(self, theme: Theme) -> None:
        self.themes[theme.name] = theme


def test_register_all(tmp_path: Path) -> None:
    directory = tmp_path / "themes"
    directory.mkdir()
    _write(directory, "good.toml", GOOD_USER_THEME)
    _write(directory, "bad.toml", "name = ")
    # A user theme may replace a built-in one.
    _write(directory, "night.toml", f'name = "{DEFAULT_THEME}"\nprimary = "#445566"\n')
    registry = _Registry()
    errors = register_all(registry, tmp_path)
    assert set(registry.themes) == BUILTIN_NAMES | {"operator-green"}
    assert registry.themes[DEFAULT_THEME].primary == "#445566"
    assert len(errors) == 1
    assert "bad.toml" in errors[0]


def test_register_all_without_config_dir() -> None:
    registry = _Registry()
    assert register_all(registry, None) == []
    assert set(registry.themes) == BUILTIN_NAMES


# --- mounting a real app ---------------------------------------------------------

CSS = """
Screen { background: $background; }
#red { color: $case-red; background: $map-street-a; }
#others {
    color: $case-green;
    background: $map-street-b;
    border: solid $case-yellow;
    outline: solid $case-paused;
}
.urgent { color: $case-urgent; }
.map { background: $map-none; color: $map-open; }
.map.many { background: $map-many; }
.map.overdue { background: $map-overdue; }
.map.supervised { background: $map-supervised; }
.status.live { color: $status-live; }
.status.reconnecting { color: $status-reconnecting; }
.status.stale { color: $status-stale; }
"""


class ThemedApp(App[None]):
    CSS = CSS

    def __init__(self, theme_name: str, config_dir: Path | None = None) -> None:
        super().__init__()
        self.theme_errors = register_all(self, config_dir)
        self._wanted_theme = theme_name

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Static("超期 !", id="red")
        yield Static("正常", id="others")
        yield Static("急", classes="urgent")
        yield Static("A", classes="map many")
        yield Static("● 在线", classes="status live")

    def on_mount(self) -> None:
        self.theme = self._wanted_theme


def _expected_case_red(app: App[None], theme_name: str) -> Color:
    theme = app.get_theme(theme_name)
    assert theme is not None
    return Color.parse(theme.variables.get("case-red", variable_defaults(theme)["case-red"]))


@pytest.mark.parametrize(
    "theme_name", [*sorted(BUILTIN_NAMES), "textual-dark", "textual-light", "ansi-dark"]
)
async def test_app_mounts_under_each_theme(theme_name: str) -> None:
    app = ThemedApp(theme_name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == theme_name
        red = app.query_one("#red", Static)
        assert red.styles.color == _expected_case_red(app, theme_name)
    assert app.return_code in (None, 0)


async def test_app_switches_between_all_themes() -> None:
    app = ThemedApp(DEFAULT_THEME)
    async with app.run_test(size=(80, 24)) as pilot:
        for theme in builtin_themes():
            app.theme = theme.name
            await pilot.pause()
            red = app.query_one("#red", Static)
            assert red.styles.color == Color.parse(theme.variables["case-red"])


async def test_app_with_user_theme_without_variables_uses_defaults(tmp_path: Path) -> None:
    directory = tmp_path / "themes"
    directory.mkdir()
    _write(directory, "plain.toml", 'name = "plain"\nprimary = "#336699"\n')
    _write(directory, "broken.toml", "[[[")
    app = ThemedApp("plain", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        red = app.query_one("#red", Static)
        assert red.styles.color == Color.parse(VARIABLE_DEFAULTS["case-red"])
    assert len(app.theme_errors) == 1
    assert "broken.toml" in app.theme_errors[0]


async def test_ansi_theme_renders_native_16_colour_codes() -> None:
    app = ThemedApp(ANSI_THEME)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.native_ansi_color is True
        color = app.query_one("#red", Static).styles.color
        assert color.ansi is not None
        rich_color = color.rich_color
        assert rich_color.type == ColorType.STANDARD
        # ansi_bright_red -> SGR 91 under TEXTUAL_COLOR_SYSTEM=standard, not an approximation.
        rendered = Style(color=rich_color).render("x", color_system=ColorSystem.STANDARD)
        assert rendered == "\x1b[91mx\x1b[0m"
