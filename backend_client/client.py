"""The typed async client of the citygrid REST API: one method per endpoint, wire models out.

Writes are safe to retry: every POST carries an ``Idempotency-Key`` (one per logical
call) and is retried with the *same* key after a transport failure or a 503, so the
server applies it at most once.  Error answers become :mod:`backend_client.errors`.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from backend_client.assessment_calls import AssessmentCalls
from backend_client.errors import (
    ProtocolError,
    ServiceUnavailable,
    error_from_response,
    unavailable,
)
from backend_client.text import is_digits
from backend_client.vocab import AttachmentPhase, CaseState, CategoryKind, Source, Stage
from backend_client.wire import (
    ActionRequest,
    ActionResult,
    CaseCreate,
    CaseDetail,
    CasePage,
    CaseSummary,
    Category,
    CategoryCreate,
    CurrentShift,
    Department,
    EventPage,
    GridCell,
    GridPublic,
    GridStats,
    Handover,
    HandoverCreate,
    HandoverPage,
    Health,
    Me,
    RegionNode,
    ServerTime,
    TimelineEntry,
)

API_PREFIX = "/api/v1"
RETRIES = 3  # extra attempts after the first, for transport errors and 503
RETRY_AFTER_CAP = 2.0  # never wait longer than this on a Retry-After header

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

Params = dict[str, str | int | float]


def api_root(base_url: str) -> str:
    """``http://host:8765`` or ``http://host:8765/api/v1`` → the latter."""
    root = base_url.rstrip("/")
    return root if root.endswith(API_PREFIX) else root + API_PREFIX


def _bad_answer(response: httpx.Response, exc: ValidationError) -> ProtocolError:
    request = response.request
    error = ProtocolError(
        f"The answer to {request.method} {request.url.path} does not match the wire schema "
        f"(is the server the same citygrid version?): {exc.error_count()} problem(s), "
        f"first: {exc.errors()[0]['msg']}."
    )
    error.method, error.path = request.method, request.url.path
    return error


def _parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise _bad_answer(response, exc) from exc


