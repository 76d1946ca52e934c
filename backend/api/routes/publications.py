"""Published assessment periods (考核发布) and appeals (申诉) against their deductions.

Publishing freezes a period's figures (shift leads and administrators); a department or a
street appeals one deduction within the policy's window; a reviewer decides, and an
upheld appeal revises the period. Reads are cut to the reader's jurisdiction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from backend.api.deps import ActorDep, ServicesDep
from backend.api.openapi import problems
from backend.api.params import IdempotencyKey
from backend.api.routes.assessment import problem_for
from backend.api.writes import run_model_write
from backend.domain.assessment.periods import PERIOD_PATTERN
from backend.services.assessment.figures import AssessmentRefused
from backend_client.publication import (
    Appeal,
    AppealCreate,
    AppealDecision,
    Publication,
    PublicationCreate,
    PublicationInfo,
)
from backend_client.text import INT64_MAX

router = APIRouter(prefix="/assessment", tags=["assessment"])

PeriodPath = Annotated[str, Path(max_length=22, pattern=PERIOD_PATTERN)]
AppealId = Annotated[int, Path(ge=1, le=INT64_MAX)]


@router.post(
    "/publications",
    status_code=201,
    response_model=Publication,
    responses=problems(403, 409, 503),
)
async def publish(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    body: PublicationCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Publish a period (revision 1): every family's ranking (or the one named) and the
    notice, frozen with the policy version. Shift leads and administrators; once a period;
    honours ``Idempotency-Key``."""
    try:
        frozen = await services.publications.freeze(actor, body)
        return await run_model_write(
            request,
            services,
            actor,
            idempotency_key,
            lambda session, _outbox: services.publications.publish(
                session, actor, frozen, services.now()
            ),
            status=lambda _p: 201,
            tag=lambda p: (p.revision, p.period.name),
        )
    except AssessmentRefused as refused:
        raise problem_for(refused) from None


@router.get("/publications")
async def publications(services: ServicesDep, actor: ActorDep) -> list[PublicationInfo]:
    """Every revision of every published period: who published it, when, and why."""
    return await services.publications.listed(actor)


@router.get("/publications/{period}", responses=problems(404))
async def publication(
    services: ServicesDep,
    actor: ActorDep,
    period: PeriodPath,
    revision: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
) -> Publication:
    """A published period's frozen figures (the latest revision, or ``revision``), as far
    as your jurisdiction reaches, with the published ranks."""
    try:
        return await services.publications.read(actor, period, revision)
    except AssessmentRefused as refused:
        raise problem_for(refused) from None


@router.post("/appeals", status_code=201, response_model=Appeal, responses=problems(403, 404, 409))
async def file_appeal(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    body: AppealCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Appeal one deduction of a published period for your department or street, with a
    reason and evidence, within the policy's window of working days after publication."""
    try:
        return await run_model_write(
            request,
            services,
            actor,
            idempotency_key,
            lambda session, _outbox: services.appeals.file(session, actor, body, services.now()),
            status=lambda _a: 201,
            tag=lambda a: (1, str(a.id)),
        )
    except AssessmentRefused as refused:
        raise problem_for(refused) from None


@router.post(
    "/appeals/{appeal_id}/decision", response_model=Appeal, responses=problems(403, 404, 409)
)
async def decide_appeal(
    appeal_id: AppealId,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    body: AppealDecision,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Uphold or reject an appeal with a note (shift leads and administrators, not the
    appellant). Upholding adjusts the counter and revises the published period."""
    try:
        return await run_model_write(
            request,
            services,
            actor,
            idempotency_key,
            lambda session, _outbox: services.appeals.decide(
                session, actor, appeal_id, body, services.now()
            ),
            status=lambda _a: 200,
            tag=lambda a: (2, str(a.id)),
        )
    except AssessmentRefused as refused:
        raise problem_for(refused) from None


@router.get("/appeals")
async def appeals(
    services: ServicesDep,
    actor: ActorDep,
    mine: Annotated[bool, Query(description="Only the appeals you filed.")] = False,
) -> list[Appeal]:
    """Appeals with their state (pending, upheld, rejected) and the reviewer's note: your
    own, or every appeal on a unit you may see."""
    return await services.appeals.listed(actor, mine)
