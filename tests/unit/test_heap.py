"""The heap alive after start-up is taken out of the garbage collector's scans."""

from __future__ import annotations

import gc

from backend.core.heap import freeze_start_up


def test_freeze_start_up_takes_what_is_alive_out_of_the_scans() -> None:
    alive: list[list[int]] = [[1, 2, 3]]
    try:
        freeze_start_up()
        assert gc.get_freeze_count() > 0
        assert not any(found is alive for found in gc.get_objects())
        later: list[list[int]] = [[4]]
        assert any(found is later for found in gc.get_objects())  # made later: scanned
    finally:
        gc.unfreeze()
    assert any(found is alive for found in gc.get_objects())