def multipart_body(fields: dict[str, str], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body, encoded once so that a retry sends the same bytes."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    name, filename, data = file
    safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{safe}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _flag(value: bool) -> str:
    return "true" if value else "false"


class CitygridClient(AssessmentCalls):
    """``async with CitygridClient(url, token) as api: await api.cases(state="filed")``."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_backoff: float = 0.25,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "citygrid-client/0.1"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._retry_backoff = retry_backoff
        self._http = httpx.AsyncClient(
            base_url=api_root(base_url),
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )

    @property
    def http(self) -> httpx.AsyncClient:
        """The underlying client (base URL ``…/api/v1``), for streaming."""
        return self._http

    async def __aenter__(self) -> Self:
        await self._http.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- transport ------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: BaseModel | None = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise a client error.
        ``content`` is an already-encoded body (its Content-Type goes in ``headers``)."""
        hdrs = dict(headers or {})
        if body is not None:
            # Serialise once: a retry must send the very same bytes under the same key.
            content = body.model_dump_json(exclude_none=True).encode()
            hdrs["Content-Type"] = "application/json"
        if method == "POST":
            hdrs["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        request = self._http.build_request(
            method, path, params=params, content=content, headers=hdrs
        )
        for attempt in range(RETRIES + 1):
            last = attempt == RETRIES
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                if last:
                    raise unavailable(request, exc) from exc
                await self._pause(attempt, None)
                continue
            if response.is_success:
                return response
            error = error_from_response(response)
            if isinstance(error, ServiceUnavailable) and not last:
                await self._pause(attempt, response.headers.get("Retry-After"))
                continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    async def _pause(self, attempt: int, retry_after: str | None) -> None:
        delay = self._retry_backoff * 2.0**attempt
        if retry_after and is_digits(retry_after.strip()) and self._retry_backoff > 0:
            delay = max(delay, min(float(retry_after), RETRY_AFTER_CAP))
        if delay > 0:
            await asyncio.sleep(delay)

    async def _get(self, path: str, model: type[M], params: Params | None = None) -> M:
        return _parse(model, await self._send("GET", path, params=params))

    async def _get_list(self, path: str, item: type[T], params: Params | None = None) -> list[T]:
        response = await self._send("GET", path, params=params)
        adapter = TypeAdapter(list[item])  # type: ignore[valid-type]
        try:
            return adapter.validate_json(response.content)
        except ValidationError as exc:
            raise _bad_answer(response, exc) from exc

    async def _post(self, path: str, model: type[M], body: BaseModel, **kw: Any) -> M:
        return _parse(model, await self._send("POST", path, body=body, **kw))

    # --- system ---------------------------------------------------------------------------

    async def health(self) -> Health:
        return await self._get("/health", Health)

    async def server_time(self) -> ServerTime:
        return await self._get("/time", ServerTime)

    async def measure_offset(self) -> float:
        """Seconds to add to the local clock to get the server's (round-trip midpoint)."""
        return (await self.measure_clock())[0]

    async def measure_clock(self) -> tuple[float, ServerTime]:
        """The clock offset (as :meth:`measure_offset`) and the server's answer, which
        names the centre's timezone."""
        sent = time.time()
        answer = await self.server_time()
        received = time.time()
        return answer.now.timestamp() - (sent + received) / 2, answer

    async def me(self) -> Me:
        return await self._get("/me", Me)

    # --- reference data -------------------------------------------------------------------

    async def regions(self, depth: int = 5) -> list[RegionNode]:
        return await self._get_list("/regions", RegionNode, {"depth": depth})

    async def grids(self) -> list[GridCell]:
        return await self._get_list("/grids", GridCell)

    async def grid(self, code: str) -> GridPublic:
        return await self._get(f"/grids/{code}", GridPublic)

    async def locate(self, lon: float, lat: float) -> GridPublic:
        return await self._get("/grids/locate", GridPublic, {"lon": lon, "lat": lat})

    async def catalogue(
        self, kind: CategoryKind | None = None, q: str | None = None
    ) -> list[Category]:
        params: Params = {}
        if kind is not None:
            params["kind"] = kind.value
        if q:
            params["q"] = q
        return await self._get_list("/catalogue", Category, params)

    async def add_category(self, body: CategoryCreate) -> Category:
        return await self._post("/catalogue", Category, body)

    async def departments(self) -> list[Department]:
        return await self._get_list("/departments", Department)

    # --- cases ----------------------------------------------------------------------------

    async def report(self, body: CaseCreate, *, idempotency_key: str | None = None) -> ActionResult:
        """Report a new case (上报); 201 with the created case's queue row."""
        return await self._post("/cases", ActionResult, body, idempotency_key=idempotency_key)

    async def cases(
        self,
        *,
        state: str | Sequence[CaseState | str] | None = None,
        region: str | None = None,
        department: str | None = None,
        category: str | None = None,
        source: Source | str | None = None,
        overdue: bool | None = None,
        supervised: bool | None = None,
        pending: bool | None = None,
        urgent: bool | None = None,
        stage: Stage | str | None = None,
        serials: Sequence[str] = (),
        q: str | None = None,
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> CasePage:
        """One page of the case list; ``state`` may be ``"open"`` or several states.
        ``state="closed", stage="callback"``: the callbacks (回访) due; ``serials``:
        exactly these cases (at most ``SERIALS_MAX``), in any state."""
        params: Params = {}
        if state is not None:
            params["state"] = state if isinstance(state, str) else ",".join(map(str, state))
        if serials:
            params["serial"] = ",".join(serials)
        texts = {
            "stage": stage,
            "region": region,
            "department": department,
            "category": category,
            "q": q,
            "sort": sort,
            "cursor": cursor,
            "source": source,
        }
        params.update({k: str(v) for k, v in texts.items() if v})
        flags = {"overdue": overdue, "supervised": supervised, "pending": pending, "urgent": urgent}
        params.update({k: _flag(v) for k, v in flags.items() if v is not None})
        if limit is not None:
            params["limit"] = limit
        return await self._get("/cases", CasePage, params)

    async def iter_cases(self, **filters: Any) -> AsyncIterator[CaseSummary]:
        """Every matching case, page after page (same filters as :meth:`cases`)."""
        filters.pop("cursor", None)
        cursor: str | None = None
        while True:
            page = await self.cases(cursor=cursor, **filters)
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def case(
        self,
        serial: str,
        *,
        timeline_limit: int | None = None,
        timeline_before: int | None = None,
    ) -> CaseDetail:
        """One case and a page of its timeline (the newest entries; ``timeline_before`` =
        a detail's ``timeline_older`` gives the page before)."""
        params: Params = {}
        if timeline_limit is not None:
            params["timeline_limit"] = timeline_limit
        if timeline_before is not None:
            params["timeline_before"] = timeline_before
        return await self._get(f"/cases/{serial}", CaseDetail, params or None)

    async def timeline(self, serial: str, *, page: int | None = None) -> list[TimelineEntry]:
        """The case's whole timeline, oldest first, read page by page."""
        pages: list[list[TimelineEntry]] = []
        before: int | None = None
        while True:
            detail = await self.case(serial, timeline_limit=page, timeline_before=before)
            pages.append(detail.timeline)
            if detail.timeline_older is None:
                return [entry for chunk in reversed(pages) for entry in chunk]
            before = detail.timeline_older

    async def act(
        self,
        serial: str,
        request: ActionRequest,
        *,
        if_match: int | None = None,
        idempotency_key: str | None = None,
    ) -> ActionResult:
        """Apply a workflow action; ``if_match`` (the version you saw) refuses with
        :class:`~backend_client.errors.Conflict` if the case moved meanwhile."""
        headers = {"If-Match": f'"{if_match}"'} if if_match is not None else None
        return await self._post(
            f"/cases/{serial}/actions",
            ActionResult,
            request,
            headers=headers,
            idempotency_key=idempotency_key,
        )

    async def upload_photo(
        self,
        serial: str,
        data: bytes,
        phase: AttachmentPhase,
        *,
        note: str = "",
        filename: str = "photo",
        idempotency_key: str | None = None,
    ) -> ActionResult:
        """Attach a photo (JPEG, PNG or WebP) tagged before/after; 201 with the case."""
        content, content_type = multipart_body(
            {"phase": phase.value, "note": note}, ("file", filename, data)
        )
        response = await self._send(
            "POST",
            f"/cases/{serial}/attachments",
            content=content,
            headers={"Content-Type": content_type},
            idempotency_key=idempotency_key,
        )
        return _parse(ActionResult, response)

    async def photo(self, serial: str, photo_id: int) -> bytes:
        """A photo's bytes as served (location metadata stripped)."""
        return (await self._send("GET", f"/cases/{serial}/attachments/{photo_id}")).content

    async def thumbnail(self, serial: str, photo_id: int) -> bytes:
        """A photo's JPEG thumbnail (at most 320 pixels on its longer side)."""
        path = f"/cases/{serial}/attachments/{photo_id}/thumbnail"
        return (await self._send("GET", path)).content

    # --- events and stats -----------------------------------------------------------------

    async def events(self, after: int = 0, limit: int = 200) -> EventPage:
        return await self._get("/events", EventPage, {"after": after, "limit": limit})

    async def grid_stats(self) -> GridStats:
        return await self._get("/stats/grids", GridStats)

    # --- shift handover -------------------------------------------------------------------

    async def current_shift(self) -> CurrentShift:
        return await self._get("/shifts/current", CurrentShift)

    async def build_handover(
        self, body: HandoverCreate, *, idempotency_key: str | None = None
    ) -> Handover:
        """Build this shift's handover, or rebuild its unsigned draft (shift leads)."""
        return await self._post("/handovers", Handover, body, idempotency_key=idempotency_key)

    async def sign_handover(self, handover_id: int) -> Handover:
        return _parse(Handover, await self._send("POST", f"/handovers/{handover_id}/sign"))

    async def acknowledge_handover(self, handover_id: int) -> Handover:
        path = f"/handovers/{handover_id}/acknowledge"
        return _parse(Handover, await self._send("POST", path))

    async def handovers(self, *, status: str | None = None, limit: int = 50) -> list[Handover]:
        params: Params = {"limit": limit}
        if status is not None:
            params["status"] = status
        return (await self._get("/handovers", HandoverPage, params)).items

    async def handover(self, handover_id: int) -> Handover:
        return await self._get(f"/handovers/{handover_id}", Handover)

    async def handover_events(
        self, handover_id: int, after: int = 0, limit: int = 200
    ) -> EventPage:
        """One page of the shift's events in order, for the replay view."""
        params: Params = {"after": after, "limit": limit}
        return await self._get(f"/handovers/{handover_id}/events", EventPage, params)
