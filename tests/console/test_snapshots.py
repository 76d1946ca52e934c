"""SVG snapshots of the console: queue, map, dispatch dialog and case detail.

Everything on screen is fixed: ~40 cases built here, a frozen clock (so countdowns,
traffic lights and the status-bar clock never move), the demo city's grids, no network
(``connect=False`` plus a fake client answering ``case()`` and ``departments()``), the
cursor blink off and user themes read from an empty config dir.

Matrix: the queue in every size × language × theme (8); the map, the dispatch dialog and
the case detail in both sizes × both languages on the dark theme, plus one ANSI-theme
shot of each at 120×40 in Chinese (3 × 5 = 15); the tab line with each of the eleven
queues active (44), the callback dialog (4), the map with its cursor at each edge (16)
and ``--ascii`` queue, map and dispatch dialog (12), in both sizes and languages; 99
snapshots in all.

Regenerate after an intended change with
``pytest tests/console/test_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, TextArea

from backend.domain.geo import centroid
from backend.seed.citylayout import build_demo_city
from backend_client.vocab import (
    Action,
    AreaClass,
    CaseState,
    CategoryKind,
    PendingKind,
    RegionKind,
    Role,
    Source,
    Stage,
    TimeUnit,
    Urgency,
)
from backend_client.wire import (
    CaseDetail,
    CaseRef,
    CaseSummary,
    CheckEntry,
    CheckItemDef,
    CurrentShift,
    Department,
    GridCell,
    Handover,
    HandoverCreate,
    HandoverSnapshot,
    Me,
    Reporter,
    ShiftInfo,
    StageDeadline,
    TimelineEntry,
)
from console.app import CityGridApp
from console.config import ConsoleSettings
from console.messages import LinkChanged, SnapshotLoaded
from console.rows import QueueRow
from console.screens.callback_dialog import CallbackDialog
from console.screens.detail import CaseDetailScreen
from console.screens.dialogs import DispatchDialog
from console.screens.handover import HandoverScreen
from widgets.grid_map import GridMap

SnapCompare = Callable[..., bool]

LOCAL = ZoneInfo("Asia/Shanghai")
FROZEN = datetime(2026, 11, 23, 10, 0, tzinfo=LOCAL).astimezone(UTC)
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
DARK, ANSI = "citygrid-dark", "citygrid-ansi"
MERGED_REPORT = "2026-110112-009001"  # a hotline report merged into the detail case

# --- fixed data ------------------------------------------------------------------------------

DEPARTMENTS = [
    Department(code="HW", name="区环境卫生服务中心", kind="professional"),
    Department(code="SZ", name="区城市管理委员会（市政）", kind="professional"),
    Department(code="ZF", name="区城管执法局", kind="professional"),
    Department(code="YL", name="区园林绿化局", kind="professional"),
    Department(code="SW", name="区水务局", kind="professional"),
    Department(code="LD", name="区路灯管理所", kind="professional"),
    Department(code="PS", name="排水集团通州分公司", kind="utility"),
    Department(code="ZLS", name="自来水公司通州分公司", kind="utility"),
    Department(code="JD01", name="中仓街道办事处", kind="street_office", region_code="110112001"),
]
DEPT = {d.code: d for d in DEPARTMENTS}

CATEGORIES = [
    (CategoryKind.MATTER, "06010", "暴露垃圾", "HW"),
    (CategoryKind.MATTER, "06012", "积存垃圾渣土", "HW"),
    (CategoryKind.MATTER, "09009", "无照经营游商", "ZF"),
    (CategoryKind.MATTER, "07001", "违法建设", "ZF"),
    (CategoryKind.COMPONENT, "01001", "上水井盖", "ZLS"),
    (CategoryKind.COMPONENT, "01006", "雨水箅子", "PS"),
    (CategoryKind.COMPONENT, "01024", "路灯", "LD"),
    (CategoryKind.MATTER, "08004", "道路破损", "SZ"),
    (CategoryKind.MATTER, "06036", "绿地脏乱", "YL"),
]
SOURCES = [Source.SUPERVISOR, Source.HOTLINE, Source.SUPERVISOR, Source.VIDEO, Source.MEDIA]
ADDRESSES = [
    "新华大街12号",
    "中仓路与北苑路交叉口",
    "翠屏北里3号楼",
    "玉带河东街",
    "运河西大街88号",
]
SUMMARIES = [
    "路边堆放生活垃圾",
    "井盖破损有塌陷风险",
    "占道经营影响通行",
    "夜间路灯不亮",
    "积水严重",
]

# state, how many, stage the deadline belongs to, department assigned
STATES: list[tuple[CaseState, int, Stage | None, bool]] = [
    (CaseState.REPORTED, 6, Stage.INTAKE, False),
    (CaseState.VERIFYING, 3, Stage.VERIFY, False),
    (CaseState.SELF_DISPOSED, 1, Stage.CHECK, False),
    (CaseState.FILED, 8, Stage.INTAKE, False),
    (CaseState.DISPATCHED, 5, Stage.SIGN, True),
    (CaseState.IN_PROGRESS, 7, Stage.DISPOSE, True),
    (CaseState.SUSPENDED, 2, Stage.DISPOSE, True),
    (CaseState.DISPOSED, 5, Stage.CHECK, False),
    (CaseState.CHECKING, 3, Stage.CHECK, False),
    (CaseState.CLOSED, 3, Stage.CALLBACK, True),  # 回访 due
]
# minutes from FROZEN to the deadline, cycled: overdue, yellow (past warn), green, far
DUE_MINUTES = [-95, 12, 150, -7, 40, 2 * 24 * 60 + 75, 25, -600, 300, 8]


@cache
def demo_city() -> tuple[tuple[GridCell, ...], tuple[tuple[str, str], ...]]:
    specs = build_demo_city()
    cells = tuple(
        GridCell(code=s.code, lon=centroid(s.geometry)[0], lat=centroid(s.geometry)[1])
        for s in specs
        if s.kind is RegionKind.GRID
    )
    return cells, tuple((s.code, s.name) for s in specs)


def grid_codes() -> list[str]:
    cells, _names = demo_city()
    return [cells[i].code for i in range(7, len(cells), 47)]


def make_cases() -> list[CaseSummary]:
    grids = grid_codes()
    cases: list[CaseSummary] = []
    n = 0
    for state, count, stage, assigned in STATES:
        for _ in range(count):
            kind, code, name, dept = CATEGORIES[n % len(CATEGORIES)]
            grid = grids[n % len(grids)]
            due = FROZEN + timedelta(minutes=DUE_MINUTES[n % len(DUE_MINUTES)])
            span = timedelta(hours=4)
            paused = state is CaseState.SUSPENDED
            created = FROZEN - timedelta(hours=3, minutes=7 * n)
            cases.append(
                CaseSummary(
                    serial=f"2026-110112-{1200 + n * 13:06d}",
                    state=state,
                    source=SOURCES[n % len(SOURCES)],
                    category_kind=kind,
                    category_code=code,
                    category_name=name,
                    grid_code=grid,
                    street_code=grid[:9],
                    address=ADDRESSES[n % len(ADDRESSES)],
                    summary=SUMMARIES[n % len(SUMMARIES)],
                    urgency=Urgency.URGENT if n % 6 == 1 else Urgency.NORMAL,
                    department_code=dept if assigned else None,
                    department_name=DEPT[dept].name if assigned else None,
                    rework_count=1 if state is CaseState.IN_PROGRESS and n % 3 == 0 else 0,
                    supervised=n % 7 == 3,
                    urge_count=1 if n % 7 == 3 else 0,
                    pending=PendingKind.EXTENSION
                    if state is CaseState.IN_PROGRESS and n % 4 == 1
                    else None,
                    stage=stage,
                    warn_at=due - span * 0.2,
                    deadline_at=due,
                    paused_at=FROZEN - timedelta(hours=5) if paused else None,
                    version=3,
                    created_at=created,
                    updated_at=created + timedelta(minutes=30),
                )
            )
            n += 1
    return cases


CASES = make_cases()
ME = Me(
    username="lead",
    display_name="王建国",
    role=Role.SHIFT_LEAD,
    jurisdiction_code="110112",
    jurisdiction_name="通州区",
)
# The first filed case in the deadline-sorted 待派遣 queue: what `3` then `d` dispatches.
FILED = sorted(
    (c for c in CASES if c.state is CaseState.FILED),
    key=lambda c: (c.deadline_at, c.serial),
)[0]


def stage_deadline(
    stage: Stage, started: datetime, hours: float, *, done: bool = False, label: str = ""
) -> StageDeadline:
    due = started + timedelta(hours=hours)
    return StageDeadline(
        stage=stage,
        started_at=started,
        warn_at=started + timedelta(hours=hours * 0.8),
        due_at=due,
        unit=TimeUnit.WORKING_HOUR,
        limit_label=label or f"{hours:g}工作时",
        done_at=started + timedelta(hours=hours * 0.5) if done else None,
    )


def filed_detail() -> CaseDetail:
    """The dispatch dialog's case: filed, routed to its category's department."""
    base = FILED.model_dump()
    created = FILED.created_at
    dept = next(c[3] for c in CATEGORIES if c[1] == FILED.category_code)
    return CaseDetail(
        **base,
        description=f"{FILED.summary}，{FILED.address}附近，请尽快处理。",
        lon=116.65621,
        lat=39.90912,
        area_class=AreaClass.A,
        reporters=[Reporter(name="李秀英", phone="138****2046", source=FILED.source)],
        deadlines=[stage_deadline(Stage.INTAKE, created, 1, label="1工作时")],
        suggested_department=DEPT[dept],
        dispatch_preview=stage_deadline(Stage.SIGN, FROZEN, 0.5, label="30分钟"),
        dispose_limit="2工作日",
        allowed_actions=[Action.DISPATCH, Action.VOID, Action.MERGE, Action.COMMENT],
        timeline=[
            TimelineEntry(
                seq=8812,
                action=Action.REPORT,
                actor="赵监督员",
                actor_role=Role.SUPERVISOR,
                at=created,
                data={
                    "source": "supervisor",
                    "urgency": "normal",
                    "category": f"matter:{FILED.category_code}",
                    "self_disposed": False,
                },
            ),
            TimelineEntry(
                seq=8840,
                action=Action.FILE,
                actor="孙受理员",
                actor_role=Role.OPERATOR,
                at=created + timedelta(minutes=6),
            ),
        ],
    )


def in_progress_detail() -> CaseDetail:
    """The detail screen's case: in progress, supervised and urged, extended, reworked once."""
    case = next(c for c in CASES if c.state is CaseState.IN_PROGRESS and c.supervised)
    assert case.deadline_at is not None and case.department_code is not None
    dispose_start = case.deadline_at - timedelta(hours=16)
    dispatched = dispose_start - timedelta(minutes=25)
    created = dispatched - timedelta(minutes=40)
    return CaseDetail(
        **case.model_dump(exclude={"created_at"}),
        created_at=created,
        description=f"{case.address}一段{case.category_name}夜间不亮，行人反映看不清路面，已持续三天。",
        lon=116.65621,
        lat=39.90912,
        area_class=AreaClass.A,
        reporters=[
            Reporter(name="", phone="", source=case.source, serial=case.serial),
            Reporter(
                name="张先生",
                phone="139****7781",
                source=Source.HOTLINE,
                serial=MERGED_REPORT,
            ),
        ],
        deadlines=[
            stage_deadline(Stage.INTAKE, created, 1, done=True),
            stage_deadline(Stage.SIGN, dispatched, 0.5, done=True),
            stage_deadline(Stage.DISPOSE, dispose_start, 16, label="2工作日"),
        ],
        extension_hours=8,
        allowed_actions=[Action.SUPERVISE, Action.URGE, Action.COMMENT],
        timeline=[
            TimelineEntry(
                seq=7001, action=Action.REPORT, actor="媒体热线", actor_role=Role.OPERATOR,
                at=created, data={
                    "source": case.source.value, "urgency": case.urgency.value,
                    "category": f"{case.category_kind.value}:{case.category_code}",
                    "self_disposed": False,
                },
            ),
            TimelineEntry(
                seq=7020, action=Action.FILE, actor="孙受理员", actor_role=Role.OPERATOR,
                at=created + timedelta(minutes=20),
            ),
            TimelineEntry(
                seq=7044, action=Action.DISPATCH, actor="钱派遣员", actor_role=Role.DISPATCHER,
                at=dispatched, data={"department": case.department_code},
            ),
            TimelineEntry(
                seq=7090, action=Action.SIGN, actor="路灯所一班", actor_role=Role.HANDLER,
                at=dispatched + timedelta(minutes=15),
            ),
            TimelineEntry(
                seq=7301, action=Action.SUPERVISE, actor="王建国", actor_role=Role.SHIFT_LEAD,
                at=FROZEN - timedelta(minutes=30), data={"note": "群众反映强烈"},
            ),
        ],
    )  # fmt: skip


