"""Ctrl+P finds a case by the digits of its serial, and runs actions."""

from __future__ import annotations

from collections.abc import Callable

from console.app import CityGridApp
from console.screens.detail import CaseDetailScreen
from tests.api.helpers import grid_in, report
from tests.conftest import Seeded, Server
from tests.console.conftest import wait_for


async def test_palette_opens_a_case_by_serial_digits(
    make_app: Callable[..., CityGridApp], console_server: Server, console_seeded: Seeded
) -> None:
    import httpx

    async with httpx.AsyncClient(
        base_url=console_server.api,
        headers={"Authorization": f"Bearer {console_seeded.tokens['lead']}"},
    ) as api:
        serial = (await report(api, await grid_in(api, "110112004")))["serial"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.model.loaded and serial in app.model.store.cases)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*serial[-6:])
        await wait_for(pilot, lambda: serial in _palette_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseDetailScreen))
        assert isinstance(app.screen, CaseDetailScreen)
        assert app.screen.serial == serial


def _palette_text(app: CityGridApp) -> str:
    from textual.widgets import OptionList

    try:
        options = app.screen.query_one(OptionList)
    except Exception:
        return ""
    return " ".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


async def test_palette_opens_the_assessment_screen(make_app: Callable[..., CityGridApp]) -> None:
    from console.screens.assessment import AssessmentScreen

    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.model.loaded)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"assessment")
        await wait_for(pilot, lambda: "assessment" in _palette_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
