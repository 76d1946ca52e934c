"""80×24 and 120×40, Chinese and English: every queue reachable with its tab in view, the
map's cursor in view at each edge, the table's columns filling the width, and no
English inside the Chinese screens.  The fixed data and frozen clock of the snapshots."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Footer, Static

from console.columns import fit_widths
from console.screens.queue import QueueScreen
from tests.console.test_snapshots import (  # noqa: F401 (_isolated is an autouse fixture)
    SIZES,
    _isolated,
    make_app,
    open_detail,
    open_map,
    prepare,
    wait_until,
)
from widgets.grid_map import GridMap
from widgets.line_table import LineTable
from widgets.live_column import LiveColumns

MATRIX = [(size, lang) for size in SIZES for lang in ("zh", "en")]
ARROWS = {"start": "", "top": "up", "bottom": "down", "left": "left", "right": "right"}


def screen_text(pilot: Pilot[object]) -> list[str]:
    """The screen as plain text lines, as a terminal would show it."""
    app = pilot.app
    lines = []
    for y in range(app.size.height):
        strip = app.screen._compositor.render_strips()[y]
        lines.append(strip.text)
    return lines


@pytest.mark.parametrize(("size", "lang"), MATRIX)
async def test_every_queue_key_shows_its_tab_whole(
    monkeypatch: pytest.MonkeyPatch, size: str, lang: str
) -> None:
    app = make_app(lang, "citygrid-dark", monkeypatch)
    width, height = SIZES[size]
    async with app.run_test(size=(width, height)) as pilot:
        await prepare()(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        for hotkey in "1234567890":
            await pilot.press(hotkey)
            await wait_until(pilot, lambda h=hotkey: app.model.queue.hotkey == h)  # type: ignore[misc]
            await pilot.pause()
            line = screen_text(pilot)[0]
            active = next(
                str(t.content).strip()
                for t in screen.query(".tab").results(Static)
                if "[" in str(t.content)
            )
            assert active.startswith(f"[{hotkey} ") and active.endswith("]")
            assert active in line, (hotkey, line)
            for other in "1234567890":  # every queue's key is on the line
                assert f" {other}" in line or f"[{other}" in line, (other, line)
            count = app.model.store.counts[app.model.queue.key]
            assert active == f"[{hotkey} {t_queue(lang, app.model.queue.key)} {count}]"
            for tab in screen.query(".tab").results(Static):
                assert tab.region.right <= width, (str(tab.content), tab.region)


def t_queue(lang: str, key: str) -> str:
    from console.i18n import as_key, t

    return t(as_key(f"queue.{key}"), lang)


@pytest.mark.parametrize(("size", "lang"), MATRIX)
@pytest.mark.parametrize("edge", list(ARROWS))
async def test_map_cursor_stays_in_view_at_each_edge(
    monkeypatch: pytest.MonkeyPatch, size: str, lang: str, edge: str
) -> None:
    app = make_app(lang, "citygrid-dark", monkeypatch)
    async with app.run_test(size=SIZES[size]) as pilot:
        await prepare(open_map)(pilot)
        grid_map = app.screen.query_one(GridMap)
        for _ in range(80 if ARROWS[edge] else 0):  # past the edge: the cursor stops there
            before = grid_map.cursor
            await pilot.press(ARROWS[edge])
            if grid_map.cursor == before:
                break
        else:
            assert not ARROWS[edge], "the cursor never reached the edge"
        await pilot.pause()
        cursor = grid_map.cursor
        assert cursor is not None
        slot = grid_map.placement.pos[cursor]
        shown = grid_map._slot_region(slot)
        map_w, map_h = grid_map.size.width, grid_map.size.height - 1  # less the caption
        assert shown.width == grid_map.placement.cell_w and shown.height >= 1, shown
        assert shown.x >= 0 and shown.right <= map_w and 0 <= shown.y < map_h, shown
        assert grid_map.region.y >= 1  # below the tab line, not under it
        assert grid_map.region.bottom <= app.size.height - 2  # above status and footer
        caption = screen_text(pilot)[grid_map.region.y + map_h]
        assert cursor in caption


@pytest.mark.parametrize(("size", "lang"), MATRIX)
async def test_columns_fill_the_width_with_nothing_between_them(
    monkeypatch: pytest.MonkeyPatch, size: str, lang: str
) -> None:
    app = make_app(lang, "citygrid-dark", monkeypatch)
    width, _height = SIZES[size]
    async with app.run_test(size=SIZES[size]) as pilot:
        await prepare()(pilot)
        table = app.screen.query_one("#cases", LineTable)
        live = app.screen.query_one(LiveColumns)
        assert table.region.right == live.region.x  # no scrollbar between them
        assert live.region.right == width
        used = 1 + sum(c.width + 1 for c in table.columns) - 1
        assert used == table.size.width  # the static columns take the whole table
        header = screen_text(pilot)[1]
        assert "…" not in header and "~" not in header, header


def test_widths_follow_the_terminal() -> None:
    narrow, mid, wide = fit_widths(80, "en"), fit_widths(100, "en"), fit_widths(120, "en")
    assert not narrow.department_names and mid.department_names  # no "depar…" at 100
    assert wide.full_serial and wide.full_grid
    assert mid.category >= narrow.category


@pytest.mark.parametrize("size", list(SIZES))
async def test_no_english_on_the_chinese_queue_and_map(
    monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    app = make_app("zh", "citygrid-dark", monkeypatch)
    async with app.run_test(size=SIZES[size]) as pilot:
        await prepare(open_map)(pilot)
        footer = app.screen.query_one(Footer)
        text = screen_text(pilot)[footer.region.y]
        for word in ("Grid", "Zoom", "palette"):
            assert word not in text, text
        assert "该网格" in text and "放大" in text
        caption = screen_text(pilot)[app.screen.query_one(GridMap).region.bottom - 1]
        assert "[全区]" in caption
    app = make_app("en", "citygrid-dark", monkeypatch)
    async with app.run_test(size=SIZES[size]) as pilot:
        await prepare(open_map)(pilot)
        caption = screen_text(pilot)[app.screen.query_one(GridMap).region.bottom - 1]
        assert "[district]" in caption and "全区" not in caption


@pytest.mark.parametrize("size", list(SIZES))
async def test_detail_footer_in_chinese(monkeypatch: pytest.MonkeyPatch, size: str) -> None:
    app = make_app("zh", "citygrid-dark", monkeypatch)
    async with app.run_test(size=SIZES[size]) as pilot:
        await prepare(open_detail)(pilot)
        footer = app.screen.query_one(Footer)
        text = screen_text(pilot)[footer.region.y]
        assert "返回" in text and "刷新" in text, text
        assert "back" not in text and "reload" not in text, text
