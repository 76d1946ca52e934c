"""The demo city's behaviour: one table for the history seeder, the live simulator and
the benchmarks' request bodies.

How many cases come in, of what kind and from where; how often each step goes one way
or the other; how long it takes; the names and the note texts.  Shares and texts only:
the workflow itself (which action leads where, what an event records, the stage
deadlines) is the state machine's and the workflow core's.

A pure module (no I/O, no frameworks): the backend's seeder and the ``demo`` package
both import it.  The report mix follows the published figures in domain.md §6–7
(Tianmen: matters 97.5% of filed cases; city appearance and street order dominate);
the within-class weights are modelling assumptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from statistics import NormalDist
from typing import Protocol

CASES_PER_DAY = 40_000 * 12 / 365  # Dongcheng: about 40,000 cases a month
TAIL = timedelta(days=2)  # the newest history case is reported this long before ``end``
CHUNK_CASES = 50_000  # cases per generated chunk (whole days)


# --- the report mix ---------------------------------------------------------------------------

MATTER_SHARE = 0.975  # Tianmen: events 97.5% of filed cases, components 2.5%
MATTER_CLASSES = {
    "06": 40.0,
    "09": 30.0,
    "07": 10.0,
    "08": 8.0,
    "10": 4.0,
    "01": 3.0,
    "02": 2.0,
    "03": 2.0,
    "04": 1.0,
    "05": 0.5,
}
COMPONENT_CLASSES = {"01": 75.0, "02": 12.0, "03": 7.0, "04": 5.0, "05": 1.0}
COMMON_COMPONENTS = ("井盖", "路灯")  # within 01, the usual suspects
COMMON_COMPONENT_BOOST = 5.0
# Within a big class, the everyday matters come up far more often than the rare ones.
COMMON_MATTERS = {
    "06010": 6.0, "06012": 5.0, "06036": 4.0, "06042": 4.0, "06001": 2.0, "06013": 2.0,
    "06014": 2.0, "06017": 2.0, "06035": 2.0, "06041": 2.0,
    "09009": 6.0, "09010": 5.0, "09011": 5.0, "09006": 4.0, "09005": 4.0, "09001": 3.0,
    "07001": 6.0, "07003": 2.0, "08004": 3.0, "08002": 3.0, "08006": 2.0,
}  # fmt: skip
GRID_WEIGHT = {"A": 8.0, "B": 4.0, "C": 1.0}  # dense core grids report more than rural ones
SOURCES = (  # the history's sources; the live simulator plays only patrol and hotline
    ("supervisor", 0.65),
    ("hotline", 0.28),
    ("video", 0.03),
    ("media", 0.01),
    ("leader", 0.01),
    ("open311", 0.01),
    ("other", 0.01),
)
HOUR_WEIGHTS = (
    0.3, 0.2, 0.15, 0.15, 0.2, 0.5, 1.5, 3.5, 6.0, 7.0, 7.0, 6.0,
    4.0, 4.5, 6.0, 6.0, 5.5, 4.5, 3.0, 2.2, 1.6, 1.1, 0.7, 0.4,
)  # fmt: skip
HOTLINE_SHARE = 0.30  # live simulator and benchmarks: hotline calls, the rest patrol finds
URGENT_SHARE = 0.05
SELF_DISPOSED_SHARE = 0.02  # of supervisor reports: fixed on the spot (自处置)
VERIFY_PUBLIC_SHARE = 0.4  # public reports sent to a supervisor to verify (核实)
TRUTHFUL_SHARE = 0.95
VOID_SHARE = 0.025  # voided straight after the report (plus the untrue public reports)
RETURN_SHARE = 0.02  # dispatched to the wrong unit, returned, re-dispatched
EXTENSION_SHARE = 0.03
EXTENSION_APPROVE = 0.85
EXTENSION_HOURS = (4.0, 8.0, 8.0, 16.0, 24.0, 48.0)
LATE_SIGN_SHARE = 0.03
LATE_DISPOSE_SHARE = 0.05  # disposals reported after the DISPOSE deadline
FAIL_FIRST = 0.04  # the first check fails: rework
FAIL_AGAIN = 0.10  # a rework fails again
MAX_ROUNDS = 4  # a case may fail its check three times (a notice names it) before it passes
# The demo's assessment story: most units near the published figures (Tongzhou 97%+),
# a few lagging so the month's ranking has a bottom worth reading and its notice has cases
# that failed three checks. Cases go slower when their department or street is sluggish.
SLUGGISH_DEPARTMENTS = frozenset({"SW", "ZJ"})  # 区水务局, 区住房和城乡建设委员会
SLUGGISH_STREETS = frozenset({"110112003", "110112008"})  # 北苑街道, 九棵树街道
LATE_SIGN_SLUGGISH = 0.15
LATE_DISPOSE_SLUGGISH = 0.30
FAIL_FIRST_SLUGGISH = 0.12
FAIL_AGAIN_SLUGGISH = 0.15  # three failures: about 1 in 400 of their cases
ASSIGN_CHECK_SHARE = 0.75  # the rest are checked by the operator (phone call-back)
# 回访 of a closed hotline case (the caller left a phone). ASSUMPTION: ~90% satisfied or
# basically satisfied, as 12345 satisfaction rates are published; cumulative shares below.
CALLBACK_RESULTS = (("satisfied", 0.72), ("basic", 0.90), ("dissatisfied", 0.95))
CALLBACK_RETRY = 0.6  # an unreachable caller is tried again (once)
CALLBACK_DELAY = 6 * 3600.0  # median seconds from closing to the callback


def callback_result(roll: float) -> str:
    """The reporter's answer to a callback for a uniform ``roll`` in [0, 1)."""
    return next((name for name, upto in CALLBACK_RESULTS if roll < upto), "unreachable")


