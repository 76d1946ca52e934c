"""Every console UI string, in Chinese (first) and English.

Keys are stable identifiers (``queue.reported``, ``col.serial``, ``err.conflict``) and
are typed: :data:`Key` is a ``Literal``, so ``mypy --strict`` rejects a misspelt key at
the call site. Placeholders use ``str.format`` syntax (``{n}``, ``{serial}``); both
languages always take the same placeholders (a unit test checks this).

Labels for the shared vocabulary (case states, actions, roles, sources ...) live in
:mod:`backend_client.labels`; this package holds the console's own texts, in modules
of one job each: :mod:`~console.i18n.keys` and :mod:`~console.i18n.strings` (the
screens' ids and texts) and :mod:`~console.i18n.timeline` (the timeline's sentences) and
:mod:`~console.i18n.board` (the assessment screen and the wallboard) and
:mod:`~console.i18n.callback` (the callback queue and the figure view).

Usage::

    from console.i18n import detect_lang, t

    lang = detect_lang(os.environ)
    t("status.reconnecting", lang, n=5)     # "◌ 重连中 5s"
    tr = Strings(lang)
    tr("msg.too_small", w=70, h=20)
    t(as_key(f"queue.{name}"), lang)        # a key built at run time, checked

Severity is never shown by colour alone (NO_COLOR leaves only bold/dim/italic/underline),
so status strings carry glyphs (``●`` live, ``◌`` reconnecting, ``✕`` stale, ``‖`` paused).
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Final, Literal, cast, get_args

from console.i18n.appeals import APPEAL_STRINGS, AppealKey
from console.i18n.board import BOARD_STRINGS, BoardKey
from console.i18n.callback import CALLBACK_STRINGS, CallbackKey
from console.i18n.keys import UiKey
from console.i18n.strings import UI_STRINGS
from console.i18n.timeline import TIMELINE_STRINGS, TimelineKey

__all__ = [
    "KEYS",
    "LANGS",
    "STRINGS",
    "Key",
    "Lang",
    "Strings",
    "as_key",
    "detect_lang",
    "normalize_lang",
    "placeholders",
    "t",
]

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"

Key = Literal[UiKey, TimelineKey, BoardKey, CallbackKey, AppealKey]
"""Every string id; ``mypy`` checks calls such as ``t("col.serial", lang)``."""

_TABLE: Final[dict[Key, tuple[str, str]]] = {
    key: pair
    for table in (UI_STRINGS, TIMELINE_STRINGS, BOARD_STRINGS, CALLBACK_STRINGS, APPEAL_STRINGS)
    for key, pair in table.items()
}

KEYS: Final[tuple[Key, ...]] = get_args(Key)
_KEY_SET: Final[frozenset[str]] = frozenset(KEYS)

STRINGS: Final[Mapping[Lang, Mapping[Key, str]]] = {
    "zh": {key: pair[0] for key, pair in _TABLE.items()},
    "en": {key: pair[1] for key, pair in _TABLE.items()},
}
"""The two tables, by language (derived from one paired table, so keys always match)."""

# Environment variables consulted by detect_lang, highest priority first. CITYGRID_LANG
# is an explicit override (useful when a server's locale is C.UTF-8 but operators read
# Chinese); then the POSIX order for messages.
_LANG_ENV: Final = ("CITYGRID_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def normalize_lang(lang: str) -> Lang:
    """``"zh"``, ``"zh_CN.UTF-8"``, ``"zh-Hans"`` -> ``"zh"``; anything else -> ``"en"``."""
    return "zh" if lang.strip().lower().startswith("zh") else "en"


def detect_lang(env: Mapping[str, str]) -> Lang:
    """Pick the UI language from ``CITYGRID_LANG``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``.

    The first non-empty variable decides: ``zh*`` -> ``"zh"``, anything else (``en_US``,
    ``C``, ``POSIX`` ...) -> ``"en"``. If none is set the console is Chinese (``"zh"``).
    """
    for name in _LANG_ENV:
        value = env.get(name, "").strip()
        if value:
            return normalize_lang(value)
    return DEFAULT_LANG


def t(key: Key, lang: str = DEFAULT_LANG, /, **fmt: object) -> str:
    """The ``key`` string in ``lang`` (``"zh"``/``"en"``, or a locale name), formatted.

    Raises:
        KeyError: unknown key, or a placeholder missing from ``fmt``.
    """
    text = STRINGS[normalize_lang(lang)][key]
    return text.format(**fmt)


def as_key(name: str) -> Key:
    """Check a key built at run time (``f"queue.{queue.key}"``) and type it as :data:`Key`.

    Raises:
        KeyError: ``name`` is not in the table.
    """
    if name not in _KEY_SET:
        raise KeyError(f"unknown i18n key {name!r}")
    return cast(Key, name)


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` placeholders used in ``text``."""
    return frozenset(field for _, field, _, _ in Formatter().parse(text) if field)


class Strings:
    """``t`` bound to one language: ``tr = Strings("en"); tr("col.serial")``."""

    __slots__ = ("lang",)

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self.lang: Lang = normalize_lang(lang)

    def __call__(self, key: Key, /, **fmt: object) -> str:
        return t(key, self.lang, **fmt)

    def __repr__(self) -> str:
        return f"Strings({self.lang!r})"
