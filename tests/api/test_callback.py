"""回访 over HTTP: a closed case with a reporter's contact waits for a callback."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import act, detail, grid_in, report
from tests.conftest import Api

STREET = "110112001"


async def _closed(lead: httpx.AsyncClient, handler: httpx.AsyncClient, **body: Any) -> str:
    case = await report(lead, await grid_in(lead, STREET), **body)
    serial: str = case["serial"]
    await act(lead, serial, "file")
    await act(lead, serial, "dispatch")
    await act(handler, serial, "sign")
    await act(handler, serial, "report_disposal", note="已清运")
    closed = await act(lead, serial, "verify", passed=True)
    assert closed["state"] == "closed"
    return serial


async def test_closing_with_a_contact_starts_the_callback(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        serial = await _closed(lead, handler)
        full = await detail(lead, serial)
        assert full["stage"] == "callback" and full["deadline_at"] is not None
        assert full["deadlines"][-1]["limit_label"] == "2工作日"
        assert "callback" in full["allowed_actions"]
        done = await act(lead, serial, "callback", result="satisfied", note="市民满意")
        assert done["state"] == "closed" and done["stage"] is None
        assert done["deadline_at"] is None
        full = await detail(lead, serial)
        assert "callback" not in full["allowed_actions"]
        last = full["timeline"][-1]
        assert (last["action"], last["data"]["result"], last["actor"]) == (
            "callback", "satisfied", full["timeline"][-1]["actor"]
        )  # fmt: skip
        assert last["actor"] and last["at"]
        again = await act(lead, serial, "callback", result="basic", expect=409)
        assert "no callback is due" in again["detail"]


async def test_basic_and_unreachable_then_retry(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        serial = await _closed(lead, handler)
        missed = await act(lead, serial, "callback", result="unreachable")
        assert missed["state"] == "closed" and missed["stage"] == "callback"  # still due
        reached = await act(lead, serial, "callback", result="basic")
        assert reached["stage"] is None
        results = [t["data"].get("result") for t in (await detail(lead, serial))["timeline"]]
        assert results[-2:] == ["unreachable", "basic"]


async def test_dissatisfied_sends_the_case_back_for_redo(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        serial = await _closed(lead, handler)
        redo = await act(lead, serial, "callback", result="dissatisfied", note="垃圾仍在")
        assert redo["state"] == "filed" and redo["stage"] == "intake"
        last = (await detail(lead, serial))["timeline"][-1]
        assert last["data"]["redo"] is True and last["data"]["outcome"] == "dissatisfied"
        await act(lead, serial, "dispatch")
        await act(handler, serial, "sign")
        await act(handler, serial, "report_disposal", note="重办完毕")
        closed = await act(lead, serial, "verify", passed=True)
        assert closed["state"] == "closed" and closed["stage"] == "callback"  # asked again


async def test_no_contact_no_callback(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        serial = await _closed(lead, handler, reporter_phone="")
        full = await detail(lead, serial)
        assert full["stage"] is None and "callback" not in full["allowed_actions"]
        refused = await act(lead, serial, "callback", result="satisfied", expect=409)
        assert refused["detail"].startswith("案件当前为")
        assert "reporter left no contact" in refused["detail"]


async def test_callback_needs_a_result_and_the_right_role(api: Api) -> None:
    async with (
        api.client("lead") as lead,
        api.client("h_hw") as handler,
        api.client("sup001") as sup,
    ):
        serial = await _closed(lead, handler, reporter_phone="", reporter_email="a@b.cn")
        missing = await act(lead, serial, "callback", expect=422)
        assert "result" in missing["detail"]
        forbidden = await act(sup, serial, "callback", result="satisfied", expect=403)
        assert "无权" in forbidden["detail"]
        open_case = await report(lead, await grid_in(lead, STREET))
        early = await act(lead, open_case["serial"], "callback", result="basic", expect=409)
        assert "不能" in early["detail"]


async def _listed(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get("/cases", params={"limit": "5000", **params})
    assert response.status_code == 200, response.text
    return [item["serial"] for item in response.json()["items"]]


async def test_the_callback_queue_lists_closed_cases_whose_callback_is_due(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        due = await _closed(lead, handler)
        done = await _closed(lead, handler)
        await act(lead, done, "callback", result="satisfied")
        quiet = await _closed(lead, handler, reporter_phone="")
        still_open = (await report(lead, await grid_in(lead, STREET)))["serial"]
        queue = await _listed(lead, state="closed", stage="callback")
        assert due in queue and done not in queue and quiet not in queue
        assert still_open not in queue
        assert await _listed(lead, stage="callback") == queue  # only closed cases have one
        await act(lead, due, "callback", result="unreachable")
        assert due in await _listed(lead, state="closed", stage="callback")  # still due
        await act(lead, due, "callback", result="basic")
        assert due not in await _listed(lead, state="closed", stage="callback")


async def test_serial_lists_exactly_the_cases_named_in_any_state(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        closed = await _closed(lead, handler)
        open_case = (await report(lead, await grid_in(lead, STREET)))["serial"]
        other = (await report(lead, await grid_in(lead, STREET)))["serial"]
        named = await _listed(lead, serial=f"{closed},{open_case},{closed}")
        assert sorted(named) == sorted([closed, open_case]) and other not in named
        assert await _listed(lead, serial=closed, state="open") == []
        too_many = ",".join(f"2026-110112-{n:06d}" for n in range(201))
        refused = await lead.get("/cases", params={"serial": too_many})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "at most 200 serials" in refused.json()["detail"]
        bad = await lead.get("/cases", params={"serial": "2026-1,,x"})
        assert bad.status_code == 422


async def test_serial_lists_nothing_outside_the_jurisdiction(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        closed = await _closed(lead, handler)
    async with api.client("h_zf") as other_department:
        assert await _listed(other_department, serial=closed) == []