DETAIL = in_progress_detail()

DAY = ShiftInfo(id="day", zh="早班", en="day shift", start="08:00", end="16:00")
EVENING = ShiftInfo(id="evening", zh="中班", en="evening shift", start="16:00", end="24:00")
CHECKLIST = [
    CheckItemDef(id="video_wall", zh="大屏/视频墙", en="video wall"),
    CheckItemDef(id="phones", zh="热线电话与录音", en="hotline phones and recording"),
    CheckItemDef(id="radio", zh="对讲机与充电", en="radios charged"),
]
SHIFT_START = datetime(2026, 11, 23, 8, 0, tzinfo=LOCAL).astimezone(UTC)
SHIFT_NOW = CurrentShift(
    shift=DAY,
    starts_at=SHIFT_START,
    ends_at=SHIFT_START + timedelta(hours=8),
    next=EVENING,
    lead=ME.display_name,
    handover_id=7,
    checklist=CHECKLIST,
    due_within_working_hours=4,
)


def handover_record() -> Handover:
    """The day shift's draft, its snapshot counted from the fixed cases."""
    open_cases = [c for c in CASES if c.state.is_open]  # not the callbacks due
    open_by_state: dict[str, int] = {}
    for c in open_cases:
        open_by_state[c.state.value] = open_by_state.get(c.state.value, 0) + 1
    late = [c for c in open_cases if c.deadline_at and SHIFT_START <= c.deadline_at <= FROZEN]
    soon = [
        c
        for c in open_cases
        if c.deadline_at and FROZEN < c.deadline_at <= FROZEN + timedelta(hours=4)
    ]

    def ref(c: CaseSummary) -> CaseRef:
        return CaseRef(
            serial=c.serial,
            state=c.state,
            grid_code=c.grid_code,
            category_name=c.category_name,
            deadline_at=c.deadline_at,
        )

    return Handover(
        id=7,
        status="draft",
        jurisdiction_code="110112",
        shift=DAY,
        starts_at=SHIFT_START,
        ends_at=SHIFT_START + timedelta(hours=8),
        to_shift=EVENING,
        author=ME.username,
        author_name=ME.display_name,
        created_at=FROZEN,
        notes="3 号大屏闪烁，已报修。",
        checklist=[
            CheckEntry(id="video_wall", checked=False, remark="3 号屏闪烁"),
            CheckEntry(id="phones", checked=True),
            CheckEntry(id="radio", checked=True),
        ],
        snapshot=HandoverSnapshot(
            as_of=FROZEN,
            open_total=len(open_cases),
            open_by_state=open_by_state,
            due_within_working_hours=4,
            due_soon=len(soon),
            due_soon_cases=[ref(c) for c in soon[:3]],
            pending={"extension": sum(1 for c in open_cases if c.pending)},
            supervised=sum(1 for c in open_cases if c.supervised),
            urged=sum(1 for c in open_cases if c.urge_count),
            went_overdue=len(late),
            went_overdue_cases=[ref(c) for c in late[:3]],
            filed=6,
            dispatched=5,
            closed=3,
        ),
        version=1,
    )


