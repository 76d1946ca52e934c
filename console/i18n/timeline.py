"""The timeline's sentences, one (Chinese, English) pair per phrase.

:mod:`console.timeline` puts them together as ``when actor what details``, e.g.
``03:12 王伟 派遣至 区环境卫生服务中心，时限 12月1日 17:30``.
"""

from __future__ import annotations

from typing import Final, Literal

TimelineKey = Literal[
    "tl.day_time",
    "tl.report",
    "tl.report.self_disposed",
    "tl.request_verification",
    "tl.confirm_report.true",
    "tl.confirm_report.false",
    "tl.file",
    "tl.void",
    "tl.dispatch",
    "tl.sign",
    "tl.request_return",
    "tl.request_extension",
    "tl.request_suspension",
    "tl.decide.approve",
    "tl.decide.reject",
    "tl.resume",
    "tl.report_disposal",
    "tl.assign_check",
    "tl.verify.pass",
    "tl.verify.fail",
    "tl.reopen",
    "tl.merge",
    "tl.merge.from",
    "tl.unmerge",
    "tl.unmerge.from",
    "tl.supervise",
    "tl.urge",
    "tl.comment",
    "tl.attach",
    "tl.with.reason",
    "tl.with.note",
    "tl.with.hours",
    "tl.with.photos",
    "tl.with.due",
]

TIMELINE_STRINGS: Final[dict[TimelineKey, tuple[str, str]]] = {
    "tl.day_time": ("{month}月{day}日 {time}", "{day} {month} {time}"),
    "tl.report": (
        "上报{source}案件（{urgency}），{category}",
        "reported a {source} case ({urgency}), {category}",
    ),
    "tl.report.self_disposed": (
        "上报并已自行处置（{source}，{urgency}），{category}",
        "reported and fixed on the spot ({source}, {urgency}), {category}",
    ),
    "tl.request_verification": ("请监督员核实", "asked a supervisor to verify"),
    "tl.confirm_report.true": ("核实属实", "confirmed the report"),
    "tl.confirm_report.false": ("核实不属实", "found the report untrue"),
    "tl.file": ("立案", "filed the case"),
    "tl.void": ("作废案件", "voided the case"),
    "tl.dispatch": ("派遣至 {department}", "dispatched to {department}"),
    "tl.sign": ("签收", "signed for the case"),
    "tl.request_return": ("申请回退", "asked to return the case"),
    "tl.request_extension": ("申请延期", "asked for more time"),
    "tl.request_suspension": ("申请挂账", "asked to suspend the case"),
    "tl.decide.approve": ("批准{request}申请", "approved the {request} request"),
    "tl.decide.reject": ("驳回{request}申请", "rejected the {request} request"),
    "tl.resume": ("恢复处置", "resumed the work"),
    "tl.report_disposal": ("反馈处置结果", "reported the work done"),
    "tl.assign_check": ("指派 {checker} 核查", "asked {checker} to check"),
    "tl.verify.pass": ("核查通过，结案", "checked the work: passed, case closed"),
    "tl.verify.fail": ("核查不通过，退回重办", "checked the work: failed, sent back"),
    "tl.reopen": ("重新打开案件", "reopened the case"),
    "tl.merge": ("将案件并入 {target}", "merged the case into {target}"),
    "tl.merge.from": ("并入案件 {source}", "took in case {source}"),
    "tl.unmerge": ("撤销合并", "undid the merge"),
    "tl.unmerge.from": ("拆出案件 {source}", "let case {source} go again"),
    "tl.supervise": ("督办", "put the case under supervision"),
    "tl.urge": ("催办", "urged the department"),
    "tl.comment": ("备注", "added a note"),
    "tl.attach": ("上传{phase}照片", "added a photo ({phase})"),
    "tl.with.reason": ("，理由：{reason}", "; reason: {reason}"),
    "tl.with.note": ("：{note}", ": {note}"),
    "tl.with.hours": ("，{hours} 小时", ", {hours} h"),
    "tl.with.photos": ("，附照片 {n} 张", ", {n} photo(s)"),
    "tl.with.due": ("，时限 {due}", ", due {due}"),
}  # fmt: skip
