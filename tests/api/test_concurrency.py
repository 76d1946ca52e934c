"""Races, optimistic locking and idempotent retries."""

from __future__ import annotations

import asyncio

from tests.api.helpers import grid_in, report
from tests.conftest import Api

STREET = "110112002"


async def test_two_dispatchers_race_exactly_one_wins(api: Api) -> None:
    async with (
        api.client("lead") as lead,
        api.client("dispatcher1") as d1,
        api.client("dispatcher2") as d2,
    ):
        for _round in range(5):
            serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
            filed = (await lead.post(f"/cases/{serial}/actions", json={"action": "file"})).json()
            version = str(filed["case"]["version"])
            r1, r2 = await asyncio.gather(
                d1.post(
                    f"/cases/{serial}/actions",
                    json={"action": "dispatch"},
                    headers={"If-Match": version},
                ),
                d2.post(
                    f"/cases/{serial}/actions",
                    json={"action": "dispatch", "department_code": "SZ"},
                    headers={"If-Match": version},
                ),
            )
            codes = sorted([r1.status_code, r2.status_code])
            assert codes == [200, 409], (r1.text, r2.text)
            winner, loser = (r1, r2) if r1.status_code == 200 else (r2, r1)
            problem = loser.json()
            assert problem["current_version"] == int(version) + 1
            detail = (await lead.get(f"/cases/{serial}")).json()
            assert winner.json()["case"]["version"] == detail["version"]
            assert problem["last_actor"] == detail["timeline"][-1]["actor"]
            assert problem["last_actor"] in problem["detail"]
            assert [t["action"] for t in detail["timeline"]].count("dispatch") == 1


async def test_race_without_if_match_is_refused_by_state(api: Api) -> None:
    async with (
        api.client("dispatcher1") as d1,
        api.client("dispatcher2") as d2,
        api.client("lead") as lead,
    ):
        serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
        await lead.post(f"/cases/{serial}/actions", json={"action": "file"})
        r1, r2 = await asyncio.gather(
            d1.post(f"/cases/{serial}/actions", json={"action": "dispatch"}),
            d2.post(f"/cases/{serial}/actions", json={"action": "dispatch"}),
        )
        assert sorted([r1.status_code, r2.status_code]) == [200, 409]
        loser = r1 if r1.status_code == 409 else r2
        assert "派遣" in loser.json()["detail"] and loser.json()["last_actor"]


async def test_idempotent_retry_is_applied_once(api: Api) -> None:
    async with api.client("lead") as lead:
        grid = await grid_in(lead, STREET)
        body = {
            "source": "hotline",
            "category_kind": "matter",
            "category_code": "09006",
            "description": "占道经营",
            "grid_code": grid,
        }
        key = {"Idempotency-Key": "retry-test-report-1-" + grid}
        first = await lead.post("/cases", json=body, headers=key)
        second = await lead.post("/cases", json=body, headers=key)
        assert first.status_code == second.status_code == 201
        assert first.json()["case"]["serial"] == second.json()["case"]["serial"]
        assert second.headers.get("idempotent-replayed") == "true"
        serial = first.json()["case"]["serial"]
        akey = {"Idempotency-Key": f"file-{serial}"}
        results = await asyncio.gather(
            *[
                lead.post(f"/cases/{serial}/actions", json={"action": "file"}, headers=akey)
                for _ in range(4)
            ]
        )
        assert {r.status_code for r in results} == {200}
        detail = (await lead.get(f"/cases/{serial}")).json()
        assert [t["action"] for t in detail["timeline"]] == ["report", "file"]
        other = await lead.post(f"/cases/{serial}/actions", json={"action": "urge"}, headers=akey)
        assert other.status_code == 422 and "different request" in other.json()["detail"]
