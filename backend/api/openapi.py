"""The OpenAPI document, made true to what the server answers.

FastAPI documents the success responses and a 422 of its own shape.  This module
adds what the handlers in ``backend.core.problems`` really send: every error as
``application/problem+json`` (the ``Problem`` component, from the wire model), and
the statuses that follow from how a route is built:

* a route that depends on ``current_signin`` (every ``current_actor`` route does) needs
  a bearer token: it gets the ``bearer`` security requirement, 401, and 503 (the token
  lookup reads the database);
* a route with parameters or a body can answer 422 (and 400 for a body that is not
  JSON, 413 for one over the size limit).

Statuses that depend on what a route does (403, 404, 409, a public route's 503) are
declared on the route with :func:`problems`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from backend.api.deps import current_signin
from backend.core.problems import PROBLEM_JSON
from backend_client.wire import Problem, Resync

BEARER = "bearer"
OWN_ERRORS_TAG = "open311"  # routes that answer errors in their standard's format
REF_TEMPLATE = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": REF_TEMPLATE.format(model="Problem")}

WHY: dict[int, str] = {
    400: "The request body is not valid JSON.",
    401: "No bearer token, or the token is unknown or its user is disabled.",
    403: "Your role or jurisdiction does not allow this.",
    404: "Not found, or not in your jurisdiction.",
    409: "Not possible now: the case moved on or is in another state; the problem names "
    "its state, version and who moved it last.",
    413: "The request body is larger than the server accepts.",
    415: "The body is not in a media type this operation takes.",
    422: "A parameter or field is not valid; the sentence (and `errors`) names it.",
    503: "The database is busy or unreachable; retry after `Retry-After` seconds.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def problem(status: int, description: str | None = None) -> dict[str, Any]:
    """One problem response, as FastAPI's ``responses=`` takes it."""
    response: dict[str, Any] = {
        "description": description or WHY[status],
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }
    if status == 503:
        response["headers"] = RETRY_AFTER
    return response


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: problem(status) for status in statuses}


def header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


ETAG = {"ETag": header("The case's new version, quoted.", pattern=r'^"[0-9]+"$')}
REPLAYED = {
    "Idempotent-Replayed": header(
        "`true` when this is the stored answer to an earlier request with the same "
        "Idempotency-Key (sent without ETag and Location).",
        enum=["true"],
    )
}


def _needs(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return dependant.call is call or any(_needs(d, call) for d in dependant.dependencies)


def _is_authorization(param: dict[str, Any]) -> bool:
    return bool(param.get("in") == "header" and str(param.get("name")).lower() == "authorization")


def body_example(example: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` giving a route's JSON body an example."""
    return {"requestBody": {"content": {"application/json": {"example": example}}}}


def _not_null(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter is left out to mean None; its value on the wire is never ``null``.

    FastAPI writes ``str | None`` as ``anyOf: [string, null]``: keep the string.
    """
    schema = param.get("schema", {})
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1 and len(schema["anyOf"]) == 2:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        param["schema"] = {**branches[0], **rest}
    return param


def _complete(operation: dict[str, Any], authenticated: bool, own_errors: bool = False) -> None:
    """Add the statuses that follow from how the route is built; a route with
    ``own_errors`` (the Open311 façade, whose errors are the standard's) declares
    every status itself."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    params = [_not_null(p) for p in operation.get("parameters", []) if not _is_authorization(p)]
    if params:
        operation["parameters"] = params
    else:
        operation.pop("parameters", None)
    if own_errors:
        responses.pop("422", None)
        operation["responses"] = dict(sorted(responses.items()))
        return
    statuses: list[int] = []
    if authenticated:
        operation["security"] = [{BEARER: []}]
        statuses += [401, 503]
    if "requestBody" in operation:
        statuses += [400, 413]
    if params or "requestBody" in operation:
        statuses.append(422)
    else:
        responses.pop("422", None)  # FastAPI counts the Authorization header as a parameter
    for status in statuses:
        responses[str(status)] = problem(status)
    for code, response in responses.items():
        if code.startswith(("4", "5")) and "content" not in response:
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    operation["responses"] = dict(sorted(responses.items()))


def build_openapi(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    for route in iter_route_contexts(app.routes):  # with the prefixes of included routers
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = doc["paths"][route.path_format].get(method.lower())
            if operation is not None:
                own = OWN_ERRORS_TAG in (route.original_route.tags or [])
                _complete(operation, _needs(route.dependant, current_signin), own)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for gone in ("HTTPValidationError", "ValidationError"):
        schemas.pop(gone, None)
    for model in (Problem, Resync):
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "A citygrid API token (an admin creates one with 'citygrid users add').",
        }
    }
    return doc


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _sse_data(model: str) -> dict[str, Any]:
    return {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": {"$ref": REF_TEMPLATE.format(model=model)},
    }


# Each event of the stream (OpenAPI 3.2's ``itemSchema``): ``id`` is the event seq,
# ``event`` the action name and ``data`` the Event; ``event: resync`` carries a Resync
# and ``event: gone`` a CaseGone.
EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events; `: ping` comments keep an idle stream open.",
        "headers": {"Cache-Control": header("Always `no-cache`.")},
        "content": {
            "text/event-stream": {
                "itemSchema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[0-9]+$"},
                        "event": {"type": "string"},
                        "retry": {"type": "integer", "minimum": 0},
                        "data": {"type": "string"},
                    },
                    "if": {"properties": {"event": {"const": "resync"}}},
                    "then": {"properties": {"data": _sse_data("Resync")}},
                    "else": {
                        "if": {"properties": {"event": {"const": "gone"}}},
                        "then": {"properties": {"data": _sse_data("CaseGone")}},
                        "else": {"properties": {"data": _sse_data("Event")}},
                    },
                }
            }
        },
    }
}
