from fastapi import APIRouter

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

api_router = APIRouter()
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
):
    api_router.include_router(module.router)
