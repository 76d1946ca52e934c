"""What every façade route reads from the query, once: the format, the language, and
for the routes that need a channel key, the key's sign-in and the jurisdiction asked for.

Parameters are read as plain strings and checked here, so that every refusal is the
standard's error list (an empty parameter counts as a missing one).  FastAPI resolves a
route's dependencies in the order of its parameters: the format comes first, so even a
bad key is answered in the format asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query

from backend.api.deps import Services, ServicesDep
from backend.open311.errors import Open311Error
from backend.open311.render import Fmt
from backend.services.channel_gate import ChannelSignIn, KeyRefused

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
Extensions = Annotated[str | None, Query(description="true adds extended_attributes")]


def parse_fmt(raw: str) -> Fmt:
    try:
        return Fmt(raw)
    except ValueError:
        raise Open311Error(404, f"Unknown format {raw[:20]!r}; use .json or .xml.") from None


def pick_lang(locale: str | None, accept: str | None) -> str:
    wanted = (locale or "").strip() or (accept or "").split(",")[0].strip()
    return "en" if wanted.lower().startswith("en") else "zh"


def check_jurisdiction(services: Services, value: str | None) -> str | None:
    value = (value or "").strip()
    if value and value not in services.ref.regions:
        raise Open311Error(404, f"Unknown jurisdiction_id {value[:20]!r}: no such region here.")
    return value or None


async def sign_in(services: Services, api_key: str | None) -> ChannelSignIn:
    try:
        return await services.channels.authenticate((api_key or "").strip() or None)
    except KeyRefused as exc:
        if exc.retry_after is not None:
            raise Open311Error(429, str(exc), {"Retry-After": str(exc.retry_after)}) from exc
        raise Open311Error(403, str(exc)) from exc


def in_scope(signin: ChannelSignIn, region: str | None) -> str | None:
    """The jurisdiction asked for, which must be inside the key's; None for all of it."""
    if region is None:
        return None
    prefix = signin.actor.scope_prefix
    if not (region.startswith(prefix) or prefix.startswith(region)):
        raise Open311Error(403, f"This key reports in {signin.actor.jurisdiction_code} only.")
    return region if len(region) > len(prefix) else None


def flag(name: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text not in ("", "true", "false"):
        raise Open311Error(400, f"{name} must be true or false.")
    return text == "true"


async def _fmt(fmt: FmtPath) -> Fmt:
    return parse_fmt(fmt)


async def _lang(locale: Locale = None, accept_language: AcceptLanguage = None) -> str:
    return pick_lang(locale, accept_language)


async def _public_jurisdiction(services: ServicesDep, jurisdiction_id: Jurisdiction = None) -> None:
    check_jurisdiction(services, jurisdiction_id)


@dataclass(frozen=True)
class KeyedCall:
    signin: ChannelSignIn
    region: str | None  # the part of the key's jurisdiction asked for; None for all


async def _keyed(
    services: ServicesDep, api_key: ApiKey = None, jurisdiction_id: Jurisdiction = None
) -> KeyedCall:
    signin = await sign_in(services, api_key)
    return KeyedCall(signin, in_scope(signin, check_jurisdiction(services, jurisdiction_id)))


async def _extended(extensions: Extensions = None) -> bool:
    return flag("extensions", extensions)


FmtDep = Annotated[Fmt, Depends(_fmt)]
LangDep = Annotated[str, Depends(_lang)]
PublicJurisdiction = Annotated[None, Depends(_public_jurisdiction)]  # checked, not used
KeyedDep = Annotated[KeyedCall, Depends(_keyed)]
ExtendedDep = Annotated[bool, Depends(_extended)]


def tz_of(services: Services) -> Any:
    return services.cases.clockwork.calendar.tz
