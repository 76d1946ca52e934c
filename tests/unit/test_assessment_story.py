"""The demo's history tells a story in its ranking: the behaviour table's lagging
departments and streets rank at the bottom of their groups, and some of their cases
failed their check three times (the notice names them)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.core.db import Database
from backend.domain.assessment.policy import AssessmentPolicy
from backend.seed import behaviour as B
from backend.seed.history import seed_history
from backend.services.access import Actor
from backend.services.assessment.figures import AssessmentService
from backend.services.assessment.projector import Projector
from backend.services.reference import Reference
from backend_client.vocab import Role
from tests.conftest import REPO

END = datetime(2026, 11, 30, 16, tzinfo=UTC)  # local midnight at the end of November
PERIOD = "2026-11-20..2026-11-30"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> AssessmentService:
    tmp = tmp_path_factory.mktemp("story")
    url = f"sqlite:///{tmp / 'story.db'}"
    subprocess.run(
        [sys.executable, "-m", "citygrid", "seed", "--database", url,
         "--tokens-out", str(tmp / "tokens.json")],
        check=True, cwd=REPO, capture_output=True,
    )  # fmt: skip
    seed_history(url, count=14_000, seed=20261122, end=END)
    db = Database(url)
    return AssessmentService(db, Reference(db), AssessmentPolicy.load(), TZ, Projector(db, TZ))


ADMIN = Actor(1, "admin", "admin", Role.ADMIN, "110112", "110112", None)


async def test_the_lagging_units_rank_at_the_bottom(service: AssessmentService) -> None:
    await service.ref.load()
    while await service.projector.catch_up() > 0:
        pass
    departments = await service.ranking(ADMIN, PERIOD, "department")
    professional = [o for o in departments.objects if o.group == "professional"]
    bottom = {o.name for o in professional if o.bottom}
    assert bottom >= {"区水务局", "区住房和城乡建设委员会"}
    regions = await service.ranking(ADMIN, PERIOD, "region")
    streets = [o for o in regions.objects if o.type == "street"]
    assert {o.id for o in streets[-2:]} == set(B.SLUGGISH_STREETS)
    others = [o for o in professional if o.name not in bottom]
    due = sum(o.counters.get("close_due", 0) for o in others)
    on_time = sum(o.counters.get("closed_on_time", 0) for o in others)
    assert on_time / due > 0.88  # the rest, pooled, sit near the published figures
    notice = await service.notice(ADMIN, PERIOD)
    assert notice.failed_checks and all(c.failed_checks >= 3 for c in notice.failed_checks)
    await service.db.dispose()
