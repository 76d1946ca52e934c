"""``GET /time`` gives the server clock and the working calendar's timezone, so consoles
show the centre's wall clock whatever zone their workstation is set to."""

from __future__ import annotations

from pathlib import Path

import httpx

from backend.domain.calendar import DEFAULT_PATH
from tests.conftest import Seeded, start_server


async def test_time_names_the_calendars_timezone(seeded: Seeded, tmp_path: Path) -> None:
    calendar = tmp_path / "calendar.toml"
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    calendar.write_text(text.replace('"Asia/Shanghai"', '"Asia/Urumqi"', 1), encoding="utf-8")
    server = start_server(
        seeded.url, tmp_path / "time.log", extra_env={"CITYGRID_CALENDAR_PATH": str(calendar)}
    )
    try:
        async with httpx.AsyncClient(base_url=server.api) as c:
            answer = (await c.get("/time")).json()
        assert answer["timezone"] == "Asia/Urumqi"
        assert answer["now"].endswith(("Z", "+00:00"))
    finally:
        server.stop()
