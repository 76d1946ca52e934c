"""The GeoReport v2 endpoints, each in ``.json`` and ``.xml``.

Parameters are read as plain strings and checked here, so that every refusal is the
standard's error list (an empty parameter counts as a missing one).  ``discovery`` and
``services`` are public; ``requests`` and ``tokens`` need a channel key, and show only
what is inside its jurisdiction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from backend.api.deps import Services, ServicesDep
from backend.api.openapi import OWN_ERRORS_TAG
from backend.api.params import IdempotencyKey
from backend.open311 import PREFIX, catalogue, docs, intake, listing, reports
from backend.open311.errors import Open311Error
from backend.open311.render import Fmt, respond
from backend.open311.submission import read_submission
from backend.services.channel_gate import ChannelSignIn, KeyRefused

router = APIRouter(prefix=PREFIX, tags=[OWN_ERRORS_TAG])
CHANGESET = "2026-12-01T00:00:00+08:00"

FmtPath = Annotated[
    str, Path(description="The format: json or xml.", json_schema_extra={"enum": ["json", "xml"]})
]
Text = Annotated[str | None, Query()]
ApiKey = Annotated[str | None, Query(description="The channel key ('citygrid keys add').")]
Jurisdiction = Annotated[
    str | None, Query(description="Optional; a region code of this centre (empty = absent).")
]
Locale = Annotated[str | None, Query(description="zh or en (else Accept-Language).")]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


def _fmt(raw: str) -> Fmt:
    try:
        return Fmt(raw)
    except ValueError:
        raise Open311Error(404, f"Unknown format {raw[:20]!r}; use .json or .xml.") from None


def _lang(locale: str | None, accept: str | None) -> str:
    wanted = (locale or "").strip() or (accept or "").split(",")[0].strip()
    return "en" if wanted.lower().startswith("en") else "zh"


def _tz(services: Services) -> Any:
    return services.cases.clockwork.calendar.tz


def _jurisdiction(services: Services, value: str | None) -> str | None:
    value = (value or "").strip()
    if value and value not in services.ref.regions:
        raise Open311Error(404, f"Unknown jurisdiction_id {value[:20]!r}: no such region here.")
    return value or None


async def _signin(services: Services, api_key: str | None) -> ChannelSignIn:
    try:
        return await services.channels.authenticate((api_key or "").strip() or None)
    except KeyRefused as exc:
        if exc.retry_after is not None:
            raise Open311Error(429, str(exc), {"Retry-After": str(exc.retry_after)}) from exc
        raise Open311Error(403, str(exc)) from exc


def _scope(signin: ChannelSignIn, region: str | None) -> str | None:
    """The jurisdiction asked for, which must be inside the key's."""
    if region is None:
        return None
    prefix = signin.actor.scope_prefix
    if not (region.startswith(prefix) or prefix.startswith(region)):
        raise Open311Error(403, f"This key reports in {signin.actor.jurisdiction_code} only.")
    return region if len(region) > len(prefix) else None


@router.get("/discovery.{fmt}", responses=docs.answers(200, docs.DISCOVERY))
async def discovery(request: Request, fmt: FmtPath) -> Response:
    """Where the façade is and what it speaks (Open311 service discovery)."""
    f = _fmt(fmt)
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
    services: ServicesDep,
    fmt: FmtPath,
    jurisdiction_id: Jurisdiction = None,
    locale: Locale = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Every class of the catalogue, grouped by big class, in Chinese or English."""
    f = _fmt(fmt)
    _jurisdiction(services, jurisdiction_id)
    listed = catalogue.services(
        list(services.ref.categories.values()), _lang(locale, accept_language)
    )
    return respond(f, "services", listed)


@router.get("/services/{service_code}.{fmt}", responses=docs.answers(200, docs.DEFINITION))
async def service_definition(
    services: ServicesDep,
    service_code: str,
    fmt: FmtPath,
    jurisdiction_id: Jurisdiction = None,
    locale: Locale = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """A service's attributes: urgency, and a component's object id (部件标识码)."""
    f = _fmt(fmt)
    _jurisdiction(services, jurisdiction_id)
    parsed = catalogue.parse_service_code(service_code)
    category = await services.ref.category(*parsed) if parsed else None
    if category is None:
        raise Open311Error(404, f"No service {service_code[:40]!r}; GET services lists them.")
    return respond(
        f, "service_definition", catalogue.definition(category, _lang(locale, accept_language))
    )


@router.post(
    "/requests.{fmt}",
    status_code=201,
    responses=docs.answers(201, docs.REQUESTS, 403, 429),
    openapi_extra=docs.POST_BODY,
)
async def post_request(
    request: Request,
    services: ServicesDep,
    fmt: FmtPath,
    idempotency_key: IdempotencyKey = None,
    locale: Locale = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Report a problem (form-encoded; multipart with one photo as ``media``; or JSON).
    It lands in 待受理 with the key's channel as its source.  Honours ``Idempotency-Key``."""
    f = _fmt(fmt)
    body = await request.body()
    sub = await read_submission(request, body)
    signin = await _signin(services, sub.get("api_key"))
    _scope(signin, _jurisdiction(services, sub.get("jurisdiction_id")))
    photo = await services.photos.prepare_and_store(sub.media) if sub.media else None
    accepted = await intake.submit(
        services,
        signin,
        sub,
        body,
        (idempotency_key or "").strip() or None,
        photo,
        _lang(locale, accept_language),
    )
    headers = {"Idempotent-Replayed": "true"} if accepted.replayed else None
    return respond(f, "service_requests", accepted.body, accepted.status_code, headers)


