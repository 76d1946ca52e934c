"""Errors on the façade are always the standard's list of ``{code, description}``.

Whatever goes wrong under ``/open311/`` — a refused key, a bad parameter, a problem the
rest of the API would answer as problem+json, a body over the limit — answers in the
format the path asks for, with the statuses the standard knows (400, 403, 404) plus
405, 429 and 503 where those say more; never HTML.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from backend.open311 import PREFIX
from backend.open311.render import Fmt, fmt_of_path, respond

# What the rest of the API answers, in the standard's vocabulary of statuses.
STATUS_MAP = {401: 403, 409: 400, 413: 400, 415: 400, 422: 400}
KEPT_HEADERS = ("allow", "retry-after")


class Open311Error(Exception):
    def __init__(self, status: int, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}


def error_response(
    fmt: Fmt, status: int, description: str, headers: dict[str, str] | None = None
) -> Response:
    status = STATUS_MAP.get(status, status)
    return respond(fmt, "errors", [{"code": status, "description": description}], status, headers)


def refusal_for(path: str, status: int, description: str) -> Response | None:
    """The façade's answer for a request refused before it reached the app (its size)."""
    if not path.startswith(PREFIX):
        return None
    return error_response(fmt_of_path(path), status, description)


Handler = Callable[[Request, Any], Awaitable[Response]]


def _wrap(original: Callable[[Request, Any], Response | Awaitable[Response]]) -> Handler:
    async def handler(request: Request, exc: Any) -> Response:
        answer = original(request, exc)
        response = answer if isinstance(answer, Response) else await answer
        if not request.url.path.startswith(PREFIX):
            return response
        try:
            detail = str(json.loads(bytes(response.body)).get("detail", ""))
        except (ValueError, AttributeError):
            detail = "The request could not be served."
        headers = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
        return error_response(fmt_of_path(request.url.path), response.status_code, detail, headers)

    return handler


def install_error_format(app: FastAPI) -> None:
    """Answer every error under the prefix in the standard's format (call after the
    problem handlers are installed)."""
    for exc_class, original in list(app.exception_handlers.items()):
        app.exception_handlers[exc_class] = _wrap(original)

    @app.exception_handler(Open311Error)
    async def _open311(request: Request, exc: Open311Error) -> Response:
        return error_response(
            fmt_of_path(request.url.path), exc.status, exc.description, exc.headers
        )
