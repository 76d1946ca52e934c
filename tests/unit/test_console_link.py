"""The status bar's link segment and the sentences for a refused token, without the app."""

from __future__ import annotations

from datetime import UTC, datetime

from backend_client.errors import Unauthorized
from backend_client.wire import Problem
from console.errors import describe
from console.link import link_text
from console.model import LinkStatus

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the centre's time zone


def test_the_countdown_rounds_up_and_stops_at_zero() -> None:
    link = LinkStatus("reconnecting", AT, retry_at=100.0)
    assert [link.retry_in(now) for now in (98.5, 99.0, 99.2, 100.0, 107.0)] == [2, 1, 1, 0, 0]
    assert LinkStatus("reconnecting", AT).retry_in(5.0) == 0
    assert link_text(link, "en", 97.0).plain == "◌ reconnecting 3s"
    assert link_text(link, "zh", 99.5).plain == "◌ 重连中 1s"


def test_a_refused_token_is_marked_with_the_time_the_view_froze() -> None:
    link = LinkStatus("refused", AT)
    assert link_text(link, "en", 0.0).plain == "✕ token refused, view as of 10:00"
    assert link_text(link, "zh", 0.0).plain == "✕ 令牌被拒 画面停在 10:00"
    assert "reverse" in str(link_text(link, "en", 0.0).style)  # not colour alone


def test_an_action_refused_for_its_token_says_how_to_get_a_new_one() -> None:
    error = Unauthorized(401, Problem(title="no", status=401, detail="This token is unknown."))
    assert describe(error, "en") == (
        "token refused: This token is unknown. Ask an admin for a new one "
        "('citygrid tokens rotate')"
    )
    assert "citygrid tokens rotate" in describe(error, "zh")
