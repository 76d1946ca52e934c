"""Request dependencies: the app's services, the signed-in actor, preconditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request

from backend.core.clock import Clock
from backend.core.config import Settings
from backend.core.db import Database
from backend.core.problems import Invalid, Unauthorized
from backend.domain.tokens import MISSING_TOKEN
from backend.services.access import Actor
from backend.services.assessment.appeals import Appeals
from backend.services.assessment.figures import AssessmentService
from backend.services.assessment.projector import Projector
from backend.services.assessment.publication import Publications
from backend.services.auth import AuthGate, SignIn
from backend.services.broadcaster import Broadcaster
from backend.services.cases import CaseService
from backend.services.channel_gate import ChannelGate
from backend.services.handover import HandoverService
from backend.services.head import HeadReader
from backend.services.listrows import RowCache
from backend.services.photos import PhotoService
from backend.services.reference import Reference
from backend_client.text import INT64_MAX, whole_number


@dataclass
class Services:
    settings: Settings
    db: Database
    ref: Reference
    cases: CaseService
    broadcaster: Broadcaster
    head: HeadReader
    rows: RowCache
    clock: Clock
    auth: AuthGate
    photos: PhotoService
    handovers: HandoverService
    channels: ChannelGate
    projector: Projector
    assessment: AssessmentService
    publications: Publications
    appeals: Appeals

    def now(self) -> datetime:
        return self.clock()


def services_of(request: Request) -> Services:
    """The app's services.  The floor routes (``/time``, ``/health``) call this on the
    request they take instead of depending on :func:`get_services`: a sub-dependency
    costs FastAPI a second dependency solve, about a fifth of such a route's CPU."""
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    """A coroutine on purpose: FastAPI runs a plain ``def`` dependency in its thread pool,
    a thread hop on every request."""
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_signin(
    services: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> SignIn:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized(MISSING_TOKEN)
    return await services.auth.authenticate(authorization[7:].strip())


SignInDep = Annotated[SignIn, Depends(current_signin)]


async def current_actor(signin: SignInDep) -> Actor:
    return signin.actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def header_number(name: str, value: str, what: str) -> int:
    """A whole number 0…2⁶³−1 in a header (ASCII digits only), or a 422 naming it."""
    number = whole_number(value)
    if number is None:
        raise Invalid(
            f"{name} must be {what} (a whole number 0-{INT64_MAX}, digits 0-9), got {value!r}.",
            field=name,
        )
    return number


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    return header_number("If-Match", value.strip().removeprefix("W/").strip('"'), "a case version")
