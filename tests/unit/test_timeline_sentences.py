"""Every kind of timeline entry reads as a sentence, in Chinese and in English: local
time in whole minutes, names rather than codes, and no raw ``key=value`` payload."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from backend_client.eventdata import DATA_MODELS
from backend_client.vocab import Action, Role
from backend_client.wire import TimelineEntry
from console.timeline import Names, sentence, sentences

# 19:12 UTC on 1 December is 03:12 on 2 December in the calendar's zone (UTC+8)
AT = datetime(2026, 12, 1, 19, 12, 44, 123456, tzinfo=UTC)
DUE = "2026-12-03T09:30:21.737581+00:00"  # 17:30 on 3 December, local
TODAY = date(2026, 12, 2)
HW = "区环境卫生服务中心"
NAMES = {"zh": Names("zh", TODAY, {"HW": HW}, {"matter:06010": "暴露垃圾"}),
         "en": Names("en", TODAY, {"HW": HW}, {"matter:06010": "暴露垃圾"})}  # fmt: skip
REPORT = {"source": "hotline", "urgency": "normal", "category": "matter:06010",
          "self_disposed": False}  # fmt: skip

# action, data, the Chinese sentence, the English one
CASES: list[tuple[Action, dict[str, Any], str, str]] = [
    (Action.REPORT, {**REPORT, "due_at": DUE},
     "03:12 王伟 上报12345案件（一般），暴露垃圾，时限 12月3日 17:30",
     "03:12 王伟 reported a hotline case (normal), 暴露垃圾, due 3 Dec 17:30"),
    (Action.REPORT, {**REPORT, "self_disposed": True, "source": "supervisor"},
     "03:12 王伟 上报并已自行处置（监督员，一般），暴露垃圾",
     "03:12 王伟 reported and fixed on the spot (patrol, normal), 暴露垃圾"),
    (Action.REQUEST_VERIFICATION, {"due_at": DUE},
     "03:12 王伟 请监督员核实，时限 12月3日 17:30",
     "03:12 王伟 asked a supervisor to verify, due 3 Dec 17:30"),
    (Action.CONFIRM_REPORT, {"truthful": True, "outcome": "true"},
     "03:12 王伟 核实属实", "03:12 王伟 confirmed the report"),
    (Action.CONFIRM_REPORT, {"truthful": False, "outcome": "false"},
     "03:12 王伟 核实不属实", "03:12 王伟 found the report untrue"),
    (Action.FILE, {}, "03:12 王伟 立案", "03:12 王伟 filed the case"),
    (Action.VOID, {"reason": "重复上报"},
     "03:12 王伟 作废案件，理由：重复上报", "03:12 王伟 voided the case; reason: 重复上报"),
    (Action.DISPATCH, {"department": "HW", "due_at": DUE},
     f"03:12 王伟 派遣至 {HW}，时限 12月3日 17:30",
     f"03:12 王伟 dispatched to {HW}, due 3 Dec 17:30"),
    (Action.DISPATCH, {"department": "ZZ"},
     "03:12 王伟 派遣至 ZZ", "03:12 王伟 dispatched to ZZ"),
    (Action.SIGN, {"due_at": DUE}, "03:12 王伟 签收，时限 12月3日 17:30",
     "03:12 王伟 signed for the case, due 3 Dec 17:30"),
    (Action.REQUEST_RETURN, {"reason": "不属本单位"},
     "03:12 王伟 申请回退，理由：不属本单位",
     "03:12 王伟 asked to return the case; reason: 不属本单位"),
    (Action.REQUEST_EXTENSION, {"hours": 8.0, "reason": "等材料"},
     "03:12 王伟 申请延期，8 小时，理由：等材料",
     "03:12 王伟 asked for more time, 8 h; reason: 等材料"),
    (Action.REQUEST_SUSPENSION, {"reason": "需立项"},
     "03:12 王伟 申请挂账，理由：需立项", "03:12 王伟 asked to suspend the case; reason: 需立项"),
    (Action.DECIDE, {"approve": True, "request": "extension", "hours": 1.5,
                     "outcome": "extension:approve", "due_at": DUE},
     "03:12 王伟 批准延期申请，1.5 小时，时限 12月3日 17:30",
     "03:12 王伟 approved the extension request, 1.5 h, due 3 Dec 17:30"),
    (Action.DECIDE, {"approve": False, "request": "return", "outcome": "return:reject"},
     "03:12 王伟 驳回回退申请", "03:12 王伟 rejected the return request"),
    (Action.RESUME, {}, "03:12 王伟 恢复处置", "03:12 王伟 resumed the work"),
    (Action.REPORT_DISPOSAL, {"note": "已清运", "attachments": [{"ref": "photo://a"}]},
     "03:12 王伟 反馈处置结果：已清运，附照片 1 张",
     "03:12 王伟 reported the work done: 已清运, 1 photo(s)"),
    (Action.ASSIGN_CHECK, {"supervisor": "zhou", "checker": "周监督员"},
     "03:12 王伟 指派 周监督员 核查", "03:12 王伟 asked 周监督员 to check"),
    (Action.VERIFY, {"passed": True, "outcome": "pass"},
     "03:12 王伟 核查通过，结案", "03:12 王伟 checked the work: passed, case closed"),
    (Action.VERIFY, {"passed": False, "outcome": "fail", "reason": "仍有垃圾"},
     "03:12 王伟 核查不通过，退回重办，理由：仍有垃圾",
     "03:12 王伟 checked the work: failed, sent back; reason: 仍有垃圾"),
    (Action.REOPEN, {"reason": "群众再次反映"},
     "03:12 王伟 重新打开案件，理由：群众再次反映",
     "03:12 王伟 reopened the case; reason: 群众再次反映"),
    (Action.MERGE, {"target": "2026-110112-000009"},
     "03:12 王伟 将案件并入 2026-110112-000009",
     "03:12 王伟 merged the case into 2026-110112-000009"),
    (Action.MERGE, {"from": "2026-110112-000010", "role": "target"},
     "03:12 王伟 并入案件 2026-110112-000010", "03:12 王伟 took in case 2026-110112-000010"),
    (Action.UNMERGE, {"due_at": DUE}, "03:12 王伟 撤销合并，时限 12月3日 17:30",
     "03:12 王伟 undid the merge, due 3 Dec 17:30"),
    (Action.UNMERGE, {"from": "2026-110112-000010", "role": "target"},
     "03:12 王伟 拆出案件 2026-110112-000010",
     "03:12 王伟 let case 2026-110112-000010 go again"),
    (Action.SUPERVISE, {"note": "群众反映强烈"},
     "03:12 王伟 督办：群众反映强烈", "03:12 王伟 put the case under supervision: 群众反映强烈"),
    (Action.URGE, {}, "03:12 王伟 催办", "03:12 王伟 urged the department"),
    (Action.COMMENT, {"note": "已电话联系"},
     "03:12 王伟 备注：已电话联系", "03:12 王伟 added a note: 已电话联系"),
    (Action.ATTACH, {"photo": 7, "phase": "after", "media_type": "image/jpeg", "size": 900},
     "03:12 王伟 上传处置后照片", "03:12 王伟 added a photo (after)"),
    (Action.CALLBACK, {"result": "basic", "outcome": "basic", "note": "基本解决"},
     "03:12 王伟 回访（基本满意）：基本解决",
     "03:12 王伟 called the reporter back (basically satisfied): 基本解决"),
    (Action.CALLBACK, {"result": "dissatisfied", "redo": True, "outcome": "dissatisfied",
                       "due_at": DUE},
     "03:12 王伟 回访（不满意），案件重办，时限 12月3日 17:30",
     "03:12 王伟 called the reporter back (dissatisfied), case redone, due 3 Dec 17:30"),
]  # fmt: skip


def entry(action: Action, data: dict[str, Any], at: datetime = AT) -> TimelineEntry:
    return TimelineEntry.model_validate(
        {
            "seq": 1,
            "action": action,
            "actor": "王伟",
            "actor_role": Role.DISPATCHER,
            "at": at,
            "data": data,
        }
    )


def test_every_action_has_a_case_here() -> None:
    assert {action for action, *_ in CASES} == set(DATA_MODELS) == set(Action)


@pytest.mark.parametrize(("action", "data", "zh", "en"), CASES)
def test_entry_reads_as_a_sentence(action: Action, data: dict[str, Any], zh: str, en: str) -> None:
    parsed = entry(action, data)
    assert isinstance(parsed.data, DATA_MODELS[action])
    assert sentence(parsed, NAMES["zh"]) == zh
    assert sentence(parsed, NAMES["en"]) == en
    for text in (sentence(parsed, NAMES["zh"]), sentence(parsed, NAMES["en"])):
        assert "=" not in text and "+00:00" not in text and ":44" not in text


def test_an_earlier_day_shows_its_date() -> None:
    earlier = datetime(2026, 11, 28, 1, 5, 59, tzinfo=UTC)  # 09:05 on 28 November, local
    assert sentence(entry(Action.FILE, {}, earlier), NAMES["zh"]) == "11月28日 09:05 王伟 立案"
    assert (
        sentence(entry(Action.FILE, {}, earlier), NAMES["en"]) == "28 Nov 09:05 王伟 filed the case"
    )


def test_a_due_is_said_when_it_changes() -> None:
    later = "2026-12-04T09:30:00+00:00"
    timeline = [
        entry(Action.DISPATCH, {"department": "HW", "due_at": DUE}),
        entry(Action.COMMENT, {"note": "已联系", "due_at": DUE}),  # the same clock runs on
        entry(Action.SIGN, {"due_at": later}),
        entry(Action.URGE, {"due_at": later}),
    ]
    assert sentences(timeline, NAMES["zh"]) == [
        f"03:12 王伟 派遣至 {HW}，时限 12月3日 17:30",
        "03:12 王伟 备注：已联系",
        "03:12 王伟 签收，时限 12月4日 17:30",
        "03:12 王伟 催办",
    ]
