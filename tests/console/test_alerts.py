"""Alerts: a new urgent case alerts at once; cases going overdue come as one digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from backend.core.clock import FrozenClock
from backend_client.vocab import Action, Role
from backend_client.wire import CaseSummary, Event, Me
from console.app import CityGridApp
from console.config import ConsoleSettings
from console.messages import CaseEvents, SnapshotLoaded
from console.rows import QueueRow

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ME = Me(
    username="lead",
    display_name="王伟",
    role=Role.SHIFT_LEAD,
    jurisdiction_code="110112",
    jurisdiction_name="通州区",
)


def case(n: int, minutes: int, urgency: str = "normal") -> CaseSummary:
    return CaseSummary.model_validate(
        {
            "serial": f"2026-110112-{n:06d}",
            "state": "dispatched",
            "source": "hotline",
            "category_kind": "matter",
            "category_code": "06042",
            "category_name": "满溢",
            "grid_code": "110112001001001",
            "street_code": "110112001",
            "address": "",
            "summary": "",
            "urgency": urgency,
            "version": 1,
            "warn_at": START,
            "deadline_at": START + timedelta(minutes=minutes),
            "created_at": START,
            "updated_at": START,
        }
    )


async def test_overdue_alerts_are_one_digest_and_urgent_reports_alert_at_once(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(START)
    settings = ConsoleSettings(token="x", bell=False, lang="en", config_path=tmp_path / "c.toml")
    app = CityGridApp(settings, clock=clock, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = [QueueRow.from_summary(case(n, minutes=5 + n % 3)) for n in range(1, 31)]
        app.post_message(SnapshotLoaded(rows, 1, ME, 0.0))
        await pilot.pause()
        assert app.model.loaded and len(app.model.store.cases) == 30
        clock.advance(minutes=10)  # all 30 deadlines have passed
        app.tick()
        app.tick()
        await pilot.pause()
        overdue = [n for n in app._notifications if "overdue" in n.message]
        assert len(overdue) == 1
        assert "30 cases" in overdue[0].message
        assert app.model.store.counts["overdue"] == 30
        urgent = case(99, minutes=60, urgency="urgent")
        event = Event(
            seq=2,
            serial=urgent.serial,
            action=Action.REPORT,
            actor="王",
            actor_role=Role.OPERATOR,
            at=START,
            data={"source": "hotline", "urgency": "urgent", "category": "matter:06042",
                  "self_disposed": False},
            case=urgent,
        )  # fmt: skip
        app.post_message(CaseEvents([event]))
        await pilot.pause()
        assert any(urgent.serial in n.message for n in app._notifications)
