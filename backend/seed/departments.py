"""The demo district's departments (专业部门/责任单位) and its routing table.

Routing follows who owns what in a Beijing-style district: utilities own their
manhole covers, sanitation owns litter and bins, enforcement owns illegal
building and advertising, and street offices take everything else in their
street (属地兜底 — the fallback needs no rule).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    kind: str  # professional / utility / street_office
    region_code: str | None = None


PROFESSIONAL: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("HW", "区环境卫生服务中心", "professional"),
    DepartmentSpec("SZ", "区城市管理委员会（市政）", "professional"),
    DepartmentSpec("ZF", "区城管执法局", "professional"),
    DepartmentSpec("YL", "区园林绿化局", "professional"),
    DepartmentSpec("SW", "区水务局", "professional"),
    DepartmentSpec("JT", "区交通局", "professional"),
    DepartmentSpec("JJ", "公安交通管理支队", "professional"),
    DepartmentSpec("GA", "公安分局", "professional"),
    DepartmentSpec("ZJ", "区住房和城乡建设委员会", "professional"),
    DepartmentSpec("HB", "区生态环境局", "professional"),
    DepartmentSpec("WL", "区文化和旅游局", "professional"),
    DepartmentSpec("XF", "区消防救援支队", "professional"),
    DepartmentSpec("LD", "区路灯管理所", "professional"),
    DepartmentSpec("WS", "区卫生健康委员会", "professional"),
    DepartmentSpec("PS", "排水集团通州分公司", "utility"),
    DepartmentSpec("ZLS", "自来水公司通州分公司", "utility"),
    DepartmentSpec("GD", "国网通州供电公司", "utility"),
    DepartmentSpec("RQ", "燃气集团通州分公司", "utility"),
    DepartmentSpec("RL", "热力集团通州分公司", "utility"),
    DepartmentSpec("TX", "通信运营商联合维护中心", "utility"),
    DepartmentSpec("GJ", "公交集团第六客运分公司", "utility"),
)


@dataclass(frozen=True)
class RouteSpec:
    department: str
    category_prefix: str
    category_kind: str | None = "matter"
    region_prefix: str = ""


def _covers(codes: str, department: str) -> list[RouteSpec]:
    return [RouteSpec(department, code) for code in codes.split()]


ROUTES: tuple[RouteSpec, ...] = (
    # 01 municipal utilities: whoever owns the cover or the pole
    *_covers("01001 01024 01025", "ZLS"),
    *_covers("01002 01003 01004 01018 01019 01072 01073", "PS"),
    *_covers("01005 01017 01028 01029 01030 01047 01048", "GD"),
    *_covers("01006 01037 01038 01039 01060", "LD"),
    *_covers("01007 01008 01009 01027 01031 01062", "TX"),
    *_covers("01010 01061", "RL"),
    *_covers("01011 01021 01036 01049 01057", "RQ"),
    *_covers("01012 01050 01051", "GA"),
    *_covers("01013", "XF"),
    *_covers("01014", "YL"),
    *_covers("01020 01032", "GJ"),
    RouteSpec("SZ", "01"),
    # 02 traffic facilities
    *_covers("02014 02015 02016", "JJ"),
    *_covers("02004 02005", "GJ"),
    RouteSpec("JT", "02"),
    # 03 appearance and sanitation facilities
    *_covers("03006 03007 03008", "ZF"),
    RouteSpec("HW", "03"),
    # 04 greening, 05 other
    RouteSpec("YL", "04"),
    *_covers("05009", "WL"),
    RouteSpec("ZJ", "05"),
    # 06 city appearance: enforcement, sanitation, greening, water, environment
    *_covers("06001 06002 06003 06006 06008 06039 06040", "ZF"),
    *_covers("06010 06011 06012 06014 06015 06020 06035 06036 06037 06041 06042", "HW"),
    *_covers("06013 06016 06048 06049 06050 06051 06052", "SZ"),
    *_covers("06017 06018 06021 06022 06045 06047", "YL"),
    *_covers("06023 06024 06025 06026 06030 06046", "SW"),
    *_covers("06027 06028 06032", "HB"),
    *_covers("06033", "WS"),
    # 07 advertising, 08 construction
    RouteSpec("ZF", "07"),
    *_covers("08003 08016", "ZF"),
    RouteSpec("ZJ", "08"),
    # 09 street order: parking goes to traffic police, the rest to the street (fallback)
    *_covers("09009 09012", "JJ"),
    # 10 other
    *_covers("10001", "HW"),
    *_covers("10002", "TX"),
)

# Rural towns clean their own villages: a region-specific rule beats the district-wide one.
TOWN_SANITATION = ("06010", "06011", "06041", "06042")


def street_office(street_code: str, street_name: str) -> DepartmentSpec:
    suffix = "政府" if street_name.endswith(("镇", "乡")) else "办事处"
    return DepartmentSpec(
        f"JD{street_code[-3:]}", f"{street_name}{suffix}", "street_office", street_code
    )
