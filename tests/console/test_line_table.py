"""LineTable: keyboard navigation, tags, model changes, partial repaints, CJK, 1M rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from widgets.countdown import COUNTDOWN_WIDTH, LIGHT_CLASS, format_countdown
from widgets.line_table import GUTTER_WIDTH, HEADER_HEIGHT, Column, LineTable, fit_cells

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SIZE = (80, 24)
BODY = SIZE[1] - HEADER_HEIGHT  # no horizontal scrollbar: the columns fit in 80 cells


@dataclass
class Row:
    key: str
    title: str
    deadline: datetime | None
    version: int = 0


class ListModel:
    """A materialised, re-orderable model (what the app's queue view looks like)."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.row_at_calls = 0
        self._reindex()

    def _reindex(self) -> None:
        self._index = {row.key: i for i, row in enumerate(self.rows)}

    def reorder(self, rows: list[Row]) -> None:
        self.rows = rows
        self._reindex()

    def __len__(self) -> int:
        return len(self.rows)

    def key_at(self, index: int) -> str:
        return self.rows[index].key

    def index_of(self, key: str) -> int | None:
        return self._index.get(key)

    def row_at(self, index: int) -> Row:
        self.row_at_calls += 1
        return self.rows[index]


class SyntheticModel:
    """``count`` rows built on demand: nothing is ever iterated."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.row_at_calls = 0

    def __len__(self) -> int:
        return self.count

    def key_at(self, index: int) -> str:
        return f"c{index:07d}"

    def index_of(self, key: str) -> int | None:
        index = int(key[1:])
        return index if 0 <= index < self.count else None

    def row_at(self, index: int) -> Row:
        self.row_at_calls += 1
        return Row(self.key_at(index), f"案件 {index}", NOW + timedelta(minutes=index % 500 - 60))


def make_rows(count: int) -> list[Row]:
    return [Row(f"k{i:03d}", f"row {i}", NOW + timedelta(minutes=7 * i - 60)) for i in range(count)]


def countdown(row: Row, now: datetime) -> tuple[str, str]:
    text, light = format_countdown(now, row.deadline, None, warn_at=None)
    return text, LIGHT_CLASS[light]


COLUMNS = [
    Column("key", "编号", 8, lambda row, _now: (row.key, "")),
    Column("title", "事项", 24, lambda row, _now: (row.title, "")),
    Column("deadline", "期限", COUNTDOWN_WIDTH, countdown, live=True, align="right"),
    Column("state", "状态", 8, lambda row, _now: ("处置中", "")),
]
DEADLINE_X = GUTTER_WIDTH + 8 + 1 + 24 + 1  # where the live column starts on screen


class TableApp(App[None]):
    def __init__(self, model: Any, columns: list[Column] | None = None) -> None:
        super().__init__()
        self.model = model
        self.columns = columns or COLUMNS
        self.messages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield LineTable(self.columns, self.model, now=lambda: NOW, id="table")

    def on_line_table_selected(self, message: LineTable.Selected) -> None:
        self.messages.append(("selected", message.key))

    def on_line_table_tags_changed(self, message: LineTable.TagsChanged) -> None:
        self.messages.append(("tags", message.count))

    def on_line_table_highlighted(self, message: LineTable.Highlighted) -> None:
        self.messages.append(("highlighted", message.key))

    @property
    def table(self) -> LineTable:
        return self.query_one(LineTable)


class RenderSpy:
    """Counts render_line calls (the StylesCache looks the method up on the instance)."""

    def __init__(self, table: LineTable) -> None:
        self.lines: list[int] = []
        original = table.render_line

        def spy(y: int) -> Strip:
            self.lines.append(y)
            return original(y)

        table.render_line = spy  # type: ignore[method-assign]

    def reset(self) -> None:
        self.lines.clear()


class RefreshSpy:
    def __init__(self, table: LineTable) -> None:
        self.calls: list[tuple[Region, ...]] = []
        original = table.refresh

        def spy(*regions: Region, **kwargs: Any) -> LineTable:
            self.calls.append(regions)
            return original(*regions, **kwargs)

        table.refresh = spy  # type: ignore[method-assign]


@pytest.fixture
def rows() -> list[Row]:
    return make_rows(100)


def screen_lines(app: App[Any]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


# --- navigation -------------------------------------------------------------------------


async def test_navigation_keys_move_the_cursor_and_scroll(rows: list[Row]) -> None:
    app = TableApp(ListModel(rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        assert table.has_focus
        assert (table.cursor_index, table.cursor_key) == (0, "k000")
        await pilot.press("down", "down")
        assert table.cursor_key == "k002"
        await pilot.press("up")
        assert table.cursor_index == 1
        assert table.scroll_offset.y == 0

        await pilot.press("pagedown")
        assert table.cursor_index == 1 + BODY
        assert table.scroll_offset.y == BODY
        await pilot.press("pageup")
        assert (table.cursor_index, table.scroll_offset.y) == (1, 0)

        # down past the last visible row scrolls by one
        for _ in range(BODY):
            await pilot.press("down")
        assert table.cursor_index == BODY + 1
        assert table.scroll_offset.y == 2

        await pilot.press("end")
        assert table.cursor_key == "k099"
        assert table.scroll_offset.y == 100 - BODY
        await pilot.press("home")
        assert (table.cursor_index, table.scroll_offset.y) == (0, 0)
        await pilot.press("G")
        assert table.cursor_index == 99
        await pilot.press("g")
        assert table.cursor_index == 0
        await pilot.press("up", "pageup")  # clamped at the top
        assert table.cursor_index == 0
        await pilot.pause()
        lines = screen_lines(app)
        assert "编号" in lines[0]
        assert lines[1][GUTTER_WIDTH:].startswith("k000")


async def test_highlighted_and_selected_messages(rows: list[Row]) -> None:
    app = TableApp(ListModel(rows))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.messages == [
            ("highlighted", "k000"),
            ("highlighted", "k001"),
            ("highlighted", "k002"),
            ("selected", "k002"),
        ]


async def test_click_moves_the_cursor(rows: list[Row]) -> None:
    app = TableApp(ListModel(rows))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(LineTable, offset=(5, HEADER_HEIGHT + 4))
        assert app.table.cursor_key == "k004"


async def test_horizontal_scroll_when_wider_than_the_screen(rows: list[Row]) -> None:
    wide = [*COLUMNS, Column("notes", "备注", 40, lambda row, _now: ("备注" * 30, ""))]
    app = TableApp(ListModel(rows), wide)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        assert table.max_scroll_x > 0
        await pilot.press("right")
        assert table.scroll_offset.x == 8 + 1  # the next column boundary
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[0][GUTTER_WIDTH:].startswith("事项")  # header scrolls with the body
        assert lines[1][GUTTER_WIDTH:].startswith("row 0")
        await pilot.press("left")
        assert table.scroll_offset.x == 0


# --- tags -------------------------------------------------------------------------------


async def test_space_tags_moves_down_and_reports_counts(rows: list[Row]) -> None:
    app = TableApp(ListModel(rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("space", "space")
        assert table.tagged == {"k000", "k001"}
        assert table.cursor_key == "k002"
        await pilot.press("up", "space")  # untag k001
        assert table.tagged == {"k000"}
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[1].startswith("*k000")
        assert lines[2].startswith(" k001")
        table.clear_tags()
        await pilot.pause()
        assert table.tagged == frozenset()
        counts = [count for kind, count in app.messages if kind == "tags"]
        assert counts == [1, 2, 1, 0]


async def test_tags_and_cursor_survive_a_resort(rows: list[Row]) -> None:
    model = ListModel(rows)
    app = TableApp(model)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("down", "space", "down", "space")  # tag k001, k003; cursor k004
        assert table.cursor_key == "k004"
        model.reorder(rows[50:] + rows[:50])
        table.model_changed()
        await pilot.pause()
        assert table.tagged == {"k001", "k003"}
        assert table.cursor_key == "k004"
        assert table.cursor_index == 54
        # the cursor stays on screen, at the same height it had before
        assert table.cursor_index - table.scroll_offset.y == 4
        lines = screen_lines(app)
        tagged_lines = [line[GUTTER_WIDTH : GUTTER_WIDTH + 4] for line in lines if line[0] == "*"]
        assert sorted(tagged_lines) == ["k001", "k003"]

        model.reorder(list(reversed(rows)))  # now k004 is near the end: scroll is clamped
        table.model_changed()
        await pilot.pause()
        assert (table.cursor_key, table.cursor_index) == ("k004", 95)
        assert table.scroll_offset.y == 100 - BODY
        assert table.tagged == {"k001", "k003"}


async def test_model_change_leaves_a_view_scrolled_away_from_the_cursor(rows: list[Row]) -> None:
    model = ListModel(rows)
    app = TableApp(model)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.scroll_to(y=50, animate=False)  # as the mouse wheel does: the cursor stays
        await pilot.pause()
        assert (table.cursor_key, table.scroll_offset.y) == ("k000", 50)
        model.reorder(rows[1:] + rows[:1])
        table.model_changed()
        await pilot.pause()
        assert (table.cursor_key, table.cursor_index) == ("k000", 99)
        assert table.scroll_offset.y == 50


async def test_removed_rows_drop_tags_and_clamp_the_cursor(rows: list[Row]) -> None:
    model = ListModel(rows)
    app = TableApp(model)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("space", "down", "down", "space")  # tag k000, k003; cursor k004
        model.reorder([row for row in rows if row.key not in {"k003", "k004"}])
        table.model_changed()
        await pilot.pause()
        assert table.tagged == {"k000"}
        # the cursor row is gone: the cursor keeps its index (clamped), now on k006
        assert (table.cursor_index, table.cursor_key) == (4, "k006")
        assert app.messages[-2] == ("tags", 1)
        assert app.messages[-1] == ("highlighted", "k006")

        model.reorder([])
        table.model_changed()
        await pilot.pause()
        assert table.cursor_key is None
        assert table.tagged == frozenset()
        await pilot.press("enter", "space", "down")  # nothing to act on
        assert app.messages[-1] == ("highlighted", None)


async def test_set_model_keeps_the_cursor_key(rows: list[Row]) -> None:
    app = TableApp(ListModel(rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.cursor_key = "k050"
        assert table.scroll_offset.y > 0
        table.set_model(ListModel(rows[40:60]))
        await pilot.pause()
        assert (table.cursor_key, table.cursor_index) == ("k050", 10)


# --- partial repaints -------------------------------------------------------------------


async def test_rows_changed_repaints_only_visible_rows(rows: list[Row]) -> None:
    model = ListModel(rows)
    app = TableApp(model)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        renders, refreshes = RenderSpy(table), RefreshSpy(table)

        rows[80].title = "changed off-screen"
        table.rows_changed(["k080", "missing"])
        await pilot.pause()
        assert refreshes.calls == []
        assert renders.lines == []

        rows[2].title = "changed on screen"
        table.rows_changed(["k002"])
        assert refreshes.calls == [(Region(0, HEADER_HEIGHT + 2, table.line_width, 1),)]
        await pilot.pause()
        assert renders.lines == [HEADER_HEIGHT + 2]
        assert "changed on screen" in screen_lines(app)[HEADER_HEIGHT + 2]


async def test_tick_repaints_only_the_live_column(rows: list[Row]) -> None:
    clock = [NOW]
    model = ListModel(rows)
    app = TableApp(model)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table._now = lambda: clock[0]
        await pilot.pause()
        renders, refreshes = RenderSpy(table), RefreshSpy(table)
        model.row_at_calls = 0
        clock[0] = NOW + timedelta(seconds=1)

        table.tick()
        assert refreshes.calls == [(Region(DEADLINE_X, HEADER_HEIGHT, COUNTDOWN_WIDTH, BODY),)]
        await pilot.pause()
        assert HEADER_HEIGHT - 1 not in renders.lines  # the header was not re-rendered
        assert 0 < len(renders.lines) <= BODY
        assert model.row_at_calls <= BODY
        # one second less on every row (row 0 is overdue, so its overdue time grew)
        line = screen_lines(app)[HEADER_HEIGHT]
        assert line[DEADLINE_X : DEADLINE_X + COUNTDOWN_WIDTH] == "! -01:00:01"


async def test_tick_with_few_rows_and_without_live_columns() -> None:
    app = TableApp(ListModel(make_rows(3)))
    async with app.run_test(size=SIZE):
        table = app.table
        refreshes = RefreshSpy(table)
        table.tick()
        assert refreshes.calls == [(Region(DEADLINE_X, HEADER_HEIGHT, COUNTDOWN_WIDTH, 3),)]
        table.set_columns([c for c in COLUMNS if not c.live])
        refreshes.calls.clear()
        table.tick()
        assert refreshes.calls == []


async def test_sort_indicator_is_drawn_in_the_header(rows: list[Row]) -> None:
    app = TableApp(ListModel(rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_sort("deadline", descending=True)
        await pilot.pause()
        header = screen_lines(app)[0]
        assert "期限▼" in header
        table.set_sort("title")
        await pilot.pause()
        header = screen_lines(app)[0]
        assert "事项▲" in header
        assert "▼" not in header


# --- CJK --------------------------------------------------------------------------------


def test_fit_cells_by_cell_width() -> None:
    assert fit_cells("漢字", 6) == "漢字  "
    assert fit_cells("漢字", 6, "right") == "  漢字"
    assert fit_cells("漢字漢字", 5) == "漢字…"  # 4 + 1 cells
    assert fit_cells("漢字漢字", 6) == "漢字… "  # the wide char does not fit: pad
    assert fit_cells("abc\ndef", 7) == "abc def"
    assert fit_cells("abcdef", 1) == "…"
    assert fit_cells("abcdef", 0) == ""
    for text in ("漢字路面破损严重", "a漢b字c", "👨\u200d👩\u200d👧 family", "mixed 中文 text"):
        for width in range(1, 14):
            assert cell_len(fit_cells(text, width)) == width


async def test_cjk_truncation_keeps_columns_aligned() -> None:
    rows = [
        Row("k000", "ascii title that is far too long for the column", NOW),
        Row("k001", "漢字路面破损严重需要尽快处理的案件描述", NOW),
        Row("k002", "a漢b字c漢d字e漢f字g漢h字i漢j字", NOW),
    ]
    app = TableApp(ListModel(rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("down")  # the cursor row must not differ in width either
        strips = [table.render_line(y) for y in range(HEADER_HEIGHT + 3)]
        for strip in strips:
            assert strip.cell_length == table.line_width
        deadline_cells = {
            strip.crop(DEADLINE_X, DEADLINE_X + COUNTDOWN_WIDTH).text for strip in strips[1:]
        }
        assert deadline_cells == {"! -00:00:00"}
        title_cells = [
            strip.crop(GUTTER_WIDTH + 9, GUTTER_WIDTH + 9 + 24).text for strip in strips[1:]
        ]
        assert title_cells[0].endswith("…")
        assert title_cells[1] == "漢字路面破损严重需要尽… "  # a wide char never straddles
        assert all(cell_len(text) == 24 for text in title_cells)


# --- scale ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1_000, 1_000_000])
async def test_million_rows_mount_and_page_to_the_end(count: int) -> None:
    model = SyntheticModel(count)
    app = TableApp(model)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        renders = RenderSpy(table)
        model.row_at_calls = 0
        presses = ["pagedown"] * 5 + ["pageup", "up", "down", "end"]
        for key in presses:
            await pilot.press(key)
            await pilot.pause()
        assert table.cursor_index == count - 1
        assert table.scroll_offset.y == count - BODY
        # each step renders at most one screen of lines, however many rows there are
        assert len(renders.lines) <= len(presses) * SIZE[1]
        assert model.row_at_calls <= len(presses) * BODY
        last = screen_lines(app)[-1]
        assert last[GUTTER_WIDTH:].startswith(f"c{count - 1:07d}")


class LiveApp(App[None]):
    """A table with its live column as a LiveColumns widget (as the queue screen has)."""

    def __init__(self, model: Any, clock: list[datetime]) -> None:
        super().__init__()
        self.model = model
        self.clock = clock

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal

        from widgets.live_column import LiveColumns

        static = [c for c in COLUMNS if not c.live]
        live = [c for c in COLUMNS if c.live]
        with Horizontal():
            table = LineTable(static, self.model, now=lambda: self.clock[0], id="table")
            yield table
            yield LiveColumns(table, live, id="live")


async def test_a_countdown_tick_repaints_only_the_cells_that_changed() -> None:
    from widgets.live_column import LiveColumns

    clock = [NOW + timedelta(seconds=0.5)]
    deadline = NOW + timedelta(hours=2, seconds=35)
    rows = [Row(f"k{i}", f"row {i}", deadline + timedelta(minutes=i)) for i in range(5)]
    app = LiveApp(ListModel(rows), clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        live = app.query_one(LiveColumns)
        live.tick()  # the first tick draws every row as it is now
        await pilot.pause()
        refreshes = RefreshSpy(live)  # type: ignore[arg-type]
        clock[0] += timedelta(seconds=1)  # 02:0i:35 -> 02:0i:34 on every row
        live.tick()
        width = COUNTDOWN_WIDTH + 1  # the column and its leading space
        assert refreshes.calls == [
            (Region(width - 1, HEADER_HEIGHT + i, 1, 1),) for i in range(len(rows))
        ]
        await pilot.pause()  # painted: the next tick compares with these digits
        refreshes.calls.clear()
        clock[0] += timedelta(seconds=9)  # 02:0i:34 -> 02:0i:25: the tens and the units
        live.tick()
        assert refreshes.calls == [
            (Region(width - 2, HEADER_HEIGHT + i, 2, 1),) for i in range(len(rows))
        ]
        await pilot.pause()
        refreshes.calls.clear()
        live.tick()  # nothing changed: nothing repainted
        assert refreshes.calls == []
