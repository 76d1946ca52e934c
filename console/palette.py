"""Ctrl+P: find a case by serial (or its trailing digits), an action, a queue or a theme."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import Hit, Hits, Provider

from backend_client.text import is_digits
from console.i18n import as_key, t
from console.keymap import QUEUE_KEYS

if TYPE_CHECKING:
    from console.app import CityGridApp

MAX_CASE_HITS = 20


class CityGridCommands(Provider):
    @property
    def cg(self) -> CityGridApp:
        return self.app  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        lang = self.cg.settings.lang
        async for hit in self._cases(query):
            yield hit
        for key in QUEUE_KEYS:
            title = f"{t(as_key(key.help_key), lang)}  [{key.key}]"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._run, key.action), help=key.id
                )
        for theme in sorted(self.cg.available_themes):
            title = f"theme: {theme}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._theme, theme))

    async def _cases(self, query: str) -> AsyncIterator[Hit]:
        digits = query.strip()
        if len(digits) < 3 or not is_digits(digits.replace("-", "")):
            return
        found = 0
        for serial, case in self.cg.model.store.cases.items():
            if digits in serial:
                label = f"{serial}  {case.category_name}  {case.grid_code}"
                yield Hit(1.0, label, partial(self._open, serial), help=case.summary)
                found += 1
                if found >= MAX_CASE_HITS:
                    return

    def _open(self, serial: str) -> None:
        from console.screens.detail import CaseDetailScreen

        self.app.push_screen(CaseDetailScreen(serial))

    def _run(self, action: str) -> None:
        screen = self.cg.queue_screen()
        if screen is not None:
            self.app.call_later(screen.run_action, action)

    def _theme(self, name: str) -> None:
        self.app.theme = name
