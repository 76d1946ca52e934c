"""Assessment over HTTP against a real server: figures follow the log, drill down to the
cases behind them, hold scope, and refuse bad periods with a sentence.

The module seeds its own city with no history, so every figure here comes from the cases
the tests play. Periods are day ranges around today (local time), so a disposal deadline
that falls into next month still counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.helpers import act, grid_in, report
from tests.conftest import (
    Seeded,
    Server,
    drop_pg_database,
    fresh_pg_database,
    seed_database,
    start_server,
)

STREET = "110112001"
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
PERIOD = f"{TODAY - timedelta(days=1)}..{TODAY + timedelta(days=40)}"

World = tuple[Server, Seeded]


@pytest.fixture(scope="module")
def world(backend_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"assessment-{backend_name}")
    url = f"sqlite:///{tmp / 'assess.db'}" if backend_name == "sqlite" else fresh_pg_database()
    seeded = seed_database(url, tmp)
    server = start_server(url, tmp / "server.log")
    try:
        yield server, seeded
    finally:
        server.stop()
        if backend_name == "postgres":
            drop_pg_database(url)


def client(world: World, user: str) -> httpx.AsyncClient:
    server, seeded = world
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {seeded.tokens[user]}"},
        timeout=httpx.Timeout(30.0),
    )


async def _closed_case(world: World) -> tuple[str, str, int]:
    """A hotline case through to closed: its serial, grid and the last write's seq."""
    async with client(world, "lead") as lead, client(world, "h_hw") as handler:
        grid = await grid_in(lead, STREET)
        serial = (await report(lead, grid))["serial"]
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch")
        await act(handler, serial, "sign")
        await act(handler, serial, "report_disposal", note="已清运")
        answer = await lead.post(
            f"/cases/{serial}/actions", json={"action": "verify", "passed": True}
        )
        assert answer.status_code == 200, answer.text
        return serial, grid, answer.json()["seq"]


