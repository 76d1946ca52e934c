"""The FastAPI application: ``create_app()`` wires settings, database and services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.api.deps import Services
from backend.api.main import API_ROUTERS, install_routes
from backend.api.openapi import install_openapi
from backend.core.clock import Clock, system_clock
from backend.core.config import Settings, get_settings, photo_root
from backend.core.db import Database
from backend.core.heap import freeze_start_up
from backend.core.problems import BodyLimitMiddleware, install_problem_handlers
from backend.domain.assessment.policy import AssessmentPolicy
from backend.domain.calendar import WorkingCalendar
from backend.domain.shifts import ShiftPlan
from backend.domain.timelimits import TimeLimitPolicy
from backend.open311 import PREFIX as OPEN311_PREFIX
from backend.open311.errors import install_error_format, refusal_for
from backend.open311.routes import router as open311_router
from backend.services.assessment.appeals import Appeals
from backend.services.assessment.figures import AssessmentService
from backend.services.assessment.projector import Projector
from backend.services.assessment.publication import Publications
from backend.services.auth import AuthGate
from backend.services.broadcaster import Broadcaster
from backend.services.cases import CaseService
from backend.services.channel_gate import ChannelGate
from backend.services.clockwork import Clockwork
from backend.services.handover import HandoverService
from backend.services.head import HeadReader
from backend.services.listrows import RowCache
from backend.services.photos import PhotoService, PhotoStore
from backend.services.reference import Reference

API_PREFIX = "/api/v1"
UPLOAD_OVERHEAD = 64 * 1024  # multipart framing and the small fields beside the photo
OPEN311_UPLOADS = (f"{OPEN311_PREFIX}/requests.json", f"{OPEN311_PREFIX}/requests.xml")
log = logging.getLogger("citygrid")


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        ref = Reference(db)
        await ref.load()
        calendar = WorkingCalendar.load(settings.calendar_path)
        clockwork = Clockwork(calendar, TimeLimitPolicy.load(settings.timelimits_path))
        broadcaster = Broadcaster(db, ref, settings)
        await broadcaster.start()
        auth = AuthGate(db, settings.auth_poll_interval)
        await auth.start()
        photos = PhotoService(
            db,
            PhotoStore(photo_root(settings)),
            settings.photo_max_bytes,
            settings.photo_max_pixels,
        )
        projector = Projector(db, calendar.tz, settings.assessment_poll_interval)
        if settings.assessment_fold:
            await projector.start()
        assessment = AssessmentPolicy.load(settings.assessment_path)
        figures = AssessmentService(db, ref, assessment, calendar.tz, projector)
        publications = Publications(figures)
        head = HeadReader(db)
        app.state.services = Services(
            settings=settings,
            db=db,
            ref=ref,
            cases=CaseService(
                db,
                ref,
                clockwork,
                clock or system_clock,
                assessment.callback.redo_on_dissatisfied,
            ),
            broadcaster=broadcaster,
            head=head,
            rows=RowCache(ref),
            clock=clock or system_clock,
            auth=auth,
            photos=photos,
            channels=ChannelGate(db, auth),
            handovers=HandoverService(db, ShiftPlan.load(settings.shifts_path), calendar, ref),
            projector=projector,
            assessment=figures,
            publications=publications,
            appeals=Appeals(figures, publications, calendar),
        )
        if settings.freeze_heap:
            freeze_start_up()
        log.info("citygrid API ready on %s", db.dialect)
        try:
            yield
        finally:
            await projector.stop()
            await auth.stop()
            await broadcaster.stop()
            head.close()
            await db.dispose()

    app = FastAPI(
        title="citygrid",
        summary="Grid-based urban management command centre (网格化城市管理指挥中心) API",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    install_error_format(app)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        upload_limit=settings.photo_max_bytes + UPLOAD_OVERHEAD,
        upload_paths=("/attachments", *OPEN311_UPLOADS),
        refuse=refusal_for,
    )
    install_routes(app.router, API_ROUTERS, API_PREFIX)
    install_routes(app.router, [open311_router])
    install_openapi(app)
    return app
