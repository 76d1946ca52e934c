"""Chinese and English labels for the shared vocabulary (one place, used by API messages and UI)."""

from __future__ import annotations

from enum import StrEnum

from backend_client.vocab import (
    Action,
    AreaClass,
    CallbackResult,
    CaseState,
    CategoryKind,
    DepartmentKind,
    Light,
    PendingKind,
    RegionKind,
    Role,
    Source,
    Stage,
    TimeUnit,
    Urgency,
)

_LABELS: dict[StrEnum, tuple[str, str]] = {
    CaseState.REPORTED: ("待受理", "reported"),
    CaseState.VERIFYING: ("待核实", "verifying"),
    CaseState.SELF_DISPOSED: ("自处置待审", "self-disposed"),
    CaseState.FILED: ("待派遣", "filed"),
    CaseState.DISPATCHED: ("待签收", "dispatched"),
    CaseState.IN_PROGRESS: ("处置中", "in progress"),
    CaseState.SUSPENDED: ("挂账", "suspended"),
    CaseState.DISPOSED: ("待核查", "disposed"),
    CaseState.CHECKING: ("核查中", "checking"),
    CaseState.CLOSED: ("已结案", "closed"),
    CaseState.VOIDED: ("已作废", "voided"),
    CaseState.MERGED: ("已合并", "merged"),
    Action.REPORT: ("上报", "report"),
    Action.REQUEST_VERIFICATION: ("发核实", "request verification"),
    Action.CONFIRM_REPORT: ("核实反馈", "confirm report"),
    Action.FILE: ("立案", "file"),
    Action.VOID: ("作废", "void"),
    Action.DISPATCH: ("派遣", "dispatch"),
    Action.SIGN: ("签收", "sign"),
    Action.REQUEST_RETURN: ("申请回退", "request return"),
    Action.REQUEST_EXTENSION: ("申请延期", "request extension"),
    Action.REQUEST_SUSPENSION: ("申请挂账", "request suspension"),
    Action.DECIDE: ("审批", "decide"),
    Action.RESUME: ("恢复", "resume"),
    Action.REPORT_DISPOSAL: ("处置反馈", "report disposal"),
    Action.ASSIGN_CHECK: ("发核查", "assign check"),
    Action.VERIFY: ("核查", "verify"),
    Action.REOPEN: ("重启", "reopen"),
    Action.MERGE: ("合并", "merge"),
    Action.UNMERGE: ("拆分", "unmerge"),
    Action.SUPERVISE: ("督办", "supervise"),
    Action.URGE: ("催办", "urge"),
    Action.COMMENT: ("备注", "comment"),
    Action.ATTACH: ("上传照片", "photo"),
    Action.CALLBACK: ("回访", "callback"),
    CallbackResult.SATISFIED: ("满意", "satisfied"),
    CallbackResult.BASIC: ("基本满意", "basically satisfied"),
    CallbackResult.DISSATISFIED: ("不满意", "dissatisfied"),
    CallbackResult.UNREACHABLE: ("未接通", "unreachable"),
    Role.OPERATOR: ("受理员", "operator"),
    Role.DISPATCHER: ("派遣员", "dispatcher"),
    Role.SHIFT_LEAD: ("值班长", "shift lead"),
    Role.SUPERVISOR: ("监督员", "supervisor"),
    Role.HANDLER: ("部门处置员", "department handler"),
    Role.LEADER: ("领导", "leader"),
    Role.ADMIN: ("管理员", "admin"),
    Source.SUPERVISOR: ("监督员", "patrol"),
    Source.HOTLINE: ("12345", "hotline"),
    Source.VIDEO: ("视频", "video"),
    Source.MEDIA: ("媒体", "media"),
    Source.LEADER: ("领导交办", "leader"),
    Source.OPEN311: ("Open311", "Open311"),
    Source.WECHAT: ("微信", "WeChat"),
    Source.APP: ("App", "app"),
    Source.HANDHELD: ("手持", "handset"),
    Source.OTHER: ("其他", "other"),
    Urgency.NORMAL: ("一般", "normal"),
    Urgency.URGENT: ("紧急", "urgent"),
    PendingKind.RETURN: ("回退", "return"),
    PendingKind.EXTENSION: ("延期", "extension"),
    PendingKind.SUSPENSION: ("挂账", "suspension"),
    Stage.INTAKE: ("立案派遣", "intake"),
    Stage.VERIFY: ("核实", "verify"),
    Stage.SIGN: ("签收", "sign"),
    Stage.DISPOSE: ("处置", "dispose"),
    Stage.CHECK: ("核查", "check"),
    Stage.CALLBACK: ("回访", "callback"),
    TimeUnit.WORKING_HOUR: ("工作时", "working hours"),
    TimeUnit.CLOCK_HOUR: ("小时", "hours"),
    TimeUnit.WORKING_DAY: ("工作日", "working days"),
    TimeUnit.NATURAL_DAY: ("自然日", "days"),
    Light.GREEN: ("正常", "on time"),
    Light.YELLOW: ("将超期", "due soon"),
    Light.RED: ("超期", "overdue"),
    Light.PAUSED: ("暂停", "paused"),
    Light.NONE: ("", ""),
    RegionKind.CITY: ("市", "city"),
    RegionKind.DISTRICT: ("区", "district"),
    RegionKind.STREET: ("街道", "street"),
    RegionKind.COMMUNITY: ("社区", "community"),
    RegionKind.GRID: ("网格", "grid"),
    CategoryKind.COMPONENT: ("部件", "component"),
    CategoryKind.MATTER: ("事项", "matter"),
    DepartmentKind.PROFESSIONAL: ("专业部门", "professional"),
    DepartmentKind.STREET_OFFICE: ("街镇", "street office"),
    DepartmentKind.UTILITY: ("公用事业", "utility"),
    AreaClass.A: ("A类", "class A"),
    AreaClass.B: ("B类", "class B"),
    AreaClass.C: ("C类", "class C"),
}


def zh(value: StrEnum) -> str:
    return _LABELS[value][0]


def en(value: StrEnum) -> str:
    return _LABELS[value][1]


def label(value: StrEnum, lang: str) -> str:
    return zh(value) if lang.startswith("zh") else en(value)


def both(value: StrEnum) -> str:
    """``待签收 (dispatched)`` — used in API error sentences."""
    return f"{zh(value)} ({en(value)})"