async def _ranking(c: httpx.AsyncClient, family: str, after: int | None = None) -> Any:
    params: dict[str, Any] = {"period": PERIOD, "family": family}
    if after is not None:
        params["after"] = after
    answer = await c.get("/assessment/rankings", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_closed_case_counts_and_drills_down(world: World) -> None:
    serial, grid, seq = await _closed_case(world)
    async with client(world, "lead") as lead:
        departments = await _ranking(lead, "department", after=seq)
        assert departments["through_seq"] >= seq
        hw = next(o for o in departments["objects"] if o["name"] == "区环境卫生服务中心")
        assert hw["counters"]["closed"] >= 1 and hw["counters"]["close_due"] >= 1
        assert hw["grade"] in "ABCDE" and 0 <= hw["composite"] <= 100
        closing = next(f for f in hw["figures"] if f["id"] == "closing_rate")
        assert closing["zh"] == "结案率" and closing["denominator"] >= 1
        behind = await lead.get(
            "/assessment/cases",
            params={"period": PERIOD, "type": "department", "id": hw["id"], "counter": "closed"},
        )
        assert behind.status_code == 200, behind.text
        assert serial in [c["serial"] for c in behind.json()["cases"]]
        assert behind.json()["total"] == hw["counters"]["closed"]
        regions = await _ranking(lead, "region", after=seq)
        cell = next(o for o in regions["objects"] if o["type"] == "grid" and o["id"] == grid)
        assert cell["counters"]["public_reports"] >= 1 and cell["group"] == "grid"
        street = next(o for o in regions["objects"] if o["id"] == STREET)
        assert street["counters"]["closed"] >= 1
        posts = await _ranking(lead, "post", after=seq)
        me = next(o for o in posts["objects"] if o["group"] == "shift_lead" and o["name"])
        assert me["counters"]["filed"] >= 1


async def test_ranks_within_groups_and_ties_share_a_rank(world: World) -> None:
    _, _, seq = await _closed_case(world)
    async with client(world, "lead") as lead:
        regions = await _ranking(lead, "region", after=seq)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for item in regions["objects"]:
        by_group.setdefault(item["group"], []).append(item)
    for members in by_group.values():
        composites = [m["composite"] for m in members]
        assert composites == sorted(composites, reverse=True)
        for member in members:
            assert member["rank"] == composites.index(member["composite"]) + 1
            assert member["group_size"] == len(members)


async def test_scope_holds_on_every_assessment_read(world: World) -> None:
    _, _, seq = await _closed_case(world)
    async with client(world, "h_zf") as zf, client(world, "sup001") as street_sup:
        own = await _ranking(zf, "department", after=seq)
        assert [o["name"] for o in own["objects"]] in ([], ["区城管执法局"])
        assert (await _ranking(zf, "region"))["objects"] == []  # a department sees no regions
        assert (await _ranking(zf, "post"))["objects"] == []
        async with client(world, "lead") as lead:
            hw = next(
                o
                for o in (await _ranking(lead, "department"))["objects"]
                if o["name"] == "区环境卫生服务中心"
            )
        hidden = await zf.get(
            "/assessment/cases",
            params={"period": PERIOD, "type": "department", "id": hw["id"], "counter": "closed"},
        )
        assert hidden.status_code == 404
        assert hidden.headers["content-type"].startswith("application/problem+json")
        regions = await _ranking(street_sup, "region", after=seq)
        assert regions["objects"]
        assert all(o["id"].startswith(STREET) for o in regions["objects"])


async def test_a_reader_sees_its_own_rows_ranked_in_the_whole_group(world: World) -> None:
    await _closed_case(world)
    async with client(world, "h_hw") as handler, client(world, "sup001") as street_sup:
        async with client(world, "lead") as lead:  # a report in another street, too
            await report(lead, await grid_in(lead, "110112002"))
            seq = (await lead.get("/health")).json()["head_seq"]
            departments = await _ranking(lead, "department", after=seq)
            regions = await _ranking(lead, "region", after=seq)
        everyone = {(o["type"], o["id"]): o for o in departments["objects"] + regions["objects"]}
        [own] = (await _ranking(handler, "department", after=seq))["objects"]
        assert own["name"] == "区环境卫生服务中心"
        theirs = await _ranking(street_sup, "region", after=seq)
        for item in [own, *theirs["objects"]]:
            whole = everyone[(item["type"], item["id"])]
            assert (item["rank"], item["group_size"], item["bottom"]) == (
                whole["rank"],
                whole["group_size"],
                whole["bottom"],
            )
        communities = [o for o in theirs["objects"] if o["type"] == "community"]
        assert communities and communities[0]["group_size"] > len(communities)


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-02-30..2026-03-01"}, "does not exist"),
        ({"period": "2026-03-01..2026-02-01"}, "ends before"),
        ({"period": "2026-11", "family": "streets"}, "family"),
    ],
)
async def test_bad_periods_and_families_get_a_sentence(
    world: World, params: dict[str, str], names: str
) -> None:
    async with client(world, "lead") as lead:
        answer = await lead.get("/assessment/rankings", params=params)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert names in answer.text


async def test_after_an_event_not_yet_written_is_refused_at_once(world: World) -> None:
    async with client(world, "lead") as lead:
        answer = await lead.get("/assessment/rankings", params={"period": PERIOD, "after": 10**12})
    assert answer.status_code == 422
    assert "has been written yet" in answer.json()["detail"]


async def test_the_xlsx_export_matches_the_api_cell_for_cell(world: World) -> None:
    import io

    import openpyxl

    from backend.services.assessment.export import FAMILY_SHEETS, row_values, safe_text
    from backend_client.assessment import Ranking

    _, _, seq = await _closed_case(world)
    async with client(world, "lead") as lead:
        rankings = {f: await _ranking(lead, f, after=seq) for f in FAMILY_SHEETS}
        answer = await lead.get("/assessment/export", params={"period": PERIOD})
        assert answer.status_code == 200
        assert "attachment" in answer.headers["content-disposition"]
        csv_answer = await lead.get(
            "/assessment/export", params={"period": PERIOD, "format": "csv"}
        )
        assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames[-1] == "通报 Notice"
    for family, title in FAMILY_SHEETS.items():
        ranking = Ranking.model_validate(rankings[family])
        sheet = book[title]
        for r, item in enumerate(ranking.objects, start=2):
            cells = [c.value for c in sheet[r]]
            for want, got in zip(row_values(item), cells, strict=True):
                if isinstance(want, str):
                    assert got == safe_text(want)
                elif want is None:
                    assert got is None
                else:
                    assert got == pytest.approx(want)


