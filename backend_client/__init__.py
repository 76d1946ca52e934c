"""citygrid's client library: the wire schema and vocabulary both sides share, the HTTP
client, its errors and the event follower.

The public API is importable from here (``from backend_client import CitygridClient``).
The names load on first use, so a server process that needs only the vocabulary or the
wire schema (``backend_client.vocab``, ``backend_client.wire``) never loads the HTTP
client.  Modules: ``wire`` (request and answer models), ``vocab`` (states, actions,
roles…), ``labels`` and ``lights`` (their names and deadline lights), ``text`` (text
rules), ``client``, ``errors``, ``events``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend_client.client import CitygridClient
    from backend_client.errors import (
        ApiError,
        CitygridError,
        Conflict,
        Forbidden,
        Invalid,
        NotFound,
        ProtocolError,
        ServiceUnavailable,
        Unauthorized,
        Unavailable,
    )
    from backend_client.events import EventFollower, ResyncNeeded, StreamState

_HOMES = {
    "CitygridClient": "client",
    "ApiError": "errors",
    "CitygridError": "errors",
    "Conflict": "errors",
    "Forbidden": "errors",
    "Invalid": "errors",
    "NotFound": "errors",
    "ProtocolError": "errors",
    "ServiceUnavailable": "errors",
    "Unauthorized": "errors",
    "Unavailable": "errors",
    "EventFollower": "events",
    "ResyncNeeded": "events",
    "StreamState": "events",
}

__all__ = [
    "ApiError",
    "CitygridClient",
    "CitygridError",
    "Conflict",
    "EventFollower",
    "Forbidden",
    "Invalid",
    "NotFound",
    "ProtocolError",
    "ResyncNeeded",
    "ServiceUnavailable",
    "StreamState",
    "Unauthorized",
    "Unavailable",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'backend_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"backend_client.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
