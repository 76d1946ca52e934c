from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import get_args

import pytest
from rich.cells import cell_len

from console.i18n import (
    KEYS,
    LANGS,
    STRINGS,
    Key,
    Strings,
    as_key,
    detect_lang,
    normalize_lang,
    placeholders,
    t,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
REPO = Path(__file__).resolve().parents[2]


def test_zh_and_en_have_exactly_the_same_keys() -> None:
    assert set(STRINGS) == set(LANGS) == {"zh", "en"}
    assert set(STRINGS["zh"]) == set(STRINGS["en"])


def test_every_declared_key_has_strings_and_vice_versa() -> None:
    assert set(get_args(Key)) == set(KEYS) == set(STRINGS["zh"])
    assert len(KEYS) == len(set(KEYS))


@pytest.mark.parametrize("key", KEYS)
def test_zh_and_en_have_the_same_placeholders(key: Key) -> None:
    assert placeholders(STRINGS["zh"][key]) == placeholders(STRINGS["en"][key]), key


@pytest.mark.parametrize("key", KEYS)
def test_strings_are_non_empty_and_formattable(key: Key) -> None:
    for lang in LANGS:
        text = STRINGS[lang][key]
        assert text.strip(), (lang, key)
        values = {name: "X" for name in placeholders(text)}
        assert "{" not in t(key, lang, **values), (lang, key)


def test_keys_are_stable_identifiers() -> None:
    for key in KEYS:
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", key), key


def test_english_table_has_no_chinese() -> None:
    for key in KEYS:
        assert not CJK.search(STRINGS["en"][key]), key


def test_chinese_table_is_chinese() -> None:
    # Every UI word is translated; only a few symbol-only strings are shared.
    shared = {key for key in KEYS if STRINGS["zh"][key] == STRINGS["en"][key]}
    assert shared <= {"msg.bulk_progress"}
    assert t("queue.reported", "zh") == "待受理"


@pytest.mark.parametrize(
    ("key", "zh", "en"),
    [
        ("queue.reported", "待受理", "new reports"),
        ("queue.verifying", "待核实", "verifying"),
        ("queue.filed", "待派遣", "filed"),
        ("queue.dispatched", "待签收", "dispatched"),
        ("queue.in_progress", "处置中", "in progress"),
        ("queue.disposed", "待核查", "awaiting check"),
        ("queue.requests", "申请待批", "requests"),
        ("queue.overdue", "超期", "overdue"),
        ("queue.supervised", "督办", "supervised"),
        ("queue.all", "全部", "all"),
        ("col.serial", "流水号", "serial"),
        ("col.grid", "网格", "grid"),
        ("col.category", "类别", "category"),
        ("col.source", "来源", "source"),
        ("col.department", "责任单位", "department"),
        ("col.state", "状态", "state"),
        ("col.rework", "返工", "rework"),
        ("col.deadline", "时限", "deadline"),
        ("status.live", "● 在线", "● live"),
        ("err.offline", "离线：操作未发送，已保留输入", "offline: not sent, your input is kept"),
    ],
)
def test_required_wording(key: Key, zh: str, en: str) -> None:
    assert t(key, "zh") == zh
    assert t(key, "en") == en


def test_formatting() -> None:
    assert t("status.reconnecting", "zh", n=5) == "◌ 重连中 5s"
    assert t("status.reconnecting", "en", n=5) == "◌ reconnecting 5s"
    assert t("status.stale", "zh", since="02:17") == "✕ 已离线 自 02:17"
    assert t("status.stale", "en", since="02:17") == "✕ stale since 02:17"
    assert t("status.tagged", "zh", n=3) == "已标记 3"
    assert t("status.tagged", "en", n=3) == "3 tagged"
    assert t("msg.bulk_progress", "en", action="dispatch", done=2, total=7) == "dispatch 2/7"
    assert t("msg.too_small", "zh", w=70, h=20) == "终端太小：需要 ≥80×24，当前 70×20"
    assert t("msg.too_small", "en", w=70, h=20) == "terminal too small: need ≥80×24, have 70×20"
    fmt = {"who": "张三", "at": "02:17", "state": "处置中"}
    assert (
        t("err.conflict", "zh", **fmt) == "案件已被张三于02:17修改（现为处置中）；已刷新 — 重试？"
    )
    assert (
        t("err.conflict", "en", who="zhang", at="02:17", state="in progress")
        == "case changed by zhang at 02:17 (now in progress); refreshed — retry?"
    )


def test_missing_placeholder_raises() -> None:
    with pytest.raises(KeyError):
        t("status.tagged", "zh")


def test_default_language_is_chinese_and_locales_are_accepted() -> None:
    assert t("col.serial") == "流水号"
    assert t("col.serial", "zh_CN.UTF-8") == "流水号"
    assert t("col.serial", "en_GB.UTF-8") == "serial"
    assert t("col.serial", "fr") == "serial"


def test_strings_binds_a_language() -> None:
    tr = Strings("en_US.UTF-8")
    assert tr.lang == "en"
    assert tr("status.tagged", n=2) == "2 tagged"
    assert Strings()("col.grid") == "网格"
    assert repr(Strings("zh")) == "Strings('zh')"


def test_too_small_message_fits_the_smallest_useful_width() -> None:
    # Shown when the terminal is under 80x24; it must fit on one line of an 80-col terminal
    # even with large sizes.
    for lang in LANGS:
        assert cell_len(t("msg.too_small", lang, w=9999, h=9999)) <= 60


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "zh"),
        ({"LANG": ""}, "zh"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.Big5"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "zh_CN", "LC_ALL": "C"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LANG": "en_US"}, "en"),
        ({"CITYGRID_LANG": "zh", "LC_ALL": "C.UTF-8"}, "zh"),
        ({"CITYGRID_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ],
)
def test_detect_lang(env: dict[str, str], expected: str) -> None:
    assert detect_lang(env) == expected


def test_normalize_lang() -> None:
    assert normalize_lang("zh") == "zh"
    assert normalize_lang("ZH-hans") == "zh"
    assert normalize_lang("en") == "en"
    assert normalize_lang("") == "en"


def test_as_key_checks_runtime_keys() -> None:
    assert as_key("queue.filed") == "queue.filed"
    with pytest.raises(KeyError, match=r"queue\.nope"):
        as_key("queue.nope")


def test_dynamic_key_families_are_complete() -> None:
    # Keys the console builds at run time: f"queue.{key}", f"col.{key}", keymap help keys.
    # Imported at run time so mypy checks this file without type-checking those modules.
    queues = importlib.import_module("console.queues").QUEUES
    keymap = importlib.import_module("console.keymap").QUEUE_KEYS

    for queue in queues:
        as_key(f"queue.{queue.key}")
    for action in keymap:
        as_key(action.help_key)
    for mode in ("filter", "command"):
        as_key(f"prompt.{mode}")
    for column in (
        "stage",
        "limit",
        "started",
        "due",
        "done",
        "seq",
        "when",
        "who",
        "what",
        "data",
    ):
        as_key(f"detail.col.{column}")


def _t_calls() -> list[tuple[str, int, str, set[str] | None]]:
    """Every ``t("literal", ...)`` call in console/ and widgets/: (file, line, key, kwargs)."""
    calls = []
    files = [*(REPO / "console").rglob("*.py"), *(REPO / "widgets").rglob("*.py")]
    for path in files:
        if path.name == "i18n.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if name not in ("t", "as_key") or not isinstance(first, ast.Constant):
                continue
            if not isinstance(first.value, str):
                continue
            splat = any(keyword.arg is None for keyword in node.keywords)
            kwargs = None if splat else {k.arg for k in node.keywords if k.arg}
            rel = str(path.relative_to(REPO))
            calls.append((rel, node.lineno, first.value, kwargs))
    return calls


def test_call_sites_use_known_keys_and_all_placeholders() -> None:
    problems = []
    for where, line, key, kwargs in _t_calls():
        if key not in STRINGS["zh"]:
            problems.append(f"{where}:{line}: unknown key {key!r}")
            continue
        needed = placeholders(STRINGS["zh"][key])  # type: ignore[index]
        if kwargs is not None and not needed <= kwargs:
            problems.append(f"{where}:{line}: {key!r} needs {sorted(needed - kwargs)}")
    assert not problems, "\n".join(problems)
