"""Exceptions of the typed client, shaped like httpx's: one base, one class per outcome.

``str(exc)`` is always a sentence an operator can read: for an answer from the
server it is the problem's ``detail``.  A 503 answer is both an :class:`ApiError`
and :class:`Unavailable`; a request that got no answer at all (connection refused,
timeout) is only :class:`Unavailable`.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from backend_client.wire import Problem


class CitygridError(Exception):
    """Base of every error raised by ``backend_client``.

    ``method`` and ``path`` name the request it answers (``"POST"``,
    ``"/api/v1/cases/2026-110112-000001/actions"``), or are empty when there was none.
    """

    method: str = ""
    path: str = ""

    @property
    def request_line(self) -> str:
        """``METHOD path`` of the request, for logs (empty when unknown)."""
        return f"{self.method} {self.path}".strip()


class Unavailable(CitygridError):
    """The server could not be reached, timed out, or said 503; retrying later may help."""


class ProtocolError(CitygridError):
    """The server's answer does not match the wire schema (a client/server version skew?)."""


class ApiError(CitygridError):
    """The server answered with an error status and a problem document."""

    def __init__(self, status: int, problem: Problem, *, method: str = "", path: str = "") -> None:
        super().__init__(problem.detail)
        self.status = status
        self.problem = problem
        self.method, self.path = method, path

    @property
    def detail(self) -> str:
        return self.problem.detail

    def extra(self, name: str) -> Any:
        """A problem extension member (``current_version``, ``state``…), or None."""
        if name in type(self.problem).model_fields:
            return getattr(self.problem, name)
        return (self.problem.model_extra or {}).get(name)

    def __str__(self) -> str:
        return self.problem.detail


class Unauthorized(ApiError):
    """401: no token, or an unknown or disabled one."""


class Forbidden(ApiError):
    """403: this user's role or jurisdiction does not allow it."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: the case moved (stale ``If-Match``) or the action is not possible in its state."""

    @property
    def current_version(self) -> int | None:
        value = self.extra("current_version")
        return value if isinstance(value, int) else None

    @property
    def last_actor(self) -> str | None:
        value = self.extra("last_actor")
        return value if isinstance(value, str) else None

    @property
    def state(self) -> str | None:
        value = self.extra("state")
        return value if isinstance(value, str) else None


class Invalid(ApiError):
    """400, 413 or 422: the request itself is wrong; ``problem`` names the fields."""


class ServiceUnavailable(ApiError, Unavailable):
    """503: the server is up but busy (database locked, restarting)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: Invalid,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: Invalid,
    422: Invalid,
    503: ServiceUnavailable,
}


def problem_of(response: httpx.Response) -> Problem:
    """The response's problem document, or one made up when the body is not one."""
    status = response.status_code
    try:
        return Problem.model_validate_json(response.content)
    except ValidationError:
        request = response.request
        reason = response.reason_phrase or "error"
        return Problem(
            title=reason,
            status=status,
            detail=f"HTTP {status} {reason} from {request.method} {request.url.path}.",
        )


def error_from_response(response: httpx.Response) -> ApiError:
    """The exception for an error response (its body must already be read)."""
    cls = _BY_STATUS.get(response.status_code, ApiError)
    request = response.request
    return cls(
        response.status_code,
        problem_of(response),
        method=request.method,
        path=request.url.path,
    )


def unavailable(request: httpx.Request, exc: httpx.TransportError) -> Unavailable:
    """The exception for a request that got no answer."""
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    reason = str(exc) or type(exc).__name__
    error = Unavailable(
        f"{request.method} {request.url} {what}: {reason}. Is the citygrid server running?"
    )
    error.method, error.path = request.method, request.url.path
    error.__cause__ = exc
    return error
