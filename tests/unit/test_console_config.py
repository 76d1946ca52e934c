"""Console settings: file, then environment; preferences persist; keymaps are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.config import ConfigError, load_settings, save_preference
from console.keymap import validate_keymap


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text(
        '[console]\nserver = "http://a:1"\ntoken = "t1"\nlang = "en"\n'
        'bell = false\n[keymap]\ndispatch = "f5"\n',
        encoding="utf-8",
    )
    settings = load_settings({}, path)
    assert (settings.server, settings.token, settings.lang, settings.bell) == (
        "http://a:1",
        "t1",
        "en",
        False,
    )
    assert settings.keymap == {"dispatch": "f5"}
    env = {"CITYGRID_SERVER": "http://b:2", "CITYGRID_TOKEN": "t2"}
    settings = load_settings(env, path)
    assert (settings.server, settings.token) == ("http://b:2", "t2")


def test_saving_a_preference_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text('[console]\ntoken = "t1"\n[keymap]\nvoid = "X"\n', encoding="utf-8")
    save_preference(path, "theme", "citygrid-light")
    settings = load_settings({}, path)
    assert settings.theme == "citygrid-light"
    assert settings.token == "t1"
    assert settings.keymap == {"void": "X"}


def test_bad_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text("[console\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"console\.toml"):
        load_settings({}, path)


def test_unknown_keymap_ids_are_reported() -> None:
    assert validate_keymap({"dispatch": "f5"}) == []
    assert validate_keymap({"teleport": "t"}) == ["keymap: unknown action id 'teleport'"]


def test_a_token_file_others_can_read_gets_a_chmod_warning(tmp_path: Path) -> None:
    from console.config import token_file_warning

    path = tmp_path / "console.toml"
    path.write_text('[console]\ntoken = "cg_secret"\n')
    path.chmod(0o644)
    settings = load_settings(env={"LANG": "en_US.UTF-8"}, path=path)
    warning = token_file_warning(settings)
    assert warning is not None and "chmod 600" in warning and "644" in warning
    path.chmod(0o600)
    assert token_file_warning(load_settings(env={"LANG": "en_US.UTF-8"}, path=path)) is None
    path.write_text('[console]\nlang = "en"\n')  # no token in it: nothing to protect
    path.chmod(0o644)
    assert token_file_warning(load_settings(env={}, path=path)) is None


def test_the_wallboard_is_a_config_choice(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    assert not load_settings({}, path).wallboard
    path.write_text("[console]\nwallboard = true\n", encoding="utf-8")
    assert load_settings({}, path).wallboard
