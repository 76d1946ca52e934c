"""Assessment figures for the console: period names, the rankings cache and trends.

Periods are the API's names: ``2026-11`` (month), ``2026-W48`` (ISO week), ``2026-Q4``,
``2026``.  A ranking of a past period does not change unless it is published again, so
the cache keeps every ranking it fetched for the life of the screen; the current period
is fetched again on ``refresh``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from backend_client.assessment import Figure, FigureCases, ObjectFamily, RankedObject, Ranking
from backend_client.client import CitygridClient
from backend_client.errors import CitygridError
from backend_client.labels import label
from backend_client.vocab import DepartmentKind, RegionKind, Role
from backend_client.wire import SERIALS_MAX
from console.localtime import local
from console.rows import QueueRow

TREND_PERIODS = 12
CASE_SET_MAX = 1000  # the cases behind one figure the queue shows at most
BLOCKS = "▁▂▃▄▅▆▇█"
GRADE_DOTS = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}
GRADE_CLASS = {"A": "green", "B": "green", "C": "yellow", "D": "red", "E": "red"}
FAMILIES: tuple[ObjectFamily, ...] = ("region", "department", "post")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def this_month(now: datetime) -> str:
    day = local(now).date()
    return f"{day.year}-{day.month:02d}"


def today(now: datetime) -> str:
    """Today as a one-day period (``2026-12-02..2026-12-02``)."""
    day = local(now).date().isoformat()
    return f"{day}..{day}"


def is_period(text: str) -> bool:
    """A month, ISO week, quarter or year the screen can step from (``2026-W99`` is not)."""
    text = text.strip()
    try:
        return shift_period(text, 0) == text
    except ValueError:
        return False


def is_range(text: str) -> bool:
    """A custom range of days, ``2026-11-01..2026-11-15`` (first day not after the last)."""
    first, dots, last = text.strip().partition("..")
    try:
        return bool(dots) and date.fromisoformat(first) <= date.fromisoformat(last)
    except ValueError:
        return False


def shift_period(name: str, step: int) -> str:
    """The period ``step`` periods after ``name`` (before, for a negative step)."""
    if m := _MONTH.match(name):
        index = int(m[1]) * 12 + int(m[2]) - 1 + step
        return f"{index // 12}-{index % 12 + 1:02d}"
    if m := _WEEK.match(name):
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1) + timedelta(weeks=step)
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d}"
    if m := _QUARTER.match(name):
        index = int(m[1]) * 4 + int(m[2]) - 1 + step
        return f"{index // 4}-Q{index % 4 + 1}"
    if m := _YEAR.match(name):
        return str(int(m[1]) + step)
    raise ValueError(f"not a period: {name!r}")


def grade_text(grade: str, ascii_glyphs: bool = False) -> str:
    """``A ●●●●●`` … ``E ●○○○○``: the letter and the dots say it without colour."""
    dots = GRADE_DOTS.get(grade, 0)
    full, empty = ("#", ".") if ascii_glyphs else ("●", "○")
    return f"{grade} {full * dots}{empty * (5 - dots)}"


def group_label(group: str, lang: str) -> str:
    """A ranking group (a region kind, a department kind or a post's role) in words."""
    for vocabulary in (RegionKind, DepartmentKind, Role):
        try:
            return label(vocabulary(group), lang)
        except ValueError:
            continue
    return group


def shared_kind(ranking: Ranking | None) -> bool:
    """Whether every object is scored by the same formula, so that one header names each
    key-figure column (posts mix supervisors, operators, dispatchers and shift leads)."""
    return ranking is not None and len({o.kind for o in ranking.objects}) == 1


def figure(obj: RankedObject, figure_id: str) -> Figure | None:
    return next((f for f in obj.figures if f.id == figure_id), None)


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def spark(values: Sequence[float | None], ascii_glyphs: bool = False) -> str:
    """A text sparkline (one cell per value; a gap for a period with no figure)."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    blocks = "_.-=+*#@" if ascii_glyphs else BLOCKS
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        else:
            level = 0 if high == low else round((value - low) / (high - low) * 7)
            out.append(blocks[level])
    return "".join(out)


@dataclass
class RankingCache:
    """Rankings by (period, family), fetched once each; trends are read from them."""

    client: CitygridClient
    rankings: dict[tuple[str, ObjectFamily], Ranking] = field(default_factory=dict)
    failed: set[tuple[str, ObjectFamily]] = field(default_factory=set)
    published: dict[tuple[str, ObjectFamily, int], Ranking] = field(default_factory=dict)

    async def get(self, period: str, family: ObjectFamily, *, fresh: bool = False) -> Ranking:
        key = (period, family)
        if fresh or key not in self.rankings:
            self.rankings[key] = await self.client.rankings(period, family)
        return self.rankings[key]

    async def frozen(self, period: str, family: ObjectFamily, revision: int) -> Ranking:
        """The period's ranking as published in ``revision`` (its latest): a revision
        never changes, so it is fetched once."""
        key = (period, family, revision)
        if key not in self.published:
            self.published[key] = await self.client.rankings(period, family, published=True)
        return self.published[key]

    async def fill_trend(self, period: str, family: ObjectFamily) -> bool:
        """Fetch the previous periods' rankings not yet cached; True if any came in.
        A custom range (``2026-11-01..2026-11-15``) has no previous periods."""
        fetched = False
        if not is_period(period):
            return fetched
        for step in range(1, TREND_PERIODS):
            key = (shift_period(period, -step), family)
            if key in self.rankings or key in self.failed:
                continue
            try:
                self.rankings[key] = await self.client.rankings(*key)
            except CitygridError:
                self.failed.add(key)  # before the centre's history, or out of scope
                continue
            fetched = True
        return fetched

    def trend(self, period: str, family: ObjectFamily, obj: RankedObject) -> list[float | None]:
        """The object's composite over the last ``TREND_PERIODS`` periods, oldest first."""
        values: list[float | None] = []
        if not is_period(period):
            return values
        for step in range(TREND_PERIODS - 1, -1, -1):
            ranking = self.rankings.get((shift_period(period, -step), family))
            found = None
            if ranking is not None:
                found = next(
                    (o for o in ranking.objects if o.type == obj.type and o.id == obj.id), None
                )
            values.append(None if found is None else found.composite)
        return values


def figure_serials(found: FigureCases) -> list[str]:
    """The distinct cases behind a figure, in the order counted."""
    return list(dict.fromkeys(c.serial for c in found.cases))


async def rows_of(client: CitygridClient, serials: Sequence[str]) -> list[QueueRow]:
    """The queue rows of these cases, open or closed (``GET /cases?serial=``, in batches)."""
    rows: list[QueueRow] = []
    for start in range(0, len(serials), SERIALS_MAX):
        batch = serials[start : start + SERIALS_MAX]
        page = await client.cases(serials=batch, sort="created", limit=len(batch))
        rows.extend(QueueRow.from_summary(item) for item in page.items)
    return rows
