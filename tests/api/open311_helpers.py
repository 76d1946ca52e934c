"""Helpers for the Open311 façade tests: issue keys with the real CLI, validate answers
against the standard's JSON Schemas (vendored in tests/data/open311) and parse XML."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import jsonschema_rs

from tests.conftest import REPO, Seeded

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "open311"
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    items = schema.get("items")
    if isinstance(items, dict) and "$ref" in items:  # the array files name their item file
        schema["items"] = _schema(items.pop("$ref"))
    return schema


def validate(name: str, data: Any) -> None:
    """Raise if ``data`` does not match the standard's schema ``name`` (e.g. services.json)."""
    jsonschema_rs.validator_for(_schema(name)).validate(data)


def xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    return ET.fromstring(response.content)


def cli(seeded: Seeded, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "console", *args, "--database", seeded.url],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def add_key(seeded: Seeded, channel: str, jurisdiction: str, rate: int = 600) -> tuple[int, str]:
    """Issue a key with ``citygrid keys add``; its id (from the list) and secret."""
    key = cli(
        seeded,
        "keys",
        "add",
        "--channel",
        channel,
        "--jurisdiction",
        jurisdiction,
        "--rate",
        str(rate),
    ).splitlines()[-1]
    newest = cli(seeded, "keys", "list").splitlines()[-1]
    return int(newest.split()[0]), key


def error_list(response: httpx.Response, status: int) -> str:
    """The standard's error answer (in the format the path asked for); its description."""
    assert response.status_code == status, (response.status_code, response.text)
    if response.url.path.endswith(".xml"):
        root = xml(response)
        assert root.tag == "errors"
        errors = root.findall("error")
        assert len(errors) == 1 and errors[0].findtext("code") == str(status)
        return errors[0].findtext("description") or ""
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert set(body[0]) == {"code", "description"} and body[0]["code"] == status
    assert isinstance(body[0]["description"], str) and body[0]["description"]
    return str(body[0]["description"])
