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