HANDOVER = handover_record()


class FakeClient:
    """What the screens ask the network for, answered from the fixed data."""

    def __init__(self) -> None:
        self.details = {FILED.serial: filed_detail(), DETAIL.serial: DETAIL}

    async def case(self, serial: str) -> CaseDetail:
        return self.details[serial]

    async def departments(self) -> list[Department]:
        return list(DEPARTMENTS)

    async def handovers(self, **_filters: object) -> list[Handover]:
        return []  # nothing waiting: the status bar stays as the other snapshots show it

    async def current_shift(self) -> CurrentShift:
        return SHIFT_NOW

    async def handover(self, handover_id: int) -> Handover:
        assert handover_id == HANDOVER.id
        return HANDOVER

    async def build_handover(self, body: HandoverCreate, **_kw: object) -> Handover:
        return HANDOVER.model_copy(update={"notes": body.notes or HANDOVER.notes})

    async def aclose(self) -> None:
        return None


# --- the app under test ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user themes or keymaps from the real config dir, no 16-colour env leaking in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def make_app(
    lang: str, theme: str, monkeypatch: pytest.MonkeyPatch, *, ascii_glyphs: bool = False
) -> CityGridApp:
    if theme == ANSI:  # what `citygrid console --ansi` does
        monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    settings = ConsoleSettings(
        server="http://127.0.0.1:9",
        token="cg_test",
        lang=lang,
        theme=theme,
        bell=False,
        ascii=ascii_glyphs,
    )
    app = CityGridApp(
        settings,
        client=FakeClient(),  # type: ignore[arg-type]
        clock=lambda: FROZEN,
        connect=False,
    )
    cells, names = demo_city()
    app.grid_cells = list(cells)
    app.region_names = dict(names)
    return app