async def test_the_notice_is_the_centres(world: World) -> None:
    _, _, seq = await _closed_case(world)
    async with client(world, "lead") as lead, client(world, "h_hw") as handler:
        answer = await lead.get("/assessment/notice", params={"period": PERIOD, "after": seq})
        assert answer.status_code == 200, answer.text
        notice = answer.json()
        assert notice["accepted"] >= 1 and notice["closed"] >= 1
        assert notice["text_zh"].count("共受理案件") == 1 and "结案率" in notice["text_zh"]
        refused = await handler.get("/assessment/notice", params={"period": PERIOD})
        assert refused.status_code == 403


async def test_the_typed_client_reads_rankings_drill_down_notice_and_export(
    world: World,
) -> None:
    from backend_client.client import CitygridClient

    serial, _, seq = await _closed_case(world)
    server, seeded = world
    async with client(world, "lead") as lead:
        await _ranking(lead, "department", after=seq)  # the figures hold the case
    async with CitygridClient(server.url, seeded.tokens["lead"]) as api:
        ranking = await api.rankings(PERIOD, "department")
        hw = next(o for o in ranking.objects if o.name == "区环境卫生服务中心")
        behind = await api.figure_cases(PERIOD, "department", hw.id, "closed")
        assert serial in [c.serial for c in behind.cases]
        assert behind.total == hw.counters["closed"]
        notice = await api.notice(PERIOD)
        assert notice.closed >= 1 and notice.on_time_target == 95.0
        body = await api.assessment_export(PERIOD, "xlsx")
        assert body[:2] == b"PK"  # a zip container


async def test_a_ranking_is_named_by_its_etag_until_the_log_moves(world: World) -> None:
    """The tag names the figures: the same tag exactly while the projection holds the same
    events (a timer's event may move it between two reads), 304 for a tag still current."""
    _, _, seq = await _closed_case(world)
    params = {"period": PERIOD, "family": "department", "after": str(seq)}
    identity = {"Accept-Encoding": "identity"}
    async with client(world, "lead") as lead, client(world, "h_zf") as zf:
        not_modified = 0
        for _ in range(5):  # pairs of reads; at least one pair sees the log still
            first = await lead.get("/assessment/rankings", params=params)
            assert first.status_code == 200 and first.headers["content-type"] == "application/json"
            assert first.headers["content-encoding"] == "gzip"  # httpx asks for it
            tag = first.headers["ETag"]
            plain = await lead.get("/assessment/rankings", params=params, headers=identity)
            assert "content-encoding" not in plain.headers
            same = plain.json()["through_seq"] == first.json()["through_seq"]
            assert (f"W/{plain.headers['ETag']}" == tag) == same
            assert (plain.content == first.content) == same
            for named in (tag, plain.headers["ETag"], f'"other", {tag}'):
                again = await lead.get(
                    "/assessment/rankings", params=params, headers={"If-None-Match": named}
                )
                if again.status_code == 304:
                    assert again.content == b""
                    not_modified += 1
                else:
                    assert again.status_code == 200 and again.headers["ETag"] != tag
                    assert again.json()["through_seq"] > first.json()["through_seq"]
            if not_modified:
                break
        assert not_modified
        other = await zf.get("/assessment/rankings", params=params)
        assert other.headers["ETag"] != tag  # another reader sees other objects
        _, _, later = await _closed_case(world)
        moved = await lead.get(
            "/assessment/rankings",
            params={**params, "after": str(later)},
            headers={"If-None-Match": tag},
        )
        assert moved.status_code == 200 and moved.headers["ETag"] != tag
        assert moved.json()["through_seq"] >= later
