"""Writes outside jurisdiction: every case an action touches, and every dispatch target,
is checked against the actor's scope."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.api.helpers import act, grid_in, report
from tests.conftest import Api, add_user

MINE = "110112001"
OTHER = "110112002"


@pytest.fixture
def street_dispatcher(api: Api) -> str:
    """A dispatcher whose jurisdiction is street 110112001 only."""
    name = f"disp_{uuid.uuid4().hex[:8]}"
    add_user(api.seeded, name, "dispatcher", MINE)
    return name


async def _events_for(
    client: httpx.AsyncClient, after: int, serials: set[str]
) -> list[dict[str, Any]]:
    page = (await client.get("/events", params={"after": after, "limit": 1000})).json()
    return [e for e in page["items"] if e["serial"] in serials]


async def test_unmerge_with_the_target_in_another_street_is_refused(
    api: Api, street_dispatcher: str
) -> None:
    async with api.client("lead") as lead, api.client(street_dispatcher) as disp:
        mine = await report(lead, await grid_in(lead, MINE))
        theirs = await report(lead, await grid_in(lead, OTHER))
        await act(lead, mine["serial"], "merge", target=theirs["serial"])
        before = (await lead.get(f"/cases/{theirs['serial']}")).json()
        head = (await lead.get("/events", params={"after": 0, "limit": 1})).json()["head_seq"]

        refused = await disp.post(f"/cases/{mine['serial']}/actions", json={"action": "unmerge"})

        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert theirs["serial"] in refused.json()["detail"]
        after = (await lead.get(f"/cases/{theirs['serial']}")).json()
        assert after["version"] == before["version"]
        assert after["reporters"] == before["reporters"]
        still = (await lead.get(f"/cases/{mine['serial']}")).json()
        assert still["state"] == "merged" and still["merged_into"] == theirs["serial"]
        assert await _events_for(lead, head, {mine["serial"], theirs["serial"]}) == []


async def test_merge_into_a_case_in_another_street_is_refused(
    api: Api, street_dispatcher: str
) -> None:
    async with api.client("lead") as lead, api.client(street_dispatcher) as disp:
        mine = await report(lead, await grid_in(lead, MINE))
        theirs = await report(lead, await grid_in(lead, OTHER))
        refused = await disp.post(
            f"/cases/{mine['serial']}/actions",
            json={"action": "merge", "target": theirs["serial"]},
        )
        assert refused.status_code == 404, refused.text
        after = (await lead.get(f"/cases/{theirs['serial']}")).json()
        assert after["version"] == theirs["version"]
        assert (await lead.get(f"/cases/{mine['serial']}")).json()["state"] == "reported"


async def test_street_dispatcher_cannot_dispatch_to_another_streets_office(
    api: Api, street_dispatcher: str
) -> None:
    async with api.client("lead") as lead, api.client(street_dispatcher) as disp:
        case = await report(lead, await grid_in(lead, MINE))
        serial = case["serial"]
        await act(lead, serial, "file")

        refused = await disp.post(
            f"/cases/{serial}/actions", json={"action": "dispatch", "department_code": "JD002"}
        )

        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "JD002" in body["detail"] and "JD001" in body["detail"]
        assert set(body["allowed"]) >= {"JD001", "HW"} and "JD002" not in body["allowed"]
        assert (await lead.get(f"/cases/{serial}")).json()["state"] == "filed"
        # a unit that serves the grid is fine: the grid's own street office
        done = await act(disp, serial, "dispatch", department_code="JD001")
        assert done["department_code"] == "JD001"


async def test_street_dispatcher_may_use_the_routed_unit_but_not_an_unrelated_one(
    api: Api, street_dispatcher: str
) -> None:
    async with api.client("lead") as lead, api.client(street_dispatcher) as disp:
        serial = (await report(lead, await grid_in(lead, MINE)))["serial"]  # 06042 → HW
        await act(lead, serial, "file")
        refused = await disp.post(
            f"/cases/{serial}/actions", json={"action": "dispatch", "department_code": "GD"}
        )
        assert refused.status_code == 422, refused.text
        assert "GD" in refused.json()["detail"]
        assert (await act(disp, serial, "dispatch", department_code="HW"))["department_code"] == (
            "HW"
        )


async def test_district_dispatcher_may_dispatch_to_any_district_unit(api: Api) -> None:
    async with api.client("dispatcher1") as disp, api.client("lead") as lead:
        serial = (await report(lead, await grid_in(lead, MINE)))["serial"]
        await act(lead, serial, "file")
        done = await act(disp, serial, "dispatch", department_code="JD002")
        assert done["department_code"] == "JD002"
