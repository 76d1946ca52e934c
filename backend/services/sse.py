"""Events encoded for Server-Sent Events: one frame per event, encoded once per worker,
with what deciding each actor's sight of it takes; and frames joined into writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from backend.models import CaseRow, EventRow
from backend.services.access import Actor, Sight
from backend.services.reference import Reference
from backend.services.views import event_wire
from backend_client.wire import GONE_EVENT, CaseGone, Resync


def sight_of(
    actor: Actor, event: Any, case_grid_code: str, case_department_id: int | None
) -> Sight:
    """``event``: anything with the event's ``grid_code`` and departments."""
    return actor.event_sight(
        event.grid_code,
        event.department_id,
        event.prev_department_id,
        case_grid_code,
        case_department_id,
    )


@dataclass(frozen=True)
class Published:
    """An event encoded for the stream, with what :meth:`Actor.event_sight` needs: the
    event's grid and departments, and those of the case row in ``frame``."""

    seq: int
    serial: str
    grid_code: str
    department_id: int | None
    prev_department_id: int | None
    case_grid_code: str
    case_department_id: int | None
    frame: bytes  # the whole SSE frame (id, event, data), encoded once per worker

    def frame_for(self, actor: Actor) -> bytes | None:
        sight = sight_of(actor, self, self.case_grid_code, self.case_department_id)
        if sight is Sight.FULL:
            return self.frame
        if sight is Sight.GONE:
            return gone_frame(self.seq, self.serial)
        return None


PING = b": ping\n\n"


def sse_frame(seq: int, event: str, data: str) -> bytes:
    return f"id: {seq}\nevent: {event}\ndata: {data}\n\n".encode()


def gone_frame(seq: int, serial: str) -> bytes:
    return sse_frame(seq, GONE_EVENT, CaseGone(seq=seq, serial=serial).model_dump_json())


def publish(row: EventRow, case: CaseRow, ref: Reference) -> Published:
    seq = row.seq or 0
    return Published(
        seq=seq,
        serial=row.serial,
        grid_code=row.grid_code,
        department_id=row.department_id,
        prev_department_id=row.prev_department_id,
        case_grid_code=case.grid_code,
        case_department_id=case.department_id,
        frame=sse_frame(seq, row.action, event_wire(row, case, ref).model_dump_json()),
    )


def chunks(frames: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """Frames joined into writes of at most ``limit`` bytes (a bigger frame alone)."""
    buf: list[bytes] = []
    size = 0
    for frame in frames:
        if buf and size + len(frame) > limit:
            yield b"".join(buf)
            buf, size = [], 0
        buf.append(frame)
        size += len(frame)
    if buf:
        yield b"".join(buf)


def resync_frame(resync: Resync) -> bytes:
    return sse_frame(resync.head_seq, "resync", resync.model_dump_json())
