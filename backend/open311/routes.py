"""The GeoReport v2 endpoints, each in ``.json`` and ``.xml``.

The parameters every route shares (format, language, key and jurisdiction) are the
dependencies of ``backend.open311.params``; like the rest, they are read as plain
strings and checked there or here, so that every refusal is the standard's error list.
``discovery`` and ``services`` are public; ``requests`` and ``tokens`` need a channel
key, and show only what is inside its jurisdiction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from backend.api.deps import Services, ServicesDep
from backend.api.openapi import OWN_ERRORS_TAG
from backend.api.params import IdempotencyKey
from backend.open311 import PREFIX, catalogue, docs, intake, listing, reports
from backend.open311.errors import Open311Error
from backend.open311.params import (
    ExtendedDep,
    FmtDep,
    KeyedDep,
    LangDep,
    PublicJurisdiction,
    Text,
    check_jurisdiction,
    in_scope,
    sign_in,
    tz_of,
)
from backend.open311.render import respond
from backend.open311.submission import read_submission
from backend.services.channel_gate import ChannelSignIn

router = APIRouter(prefix=PREFIX, tags=[OWN_ERRORS_TAG])
CHANGESET = "2026-12-01T00:00:00+08:00"


@router.get("/discovery.{fmt}", responses=docs.answers(200, docs.DISCOVERY))
async def discovery(request: Request, f: FmtDep) -> Response:
    """Where the façade is and what it speaks (Open311 service discovery)."""
    base = str(request.base_url).rstrip("/") + PREFIX + "/"
    return respond(
        f,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": "网格化城市管理指挥中心 (the centre's duty desk)",
            "key_service": "Ask the centre for a channel key ('citygrid keys add').",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get("/services.{fmt}", responses=docs.answers(200, docs.SERVICES))
async def services_list(
    services: ServicesDep, f: FmtDep, _jurisdiction: PublicJurisdiction, lang: LangDep
) -> Response:
    """Every class of the catalogue, grouped by big class, in Chinese or English."""
    listed = catalogue.services(list(services.ref.categories.values()), lang)
    return respond(f, "services", listed)


@router.get("/services/{service_code}.{fmt}", responses=docs.answers(200, docs.DEFINITION))
async def service_definition(
    services: ServicesDep,
    service_code: str,
    f: FmtDep,
    _jurisdiction: PublicJurisdiction,
    lang: LangDep,
) -> Response:
    """A service's attributes: urgency, and a component's object id (部件标识码)."""
    parsed = catalogue.parse_service_code(service_code)
    category = await services.ref.category(*parsed) if parsed else None
    if category is None:
        raise Open311Error(404, f"No service {service_code[:40]!r}; GET services lists them.")
    return respond(f, "service_definition", catalogue.definition(category, lang))


@router.post(
    "/requests.{fmt}",
    status_code=201,
    responses=docs.answers(201, docs.REQUESTS, 403, 429),
    openapi_extra=docs.POST_BODY,
)
async def post_request(
    request: Request,
    services: ServicesDep,
    f: FmtDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Report a problem (form-encoded; multipart with one photo as ``media``; or JSON).
    It lands in 待受理 with the key's channel as its source.  Honours ``Idempotency-Key``."""
    body = await request.body()
    sub = await read_submission(request, body)
    signin = await sign_in(services, sub.get("api_key"))
    in_scope(signin, check_jurisdiction(services, sub.get("jurisdiction_id")))
    photo = await services.photos.prepare_and_store(sub.media) if sub.media else None
    accepted = await intake.submit(
        services,
        signin,
        sub,
        body,
        (idempotency_key or "").strip() or None,
        photo,
        lang,
    )
    headers = {"Idempotent-Replayed": "true"} if accepted.replayed else None
    return respond(f, "service_requests", accepted.body, accepted.status_code, headers)


@router.get("/requests.{fmt}", responses=docs.answers(200, docs.REQUESTS, 403, 429))
async def get_requests(
    request: Request,
    services: ServicesDep,
    f: FmtDep,
    keyed: KeyedDep,
    extended: ExtendedDep,
    lang: LangDep,
    service_request_id: Annotated[str | None, Query(description="Comma list; overrides.")] = None,
    service_code: Text = None,
    start_date: Text = None,
    end_date: Text = None,
    status: Annotated[str | None, Query(description="open, closed")] = None,
    page: Text = None,
    page_size: Annotated[str | None, Query(description="1-1000 (default 1000)")] = None,
) -> Response:
    """Requests in the key's jurisdiction, newest first (the last 90 days by default)."""
    params = {k: (v or "").strip() for k, v in request.query_params.items()}
    tz = tz_of(services)
    query = listing.parse_query(params, services.now(), tz)
    query.region = keyed.region
    async with services.db.read() as session:
        rows = await listing.find(session, keyed.signin.actor, query)
    found = [reports.request(r, services.ref, tz, lang, extensions=extended) for r in rows]
    return respond(f, "service_requests", found)


@router.get(
    "/requests/{service_request_id}.{fmt}", responses=docs.answers(200, docs.REQUESTS, 403, 429)
)
async def get_request(
    services: ServicesDep,
    service_request_id: str,
    f: FmtDep,
    keyed: KeyedDep,
    extended: ExtendedDep,
    lang: LangDep,
) -> Response:
    """One request (a list of one, as the standard has it)."""
    case = await _case(services, keyed.signin, service_request_id)
    found = reports.request(case, services.ref, tz_of(services), lang, extensions=extended)
    return respond(f, "service_requests", [found])


async def _case(services: Services, signin: ChannelSignIn, serial: str) -> Any:
    query = listing.RequestQuery(ids=[serial.strip()], page_size=1)
    async with services.db.read() as session:
        rows = await listing.find(session, signin.actor, query)
    if not rows:
        raise Open311Error(404, f"No service request {serial[:40]!r} in this jurisdiction.")
    return rows[0]


@router.get("/tokens/{token}.{fmt}", responses=docs.answers(200, docs.TOKENS, 403, 429))
async def get_token(services: ServicesDep, token: str, f: FmtDep, keyed: KeyedDep) -> Response:
    """Reports are taken at once (services are ``realtime``): a request's token is its id."""
    case = await _case(services, keyed.signin, token)
    return respond(f, "service_requests", [{"service_request_id": case.serial, "token": token}])
