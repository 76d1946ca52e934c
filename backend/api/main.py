from fastapi import APIRouter

from backend.api.routes import cases, catalogue, events, health, regions, stats

api_router = APIRouter()
for module in (health, regions, catalogue, cases, events, stats):
    api_router.include_router(module.router)
