"""A handler's console drops a case their department lost, from the stream's ``gone``."""

from __future__ import annotations

from console.store import CaseStore
from tests.api.helpers import act
from tests.conftest import Seeded, Server
from tests.console.conftest import api_client
from tests.console.test_interactions import (
    SIZE,
    MakeApp,
    filed,
    fresh_grid,
    start,
    wait_for,
)


async def test_a_returned_case_leaves_the_handlers_console(
    make_app: MakeApp, console_server: Server, console_seeded: Seeded
) -> None:
    async with (
        api_client(console_server, console_seeded, "lead") as lead,
        api_client(console_server, console_seeded, "h_zf") as zf,
    ):
        serial = await filed(lead, await fresh_grid(lead))
        await act(lead, serial, "dispatch", department_code="ZF")
        app = make_app(user="h_zf")
        async with app.run_test(size=SIZE) as pilot:
            await start(pilot, app, serial)
            await act(zf, serial, "request_return", reason="非本单位")
            await act(lead, serial, "decide", approve=True)  # back to the centre: ZF loses it
            await wait_for(pilot, lambda: serial not in app.model.store.cases)
            assert serial not in app.model.view.serials()
            recount = CaseStore()
            recount.load(app.model.store.cases.values(), 0, app.now())
            assert app.model.store.counts == recount.counts  # the queue counts let it go too