async def wait_until(pilot: Pilot[object], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (bounded, so a broken screen fails)."""
    deadline = time.monotonic() + 10.0
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the screen did not reach the expected state")
        await pilot.pause(0.02)


def _no_blink(pilot: Pilot[object]) -> None:
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False


def prepare(
    then: Callable[[Pilot[object]], Awaitable[None]] | None = None,
) -> Callable[[Pilot[object]], Awaitable[None]]:
    """Load the fixed snapshot into the app as the link would, then drive it."""

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        assert isinstance(app, CityGridApp)
        # The queue screen must be composed before the model messages arrive.
        await wait_until(pilot, lambda: bool(app.screen.query("#cases")))
        _no_blink(pilot)
        app.post_message(LinkChanged("live", 0.0, FROZEN))
        app.post_message(SnapshotLoaded([QueueRow.from_summary(c) for c in CASES], 9000, ME, 0.0))
        await wait_until(pilot, lambda: app.model.loaded and app.link_state == "live")
        if then is not None:
            await then(pilot)
        _no_blink(pilot)
        await pilot.pause()

    return run_before


async def open_map(pilot: Pilot[object]) -> None:
    await pilot.press("M")
    await wait_until(pilot, lambda: pilot.app.query_one(GridMap).display)


async def open_dispatch(pilot: Pilot[object]) -> None:
    await pilot.press("3")
    await pilot.pause()
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DispatchDialog))


async def open_detail(pilot: Pilot[object]) -> None:
    pilot.app.push_screen(CaseDetailScreen(DETAIL.serial))
    await wait_until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, CaseDetailScreen) and pilot.app.screen.case is not None
        ),
    )


# --- the snapshots ---------------------------------------------------------------------------

FULL = [
    pytest.param(size, lang, theme, id=f"{size}-{lang}-{theme.removeprefix('citygrid-')}")
    for theme in (DARK, ANSI)
    for lang in ("zh", "en")
    for size in SIZES
]
REDUCED = [
    *(
        pytest.param(size, lang, DARK, id=f"{size}-{lang}-dark")
        for lang in ("zh", "en")
        for size in SIZES
    ),
    pytest.param("120x40", "zh", ANSI, id="120x40-zh-ansi"),
]


@pytest.mark.parametrize(("size", "lang", "theme"), FULL)
def test_queue(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str, theme: str
) -> None:
    """The 待受理 queue: tab counts, countdown glyphs (! overdue, ▲ warning), 督 marks."""
    app = make_app(lang, theme, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare())


@pytest.mark.parametrize(("size", "lang", "theme"), REDUCED)
def test_map(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str, theme: str
) -> None:
    """`M`: the district map with per-grid status glyphs and the cursor caption."""
    app = make_app(lang, theme, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(open_map))


@pytest.mark.parametrize(("size", "lang", "theme"), REDUCED)
def test_dispatch_dialog(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str, theme: str
) -> None:
    """`3` then `d`: the routed department first, starred and highlighted; the sign-for
    deadline a dispatch would set."""
    app = make_app(lang, theme, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(open_dispatch))


@pytest.mark.parametrize(("size", "lang", "theme"), REDUCED)
def test_case_detail(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str, theme: str
) -> None:
    """The detail screen: fields, the stage deadlines and the timeline."""
    app = make_app(lang, theme, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(open_detail))


BOTH = [pytest.param(size, lang, id=f"{size}-{lang}") for lang in ("zh", "en") for size in SIZES]


def press(*keys: str) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run(pilot: Pilot[object]) -> None:
        await pilot.press(*keys)
        await pilot.pause()

    return run


@pytest.mark.parametrize("hotkey", list("1234567890C"))
@pytest.mark.parametrize(("size", "lang"), BOTH)
def test_tab_line(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str, hotkey: str
) -> None:
    """Each queue's key: the active tab whole and bracketed, all eleven keys on the line."""
    app = make_app(lang, DARK, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(press(hotkey)))


async def open_callback(pilot: Pilot[object]) -> None:
    await pilot.press("C")
    await pilot.pause()
    await pilot.press("b")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallbackDialog))


