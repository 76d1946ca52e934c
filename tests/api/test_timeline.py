"""An action answers with the queue row and its new version, not the whole timeline;
the detail pages the timeline."""

from __future__ import annotations

import uuid

from backend_client.client import CitygridClient
from backend_client.wire import CaseCreate, CaseSummary
from tests.api.helpers import DEFAULT_REPORT, detail, grid_in, report
from tests.api.test_problems import assert_problem
from tests.conftest import Api

STREET = "110112001"
COMMENTS = 12


async def test_an_action_answers_with_the_summary_not_the_timeline(api: Api) -> None:
    async with api.client("lead") as lead:
        created = await lead.post(
            "/cases", json={**DEFAULT_REPORT, "grid_code": await grid_in(lead, STREET)}
        )
        assert created.status_code == 201
        assert set(created.json()) == {"case", "seq"}
        assert set(created.json()["case"]) == set(CaseSummary.model_fields)
        serial = created.json()["case"]["serial"]
        sizes = []
        for i in range(COMMENTS):
            r = await lead.post(
                f"/cases/{serial}/actions", json={"action": "comment", "note": f"第{i:02d}次"}
            )
            assert r.status_code == 200, r.text
            body = r.json()
            assert set(body["case"]) == set(CaseSummary.model_fields)  # no timeline, no detail
            assert body["case"]["version"] == i + 2
            assert r.headers["etag"] == f'"{i + 2}"'
            sizes.append(len(r.content))
        # the answer does not grow with the case's history (only the digits of numbers move)
        assert max(sizes) - min(sizes) <= 16, sizes
        assert len((await detail(lead, serial))["timeline"]) == COMMENTS + 1


async def test_an_idempotent_replay_returns_the_same_bytes(api: Api) -> None:
    async with api.client("lead") as lead:
        serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
        key = {"Idempotency-Key": uuid.uuid4().hex}
        url = f"/cases/{serial}/actions"
        first = await lead.post(url, json={"action": "comment", "note": "一次"}, headers=key)
        again = await lead.post(url, json={"action": "comment", "note": "一次"}, headers=key)
        assert first.status_code == again.status_code == 200
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.content == first.content


async def test_the_detail_pages_the_timeline(api: Api) -> None:
    async with api.client("lead") as lead:
        serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
        for i in range(COMMENTS):
            r = await lead.post(
                f"/cases/{serial}/actions", json={"action": "comment", "note": f"n{i}"}
            )
            assert r.status_code == 200
        whole = (await detail(lead, serial))["timeline"]
        assert [t["action"] for t in whole] == ["report"] + ["comment"] * COMMENTS
        assert (await detail(lead, serial))["timeline_older"] is None

        pages, before = [], None
        while True:
            params = {"timeline_limit": 5, **({"timeline_before": before} if before else {})}
            page = (await lead.get(f"/cases/{serial}", params=params)).json()
            assert len(page["timeline"]) <= 5
            seqs = [t["seq"] for t in page["timeline"]]
            assert seqs == sorted(seqs)  # oldest first within a page
            pages.append(page["timeline"])
            before = page["timeline_older"]
            if before is None:
                break
            assert before == seqs[0]
        assert [len(p) for p in pages] == [5, 5, 3]
        assert [t for p in reversed(pages) for t in p] == whole

        for bad in ({"timeline_limit": 0}, {"timeline_limit": 100_000}, {"timeline_before": 0}):
            assert_problem(await lead.get(f"/cases/{serial}", params=bad), 422, "timeline")


async def test_the_typed_client_reads_a_long_timeline_page_by_page(api: Api) -> None:
    async with api.client("lead") as lead:
        grid = await grid_in(lead, STREET)
        serial = (await report(lead, grid))["serial"]
        for i in range(7):
            await lead.post(f"/cases/{serial}/actions", json={"action": "comment", "note": f"{i}"})
        whole = (await detail(lead, serial))["timeline"]
    async with CitygridClient(api.server.url, api.seeded.tokens["lead"]) as client:
        entries = await client.timeline(serial, page=3)
        assert [e.seq for e in entries] == [t["seq"] for t in whole]
        result = await client.report(
            CaseCreate.model_validate({**DEFAULT_REPORT, "grid_code": grid})
        )
        assert isinstance(result.case, CaseSummary) and result.seq > 0
