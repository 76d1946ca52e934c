"""The shared vocabulary of citygrid: every enum that crosses the wire.

Pure Python (stdlib ``enum`` only) so that the backend, the typed client, the
simulator and the console all import the same names without pulling in any
framework.  Values are the stable wire strings; Chinese and English labels
live beside them because operators read them first.
"""

from __future__ import annotations

from enum import StrEnum

# The centre's timezone when nothing else says: the bundled working calendar's.  The
# server's calendar file names the real one and ``GET /time`` reports it.
DEFAULT_TIMEZONE = "Asia/Shanghai"


class RegionKind(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"  # 街道 / 乡镇
    COMMUNITY = "community"  # 社区 / 村
    GRID = "grid"  # 单元网格


class DepartmentKind(StrEnum):
    """What a responsible unit is; departments are ranked only among their own kind."""

    PROFESSIONAL = "professional"  # 专业部门
    STREET_OFFICE = "street_office"  # 街道办事处 / 镇政府
    UTILITY = "utility"  # 公用事业单位


class AreaClass(StrEnum):
    """Management area class, used to pick time limits (A core / B ordinary / C rural)."""

    A = "A"
    B = "B"
    C = "C"


class CategoryKind(StrEnum):
    COMPONENT = "component"  # 部件
    MATTER = "matter"  # 事项


class Source(StrEnum):
    SUPERVISOR = "supervisor"  # 监督员上报
    HOTLINE = "hotline"  # 12345 热线
    VIDEO = "video"  # 视频监控
    MEDIA = "media"  # 媒体曝光
    LEADER = "leader"  # 领导交办
    OPEN311 = "open311"
    WECHAT = "wechat"  # 微信小程序, through the Open311 façade
    APP = "app"  # 市民 App, through the Open311 façade
    HANDHELD = "handheld"  # 手持终端, through the Open311 façade
    OTHER = "other"


# The systems that report through the Open311 façade with a channel key; each key is
# bound to one, and the case's source is its channel.
CHANNELS = (Source.HOTLINE, Source.WECHAT, Source.APP, Source.HANDHELD)


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Role(StrEnum):
    OPERATOR = "operator"  # 受理员
    DISPATCHER = "dispatcher"  # 派遣员
    SHIFT_LEAD = "shift_lead"  # 值班长
    SUPERVISOR = "supervisor"  # 监督员
    HANDLER = "handler"  # 专业部门处置人员 (bound to one department)
    LEADER = "leader"  # 领导 (read-only)
    ADMIN = "admin"


class CaseState(StrEnum):
    REPORTED = "reported"  # 待受理
    VERIFYING = "verifying"  # 待核实 (supervisor checks the report is true)
    SELF_DISPOSED = "self_disposed"  # 自处置待审核
    FILED = "filed"  # 已立案 / 待派遣
    DISPATCHED = "dispatched"  # 待签收
    IN_PROGRESS = "in_progress"  # 处置中
    SUSPENDED = "suspended"  # 挂账 (clock paused)
    DISPOSED = "disposed"  # 已处置 / 待核查
    CHECKING = "checking"  # 核查中 (assigned to a supervisor)
    CLOSED = "closed"  # 结案
    VOIDED = "voided"  # 作废
    MERGED = "merged"  # 已合并

    @property
    def is_open(self) -> bool:
        return self not in TERMINAL_STATES


TERMINAL_STATES = frozenset({CaseState.CLOSED, CaseState.VOIDED, CaseState.MERGED})


class Action(StrEnum):
    REPORT = "report"
    REQUEST_VERIFICATION = "request_verification"
    CONFIRM_REPORT = "confirm_report"
    FILE = "file"
    VOID = "void"
    DISPATCH = "dispatch"
    SIGN = "sign"
    REQUEST_RETURN = "request_return"
    REQUEST_EXTENSION = "request_extension"
    REQUEST_SUSPENSION = "request_suspension"
    DECIDE = "decide"
    RESUME = "resume"
    REPORT_DISPOSAL = "report_disposal"
    ASSIGN_CHECK = "assign_check"
    VERIFY = "verify"
    REOPEN = "reopen"
    MERGE = "merge"
    UNMERGE = "unmerge"
    SUPERVISE = "supervise"
    URGE = "urge"
    COMMENT = "comment"
    ATTACH = "attach"  # a photo uploaded (POST /cases/{serial}/attachments), not an /actions action
    CALLBACK = "callback"  # 回访: the reporter of a closed case is asked how it went


class CallbackResult(StrEnum):
    """What a callback (回访) found out."""

    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    UNREACHABLE = "unreachable"  # 未接通 (may be tried again while the callback is due)


class PendingKind(StrEnum):
    """A department request waiting for the centre's decision (申请待批)."""

    RETURN = "return"  # 回退
    EXTENSION = "extension"  # 延期
    SUSPENSION = "suspension"  # 挂账


class Stage(StrEnum):
    """A timed stage of the loop; each has its own deadline."""

    INTAKE = "intake"  # 立案 + 派遣 (from report to dispatch)
    VERIFY = "verify"  # 核实
    SIGN = "sign"  # 签收
    DISPOSE = "dispose"  # 处置
    CHECK = "check"  # 核查 (also the review of a self-disposed report)
    CALLBACK = "callback"  # 回访 (after closing, when the reporter left a contact)


class TimeUnit(StrEnum):
    WORKING_HOUR = "working_hour"  # 工作时: only inside office hours on working days
    CLOCK_HOUR = "clock_hour"  # 紧急工作时: continuous clock time
    WORKING_DAY = "working_day"  # 工作日
    NATURAL_DAY = "natural_day"  # 自然日


class Light(StrEnum):
    """Traffic light of a running deadline: green < 80% used, yellow < 100%, red overdue."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    PAUSED = "paused"
    NONE = "none"


class AttachmentPhase(StrEnum):
    BEFORE = "before"
    AFTER = "after"
