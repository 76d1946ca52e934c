"""Start-up cost: what the console loads before its first paint, and what it defers.

The first paint is the app and the queue screen.  Dialogs, photos (Pillow), the
wallboard, the assessment screens and models, and the spreadsheet writer load at first
use; the wire models' schemas are built at first use too, and the server builds them
all when it imports its API.
"""

from __future__ import annotations

import json
import subprocess
import sys

DEFERRED = {
    "PIL",
    "xlsxwriter",
    "textual_image",
    "console.photos",
    "console.screens.dialogs",
    "console.screens.callback_dialog",
    "console.screens.wallboard",
    "console.screens.assessment",
    "console.screens.appeals",
    "backend_client.assessment",
    "backend_client.publication",
}

PROBE = """
import json, sys
import console.app, console.screens.queue
from backend_client import wire
built = sorted(
    name for name, obj in vars(wire).items()
    if isinstance(obj, type) and issubclass(obj, wire.BaseModel)
    and obj.__module__ == wire.__name__ and obj.__pydantic_complete__
)
print(json.dumps({"modules": sorted(sys.modules), "built": built}))
"""


def first_paint() -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True)
    result: dict[str, list[str]] = json.loads(out.stdout)
    return result


def test_the_first_paint_loads_none_of_the_deferred_modules() -> None:
    modules = set(first_paint()["modules"])
    assert "console.screens.queue" in modules  # the probe did load the first paint
    loaded = {m for m in modules if m in DEFERRED or m.split(".")[0] in DEFERRED}
    assert loaded == set()


def test_no_wire_model_builds_its_schema_at_import() -> None:
    assert first_paint()["built"] == []


def test_the_server_builds_every_deferred_schema_on_importing_its_api() -> None:
    import backend.api  # noqa: F401  (builds them)
    from backend_client.wire import CaseDetail, WireModel
    from backend_client.wirebase import build_schemas

    assert CaseDetail.__pydantic_complete__
    assert not WireModel.model_config.get("defer_build")
    assert build_schemas() == 0  # nothing left deferred
