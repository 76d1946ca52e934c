"""A case as the public sees it through the façade: status, where it is in words, who
is responsible and by when.  Reporters' contacts, internal notes and photos served only
to signed-in users never appear here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.models import CaseRow
from backend.open311.catalogue import service_code
from backend.open311.render import iso
from backend.services.reference import Reference
from backend_client.labels import zh
from backend_client.vocab import CaseState, Stage


def _when(value: datetime | None, tz: Any) -> str:
    if value is None:
        return ""
    local = value.astimezone(tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def status_notes(case: CaseRow, ref: Reference, tz: Any) -> str:
    """Where the case is, in the words a citizen reads."""
    state = CaseState(case.state)
    dept = ref.department(case.department_id)
    unit = dept.name if dept else "责任单位"
    due = _when(case.deadline_at, tz)
    by = f"，{zh(Stage(case.stage))}时限 {due} 前" if case.stage and due else ""
    if state is CaseState.REPORTED:
        return "已收到，等待受理"
    if state is CaseState.VERIFYING:
        return "已受理，正在现场核实"
    if state is CaseState.SELF_DISPOSED:
        return "已现场处置，等待审核"
    if state is CaseState.FILED:
        return f"已立案，等待派遣{by}"
    if state is CaseState.DISPATCHED:
        return f"已派遣至{unit}{by}"
    if state is CaseState.IN_PROGRESS:
        return f"{unit}处置中{by}"
    if state is CaseState.SUSPENDED:
        return f"{unit}已申请挂账，暂停计时"
    if state in (CaseState.DISPOSED, CaseState.CHECKING):
        return f"{unit}已处置，等待核查{by}"
    if state is CaseState.CLOSED:
        return f"已结案（{_when(case.closed_at or case.updated_at, tz)}）"
    if state is CaseState.VOIDED:
        return "经核实不予立案，已作废"
    return f"已并入案件 {case.merged_into} 一并办理"


def _media_url(case: CaseRow) -> str | None:
    for item in case.attachments:
        ref = str(item.get("ref", ""))
        if ref.startswith(("http://", "https://")):
            return ref
    return None


def _address(case: CaseRow, ref: Reference) -> str:
    if case.address:
        return case.address
    return ref.name_of(case.street_code) + ref.name_of(case.community_code)


def request(
    case: CaseRow, ref: Reference, tz: Any, lang: str, *, extensions: bool = False
) -> dict[str, Any]:
    state = CaseState(case.state)
    dept = ref.department(case.department_id)
    category = ref.categories.get((case.category_kind, case.category_code))
    name = category.name if category else case.category_code
    if lang == "en" and category and category.gloss:
        name = category.gloss
    out: dict[str, Any] = {
        "service_request_id": case.serial,
        "status": "open" if state.is_open else "closed",
        "status_notes": status_notes(case, ref, tz),
        "service_name": name,
        "service_code": service_code(case.category_kind, case.category_code),
        "description": case.description,
        "agency_responsible": dept.name if dept else None,
        "service_notice": None,
        "requested_datetime": iso(case.created_at, tz),
        "updated_datetime": iso(case.updated_at, tz),
        "expected_datetime": iso(case.deadline_at, tz) if state.is_open else None,
        "address": _address(case, ref),
        "address_id": case.grid_code,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": _media_url(case),
    }
    if extensions:
        out["extended_attributes"] = {
            "state": zh(state),
            "state_code": state.value,
            "channel": case.source,
            "grid_code": case.grid_code,
            "department": dept.name if dept else None,
            "department_code": dept.code if dept else None,
            "stage": case.stage,
            "stage_deadline": iso(case.deadline_at, tz),
        }
    return out
