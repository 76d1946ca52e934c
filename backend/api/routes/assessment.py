"""Assessment (考核评价): rankings of regions, departments and posts for a period, and the
cases behind any of their counters. Read-only; scoped by jurisdiction."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from backend.api.deps import ActorDep, ServicesDep
from backend.api.openapi import header, problems
from backend.core.problems import Conflict, Forbidden, Invalid, NotFound, Unavailable
from backend.domain.assessment.counters import COUNTER_NAMES
from backend.domain.assessment.periods import PERIOD_PATTERN
from backend.services.assessment.figures import AssessmentRefused
from backend_client.assessment import FigureCases, Notice, ObjectFamily, ObjectType, Ranking
from backend_client.text import INT64_MAX

router = APIRouter(prefix="/assessment", tags=["assessment"])

PeriodQuery = Annotated[
    str,
    Query(
        description="2026-11 (month), 2026-W48 (ISO week), 2026-Q4, 2026, or "
        "2026-11-01..2026-11-15 (days, both included), in the centre's local time.",
        max_length=22,
        pattern=PERIOD_PATTERN,
    ),
]
ObjectId = Annotated[str, Query(min_length=1, max_length=15, pattern=r"^[0-9]{1,15}$")]
CounterName = Annotated[
    str,
    Query(
        description="A counter's name, as in a ranking's `counters`.",
        json_schema_extra={"enum": sorted(COUNTER_NAMES)},
    ),
]


After = Annotated[
    int | None,
    Query(
        ge=0,
        le=INT64_MAX,
        description="Answer only once the figures hold every event up to this seq (the "
        "`seq` a write answered with); waits up to 5 s, then 503.",
    ),
]


def problem_for(refused: AssessmentRefused) -> Exception:
    kinds = {403: Forbidden, 404: NotFound, 409: Conflict, 503: Unavailable}
    return kinds.get(refused.status, Invalid)(refused.message)


RANKING_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "ETag": header(
                "Names these figures (live rankings only); send it back as If-None-Match."
            )
        }
    },
    304: {"description": "The figures are still the ones your If-None-Match names."},
    **problems(404, 503),
}


@router.get("/rankings", response_model=Ranking, responses=RANKING_RESPONSES)
async def rankings(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    period: PeriodQuery,
    family: ObjectFamily = "department",
    after: After = None,
    published: Annotated[
        bool, Query(description="Read the period's latest published revision (frozen).")
    ] = False,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            description="The ETag of a live ranking you hold: 304 if it still stands.",
            max_length=200,
        ),
    ] = None,
) -> Ranking | Response:
    """Every object of the family you may see, scored and graded as the centre's policy
    says, ranked within its group (regions by level, departments by kind, posts by role),
    with its counters, ratios and score terms. The bottom units of each group are flagged.
    With ``published=true``, the figures as published (404 if the period is not)."""
    try:
        if published:
            return await services.publications.ranking(actor, period, family)
        answer = await services.assessment.ranking_answer(actor, period, family, after)
    except AssessmentRefused as refused:
        raise problem_for(refused) from None
    headers = {"ETag": answer.etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    zipped = "gzip" in request.headers.get("accept-encoding", "").lower()
    if zipped:  # the bytes differ from the identity body's: a weak tag, as proxies make it
        headers |= {"ETag": f"W/{answer.etag}", "Content-Encoding": "gzip"}
    if if_none_match is not None and {answer.etag, "*"} & _etags(if_none_match):
        headers.pop("Content-Encoding", None)
        return Response(status_code=304, headers=headers)
    body = answer.gzipped if zipped else answer.body
    return Response(body, media_type="application/json", headers=headers)


def _etags(header_value: str) -> set[str]:
    """The entity tags an If-None-Match names (weak ones compare by their opaque part)."""
    return {tag.strip().removeprefix("W/") for tag in header_value.split(",")}


@router.get("/cases", responses=problems(404, 503))
async def cases_behind(
    services: ServicesDep,
    actor: ActorDep,
    period: PeriodQuery,
    type: ObjectType,
    id: ObjectId,
    counter: CounterName,
    after: After = None,
) -> FigureCases:
    """The cases behind one counter of one object in the period (drill-down), oldest first."""
    try:
        return await services.assessment.cases_behind(actor, period, type, id, counter, after)
    except AssessmentRefused as refused:
        raise problem_for(refused) from None


@router.get("/notice", responses=problems(403, 503))
async def notice(
    services: ServicesDep, actor: ActorDep, period: PeriodQuery, after: After = None
) -> Notice:
    """The draft notice (通报): intake by source, the closing figures, the high-frequency
    categories and grids, the bottom units and the cases that failed their check three
    times or more, with the Chinese text. Centre staff and leaders; not departments."""
    try:
        return await services.assessment.notice(actor, period, after)
    except AssessmentRefused as refused:
        raise problem_for(refused) from None


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "The period's rankings (and notice) as a file.",
            "content": {
                EXPORT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                EXPORT_TYPES["csv"]: {"schema": {"type": "string"}},
            },
        },
        **problems(503),
    },
)
async def export(
    services: ServicesDep,
    actor: ActorDep,
    period: PeriodQuery,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    """Every ranking you may see for the period: XLSX (a sheet per family, the notice on its
    own sheet) or CSV (UTF-8 with a BOM)."""
    try:
        body = await services.assessment.export(actor, period, format)
    except AssessmentRefused as refused:
        raise problem_for(refused) from None
    name = f"citygrid-assessment-{period.replace('..', '_')}.{format}"
    return Response(
        body,
        media_type=EXPORT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