@pytest.mark.parametrize(("size", "lang"), BOTH)
def test_callback_dialog(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str
) -> None:
    """`C` then `b`: the four results, the redo hint and the note field."""
    app = make_app(lang, DARK, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(open_callback))


EDGES = {"top": "up", "bottom": "down", "left": "left", "right": "right"}


def map_edge(arrow: str) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run(pilot: Pilot[object]) -> None:
        await open_map(pilot)
        grid_map = pilot.app.query_one(GridMap)
        for _ in range(80):
            before = grid_map.cursor
            await pilot.press(arrow)
            if grid_map.cursor == before:
                return
        raise AssertionError("the cursor never reached the edge")

    return run


@pytest.mark.parametrize("edge", list(EDGES))
@pytest.mark.parametrize(("size", "lang"), BOTH)
def test_map_edge(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str, edge: str
) -> None:
    """The map with its cursor pushed to each edge: the cursor and its grid stay in view."""
    app = make_app(lang, DARK, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(map_edge(EDGES[edge])))


@pytest.mark.parametrize("screen", ["queue", "map", "dispatch"])
@pytest.mark.parametrize(("size", "lang"), BOTH)
def test_ascii(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, size: str, lang: str, screen: str
) -> None:
    """`--ascii`: borders, status bar, table, footer and map in ASCII; user data as it is."""
    app = make_app(lang, DARK, monkeypatch, ascii_glyphs=True)
    then = {"queue": None, "map": open_map, "dispatch": open_dispatch}[screen]
    assert snap_compare(app, terminal_size=SIZES[size], run_before=prepare(then))


