"""The console's action registry: every key has a stable action id that users can remap.

Defaults use plain letters, digits and punctuation only: chords such as ctrl+enter
or shift+enter are swallowed by many terminals and multiplexers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from textual.binding import Binding
from textual.dom import DOMNode

from console.i18n import Key, t


@dataclass(frozen=True)
class KeyAction:
    id: str  # stable id, used in [keymap] of console.toml
    key: str  # default key(s), comma-separated
    action: str  # Textual action string on the queue screen
    help_key: str  # i18n key of the description
    group: str  # help section: nav / case / view / app
    show: bool = False  # in the footer


QUEUE_KEYS: tuple[KeyAction, ...] = (
    KeyAction("file", "f", "case('file')", "key.file", "case", True),
    KeyAction("dispatch", "d", "case('dispatch')", "key.dispatch", "case", True),
    KeyAction("verify", "v", "case('verify')", "key.verify", "case", True),
    KeyAction("decide", "a", "case('decide')", "key.decide", "case", True),
    KeyAction("void", "x", "case('void')", "key.void", "case"),
    KeyAction("merge", "m", "case('merge')", "key.merge", "case"),
    KeyAction("supervise", "s", "case('supervise')", "key.supervise", "case"),
    KeyAction("urge", "u", "case('urge')", "key.urge", "case"),
    KeyAction("comment", "c", "case('comment')", "key.comment", "case"),
    KeyAction("reopen", "o", "case('reopen')", "key.reopen", "case"),
    KeyAction("callback", "b", "case('callback')", "key.callback", "case"),
    KeyAction("detail", "enter", "detail", "key.detail", "case"),
    KeyAction("intake", "n", "intake", "key.intake", "case", True),
    KeyAction("filter", "slash", "filter", "key.filter", "view", True),
    KeyAction("clear", "escape", "clear", "key.clear", "view"),
    KeyAction("command", "colon", "command_line", "key.command", "view", True),
    KeyAction("sort_next", "greater_than_sign", "sort(1)", "key.sort_next", "view"),
    KeyAction("sort_prev", "less_than_sign", "sort(-1)", "key.sort_prev", "view"),
    KeyAction("sort_reverse", "R", "sort_reverse", "key.sort_reverse", "view"),
    KeyAction("untag", "U", "untag", "key.untag", "view"),
    KeyAction("map", "M", "toggle_map", "key.map", "view", True),
    KeyAction("focus_next", "tab", "focus_next_pane", "key.focus", "view"),
    KeyAction("handover", "H", "handover", "key.handover", "app"),
    KeyAction("assessment", "A", "app.assessment", "key.assessment", "app"),
    KeyAction("appeals", "J", "app.appeals", "key.appeals", "app"),
    KeyAction("help", "question_mark,f1", "help", "key.help", "app", True),
    KeyAction("quit", "q", "quit", "key.quit", "app"),
    *(KeyAction(f"queue_{n}", n, f"queue('{n}')", f"key.queue_{n}", "nav") for n in "1234567890"),
    KeyAction("queue_callback", "C", "queue('C')", "key.queue_callback", "nav"),
)


def bindings(keys: tuple[KeyAction, ...] = QUEUE_KEYS) -> list[Binding]:
    return [
        Binding(k.key, k.action, k.help_key, show=k.show, id=k.id, key_display=None) for k in keys
    ]


def validate_keymap(keymap: Mapping[str, str]) -> list[str]:
    """Problems with a user keymap (unknown ids), as sentences; empty when fine."""
    known = {k.id for k in QUEUE_KEYS}
    return [f"keymap: unknown action id {name!r}" for name in keymap if name not in known]


def translate_bindings(node: DOMNode, lang: str, descriptions: Mapping[str, Key]) -> None:
    """Give ``node``'s bindings (by action) their footer descriptions in ``lang``."""
    keys = node._bindings.key_to_bindings
    for key, found in keys.items():
        keys[key] = [
            replace(b, description=t(descriptions[b.action], lang))
            if b.action in descriptions
            else b
            for b in found
        ]
