"""Request dependencies: the app's services, the signed-in actor, preconditions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlmodel import select

from backend.core.clock import Clock
from backend.core.config import Settings
from backend.core.db import Database
from backend.core.problems import Invalid, Unauthorized
from backend.core.security import hash_token
from backend.domain.gridcode import kind_for_code_length, scope_prefix
from backend.models import TokenRow, UserRow
from backend.services.access import Actor
from backend.services.cases import CaseService
from backend.services.events import Broadcaster
from backend.services.reference import Reference
from backend_client.vocab import Role

TOKEN_CACHE_SECONDS = 30.0


@dataclass
class Services:
    settings: Settings
    db: Database
    ref: Reference
    cases: CaseService
    broadcaster: Broadcaster
    clock: Clock
    token_cache: dict[str, tuple[float, Actor]]

    def now(self) -> datetime:
        return self.clock()


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def actor_for(user: UserRow) -> Actor:
    kind = kind_for_code_length(user.jurisdiction_code)
    prefix = scope_prefix(kind, user.jurisdiction_code) if kind else user.jurisdiction_code
    assert user.id is not None
    return Actor(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        jurisdiction_code=user.jurisdiction_code,
        scope_prefix=prefix,
        department_id=user.department_id,
    )


async def current_actor(
    services: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Actor:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized(
            "Sign in with 'Authorization: Bearer <token>'. "
            "An admin creates tokens with 'citygrid users add'."
        )
    digest = hash_token(authorization[7:].strip())
    cached = services.token_cache.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    async with services.db.read() as session:
        found = (
            await session.exec(
                select(UserRow)
                .join(TokenRow, TokenRow.user_id == UserRow.id)  # type: ignore[arg-type]
                .where(TokenRow.token_hash == digest)
            )
        ).first()
    if found is None or not found.active:
        raise Unauthorized("This token is unknown or its user is disabled; ask an admin for one.")
    actor = actor_for(found)
    services.token_cache[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, actor)
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    cleaned = value.strip().removeprefix("W/").strip('"')
    if not cleaned.isdigit():
        raise Invalid(f"If-Match must be a case version number, got {value!r}.")
    return int(cleaned)
