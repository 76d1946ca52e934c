"""The two formats of the standard: XML (required) and JSON, from one structure.

A response is built once as plain data (dicts, lists, strings, numbers, booleans and
``None``) and rendered in the format the path's suffix asks for.  In XML a list's
items are named by :data:`ITEM_NAMES` (``services`` holds ``service`` elements), and
``None`` is an empty element.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json"
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


class Fmt(StrEnum):
    JSON = "json"
    XML = "xml"


def fmt_of_path(path: str) -> Fmt:
    return Fmt.XML if path.endswith(".xml") else Fmt.JSON


def iso(value: datetime | None, tz: Any) -> str | None:
    """ISO 8601 in the centre's zone with its offset, to the whole second."""
    if value is None:
        return None
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def respond(
    fmt: Fmt,
    root: str,
    data: Any,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """``data`` as JSON, or as XML under the element ``root``."""
    if fmt is Fmt.XML:
        return Response(to_xml(root, data), status_code, headers, media_type=XML_TYPE)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code, headers, media_type=JSON_TYPE)