async def open_handover(pilot: Pilot[object]) -> None:
    await pilot.press("H")
    await wait_until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, HandoverScreen)
            and pilot.app.screen.handover is not None
            and len(pilot.app.screen.query(Checkbox)) == len(CHECKLIST)
        ),
    )
    for field in pilot.app.screen.query(TextArea):
        field.cursor_blink = False


def test_handover(snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch) -> None:
    """`H` at 80×24: the shift, the snapshot's counts, notes, the checklist, the buttons."""
    app = make_app("zh", DARK, monkeypatch)
    assert snap_compare(app, terminal_size=SIZES["80x24"], run_before=prepare(open_handover))


def test_fixture_covers_the_cases_the_snapshots_are_about() -> None:
    lights = {
        "overdue": any(c.deadline_at and c.deadline_at <= FROZEN for c in CASES),
        "yellow": any(
            c.warn_at and c.warn_at <= FROZEN < c.deadline_at for c in CASES if c.deadline_at
        ),
        "paused": any(c.paused_at for c in CASES),
        "urgent": any(c.urgency is Urgency.URGENT for c in CASES),
        "supervised": any(c.supervised for c in CASES),
        "pending": any(c.pending for c in CASES),
    }
    assert all(lights.values()), lights
    assert 35 <= len(CASES) <= 45
