"""``GET /cases/snapshot``: every open case you may see, in one compact streamed answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from backend.api.deps import ActorDep, ServicesDep
from backend.api.openapi import header, problems
from backend.services.snapshot import gzipped, snapshot_lines
from backend_client.snapshot import SNAPSHOT_COLUMNS, SNAPSHOT_MEDIA_TYPE, SnapshotEnd, SnapshotHead

router = APIRouter(tags=["cases"])

ROWS: dict[str, Any] = {
    "type": "array",
    "description": "A batch of rows, each a CaseSummary's values in the head's column order.",
    "items": {
        "type": "array",
        "minItems": len(SNAPSHOT_COLUMNS),
        "maxItems": len(SNAPSHOT_COLUMNS),
    },
}
SNAPSHOT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Newline-delimited JSON: the head (as_of_seq, columns), then batches "
        "of rows, most urgent first, then the end (count).",
        "headers": {
            "Content-Encoding": header("`gzip` when the request accepts it.", enum=["gzip"]),
            "Cache-Control": header("Always `no-store`."),
        },
        "content": {
            SNAPSHOT_MEDIA_TYPE: {
                "itemSchema": {
                    "oneOf": [
                        SnapshotHead.model_json_schema(),
                        ROWS,
                        SnapshotEnd.model_json_schema(),
                    ]
                }
            }
        },
    },
    **problems(),  # 401 and 503 follow from the sign-in; nothing else can go wrong
}


@router.get(
    "/cases/snapshot",
    operation_id="case_snapshot",
    response_class=StreamingResponse,
    responses=SNAPSHOT_RESPONSES,
)
async def case_snapshot(
    request: Request, services: ServicesDep, actor: ActorDep
) -> StreamingResponse:
    """Every open case in your jurisdiction, most urgent first, read in one database
    snapshot: follow ``/events/stream?after=<as_of_seq>`` from the head line and nothing is
    missed.  Rows are ``CaseSummary`` values without their keys (the head's ``columns``
    name them); a stream that ends without the end line was cut off."""
    lines = snapshot_lines(services.db, services.ref, actor, services.now())
    headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        return StreamingResponse(gzipped(lines), media_type=SNAPSHOT_MEDIA_TYPE, headers=headers)
    return StreamingResponse(lines, media_type=SNAPSHOT_MEDIA_TYPE, headers=headers)
