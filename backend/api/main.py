"""The API's routes, laid onto the app's own router one level deep.

``include_router`` in this FastAPI keeps an included router as a branch of the app's
route list that every request walks: each level is matched, then matched again to
handle, and asks every router below it for its routes' version.  Two levels (the API
under its prefix, each module under it) cost about a third of a bare route's CPU on
every request.  :func:`install_routes` instead adds each module's routes to the target
router itself, with the same settings the include would give them (tags,
dependencies, responses, names, operation ids), in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.routing import APIRoute

from backend.api.routes import (
    assessment,
    cases,
    catalogue,
    events,
    handovers,
    health,
    photos,
    publications,
    regions,
    snapshot,
    stats,
)

API_ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router
    for module in (
        health,
        regions,
        catalogue,
        snapshot,  # before cases: /cases/snapshot is not a case serial
        cases,
        photos,
        events,
        stats,
        handovers,
        assessment,
        publications,
    )
)


def install_routes(target: APIRouter, routers: Iterable[APIRouter], prefix: str = "") -> None:
    """Add every route of ``routers`` to ``target`` under ``prefix`` (flat, in order)."""
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                raise TypeError(f"{route!r} is not an API route; only those are laid flat")
            target.add_api_route(
                prefix + route.path,
                route.endpoint,
                response_model=route.response_model,
                status_code=route.status_code,
                tags=list(route.tags),
                dependencies=list(route.dependencies),
                summary=route.summary,
                description=route.description,
                response_description=route.response_description,
                responses=dict(route.responses),
                deprecated=route.deprecated,
                methods=route.methods,
                operation_id=route.operation_id,
                response_model_include=route.response_model_include,
                response_model_exclude=route.response_model_exclude,
                response_model_by_alias=route.response_model_by_alias,
                response_model_exclude_unset=route.response_model_exclude_unset,
                response_model_exclude_defaults=route.response_model_exclude_defaults,
                response_model_exclude_none=route.response_model_exclude_none,
                include_in_schema=route.include_in_schema,
                response_class=route.response_class,
                name=route.name,
                callbacks=route.callbacks,
                openapi_extra=route.openapi_extra,
                generate_unique_id_function=route.generate_unique_id_function,
                strict_content_type=route.strict_content_type,
                max_body_size=route.max_body_size,
            )
