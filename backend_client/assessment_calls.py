"""The client's assessment calls (考核评价): rankings, drill-down, notice, export,
publication and appeals.  Mixed into :class:`backend_client.client.CitygridClient`, which
supplies the transport.  The assessment models load at a call's first use: a console
that never opens the assessment screen does not pay for them at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import BaseModel

if TYPE_CHECKING:
    from backend_client.assessment import FigureCases, Notice, ObjectFamily, ObjectType, Ranking
    from backend_client.publication import (
        Appeal,
        AppealCreate,
        AppealDecision,
        Publication,
        PublicationInfo,
    )

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Params = dict[str, str | int | float]


class AssessmentCalls:
    if TYPE_CHECKING:  # the transport, from CitygridClient

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
        ) -> httpx.Response: ...
        async def _get(self, path: str, model: type[M], params: Params | None = None) -> M: ...
        async def _get_list(
            self, path: str, item: type[T], params: Params | None = None
        ) -> list[T]: ...
        async def _post(self, path: str, model: type[M], body: BaseModel, **kw: Any) -> M: ...

    async def rankings(
        self, period: str, family: ObjectFamily = "department", *, published: bool = False
    ) -> Ranking:
        params: Params = {"period": period, "family": family}
        if published:
            params["published"] = "true"
        from backend_client.assessment import Ranking

        return await self._get("/assessment/rankings", Ranking, params)

    async def figure_cases(
        self, period: str, type_: ObjectType, object_id: str, counter: str
    ) -> FigureCases:
        """The cases behind one counter of one object in the period (drill-down)."""
        params: Params = {"period": period, "type": type_, "id": object_id, "counter": counter}
        from backend_client.assessment import FigureCases

        return await self._get("/assessment/cases", FigureCases, params)

    async def notice(self, period: str) -> Notice:
        from backend_client.assessment import Notice

        return await self._get("/assessment/notice", Notice, {"period": period})

    async def assessment_export(self, period: str, fmt: str = "xlsx") -> bytes:
        params: Params = {"period": period, "format": fmt}
        return (await self._send("GET", "/assessment/export", params=params)).content

    async def publications(self) -> list[PublicationInfo]:
        """Every revision of every published period, newest period first."""
        from backend_client.publication import PublicationInfo

        return await self._get_list("/assessment/publications", PublicationInfo)

    async def publish(self, period: str, *, idempotency_key: str | None = None) -> Publication:
        """Freeze the period's figures as revision 1 (shift leads and administrators)."""
        from backend_client.publication import Publication, PublicationCreate

        body = PublicationCreate(period=period)
        return await self._post(
            "/assessment/publications", Publication, body, idempotency_key=idempotency_key
        )

    async def appeals(self, *, mine: bool = False) -> list[Appeal]:
        params: Params = {"mine": "true"} if mine else {}
        from backend_client.publication import Appeal

        return await self._get_list("/assessment/appeals", Appeal, params)

    async def file_appeal(
        self, body: AppealCreate, *, idempotency_key: str | None = None
    ) -> Appeal:
        from backend_client.publication import Appeal

        return await self._post(
            "/assessment/appeals", Appeal, body, idempotency_key=idempotency_key
        )

    async def decide_appeal(
        self, appeal_id: int, body: AppealDecision, *, idempotency_key: str | None = None
    ) -> Appeal:
        from backend_client.publication import Appeal

        path = f"/assessment/appeals/{appeal_id}/decision"
        return await self._post(path, Appeal, body, idempotency_key=idempotency_key)
