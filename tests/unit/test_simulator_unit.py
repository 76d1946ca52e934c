"""The simulator's pure parts: the report mix, who reacts how, and the agenda."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.domain.tokens import IssuedToken
from backend_client.vocab import Action, CaseState, CategoryKind, PendingKind, Role, Source
from backend_client.wire import CaseSummary, Category
from demo.agenda import Agenda
from demo.decisions import (
    Cast,
    Reaction,
    draft_report,
    is_centre_case,
    pick_category,
    plan_reaction,
    report_interval,
)

AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
STREETS = ("110112001", "110112002")
GRIDS = [f"{s}00{c}00{g}" for s in STREETS for c in (1, 2) for g in (1, 2, 3)]


def category(kind: CategoryKind, code: str, name: str) -> Category:
    return Category(kind=kind, code=code, name=name, gloss="", big_class=code[:2],
                    big_class_name="", big_class_gloss="")  # fmt: skip


M, C = CategoryKind.MATTER, CategoryKind.COMPONENT
CATALOGUE = [
    category(M, "06010", "暴露垃圾"),
    category(M, "06012", "道路不洁"),
    category(M, "06036", "乱堆杂物"),
    category(M, "09006", "占道经营"),
    category(M, "09009", "机动车乱停放"),
    category(M, "07001", "非法小广告"),
    category(M, "08004", "工地扬尘"),
    category(M, "10001", "道路积雪、结冰"),
    category(M, "01001", "供水井盖异常"),
    category(C, "01001", "供水井盖"),
    category(C, "01037", "路灯"),
    category(C, "01040", "报刊亭"),
    category(C, "02014", "交通信号灯"),
    category(C, "04002", "行道树"),
]


def user(name: str, role: Role, scope: str = "110112", dept: str | None = None) -> IssuedToken:
    return IssuedToken(name, name, role, scope, dept, f"tok-{name}")


USERS = [
    user("lead", Role.SHIFT_LEAD),
    user("operator1", Role.OPERATOR),
    user("operator2", Role.OPERATOR),
    user("dispatcher1", Role.DISPATCHER),
    user("sup001", Role.SUPERVISOR, STREETS[0]),
    user("sup002", Role.SUPERVISOR, STREETS[1]),
    *(user(f"h_{d.lower()}", Role.HANDLER, dept=d) for d in ("HW", "SZ", "ZF", "YL", "LD", "SW")),
]
CAST = Cast.from_users(USERS, seed=7)


def summary(serial: str, state: CaseState, **kw: Any) -> CaseSummary:
    fields: dict[str, Any] = {
        "serial": serial, "state": state, "source": Source.SUPERVISOR,
        "category_kind": M, "category_code": "06010", "category_name": "暴露垃圾",
        "grid_code": GRIDS[0], "street_code": STREETS[0], "address": "", "summary": "",
        "urgency": "normal", "version": 4, "created_at": AT, "updated_at": AT,
    }  # fmt: skip
    fields.update(kw)
    return CaseSummary(**fields)


def serial_where(centre: bool) -> str:
    return next(
        s for s in (f"110112-{n:06d}" for n in range(1000)) if is_centre_case(s, 0.6) is centre
    )


CENTRE, HUMAN = serial_where(True), serial_where(False)


def plan(case: CaseSummary, trigger: Action | None, seed: int = 1, **data: Any) -> Reaction | None:
    return plan_reaction(case, trigger, data, CAST, random.Random(seed), centre_share=0.6, pace=1)


# --- the report mix -------------------------------------------------------------------------


def test_category_mix_is_deterministic_under_a_seed() -> None:
    first = [pick_category(random.Random(7), CATALOGUE).code for _ in range(3)]
    rng_a, rng_b = random.Random(7), random.Random(7)
    a = [(c.kind, c.code) for c in (pick_category(rng_a, CATALOGUE) for _ in range(200))]
    b = [(c.kind, c.code) for c in (pick_category(rng_b, CATALOGUE) for _ in range(200))]
    assert a == b
    assert len(set(first)) == 1
    # The catalogue's order does not matter either.
    shuffled = list(reversed(CATALOGUE))
    rng_c = random.Random(7)
    assert [(c.kind, c.code) for c in (pick_category(rng_c, shuffled) for _ in range(200))] == a


def test_category_mix_follows_the_field_figures() -> None:
    rng = random.Random(11)
    picks = [pick_category(rng, CATALOGUE) for _ in range(20_000)]
    kinds = Counter(c.kind for c in picks)
    assert 0.96 < kinds[M] / len(picks) < 0.98  # ~97% matters (事项)
    matters = Counter(c.big_class for c in picks if c.kind is M)
    assert matters["06"] > matters["09"] > matters["07"] > matters["08"] > matters["10"]
    assert (matters["06"] + matters["09"]) / kinds[M] > 0.65
    components = Counter(c.name for c in picks if c.kind is C)
    covers_and_lights = components["供水井盖"] + components["路灯"]
    assert covers_and_lights / kinds[C] > 0.5  # mostly manhole covers and street lights


def test_report_interval_is_a_seeded_poisson_process() -> None:
    a = [report_interval(random.Random(3), 6.0) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = random.Random(3)
    gaps = [report_interval(rng, 6.0) for _ in range(20_000)]
    assert 9.5 < sum(gaps) / len(gaps) < 10.5  # 6 per minute: one every 10 s on average
    assert report_interval(rng, 0.0) == float("inf")


def test_centre_share_is_a_stable_hash_of_the_serial() -> None:
    serials = [f"110112-2026-{n:05d}" for n in range(4000)]
    mine = [s for s in serials if is_centre_case(s, 0.6)]
    assert 0.57 < len(mine) / len(serials) < 0.63
    assert mine == [s for s in serials if is_centre_case(s, 0.6)]
    assert not any(is_centre_case(s, 0.0) for s in serials)
    assert all(is_centre_case(s, 1.0) for s in serials)


def test_draft_report_is_deterministic_and_realistic() -> None:
    def batch(seed: int) -> list[tuple[str, Any]]:
        rng = random.Random(seed)
        return [draft_report(rng, CAST, CATALOGUE, GRIDS, {}) for _ in range(1000)]

    reports = batch(5)
    assert reports == batch(5)
    hotline = [(u, b) for u, b in reports if b.source is Source.HOTLINE]
    patrol = [(u, b) for u, b in reports if b.source is Source.SUPERVISOR]
    assert 0.25 < len(hotline) / len(reports) < 0.35
    for username, body in hotline:
        assert username.startswith("operator")
        assert len(body.reporter_phone) == 11 and body.reporter_phone.isdigit()
        assert body.description.startswith("市民来电反映")
    for username, body in patrol:
        assert body.grid_code is not None
        assert CAST.supervisors[body.grid_code[:9]] == username  # in the supervisor's street
    urgent = sum(b.urgency == "urgent" for _, b in reports)
    assert 20 < urgent < 85  # ~5%
    assert 0 < sum(b.self_disposed for _, b in patrol) < 40  # ~2%


# --- who reacts how -------------------------------------------------------------------------


def test_cast_lags_the_departments_the_history_lags() -> None:
    assert CAST.watcher.username == "lead"
    assert CAST.supervisors == {STREETS[0]: "sup001", STREETS[1]: "sup002"}
    assert CAST.sluggish == {"SW"}  # the behaviour table's lagging departments with staff
    assert Cast.from_users(list(reversed(USERS)), seed=7).sluggish == CAST.sluggish
    with pytest.raises(ValueError, match="shift_lead"):
        Cast.from_users([u for u in USERS if u.role is not Role.SHIFT_LEAD], seed=7)


def test_planning_is_deterministic_under_a_seed() -> None:
    case = summary(CENTRE, CaseState.IN_PROGRESS, department_code="HW")
    runs = [[plan(case, Action.SIGN, seed=s) for s in range(50)] for _ in range(2)]
    assert runs[0] == runs[1]
    actions = Counter(r.request.action for r in runs[0] if r is not None)
    assert actions[Action.REPORT_DISPOSAL] > 40


def test_departments_sign_and_dispose_sluggish_ones_slower() -> None:
    slow = next(iter(CAST.sluggish))
    fast = next(d for d in CAST.handlers if d not in CAST.sluggish)
    for serial in (CENTRE, HUMAN):  # field roles act on every case
        quick = plan(summary(serial, CaseState.DISPATCHED, department_code=fast), Action.DISPATCH)
        late = plan(summary(serial, CaseState.DISPATCHED, department_code=slow), Action.DISPATCH)
        assert quick is not None and late is not None
        assert quick.request.action is Action.SIGN and quick.actor == CAST.handlers[fast]
        assert late.delay == pytest.approx(quick.delay * 8)
    disposed = plan(summary(HUMAN, CaseState.IN_PROGRESS, department_code=fast), Action.DECIDE)
    assert disposed is not None and disposed.request.action is Action.REPORT_DISPOSAL
    assert disposed.request.note
    assert disposed.request.attachments[0].ref == f"photo://{HUMAN}/after-1.jpg"
    assert disposed.request.attachments[0].phase == "after"


def test_centre_desk_work_is_left_to_the_human_for_the_other_cases() -> None:
    for state in (CaseState.REPORTED, CaseState.FILED, CaseState.DISPOSED):
        assert plan(summary(HUMAN, state), Action.REPORT) is None
        assert plan(summary(CENTRE, state), Action.REPORT) is not None
    pending = summary(HUMAN, CaseState.IN_PROGRESS, department_code="HW",
                      pending=PendingKind.EXTENSION)  # fmt: skip
    assert plan(pending, Action.REQUEST_EXTENSION) is None
    decided = plan(replace_serial(pending, CENTRE), Action.REQUEST_EXTENSION)
    assert decided is not None and decided.request.action is Action.DECIDE
    assert decided.actor == "dispatcher1" and decided.request.approve is not None
    assert decided.expect_pending is PendingKind.EXTENSION


def replace_serial(case: CaseSummary, serial: str) -> CaseSummary:
    return case.model_copy(update={"serial": serial})


def test_dispatch_omits_the_department_so_the_server_routes() -> None:
    reaction = plan(summary(CENTRE, CaseState.FILED), Action.FILE)
    assert reaction is not None and reaction.request.action is Action.DISPATCH
    assert reaction.request.department_code is None
    assert reaction.expect_state is CaseState.FILED


def test_check_goes_to_the_street_supervisor_and_is_verified_by_the_named_one() -> None:
    assigned = plan(summary(CENTRE, CaseState.DISPOSED), Action.REPORT_DISPOSAL)
    assert assigned is not None and assigned.request.action is Action.ASSIGN_CHECK
    assert assigned.request.supervisor == "sup001"
    checking = summary(HUMAN, CaseState.CHECKING)
    named = plan(checking, Action.ASSIGN_CHECK, supervisor="sup002")
    assert named is not None and named.actor == "sup002" and named.request.passed is not None
    fallback = plan(checking, None)
    assert fallback is not None and fallback.actor == "sup001"


def test_false_report_is_voided_by_a_lead() -> None:
    reaction = plan(summary(CENTRE, CaseState.REPORTED), Action.CONFIRM_REPORT, truthful=False)
    assert reaction is not None and reaction.request.action is Action.VOID
    assert reaction.actor == "lead" and reaction.request.reason


def test_pace_scales_delays() -> None:
    case = summary(CENTRE, CaseState.FILED)
    normal = plan_reaction(case, None, {}, CAST, random.Random(1), centre_share=0.6, pace=1)
    fast = plan_reaction(case, None, {}, CAST, random.Random(1), centre_share=0.6, pace=0.1)
    assert normal is not None and fast is not None
    assert fast.delay == pytest.approx(normal.delay * 0.1)


# --- the agenda -----------------------------------------------------------------------------


def test_agenda_pops_by_due_time_one_item_per_case() -> None:
    agenda: Agenda[str] = Agenda()
    agenda.put("A", 5.0, "a1")
    agenda.put("B", 2.0, "b1")
    agenda.put("C", 2.0, "c1")
    agenda.put("A", 1.0, "a2")  # replaces a1
    assert len(agenda) == 3 and "A" in agenda
    assert agenda.next_due() == 1.0
    assert agenda.pop_due(0.5) == []
    assert agenda.pop_due(2.0) == ["a2", "b1", "c1"]  # ties in the order they were put
    agenda.put("D", 3.0, "d1")
    agenda.cancel("D")
    assert agenda.next_due() is None and len(agenda) == 0
    assert agenda.pop_due(100.0) == []


def test_agenda_replay_is_deterministic() -> None:
    def run(seed: int) -> list[str]:
        rng, agenda = random.Random(seed), Agenda[str]()
        for n in range(200):
            agenda.put(f"case{n % 40}", rng.uniform(0, 100), f"r{n}")
        return agenda.pop_due(50.0) + agenda.pop_due(100.0)

    assert run(3) == run(3)
    assert len(run(3)) == 40


# --- the demo's pace ----------------------------------------------------------------------


def test_demo_pace_makes_the_centre_busier_and_spreads_the_backlog() -> None:
    from demo.runner import demo_config
    from demo.simulator import SimConfig

    normal, busy, calm = demo_config(6.0, 1.0), demo_config(6.0, 2.0), demo_config(6.0, 0.5)
    assert (busy.rate_per_min, calm.rate_per_min) == (12.0, 3.0)
    assert (busy.pace, normal.pace, calm.pace) == (0.5, 1.0, 2.0)  # delays scale by 1/pace
    # A seeded backlog starts moving over an hour, not the standalone simulator's 5 min.
    assert normal.backlog_spread == busy.backlog_spread > SimConfig().backlog_spread


def test_demo_takes_pace(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from citygrid import cli

    seen: dict[str, object] = {}

    def fake_run_demo(**kw: object) -> int:
        seen.update(kw)
        return 0

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in (("TEXTUAL_FPS", "60"), ("TEXTUAL_COLOR_SYSTEM", "auto")):
        monkeypatch.setenv(name, value)  # set, so what the command writes is undone after
    monkeypatch.setattr("demo.runner.run_demo", fake_run_demo)
    result = CliRunner().invoke(cli.app, ["demo", "--pace", "2.5", "--rate", "3"])
    assert result.exit_code == 0, result.output
    assert (seen["pace"], seen["rate"]) == (2.5, 3.0)
    assert CliRunner().invoke(cli.app, ["demo", "--pace", "0"]).exit_code != 0


def test_a_closed_case_awaiting_its_callback_is_called_back_by_an_operator() -> None:
    waiting = summary(CENTRE, CaseState.CLOSED, stage="callback")
    reactions = [plan(waiting, Action.VERIFY, seed=s) for s in range(200)]
    assert all(r is not None and r.request.action is Action.CALLBACK for r in reactions)
    assert {r.actor for r in reactions if r} <= set(CAST.operators)
    results = Counter(str(r.request.result) for r in reactions if r)
    assert set(results) == {"satisfied", "basic", "dissatisfied", "unreachable"}
    assert results["satisfied"] > results["basic"] > results["unreachable"]
    assert all(r.expect_state is CaseState.CLOSED for r in reactions if r)
    # an unreachable reporter is tried again only sometimes; the rest wait in the 回访 queue
    again = [plan(waiting, Action.CALLBACK, seed=s) for s in range(200)]
    assert 40 < sum(r is not None for r in again) < 160
    assert plan(summary(HUMAN, CaseState.CLOSED, stage="callback"), Action.VERIFY) is None
    assert plan(summary(CENTRE, CaseState.CLOSED), Action.VERIFY) is None  # no contact left
