"""Reading a POST to ``requests``: form-encoded as the standard says, multipart when it
carries a photo (the file field ``media``), or JSON.  Broken encodings are a 400."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request

from backend.api.multipart import FormError, parse_form
from backend.open311.errors import Open311Error

MAX_FIELDS = 64
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"


@dataclass
class Submission:
    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    media: bytes | None = None

    def get(self, name: str) -> str:
        """The field's value with outer spaces removed; empty means absent."""
        return self.fields.get(name, "").strip()


def _bad(detail: str) -> Open311Error:
    return Open311Error(400, detail)


def _add(sub: Submission, name: str, value: str) -> None:
    if name.startswith("attribute[") and name.endswith("]"):
        sub.attributes.setdefault(name[10:-1], value)
    else:
        sub.fields.setdefault(name, value)


def _scalar(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(f"The field {name!r} must be a string or a number.")
    return str(value)


def _from_json(body: bytes, sub: Submission) -> None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise _bad("Send the request as a JSON object of fields.")
    for name, value in list(data.items())[:MAX_FIELDS]:
        if name == "attribute" and isinstance(value, dict):
            for code, item in value.items():
                sub.attributes.setdefault(str(code), _scalar(f"attribute[{code}]", item))
        elif value is not None:
            _add(sub, str(name), _scalar(str(name), value))


def _from_form(body: bytes, sub: Submission) -> None:
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(
            "The form is not valid application/x-www-form-urlencoded UTF-8 "
            f"({exc}); encode each field as name=value joined by &."
        ) from exc
    for name, value in pairs:
        _add(sub, name, value)


def _from_multipart(body: bytes, content_type: str, sub: Submission) -> None:
    try:
        form = parse_form(body, content_type, max_files=1, max_fields=MAX_FIELDS)
    except FormError as exc:
        raise _bad(f"The multipart form cannot be read: {exc}") from exc
    for name, value in form.fields:
        _add(sub, name, value)
    for part in form.files:
        if part.name != "media":
            raise _bad("Send the photo as the file field 'media'.")
        sub.media = part.data


async def read_submission(request: Request, body: bytes) -> Submission:
    kind = request.headers.get("content-type", FORM).split(";")[0].strip().lower()
    sub = Submission()
    if kind == JSON:
        _from_json(body, sub)
    elif kind == MULTIPART:  # a photo: parsed off the event loop
        await asyncio.to_thread(_from_multipart, body, request.headers["content-type"], sub)
    elif kind == FORM:
        _from_form(body, sub)
    else:
        raise _bad(f"Send the request as {FORM} (or {MULTIPART} with a photo, or {JSON}).")
    for name, value in request.query_params.multi_items():  # api_key often rides the URL
        if name in ("api_key", "jurisdiction_id"):
            sub.fields.setdefault(name, value)
    return sub
