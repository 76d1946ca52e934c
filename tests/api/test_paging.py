"""Keyset paging: small pages, in every sort order, equal one big page — no row lost or
repeated — and a filtered page holds only what the filter asks for."""

from __future__ import annotations

import pytest

from tests.api.helpers import act, grid_in, report
from tests.conftest import Api


@pytest.mark.parametrize("sort", ["deadline", "-deadline", "created", "-created"])
async def test_small_pages_equal_one_big_page(api: Api, sort: str) -> None:
    async with api.client("lead") as lead:
        grid = await grid_in(lead, "110112005")
        for i in range(9):
            serial = (await report(lead, grid, urgency="urgent" if i % 3 == 0 else "normal"))[
                "serial"
            ]
            if i % 2:
                await act(lead, serial, "file")
        params = {"region": grid, "sort": sort}
        whole = (await lead.get("/cases", params={**params, "limit": 5000})).json()["items"]
        paged: list[str] = []
        cursor = None
        while True:
            query = {**params, "limit": 4, **({"cursor": cursor} if cursor else {})}
            page = (await lead.get("/cases", params=query)).json()
            paged += [c["serial"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert paged == [c["serial"] for c in whole]
        assert len(paged) == len(set(paged)) >= 9
        if sort.lstrip("-") == "deadline":
            keys = [c["deadline_at"] or "9999" for c in whole]
            assert keys == sorted(keys, reverse=sort.startswith("-"))


async def test_filters_select_what_they_say(api: Api) -> None:
    async with api.client("lead") as lead:
        grid = await grid_in(lead, "110112006")
        urgent = (await report(lead, grid, urgency="urgent"))["serial"]
        await report(lead, grid, category_code="09006")
        filed = (await report(lead, grid))["serial"]
        await act(lead, filed, "file")
        page = (await lead.get("/cases", params={"region": grid, "urgent": "true"})).json()
        assert urgent in {c["serial"] for c in page["items"]}
        assert all(c["urgency"] == "urgent" for c in page["items"])
        page = (await lead.get("/cases", params={"region": grid, "state": "filed"})).json()
        assert {c["state"] for c in page["items"]} == {"filed"}
        page = (await lead.get("/cases", params={"region": grid, "category": "09006"})).json()
        assert {c["category_code"] for c in page["items"]} == {"09006"}
        page = (await lead.get("/cases", params={"source": "hotline", "region": grid})).json()
        assert all(c["source"] == "hotline" for c in page["items"])
        assert all(
            c["light"] in {"green", "yellow", "red", "paused", "none"} for c in page["items"]
        )
