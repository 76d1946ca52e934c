"""Every error the API returns is ``application/problem+json`` with a human ``detail``.

Handlers turn validation errors, refused transitions, database contention and
anything unexpected into problems; no traceback ever reaches a client.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.domain.statemachine import (
    IllegalTransition,
    MissingField,
    RoleForbidden,
    TransitionError,
)
from backend_client.text import TEXT_PATTERNS, TEXT_RULE

log = logging.getLogger("citygrid.api")
PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


class ApiProblem(Exception):
    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(ApiProblem):
    """A body that cannot be read at all (a broken multipart form, say)."""


class Unauthorized(ApiProblem):
    status, title, slug = 401, "Not signed in", "unauthorized"


class Forbidden(ApiProblem):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(ApiProblem):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ApiProblem):
    status, title, slug = 409, "Conflict", "conflict"


class PayloadTooLarge(ApiProblem):
    status, title, slug = 413, "Request too large", "too-large"


class UnsupportedMediaType(ApiProblem):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class Invalid(ApiProblem):
    status, title, slug = 422, "Invalid request", "invalid"


class Unavailable(ApiProblem):
    status, title, slug = 503, "Temporarily unavailable", "unavailable"


def problem_response(
    status: int,
    title: str,
    detail: str,
    slug: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://citygrid.dev/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = dict(headers or {})
    if status == 503:
        headers.setdefault("Retry-After", "1")
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def _problem_of(err: Any) -> str:
    """The validator's message, or a plain one for the text rule's regex."""
    if err.get("type") == "string_pattern_mismatch":
        if (err.get("ctx") or {}).get("pattern") in TEXT_PATTERNS:
            return TEXT_RULE
        if "[0-9]" in str((err.get("ctx") or {}).get("pattern", "")):
            return f"{err.get('msg')} (ASCII digits 0-9 only)"
    return str(err.get("msg"))


def describe_validation(errors: list[Any]) -> tuple[str, list[dict[str, str]], bool]:
    """A sentence naming each bad field, a compact list, and whether the JSON itself was bad."""
    compact: list[dict[str, str]] = []
    bad_json = False
    for err in errors[:10]:
        if err.get("type") == "json_invalid":
            bad_json = True
        compact.append({"field": _location(err.get("loc", ())), "problem": _problem_of(err)})
    if bad_json:
        return "The request body is not valid JSON.", compact, True
    sentence = "; ".join(f"{c['field']}: {c['problem']}" for c in compact[:3])
    more = len(errors) - 3
    if more > 0:
        sentence += f" (and {more} more)"
    return f"Some fields are not valid — {sentence}.", compact, False


def allowed_methods(request: Request) -> str:
    """Every method the API serves at this request's path, for a 405's ``Allow`` (from the
    OpenAPI document's paths: the one list of what exists)."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(
        request.app.state, "allow_table", None
    )
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"),
                {verb.upper() for verb in operations if verb.upper() in HTTP_METHODS},
            )
            for path, operations in request.app.openapi().get("paths", {}).items()
        ]
        request.app.state.allow_table = table
    methods: set[str] = set()
    for pattern, verbs in table:
        if pattern.match(request.url.path):
            methods |= verbs
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            exc.status, exc.title, exc.detail, exc.slug, request.url.path, **exc.extra
        )

    @app.exception_handler(TransitionError)
    async def _transition(request: Request, exc: TransitionError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, IllegalTransition):
            status, title, slug = 409, "Action not possible now", "illegal-transition"
            extra = {"state": exc.state.value, "action": exc.action.value}
        elif isinstance(exc, RoleForbidden):
            status, title, slug = 403, "Forbidden", "forbidden"
            extra = {"role": exc.role.value, "action": exc.action.value}
        elif isinstance(exc, MissingField):
            status, title, slug = 422, "Invalid request", "invalid"
            extra = {"action": exc.action.value, "missing": exc.missing}
        else:
            status, title, slug = 422, "Invalid request", "invalid"
        return problem_response(status, title, exc.message, slug, request.url.path, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, compact, bad_json = describe_validation(list(exc.errors()))
        status = 400 if bad_json else 422
        return problem_response(
            status, "Invalid request", detail, "invalid", request.url.path, errors=compact
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no endpoint at {request.url.path}."
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route on the path; list every route's methods.
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
            detail = f"{request.method} is not allowed on {request.url.path}"
            detail += f"; use {headers['Allow']}." if headers["Allow"] else "."
        return problem_response(
            exc.status_code, "Error", detail, "http", request.url.path, headers=headers
        )

    @app.exception_handler(DataError)
    async def _bad_value(request: Request, exc: DataError) -> JSONResponse:
        # The schema refuses what the database cannot store; this is the last guard.
        log.warning("database refused a value on %s: %s", request.url.path, exc.orig)
        return problem_response(
            422,
            "Invalid request",
            "The database cannot store a value in this request (a control character, or a "
            "number out of range); correct the input and send it again.",
            "invalid",
            request.url.path,
        )

    @app.exception_handler(OperationalError)
    async def _db_busy(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        return problem_response(
            503,
            "Temporarily unavailable",
            "The database is busy or unreachable; retry in a moment.",
            "unavailable",
            request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        ref = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s on %s %s", ref, request.method, request.url.path)
        return problem_response(
            500,
            "Internal error",
            f"Something went wrong on the server (reference {ref}); it has been logged.",
            "internal",
            request.url.path,
        )


Refusal = Callable[[str, int, str], Response | None]


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes with a 413 problem, streamed or not.
    Photo uploads (POST to a path ending in one of ``upload_paths``) have
    ``upload_limit``.  ``refuse`` may answer for a path in another format (the Open311
    façade's error list); when it returns ``None`` the answer is a problem."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        upload_limit: int | None = None,
        upload_paths: tuple[str, ...] = ("/attachments",),
        refuse: Refusal | None = None,
    ) -> None:
        self.app, self.limit = app, limit
        self.upload_limit = upload_limit or limit
        self.upload_paths = upload_paths
        self.refuse = refuse

    def limit_for(self, scope: Scope) -> int:
        upload = scope.get("method") == "POST" and str(scope.get("path", "")).endswith(
            self.upload_paths
        )
        return self.upload_limit if upload else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = f"The request body is larger than {limit // 1024} KiB."
        path = str(scope.get("path", ""))
        response = self.refuse(path, 413, detail) if self.refuse else None
        if response is None:
            response = problem_response(413, "Request too large", detail, "too-large", path)
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass
