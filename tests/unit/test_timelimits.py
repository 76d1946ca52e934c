"""The time-limit policy of ``backend.domain.timelimits``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.domain.calendar import WorkingCalendar
from backend.domain.timelimits import Deadline, Limit, PolicyError, TimeLimitPolicy
from backend_client.vocab import AreaClass, CategoryKind, Stage, TimeUnit, Urgency

SH = ZoneInfo("Asia/Shanghai")
A, B, C = AreaClass.A, AreaClass.B, AreaClass.C
NORMAL, URGENT = Urgency.NORMAL, Urgency.URGENT
MATTER, COMPONENT = CategoryKind.MATTER, CategoryKind.COMPONENT
WH, CH, WD = TimeUnit.WORKING_HOUR, TimeUnit.CLOCK_HOUR, TimeUnit.WORKING_DAY


@pytest.fixture(scope="module")
def policy() -> TimeLimitPolicy:
    return TimeLimitPolicy.load()


def dispose(
    policy: TimeLimitPolicy,
    code: str | None,
    *,
    urgency: Urgency = NORMAL,
    area: AreaClass = A,
    kind: CategoryKind | None = MATTER,
) -> Limit:
    return policy.limit_for(
        Stage.DISPOSE, urgency=urgency, area_class=area, category_kind=kind, category_code=code
    )


def minimal(**extra: Any) -> dict[str, Any]:
    """A valid policy dict: every stage 1 working hour normal, 1 clock hour urgent."""
    stages = {s.value: {"normal": "1 working_hour", "urgent": "1 clock_hour"} for s in Stage}
    return {"stages": stages, **extra}


@pytest.mark.parametrize(
    ("limit", "zh", "en"),
    [
        (Limit(4, WH), "4工作时", "4 working hours"),
        (Limit(1, WD), "1工作日", "1 working day"),
        (Limit(2, CH), "2小时", "2 hours"),
        (Limit(3, TimeUnit.NATURAL_DAY), "3自然日", "3 calendar days"),
        (Limit(7.5, WD), "7.5工作日", "7.5 working days"),
        (Limit(10 / 60, CH), "10分钟", "10 min"),
    ],
)
def test_labels(limit: Limit, zh: str, en: str) -> None:
    assert limit.label_zh() == zh
    assert limit.label_en() == en


def test_parse_limit() -> None:
    assert Limit.parse("4 working_hour") == Limit(4, WH)
    assert Limit.parse("30 minute") == Limit(0.5, CH)
    for bad in ("", "4", "four working_hour", "-1 clock_hour", "4 hours", "inf clock_hour"):
        with pytest.raises(PolicyError):
            Limit.parse(bad)


def test_process_step_limits(policy: TimeLimitPolicy) -> None:
    def limit(stage: Stage, urgency: Urgency, area: AreaClass = A) -> str:
        return policy.limit_for(stage, urgency=urgency, area_class=area).label_zh()

    assert limit(Stage.INTAKE, NORMAL) == "30分钟"
    assert limit(Stage.INTAKE, URGENT) == "10分钟"
    assert limit(Stage.VERIFY, NORMAL) == "1工作时"
    assert limit(Stage.VERIFY, URGENT) == "30分钟"
    assert limit(Stage.SIGN, NORMAL, C) == "1工作时"
    assert limit(Stage.SIGN, URGENT) == "30分钟"


def test_check_stage_by_area_class(policy: TimeLimitPolicy) -> None:
    def check(urgency: Urgency, area: AreaClass) -> Limit:
        return policy.limit_for(Stage.CHECK, urgency=urgency, area_class=area)

    assert [check(NORMAL, a) for a in (A, B, C)] == [Limit(1, WH), Limit(1, WH), Limit(2, WH)]
    assert [check(URGENT, a) for a in (A, B, C)] == [Limit(1, CH), Limit(1, CH), Limit(2, CH)]


def test_dispose_defaults(policy: TimeLimitPolicy) -> None:
    assert [dispose(policy, "07001", area=a) for a in (A, B, C)] == [
        Limit(1, WD),
        Limit(2, WD),
        Limit(3, WD),
    ]
    assert [dispose(policy, None, urgency=URGENT, area=a) for a in (A, B, C)] == [
        Limit(2, CH),
        Limit(4, CH),
        Limit(6, CH),
    ]


def test_dispose_specific_rows(policy: TimeLimitPolicy) -> None:
    # A value from the local standard, B ×1.5 and C ×2 (class_scale).
    assert [dispose(policy, "06010", area=a) for a in (A, B, C)] == [
        Limit(4, WH),
        Limit(6, WH),
        Limit(8, WH),
    ]
    assert dispose(policy, "06011") == Limit(2, WD)
    assert dispose(policy, "06012") == Limit(2, WH)
    assert dispose(policy, "06017") == Limit(4, WH)
    assert dispose(policy, "06001") == Limit(20, WD)
    assert dispose(policy, "06029", area=C) == Limit(2, CH)
    assert dispose(policy, "01037", kind=COMPONENT, area=C) == Limit(1, WD)
    assert dispose(policy, "04013") == Limit(5, WD)
    assert dispose(policy, "10001") == Limit(4, WH)


def test_manhole_covers(policy: TimeLimitPolicy) -> None:
    for code in ("01001", "01015", "01017", "01023"):
        assert dispose(policy, code, kind=COMPONENT) == Limit(6, CH)
        assert dispose(policy, code, kind=MATTER, area=C) == Limit(6, CH)
    assert dispose(policy, "01024", kind=COMPONENT) == Limit(1, WD)  # 水井 is not a cover
    assert dispose(policy, "01002", kind=COMPONENT) == Limit(2, CH)
    assert dispose(policy, "01002", kind=COMPONENT, area=C) == Limit(6, CH)


def test_urgent_override(policy: TimeLimitPolicy) -> None:
    # 06029 has its own urgent value; 06010 has none and takes the dispose default.
    assert dispose(policy, "06029", urgency=URGENT, area=C) == Limit(2, CH)
    assert dispose(policy, "06010", urgency=URGENT, area=C) == Limit(6, CH)
    assert dispose(policy, "01002", urgency=URGENT, area=B) == Limit(2, CH)


def test_kind_filter(policy: TimeLimitPolicy) -> None:
    assert dispose(policy, "06010", kind=COMPONENT) == Limit(1, WD)  # rule is matter-only
    assert dispose(policy, "06010", kind=None) == Limit(4, WH)


def test_specific_code_beats_big_class_beats_default() -> None:
    policy = TimeLimitPolicy.from_dict(
        minimal(
            dispose_rules=[
                {"codes": ["07"], "kinds": ["matter"], "normal": "3 working_hour"},
                {"codes": ["07001"], "kinds": ["matter"], "normal": "2 working_hour"},
                {"codes": ["07003"], "urgent": "30 minute"},
            ]
        )
    )
    assert dispose(policy, "07001") == Limit(2, WH)
    assert dispose(policy, "07002") == Limit(3, WH)
    assert dispose(policy, "08001") == Limit(1, WH)
    assert dispose(policy, "07002", kind=COMPONENT) == Limit(1, WH)
    # 07003 only overrides urgent; normal falls back to its big class.
    assert dispose(policy, "07003") == Limit(3, WH)
    assert dispose(policy, "07003", urgency=URGENT) == Limit(0.5, CH)
    assert dispose(policy, "07002", urgency=URGENT) == Limit(1, CH)


def test_categories_only_matter_for_disposal(policy: TimeLimitPolicy) -> None:
    limit = policy.limit_for(
        Stage.SIGN, urgency=NORMAL, area_class=A, category_kind=MATTER, category_code="06029"
    )
    assert limit == Limit(1, WH)


def test_deadline(policy: TimeLimitPolicy) -> None:
    calendar = WorkingCalendar.load()
    started = datetime(2026, 3, 2, 10, tzinfo=SH)  # a Monday
    deadline = policy.deadline(
        calendar,
        Stage.DISPOSE,
        started,
        urgency=NORMAL,
        area_class=A,
        category_kind=MATTER,
        category_code="06010",
    )
    # 4 working hours: 10:00–12:00, 13:30–15:30; 80% = 3.2 h → 14:42.
    assert deadline == Deadline(
        stage=Stage.DISPOSE,
        started_at=started,
        warn_at=datetime(2026, 3, 2, 14, 42, tzinfo=SH),
        due_at=datetime(2026, 3, 2, 15, 30, tzinfo=SH),
        limit=Limit(4, WH),
    )
    assert deadline.started_at.tzinfo is UTC
    assert deadline.due_at.tzinfo is UTC
    urgent = policy.deadline(calendar, Stage.INTAKE, started, urgency=URGENT, area_class=C)
    assert urgent.due_at == datetime(2026, 3, 2, 10, 10, tzinfo=SH)
    assert urgent.warn_at == datetime(2026, 3, 2, 10, 8, tzinfo=SH)


def test_deadline_rejects_naive_start(policy: TimeLimitPolicy) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        policy.deadline(
            WorkingCalendar(), Stage.INTAKE, datetime(2026, 3, 2), urgency=NORMAL, area_class=A
        )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"stages": {}}, "stages.intake is missing"),
        (minimal(extra=1), "unknown key 'extra'"),
        (minimal(class_scale={"D": 2}), "class_scale: unknown key 'D'"),
        (minimal(class_scale={"B": -1}), "class_scale.B must be a positive number"),
        (
            {"stages": {**minimal()["stages"], "sign": {"normal": "1 working_hour"}}},
            "stages.sign needs both a normal and an urgent limit",
        ),
        (
            {
                "stages": {
                    **minimal()["stages"],
                    "sign": {"normal": "1 hours", "urgent": "1 clock_hour"},
                }
            },
            "stages.sign.normal: '1 hours': unknown unit 'hours'",
        ),
        (
            {"stages": {**minimal()["stages"], "check": {"normal": {"B": "1 working_hour"}}}},
            "stages.check.normal needs at least an A value",
        ),
        (minimal(dispose_rules=[{"codes": ["6010"], "normal": "1 working_hour"}]), "'6010'"),
        (minimal(dispose_rules=[{"codes": [], "normal": "1 working_hour"}]), "non-empty list"),
        (minimal(dispose_rules=[{"codes": ["06010"]}]), "needs a normal or an urgent limit"),
        (
            minimal(
                dispose_rules=[{"codes": ["06010"], "kinds": ["event"], "normal": "1 working_hour"}]
            ),
            "dispose_rules[0].kinds must list",
        ),
        (
            minimal(
                dispose_rules=[
                    {"codes": ["06010"], "normal": "1 working_hour"},
                    {"codes": ["06010"], "kinds": ["matter"], "normal": "2 working_hour"},
                ]
            ),
            "dispose_rules[1]: matter 06010 is already covered by dispose_rules[0]",
        ),
        (
            minimal(
                dispose_rules=[
                    {"codes": ["01001"], "normal": "2 clock_hour", "urgent": "3 clock_hour"}
                ]
            ),
            "urgent limit 3 hours is longer than the normal limit 2 hours",
        ),
    ],
)
def test_bad_policy_gives_policy_error(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(PolicyError) as info:
        TimeLimitPolicy.from_dict(data)
    assert problem in str(info.value)


def test_bad_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text("[stages.intake]\nnormal = 30\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        TimeLimitPolicy.load(path)
    assert str(path) in str(info.value)
    path.write_text("stages = [", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid TOML"):
        TimeLimitPolicy.load(path)
