"""The verify dialog against the real server: the department's report and both photos."""

from __future__ import annotations

import io

import httpx
import pytest
from rich.console import Console, RenderableType

from backend_client.vocab import AttachmentPhase
from console.photos import PhotoScreen, PhotoView
from console.screens.detail import CaseDetailScreen
from console.screens.dialogs import VerifyDialog
from console.screens.queue import QueueScreen
from demo import evidence
from tests.api.helpers import act
from tests.console.conftest import Http
from tests.console.test_interactions import (
    SIZE,
    MakeApp,
    cursor_on,
    filed,
    fresh_grid,
    start,
    wait_for,
)

pytestmark = pytest.mark.slow


async def upload(client: httpx.AsyncClient, serial: str, phase: AttachmentPhase) -> None:
    response = await client.post(
        f"/cases/{serial}/attachments",
        files={"file": (f"{phase.value}.jpg", evidence.photo(phase, 5), "image/jpeg")},
        data={"phase": phase.value},
    )
    assert response.status_code == 201, response.text


async def test_verify_dialog_shows_the_report_and_both_photos(
    make_app: MakeApp, http: Http
) -> None:
    lead, handler = http("lead"), http("h_hw")
    serial = await filed(lead, await fresh_grid(lead))
    await upload(lead, serial, AttachmentPhase.BEFORE)
    await act(lead, serial, "dispatch")
    await act(handler, serial, "sign")
    await upload(handler, serial, AttachmentPhase.AFTER)
    await act(handler, serial, "report_disposal", note="垃圾已清运，桶已复位")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        await cursor_on(pilot, app, "6", serial)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, VerifyDialog))
        dialog = app.screen
        views = {v.phase: v for v in dialog.query(PhotoView)}
        await wait_for(pilot, lambda: all(v.image is not None for v in views.values()))
        assert views[AttachmentPhase.BEFORE].photo is not None
        assert views[AttachmentPhase.AFTER].photo is not None
        assert views[AttachmentPhase.AFTER].photo.by != views[AttachmentPhase.BEFORE].photo.by
        report = str(dialog.query_one("#dept-report").render())
        assert "垃圾已清运，桶已复位" in report
        # both pictures are drawn, side by side, in half-blocks
        before, after = views[AttachmentPhase.BEFORE], views[AttachmentPhase.AFTER]
        assert before.region.y == after.region.y and before.region.x < after.region.x
        assert "▀" in "".join(s.text for s in before.render_line(1))

        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PhotoScreen))
        full = app.screen.query_one(PhotoView)
        await wait_for(pilot, lambda: full.image is not None)
        assert full.photo is not None and full.photo.phase is AttachmentPhase.AFTER
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, VerifyDialog))
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert (await lead.get(f"/cases/{serial}")).json()["state"] == "closed"


async def test_detail_lists_photos_and_opens_one_full_screen(make_app: MakeApp, http: Http) -> None:
    lead = http("lead")
    serial = await filed(lead, await fresh_grid(lead))
    await upload(lead, serial, AttachmentPhase.BEFORE)
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        app.push_screen(CaseDetailScreen(serial))
        await wait_for(
            pilot, lambda: isinstance(app.screen, CaseDetailScreen) and app.screen.case is not None
        )
        detail = app.screen
        assert isinstance(detail, CaseDetailScreen)
        assert detail.case is not None
        text = rendered(detail.render_case(detail.case))
        assert "photo" in text and "before: " in text and "KB" in text

        await pilot.press("A")  # no after photo yet: a notice, no screen
        await wait_for(pilot, lambda: bool(app._notifications))
        assert isinstance(app.screen, CaseDetailScreen)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, PhotoScreen))
        view = app.screen.query_one(PhotoView)
        await wait_for(pilot, lambda: view.image is not None)
        assert view.size.height > 20  # the whole screen, not a dialog's strip
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseDetailScreen))


def rendered(renderable: RenderableType) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()
