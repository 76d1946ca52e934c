from fastapi import APIRouter

from backend.api.routes import cases, catalogue, events, health, photos, regions, stats

api_router = APIRouter()
for module in (health, regions, catalogue, cases, photos, events, stats):
    api_router.include_router(module.router)