URGE_LATE = 0.5
SUPERVISE_LATE = 0.25
SUPERVISE_HIGH_PROFILE = 0.3  # media and leader sources


# --- the live simulator's reactions (medians in seconds of the demo's clock, × ``pace``) ---

LIVE_TRUTHFUL_SHARE = 0.92
LIVE_SELF_DISPOSAL_PASSES = 0.95
LIVE_CHECK_PASSES = 0.88
LIVE_DECISION_APPROVES = 0.7
# After signing, one roll: below 0.05 ask for more time (5%), below 0.08 to be returned
# (3%), below 0.09 to be suspended (1%); otherwise get on with the disposal.
LIVE_EXTENSION_BELOW = 0.05
LIVE_RETURN_BELOW = 0.08
LIVE_SUSPENSION_BELOW = 0.09
LIVE_EXTENSION_HOURS = (4, 24)  # uniform whole hours
# The simulator's SLUGGISH_DEPARTMENTS take SLUGGISH_FACTOR times as long for DEPARTMENT_STEPS.
SLUGGISH_FACTOR = 8.0
LIVE_DELAY = {  # median seconds before the step, log-normal (sigma LIVE_DELAY_SIGMA)
    "decide": 45.0,
    "void": 20.0,
    "request_verification": 15.0,
    "file": 20.0,
    "confirm_report": 90.0,
    "verify_self_disposal": 60.0,
    "dispatch": 30.0,
    "sign": 60.0,
    "department_request": 90.0,
    "resume": 600.0,
    "report_disposal": 180.0,
    "check": 30.0,
    "verify": 120.0,
    "callback": 240.0,  # the demo's 回访 within minutes of closing, not the history's hours
}
LIVE_DELAY_SIGMA = 0.5
DEPARTMENT_STEPS = frozenset({"sign", "department_request", "resume", "report_disposal"})
BOOTSTRAP_SPREAD = 300.0  # seconds over which the cases open at start-up are picked up

