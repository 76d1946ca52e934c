"""The rules of a bearer token's life: the record of an issued token, its state, the
sentence that refuses it, and how an admin writes an expiry (``90d``, ``12h``, ``2027-01-31``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from backend_client.vocab import Role


class TokenState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USER_DISABLED = "user disabled"


@dataclass(frozen=True)
class IssuedToken:
    """A bearer token as issued to its user: what ``users add`` and ``tokens add`` print,
    what the demo seeder writes to its tokens file and what the demo reads back."""

    username: str
    display_name: str
    role: Role
    jurisdiction_code: str
    department_code: str | None
    token: str
    token_id: int = 0  # 0: not known (a tokens file written before ids were kept)


def token_state(
    *,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    user_active: bool,
    now: datetime,
) -> TokenState:
    if revoked_at is not None:
        return TokenState.REVOKED
    if expires_at is not None and now >= expires_at:
        return TokenState.EXPIRED
    if not user_active:
        return TokenState.USER_DISABLED
    return TokenState.ACTIVE


def refusal(state: TokenState, username: str, when: datetime | None = None) -> str:
    """The 401 sentence for a token that is known but no longer accepted."""
    on = f" on {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if when else ""
    if state is TokenState.REVOKED:
        return (
            f"This token of {username!r} was revoked{on}. Ask an admin for a new one "
            f"('citygrid tokens add {username}')."
        )
    if state is TokenState.EXPIRED:
        return (
            f"This token of {username!r} expired{on}. Ask an admin for a new one "
            f"('citygrid tokens add {username}')."
        )
    if state is TokenState.USER_DISABLED:
        return (
            f"The user {username!r} is disabled, so its tokens are refused. An admin can "
            f"enable it again ('citygrid users enable {username}')."
        )
    raise ValueError(f"an {state} token is not refused")


UNKNOWN_TOKEN = (
    "This token is unknown: it is not one this server issued. Ask an admin for one "
    "('citygrid tokens add NAME' or 'citygrid users add NAME')."
)
MISSING_TOKEN = (
    "Sign in with 'Authorization: Bearer <token>'. "
    "An admin issues tokens with 'citygrid tokens add NAME'."
)

_SPAN = re.compile(r"^\s*([0-9]{1,6})\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ExpiryError(ValueError):
    pass


def parse_expiry(text: str, now: datetime) -> datetime:
    """``90d``/``12h``/``30m``/``45s``/``2w`` from ``now``, or an ISO date or date-time
    (a bare date means the start of that day, UTC; a time without zone means UTC)."""
    match = _SPAN.match(text)
    if match:
        amount = int(match.group(1))
        if amount == 0:
            raise ExpiryError("An expiry of zero would issue a token that is already expired.")
        return now + timedelta(**{_UNITS[match.group(2)]: amount})
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
            parsed = datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ExpiryError(
            f"Cannot read the expiry {text!r}: write a span such as 90d, 12h or 30m, "
            "or a date such as 2027-01-31."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed <= now:
        raise ExpiryError(f"The expiry {text!r} is not in the future.")
    return parsed
