"""The demo city's past: how many cases, of what kind, and how their chains go.

Shares and texts only; the workflow itself (which action leads where, what an event
records, the stage deadlines) is the state machine's and the workflow core's.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import NormalDist

CASES_PER_DAY = 40_000 * 12 / 365  # Dongcheng: about 40,000 cases a month
TAIL = timedelta(days=2)  # the newest history case is reported this long before ``end``
CHUNK_CASES = 50_000  # cases per generated chunk (whole days)


# Within a big class, the everyday matters come up far more often than the rare ones.
COMMON_MATTERS = {
    "06010": 6.0, "06012": 5.0, "06036": 4.0, "06042": 4.0, "06001": 2.0, "06013": 2.0,
    "06014": 2.0, "06017": 2.0, "06035": 2.0, "06041": 2.0,
    "09009": 6.0, "09010": 5.0, "09011": 5.0, "09006": 4.0, "09005": 4.0, "09001": 3.0,
    "07001": 6.0, "07003": 2.0, "08004": 3.0, "08002": 3.0, "08006": 2.0,
}  # fmt: skip
GRID_WEIGHT = {"A": 8.0, "B": 4.0, "C": 1.0}  # dense core grids report more than rural ones
SOURCES = (
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
MAX_ROUNDS = 3
ASSIGN_CHECK_SHARE = 0.75  # the rest are checked by the operator (phone call-back)
URGE_LATE = 0.5
SUPERVISE_LATE = 0.25
SUPERVISE_HIGH_PROFILE = 0.3  # media and leader sources

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
PATROL_NOTES = ("现场拍照取证，请尽快处理。", "影响行人通行。", "群众意见较大。", "已持续多日。")
HOTLINE_NOTES = ("希望尽快解决。", "多次反映未果。", "影响出行和生活。", "请相关部门到场处理。")
VOID_REASONS = (
    "重复上报，已有同一问题的案件。",
    "不属于城市管理范畴。",
    "信息不全，无法定位问题。",
    "现场问题已自行消失。",
)
EXTENSION_REASON = "需协调施工队伍及材料，申请延期。"
RETURN_REASON = "经现场查看不属于本单位职责范围，申请回退。"

# Standard normal quantiles for the log-normal delays: one lookup per draw.
Z_SIZE = 4096
Z = tuple(NormalDist().inv_cdf((i + 0.5) / Z_SIZE) for i in range(Z_SIZE))
