"""What the OpenAPI document says about the façade: both formats of every answer, and
errors as the standard's ``{code, description}`` list (never problem+json)."""

from __future__ import annotations

from typing import Any

from backend.open311.render import JSON_TYPE

XML = "text/xml"
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}
NUMBER = {"type": ["number", "null"]}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": TEXT},
    },
}
SERVICES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": TEXT,
            "service_name": TEXT,
            "description": NULLABLE_TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": NULLABLE_TEXT,
            "group": NULLABLE_TEXT,
        },
    },
}
DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": TEXT,
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": TEXT,
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "order": {"type": "integer"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"key": TEXT, "name": TEXT},
                        },
                    },
                },
            },
        },
    },
}
TIME = {"type": ["string", "null"], "format": "date-time"}
REQUESTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": TEXT,
            "status": {"enum": ["open", "closed"]},
            "status_notes": NULLABLE_TEXT,
            "service_name": NULLABLE_TEXT,
            "service_code": TEXT,
            "description": NULLABLE_TEXT,
            "agency_responsible": NULLABLE_TEXT,
            "service_notice": NULLABLE_TEXT,
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": TIME,
            "expected_datetime": TIME,
            "address": NULLABLE_TEXT,
            "address_id": NULLABLE_TEXT,
            "zipcode": NULLABLE_TEXT,
            "lat": NUMBER,
            "long": NUMBER,
            "media_url": NULLABLE_TEXT,
            "extended_attributes": {"type": "object"},
        },
    },
}
TOKENS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": TEXT, "token": TEXT},
    },
}
DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "format": "date-time"},
        "contact": TEXT,
        "key_service": TEXT,
        "endpoints": {"type": "array", "items": {"type": "object"}},
    },
}
WHY = {
    400: "A parameter is missing or not valid, or the body cannot be read.",
    403: "No api_key, or it is unknown, revoked, or not for this jurisdiction.",
    404: "No such service, request, token or format.",
    429: "The key is over its rate; retry after `Retry-After` seconds.",
    503: "The database is busy or unreachable; retry after `Retry-After` seconds.",
}
RETRY = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}


def both(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON_TYPE: {"schema": schema}, XML: {"schema": TEXT}}


def answers(success: int, schema: dict[str, Any], *statuses: int) -> dict[int | str, Any]:
    """The route's ``responses=``: its answer in both formats and its errors."""
    out: dict[int | str, Any] = {success: {"description": "The answer.", "content": both(schema)}}
    for status in (400, 404, 503, *statuses):
        out[status] = {"description": WHY[status], "content": both(ERRORS)}
        if status in (429, 503):
            out[status]["headers"] = RETRY
    return out


FIELDS = {
    name: TEXT
    for name in (
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    )
}
FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "properties": {**FIELDS, "attribute[urgency]": {"enum": ["normal", "urgent"]}},
}
POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": FORM_SCHEMA},
            "multipart/form-data": {
                "schema": {
                    **FORM_SCHEMA,
                    "properties": {
                        **FORM_SCHEMA["properties"],
                        "media": {"type": "string", "format": "binary"},
                    },
                }
            },
            JSON_TYPE: {"schema": FORM_SCHEMA},
        },
    }
}