# --- names and texts ---------------------------------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"  # callers
STAFF_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
STAFF_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰红梅志强海燕春梅"
CALLER_TITLES = ("先生", "女士")
PHONE_SECOND_DIGITS = "3578"
PATROL_NOTES = ("现场拍照取证，请尽快处理。", "影响行人通行。", "群众意见较大。", "已持续多日。")
HOTLINE_NOTES = ("希望尽快解决。", "多次反映未果。", "影响出行和生活。", "请相关部门到场处理。")
PATROL_DESCRIPTION = "巡查发现{place}{category}，{note}"
HOTLINE_DESCRIPTION = "市民来电反映：{place}附近{category}，{note}"
FIXED_ON_THE_SPOT = "已现场处置完毕。"
VERIFICATION_REQUEST = "请监督员现场核实。"
FOUND_TRUE = "现场情况属实。"
FOUND_UNTRUE = "现场未发现所述问题。"
UNTRUE_VOID_REASON = "经监督员核实，反映情况不属实。"
APPROVED = "同意。"
REJECTED = "不同意，请继续处置。"
SUSPENSION_REASON = "需纳入年度改造计划，申请挂账。"
RESUME_NOTE = "条件具备，恢复处置。"
DISPOSAL_NOTE = "已按要求处置完毕，见处置后照片。"
CHECK_PASSED = "现场核查已整改到位。"
CHECK_FAILED = "现场核查未整改到位，请重新处置。"
CALL_BACK_PASSED = "电话回访确认已处置。"
CALL_BACK_FAILED = "电话回访反映仍未解决。"
SELF_DISPOSAL_PASSED = "审核通过。"
SELF_DISPOSAL_FAILED = "现场未处置到位，转立案。"
OTHER_SOURCE_NOTE = "请相关部门处理。"
URGE_NOTE = "已超期，请尽快处置。"
URGE_DUE_NOTE = "请抓紧处置，按时办结。"  # urged before the deadline (the demo's backlog)
SUPERVISE_LATE_NOTE = "请加强督办，限期办结。"
SUPERVISE_HIGH_PROFILE_NOTE = "领导关注，请优先处置。"
VOID_REASONS = (
    "重复上报，已有同一问题的案件。",
    "不属于城市管理范畴。",
    "信息不全，无法定位问题。",
    "现场问题已自行消失。",
)
EXTENSION_REASON = "需协调施工队伍及材料，申请延期。"
RETURN_REASON = "经现场查看不属于本单位职责范围，申请回退。"


# --- category weighting ----------------------------------------------------------------------


class CategoryLike(Protocol):
    """What the weighting reads of a catalogue class (the wire's or the seeder's)."""

    @property
    def kind(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def big_class(self) -> str: ...


def item_boost(c: CategoryLike) -> float:
    """How much more often than its class-mates a class comes up."""
    if c.kind == "component":
        common = c.big_class == "01" and any(w in c.name for w in COMMON_COMPONENTS)
        return COMMON_COMPONENT_BOOST if common else 1.0
    return COMMON_MATTERS.get(c.code, 1.0)


def category_weights(pool: Sequence[CategoryLike]) -> list[float]:
    """Per-item weights: each kind its share, each big class its share of the kind, split
    among its items by their boost.  A pool of one kind is weighted within that kind."""
    boosts: dict[tuple[str, str], float] = {}
    for c in pool:
        boosts[(c.kind, c.big_class)] = boosts.get((c.kind, c.big_class), 0.0) + item_boost(c)
    single_kind = len({c.kind for c in pool}) == 1
    weights = []
    for c in pool:
        if c.kind == "matter":
            table, share = MATTER_CLASSES, MATTER_SHARE
        else:
            table, share = COMPONENT_CLASSES, 1 - MATTER_SHARE
        share = 1.0 if single_kind else share
        boost = item_boost(c) / boosts[(c.kind, c.big_class)]
        weights.append(share * table.get(c.big_class, 0.5) * boost)
    return weights


# Standard normal quantiles for the log-normal delays: one lookup per draw.
Z_SIZE = 4096
Z = tuple(NormalDist().inv_cdf((i + 0.5) / Z_SIZE) for i in range(Z_SIZE))
