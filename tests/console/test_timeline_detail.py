"""The case detail's timeline, against the real server: each entry is a sentence in the
operator's language, on the centre's clock, with no raw payload."""

from __future__ import annotations

import re

import pytest

from console.screens.detail import CaseDetailScreen
from tests.api.helpers import act
from tests.console.conftest import Http
from tests.console.test_interactions import SIZE, MakeApp, filed, fresh_grid, start, wait_for
from tests.console.test_photos import rendered

pytestmark = pytest.mark.slow

HHMM = r"(?:\d+月\d+日 |\d+ \w{3} )?\d\d:\d\d"  # today: the time; another day: its date too


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_detail_timeline_reads_as_sentences(make_app: MakeApp, http: Http, lang: str) -> None:
    lead = http("lead")
    serial = await filed(lead, await fresh_grid(lead))
    await act(lead, serial, "dispatch")
    await act(lead, serial, "comment", note="已电话联系上报人")
    case = (await lead.get(f"/cases/{serial}")).json()
    me = (await lead.get("/me")).json()["display_name"]
    department = case["department_name"]
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, serial)
        app.push_screen(CaseDetailScreen(serial))
        await wait_for(
            pilot, lambda: isinstance(app.screen, CaseDetailScreen) and app.screen.case is not None
        )
        detail = app.screen
        assert isinstance(detail, CaseDetailScreen) and detail.case is not None
        text = rendered(detail.render_case(detail.case))
    if lang == "zh":
        dispatch = rf"{HHMM} {me} 派遣至 {re.escape(department)}，时限 \d+月\d+日 \d\d:\d\d"
        comment = rf"{HHMM} {me} 备注：已电话联系上报人"
    else:
        dispatch = rf"{HHMM} {me} dispatched to {re.escape(department)}, due \d+ \w{{3}} \d\d:\d\d"
        comment = rf"{HHMM} {me} added a note: 已电话联系上报人"
    assert re.search(dispatch, text), text
    assert re.search(comment, text), text
    assert "department=" not in text and "+00:00" not in text and "due_at" not in text
