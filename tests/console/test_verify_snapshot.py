"""SVG snapshots of the verify dialog with the department's report and both photos.

Same fixed world as ``test_snapshots.py`` (frozen clock, no network, a fake client);
the photos are the simulator's generated ones, so they never change.  One shot draws
them in half-blocks, one in ``--ascii`` mode where each photo is a line of text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.pilot import Pilot

from backend_client.vocab import Action, AttachmentPhase, CaseState, Role, Stage
from backend_client.wire import Attachment, CaseDetail, TimelineEntry
from console.app import CityGridApp
from console.config import ConsoleSettings
from console.photos import PhotoView
from console.screens.dialogs import VerifyDialog
from demo import evidence
from tests.console.test_snapshots import (
    CASES,
    FROZEN,
    FakeClient,
    demo_city,
    prepare,
    stage_deadline,
    wait_until,
)

SnapCompare = Callable[..., bool]
SCENE = 7  # the generated photos' seed: one street, before and after


def disposed_detail() -> CaseDetail:
    case = next(c for c in CASES if c.state is CaseState.DISPOSED)
    created = FROZEN - timedelta(hours=30)
    disposed_at = FROZEN - timedelta(minutes=50)

    def photo(pid: int, phase: AttachmentPhase, who: str, minutes: int) -> Attachment:
        return Attachment(
            ref=f"/api/v1/cases/{case.serial}/attachments/{pid}",
            phase=phase,
            id=pid,
            media_type="image/jpeg",
            size=len(evidence.photo(phase, SCENE)),
            width=240,
            height=180,
            by=who,
            at=created + timedelta(minutes=minutes),
        )

    return CaseDetail(
        **case.model_dump(exclude={"created_at"}),
        created_at=created,
        description=f"{case.address}垃圾桶满溢，周边散落垃圾。",
        area_class="A",
        deadlines=[stage_deadline(Stage.CHECK, disposed_at, 4)],
        attachments=[
            photo(11, AttachmentPhase.BEFORE, "周监督员", 2),
            photo(12, AttachmentPhase.AFTER, "环卫一班", 28 * 60 + 60),
        ],
        allowed_actions=[Action.VERIFY, Action.COMMENT],
        timeline=[
            TimelineEntry(
                seq=9101, action=Action.REPORT, actor="周监督员", actor_role=Role.SUPERVISOR,
                at=created, data={
                    "source": "supervisor", "urgency": "normal",
                    "category": f"{case.category_kind.value}:{case.category_code}",
                    "self_disposed": False,
                },
            ),
            TimelineEntry(
                seq=9180, action=Action.REPORT_DISPOSAL, actor="环卫一班",
                actor_role=Role.HANDLER, at=disposed_at,
                data={"note": "已清运散落垃圾，垃圾桶已清洗复位。"},
            ),
        ],
    )  # fmt: skip


VERIFY = disposed_detail()


class PhotoClient(FakeClient):
    def __init__(self) -> None:
        super().__init__()
        self.details[VERIFY.serial] = VERIFY

    async def thumbnail(self, serial: str, photo_id: int) -> bytes:
        phase = next(a.phase for a in VERIFY.attachments if a.id == photo_id)
        return evidence.photo(phase, SCENE)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", f"{tmp_path}/config")
    monkeypatch.setenv("XDG_DATA_HOME", f"{tmp_path}/data")
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def make_app(lang: str, *, ascii_mode: bool) -> CityGridApp:
    settings = ConsoleSettings(
        server="http://127.0.0.1:9", token="cg_test", lang=lang, bell=False, ascii=ascii_mode
    )
    app = CityGridApp(
        settings,
        client=PhotoClient(),  # type: ignore[arg-type]
        clock=lambda: FROZEN,
        connect=False,
    )
    cells, names = demo_city()
    app.grid_cells = list(cells)
    app.region_names = dict(names)
    return app


async def open_verify(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, CityGridApp)
    await app.actions_.open_verify(VERIFY.serial)
    await wait_until(pilot, lambda: isinstance(app.screen, VerifyDialog))
    views = list(app.screen.query(PhotoView))
    await wait_until(pilot, lambda: all(v.image is not None or not v.wants_picture for v in views))


@pytest.mark.parametrize(
    ("lang", "ascii_mode"),
    [pytest.param("zh", False, id="zh-halfblock"), pytest.param("en", True, id="en-ascii")],
)
def test_verify_dialog_with_photos(snap_compare: SnapCompare, lang: str, ascii_mode: bool) -> None:
    app = make_app(lang, ascii_mode=ascii_mode)
    assert snap_compare(app, terminal_size=(120, 40), run_before=prepare(open_verify))