@router.get("/requests.{fmt}", responses=docs.answers(200, docs.REQUESTS, 403, 429))
async def get_requests(
    request: Request,
    services: ServicesDep,
    fmt: FmtPath,
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(description="Comma list; overrides.")] = None,
    service_code: Text = None,
    start_date: Text = None,
    end_date: Text = None,
    status: Annotated[str | None, Query(description="open, closed")] = None,
    page: Text = None,
    page_size: Annotated[str | None, Query(description="1-1000 (default 1000)")] = None,
    extensions: Annotated[str | None, Query(description="true adds extended_attributes")] = None,
    locale: Locale = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Requests in the key's jurisdiction, newest first (the last 90 days by default)."""
    f = _fmt(fmt)
    signin = await _signin(services, api_key)
    region = _scope(signin, _jurisdiction(services, jurisdiction_id))
    extended = _flag("extensions", extensions)
    params = {k: (v or "").strip() for k, v in request.query_params.items()}
    query = listing.parse_query(params, services.now(), _tz(services))
    query.region = region
    async with services.db.read() as session:
        rows = await listing.find(session, signin.actor, query)
    lang = _lang(locale, accept_language)
    tz = _tz(services)
    found = [reports.request(r, services.ref, tz, lang, extensions=extended) for r in rows]
    return respond(f, "service_requests", found)


def _flag(name: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text not in ("", "true", "false"):
        raise Open311Error(400, f"{name} must be true or false.")
    return text == "true"


@router.get(
    "/requests/{service_request_id}.{fmt}", responses=docs.answers(200, docs.REQUESTS, 403, 429)
)
async def get_request(
    services: ServicesDep,
    service_request_id: str,
    fmt: FmtPath,
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
    extensions: Annotated[str | None, Query(description="true adds extended_attributes")] = None,
    locale: Locale = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """One request (a list of one, as the standard has it)."""
    f = _fmt(fmt)
    signin = await _signin(services, api_key)
    _scope(signin, _jurisdiction(services, jurisdiction_id))
    extended = _flag("extensions", extensions)
    case = await _case(services, signin, service_request_id)
    found = reports.request(
        case, services.ref, _tz(services), _lang(locale, accept_language), extensions=extended
    )
    return respond(f, "service_requests", [found])


async def _case(services: Services, signin: ChannelSignIn, serial: str) -> Any:
    query = listing.RequestQuery(ids=[serial.strip()], page_size=1)
    async with services.db.read() as session:
        rows = await listing.find(session, signin.actor, query)
    if not rows:
        raise Open311Error(404, f"No service request {serial[:40]!r} in this jurisdiction.")
    return rows[0]


@router.get("/tokens/{token}.{fmt}", responses=docs.answers(200, docs.TOKENS, 403, 429))
async def get_token(
    services: ServicesDep,
    token: str,
    fmt: FmtPath,
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """Reports are taken at once (services are ``realtime``): a request's token is its id."""
    f = _fmt(fmt)
    signin = await _signin(services, api_key)
    _scope(signin, _jurisdiction(services, jurisdiction_id))
    case = await _case(services, signin, token)
    return respond(f, "service_requests", [{"service_request_id": case.serial, "token": token}])
