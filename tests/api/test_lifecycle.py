"""The closed loop over HTTP against a real server: every path a case can take."""

from __future__ import annotations

from datetime import datetime

from tests.api.helpers import act, detail, grid_in, report
from tests.conftest import Api

STREET = "110112001"


async def test_full_loop_with_rework(api: Api) -> None:
    async with (
        api.client("lead") as lead,
        api.client("h_hw") as handler,
        api.client("sup001") as sup,
    ):
        grid = await grid_in(lead, STREET)
        case = await report(lead, grid)
        serial = case["serial"]
        assert case["state"] == "reported" and case["stage"] == "intake"
        suggested = (await detail(lead, serial))["suggested_department"]
        assert suggested["code"] == "HW"  # routed: 06042 → sanitation
        assert (await act(lead, serial, "file"))["state"] == "filed"
        dispatched = await act(lead, serial, "dispatch")
        assert dispatched["department_code"] == "HW" and dispatched["stage"] == "sign"
        assert (await act(handler, serial, "sign"))["stage"] == "dispose"
        disposed = await act(
            handler,
            serial,
            "report_disposal",
            note="已清运",
            attachments=[{"ref": "photo://a.jpg", "phase": "after"}],
        )
        assert disposed["state"] == "disposed" and disposed["stage"] == "check"
        checking = await act(lead, serial, "assign_check", supervisor="sup001")
        assert checking["state"] == "checking" and (await detail(lead, serial))["checker"]
        failed = await act(sup, serial, "verify", passed=False, reason="仍有垃圾")
        assert failed["state"] == "dispatched" and failed["rework_count"] == 1
        assert failed["department_code"] == "HW"
        await act(handler, serial, "sign")
        await act(handler, serial, "report_disposal", note="再次清运")
        closed = await act(lead, serial, "verify", passed=True)
        assert closed["state"] == "closed"
        assert closed["stage"] == "callback"  # the caller left a phone: a callback is due
        full = await detail(lead, serial)
        actions = [t["action"] for t in full["timeline"]]
        assert actions == [
            "report",
            "file",
            "dispatch",
            "sign",
            "report_disposal",
            "assign_check",
            "verify",
            "sign",
            "report_disposal",
            "verify",
        ]
        assert all(t["actor"] for t in full["timeline"])
        *work, callback = full["deadlines"]
        assert all(d["done_at"] for d in work)  # every stage clock of the work stopped
        assert callback["stage"] == "callback" and callback["done_at"] is None
        assert full["attachments"][0]["phase"] == "after"


async def test_return_is_a_wrong_dispatch_and_goes_back_to_dispatch(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_zf") as wrong:
        case = await report(lead, await grid_in(lead, STREET))
        serial = case["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch", department_code="ZF")
        await act(wrong, serial, "request_return", reason="不属于我单位职责")
        listed = await lead.get("/cases", params={"pending": "true", "state": "dispatched"})
        assert serial in [c["serial"] for c in listed.json()["items"]]
        back = await act(lead, serial, "decide", approve=True)
        assert back["state"] == "filed" and back["department_code"] is None
        assert back["stage"] == "intake"
        # the handler no longer sees it
        assert (await wrong.get(f"/cases/{serial}")).status_code == 404


async def test_extension_pushes_the_disposal_deadline(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch")
        before = await act(handler, serial, "sign")
        await act(handler, serial, "request_extension", hours=8, reason="需调配车辆")
        after = await act(lead, serial, "decide", approve=True)
        assert (await detail(lead, serial))["extension_hours"] == 8
        old = datetime.fromisoformat(before["deadline_at"])
        new = datetime.fromisoformat(after["deadline_at"])
        assert new > old  # 8 working hours later, skipping nights and weekends
        assert (new - old).total_seconds() >= 8 * 3600


async def test_suspension_pauses_and_resume_restarts_the_clock(api: Api) -> None:
    async with api.client("lead") as lead, api.client("h_hw") as handler:
        serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch")
        running = await act(handler, serial, "sign")
        await act(handler, serial, "request_suspension", reason="冬季无法施工")
        paused = await act(lead, serial, "decide", approve=True)
        assert paused["state"] == "suspended" and paused["paused_at"] is not None
        overdue = (await lead.get("/cases", params={"overdue": "true"})).json()["items"]
        assert serial not in [c["serial"] for c in overdue]
        resumed = await act(handler, serial, "resume")
        assert resumed["state"] == "in_progress" and resumed["paused_at"] is None
        assert resumed["deadline_at"] >= running["deadline_at"]


async def test_merge_keeps_every_reporter_and_unmerge_restores(api: Api) -> None:
    async with api.client("lead") as lead:
        grid = await grid_in(lead, STREET)
        first = await report(lead, grid, reporter_phone="13900000001")
        dup = await report(lead, grid, reporter_phone="13900000002")
        merged = await act(lead, dup["serial"], "merge", target=first["serial"])
        assert merged["state"] == "merged" and merged["merged_into"] == first["serial"]
        target = (await lead.get(f"/cases/{first['serial']}")).json()
        assert {r["phone"] for r in target["reporters"]} == {"13900000001", "13900000002"}
        restored = await act(lead, dup["serial"], "unmerge")
        assert restored["state"] == "reported" and restored["merged_into"] is None
        assert restored["stage"] == "intake"
        target = (await lead.get(f"/cases/{first['serial']}")).json()
        assert {r["phone"] for r in target["reporters"]} == {"13900000001"}


async def test_verification_of_a_public_report_then_void(api: Api) -> None:
    async with (
        api.client("operator1") as op,
        api.client("sup001") as sup,
        api.client("lead") as lead,
    ):
        serial = (await report(op, await grid_in(op, STREET), source="media"))["serial"]
        verifying = await act(op, serial, "request_verification")
        assert verifying["state"] == "verifying" and verifying["stage"] == "verify"
        back = await act(sup, serial, "confirm_report", truthful=False, note="现场未发现")
        assert back["state"] == "reported" and (await detail(op, serial))["verified"] is False
        voided = await act(lead, serial, "void", reason="核实不属实")
        assert voided["state"] == "voided"
        refused = await act(lead, serial, "dispatch", expect=409)
        assert refused["state"] == "voided" and "已作废" in refused["detail"]


async def test_self_disposed_report_needs_only_review(api: Api) -> None:
    async with api.client("sup001") as sup, api.client("lead") as lead:
        case = await report(
            sup, await grid_in(sup, STREET), source="supervisor", self_disposed=True
        )
        assert case["state"] == "self_disposed" and case["stage"] == "check"
        assert (await act(lead, case["serial"], "verify", passed=True))["state"] == "closed"


async def test_reopen_supervise_urge_comment(api: Api) -> None:
    async with (
        api.client("lead") as lead,
        api.client("h_hw") as handler,
        api.client("leader") as leader,
    ):
        serial = (await report(lead, await grid_in(lead, STREET)))["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch")
        assert (await act(lead, serial, "supervise"))["supervised"] is True
        assert (await act(lead, serial, "urge"))["urge_count"] == 1
        await act(lead, serial, "comment", note="已电话联系")
        await act(handler, serial, "sign")
        await act(handler, serial, "report_disposal", note="ok")
        await act(lead, serial, "verify", passed=True)
        reopened = await act(lead, serial, "reopen", reason="市民再次来电")
        assert reopened["state"] == "filed" and reopened["stage"] == "intake"
        # a leader reads everything and changes nothing
        assert (await leader.get(f"/cases/{serial}")).status_code == 200
        refused = await act(leader, serial, "comment", note="x", expect=403)
        assert "leader" in refused["detail"]
