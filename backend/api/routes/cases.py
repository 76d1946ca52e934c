from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from backend.api.deps import ActorDep, ServicesDep, parse_if_match
from backend.api.openapi import ETAG, REPLAYED, body_example, header, problems
from backend.api.params import IdempotencyKey, SerialList, SerialPath, StageFilter, serial_list
from backend.api.writes import run_write
from backend.core.problems import Invalid
from backend.services.queries import SORTS, CaseFilter, list_cases
from backend_client.text import INT64_MAX, SINGLE_LINE_PATTERN
from backend_client.vocab import CaseState, Source
from backend_client.wire import (
    TIMELINE_PAGE,
    TIMELINE_PAGE_MAX,
    ActionRequest,
    ActionResult,
    CaseCreate,
    CaseDetail,
    CasePage,
)

router = APIRouter(tags=["cases"])

_STATE = "|".join(["open", *(s.value for s in CaseState)])
STATES_PATTERN = rf"^$|^\s*({_STATE})\s*(,\s*({_STATE})\s*)*$"
CASE_LINKS = {
    "GetCase": {"operationId": "get_case", "parameters": {"serial": "$response.body#/case/serial"}},
    "ActOnCase": {"operationId": "act", "parameters": {"serial": "$response.body#/case/serial"}},
}


@router.post(
    "/cases",
    status_code=201,
    response_model=ActionResult,
    responses={
        201: {
            "headers": {**ETAG, "Location": header("The new case's URL."), **REPLAYED},
            "links": CASE_LINKS,
        },
        **problems(403),
    },
    openapi_extra=body_example(
        {
            "source": "hotline",
            "category_kind": "matter",
            "category_code": "06042",
            "description": "垃圾箱满溢 (a litter bin is overflowing)",
            "grid_code": "110112001001001",
        }
    ),
)
async def report_case(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    body: CaseCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Report a new case (上报).  Honours ``Idempotency-Key``."""
    return await run_write(
        request,
        services,
        actor,
        idempotency_key,
        201,
        lambda session, outbox: services.cases.create(session, actor, body, services.now(), outbox),
    )


@router.get("/cases", response_model=CasePage, responses=problems(422))
async def cases(
    services: ServicesDep,
    actor: ActorDep,
    state: Annotated[
        str | None,
        Query(
            description="comma-separated states, or 'open'",
            json_schema_extra={"pattern": STATES_PATTERN},
        ),
    ] = None,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{4,15}$")] = None,
    department: Annotated[str | None, Query(max_length=32, pattern=SINGLE_LINE_PATTERN)] = None,
    category: Annotated[
        str | None, Query(pattern=r"^((component|matter):)?[0-9]{2}([0-9]{3})?$")
    ] = None,
    source: Source | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    pending: bool | None = None,
    urgent: bool | None = None,
    stage: StageFilter = None,
    serial: SerialList = None,
    q: Annotated[str | None, Query(max_length=100, pattern=SINGLE_LINE_PATTERN)] = None,
    sort: Annotated[str, Query(json_schema_extra={"enum": list(SORTS)})] = "deadline",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> Response:
    """Cases in your jurisdiction.  Load this, then follow ``/events/stream`` from
    ``as_of_seq``: nothing is missed.  ``state=closed&stage=callback`` lists the closed
    cases whose callback (回访) is due; ``serial=`` names the cases wanted."""
    flt = CaseFilter(
        states=_states(state),
        region=region,
        category=category,
        source=source.value if source else None,
        overdue=overdue,
        supervised=supervised,
        pending=pending,
        urgent=urgent,
        stage=stage.value if stage else None,
        serials=serial_list(serial),
        q=q,
    )
    if department:
        dept = await services.ref.department_by_code(department)
        if dept is None:
            raise Invalid(f"Unknown department {department}.", field="department")
        flt.department_id = dept.id
    async with services.db.snapshot() as session:
        page = await list_cases(
            session,
            services.rows,
            actor,
            flt,
            sort=sort,
            cursor=cursor,
            limit=limit,
            now=services.now(),
        )
    # Already JSON: FastAPI would otherwise validate the page a second time.
    return Response(page, media_type="application/json")


def _states(raw: str | None) -> list[str]:
    if not raw:
        return []
    out: list[str] = []
    for part in raw.split(","):
        part = part.strip()
        if part == "open":
            out.extend(s.value for s in CaseState if s.is_open)
            continue
        try:
            out.append(CaseState(part).value)
        except ValueError as exc:
            names = ", ".join(s.value for s in CaseState)
            raise Invalid(
                f"Unknown state {part!r}; use one of: {names}, open.", field="state"
            ) from exc
    return out


@router.get("/cases/{serial}", operation_id="get_case", responses=problems(404))
async def case(
    serial: SerialPath,
    services: ServicesDep,
    actor: ActorDep,
    timeline_limit: Annotated[int, Query(ge=1, le=TIMELINE_PAGE_MAX)] = TIMELINE_PAGE,
    timeline_before: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
) -> CaseDetail:
    """One case with every stage deadline and one page of its timeline from the event
    log: the newest ``timeline_limit`` entries, oldest first; pass ``timeline_older`` back
    as ``timeline_before`` for the page before."""
    return await services.cases.get(
        serial, actor, timeline_limit=timeline_limit, timeline_before=timeline_before
    )


@router.post(
    "/cases/{serial}/actions",
    operation_id="act",
    response_model=ActionResult,
    responses={200: {"headers": {**ETAG, **REPLAYED}}, **problems(403, 404, 409)},
    openapi_extra=body_example({"action": "comment", "note": "called the reporter back"}),
)
async def act(
    serial: SerialPath,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    body: ActionRequest,
    if_match: Annotated[
        str | None,
        Header(
            description="The case version you saw (its ETag); 409 if the case has moved.",
            json_schema_extra={"pattern": r'^(W/)?"*[0-9]+"*$'},
        ),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Apply a workflow action.  ``If-Match: <version>`` refuses with 409 if the case moved."""
    expected = parse_if_match(if_match)
    return await run_write(
        request,
        services,
        actor,
        idempotency_key,
        200,
        lambda session, outbox: services.cases.act(
            session, actor, serial, body, expected, services.now(), outbox
        ),
    )
