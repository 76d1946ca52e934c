"""The draft monthly notice (通报): intake by source, the closing figures, the high-frequency
categories and grids, the bottom units of each group and every case that failed its
on-site check the policy's number of times or more, with a Chinese text a leader can sign.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.assessment.facts import CaseFacts
from backend.domain.assessment.periods import NamedPeriod
from backend.models import AssessmentFactRow, CaseRow
from backend.services.reference import Reference
from backend_client.assessment import (
    CountedItem,
    FailedChecksCase,
    NamedUnit,
    Notice,
    PeriodInfo,
    RankedObject,
    Ranking,
)
from backend_client.labels import zh
from backend_client.vocab import Source

Counts = dict[str, int]
NOT_INTAKE = ("merged",)  # a merged report is counted once, under the case it joined


def percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 2) if whole else None


async def draft_notice(
    session: AsyncSession,
    ref: Reference,
    period: NamedPeriod,
    window: tuple[datetime, datetime],
    scope_prefix: str,
    regions: Ranking,
    departments: Ranking,
    *,
    failed_checks: int,
    bottom: int,
    top: tuple[int, int],
) -> Notice:
    start, end = window
    reported = (
        col(CaseRow.created_at) >= start,
        col(CaseRow.created_at) < end,
        col(CaseRow.grid_code).startswith(scope_prefix),
        col(CaseRow.state).not_in(NOT_INTAKE),
    )
    by_source, categories, grids = await _intake(session, reported)
    streets = [o for o in regions.objects if o.type == "street"]
    totals = {
        name: int(sum(o.counters.get(name, 0) for o in streets))
        for name in ("filed", "close_due", "closed", "closed_on_time")
    }
    top_categories = [
        CountedItem(code=key, name=ref.category_name(*key.split(":", 1)), count=count)
        for key, count in _top(categories, top[0])
    ]
    top_grids = [
        CountedItem(code=code, name=ref.name_of(code), count=count)
        for code, count in _top(grids, top[1])
    ]
    units = [_unit(o) for o in [*departments.objects, *streets] if o.bottom]
    failing = await _failing(session, ref, window, scope_prefix, failed_checks)
    accepted = sum(by_source.values())
    notice = Notice(
        period=PeriodInfo(name=period.name, first=period.first, last=period.last),
        policy_version=regions.policy_version,
        accepted=accepted,
        by_source=by_source,
        closing_rate=percent(totals["closed"], totals["close_due"]),
        on_time_closing_rate=percent(totals["closed_on_time"], totals["close_due"]),
        top_categories=top_categories,
        top_grids=top_grids,
        bottom_units=units,
        failed_checks=failing,
        text_zh="",
        **totals,
    )
    return notice.model_copy(update={"text_zh": notice_text(notice, bottom)})


def notice_text(notice: Notice, bottom: int) -> str:
    """The notice as a centre writes it (after the Tianmen monthly notice's shape)."""
    sources = "，".join(
        f"{_source_name(code)} {count:,}件（{_pct(percent(count, notice.accepted))}）"
        for code, count in sorted(notice.by_source.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    when = _when(notice.period)
    lines = [
        f"{when}，共受理案件{notice.accepted:,}件" + (f"，其中{sources}" if sources else "") + "。",
        f"立案{notice.filed:,}件，应结案{notice.close_due:,}件，已结案{notice.closed:,}件，"
        f"结案率{_pct(notice.closing_rate)}；按期结案{notice.closed_on_time:,}件，"
        f"按期结案率{_pct(notice.on_time_closing_rate)}。",
    ]
    if notice.top_categories:
        lines.append(
            "高发问题："
            + "、".join(f"{item.name}（{item.count:,}件）" for item in notice.top_categories)
            + "。"
        )
    if notice.top_grids:
        lines.append(
            "高发网格："
            + "、".join(f"{item.name}（{item.count:,}件）" for item in notice.top_grids)
            + "。"
        )
    if notice.bottom_units:
        lines.append(
            f"综合评价排名后{bottom}位、须书面说明原因的单位："
            + "、".join(
                f"{u.name}（{u.composite:.2f}分，{u.grade}等）" for u in notice.bottom_units
            )
            + "。"
        )
    if notice.failed_checks:
        lines.append(
            "核查多次未通过的案件："
            + "；".join(
                f"{c.serial}（{c.failed_checks}次，计入{c.department}）"
                for c in notice.failed_checks
            )
            + "。"
        )
    return "\n".join(lines)


def _when(period: PeriodInfo) -> str:
    first, last = period.first, period.last
    if len(period.name) == 7 and period.name[4] == "-":  # a month: 2026-11
        return f"{first.year}年{first.month}月"
    return f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日"


def _source_name(code: str) -> str:
    try:
        return zh(Source(code))
    except ValueError:
        return code


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


async def _intake(
    session: AsyncSession, where: Sequence[ColumnElement[bool]]
) -> tuple[Counts, Counts, Counts]:
    """The cases ``where`` picks counted by source, by category (``kind:code``) and by
    grid, in one read of the period's cases (through ``ix_case_created``)."""
    stmt = intake_query(where)
    by_source: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    grids: Counter[str] = Counter()
    for source, kind, code, grid, count in await (await session.connection()).execute(stmt):
        by_source[source] += count
        categories[f"{kind}:{code}"] += count
        grids[grid] += count
    return dict(sorted(by_source.items())), dict(categories), dict(grids)


def intake_query(where: Sequence[ColumnElement[bool]]) -> Select[str, str, str, str, int]:
    keys = (
        col(CaseRow.source),
        col(CaseRow.category_kind),
        col(CaseRow.category_code),
        col(CaseRow.grid_code),
    )
    return select(*keys, func.count()).where(*where).group_by(*keys)


def _top(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _unit(item: RankedObject) -> NamedUnit:
    return NamedUnit(
        type=item.type,
        id=item.id,
        name=item.name,
        group=item.group,
        composite=item.composite,
        grade=item.grade,
        rank=item.rank,
        group_size=item.group_size,
    )


def failing_query(scope_prefix: str, threshold: int) -> Select[Any]:
    """The cases sent back ``threshold`` times or more (through ``ix_case_rework``)."""
    return (
        select(col(CaseRow.serial), col(AssessmentFactRow.facts))
        .join(AssessmentFactRow, col(AssessmentFactRow.case_id) == col(CaseRow.id))
        .where(col(CaseRow.rework_count) >= threshold)
        .where(col(CaseRow.grid_code).startswith(scope_prefix))
    )


async def _failing(
    session: AsyncSession,
    ref: Reference,
    window: tuple[datetime, datetime],
    scope_prefix: str,
    threshold: int,
) -> list[FailedChecksCase]:
    stmt = failing_query(scope_prefix, threshold)
    found: list[FailedChecksCase] = []
    for serial, body in (await (await session.connection()).execute(stmt)).all():
        facts = CaseFacts.from_json(body)
        disposals = [run for run in facts.runs if run.stage == "dispose" and run.due_at]
        if facts.failed_checks < threshold or not disposals:
            continue
        due = datetime.fromisoformat(str(disposals[-1].due_at))
        if not window[0] <= due < window[1]:
            continue
        department = ref.department(disposals[-1].department_id)
        found.append(
            FailedChecksCase(
                serial=serial,
                failed_checks=facts.failed_checks,
                department=department.name if department else "—",
            )
        )
    return sorted(found, key=lambda c: (-c.failed_checks, c.serial))
