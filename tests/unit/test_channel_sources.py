"""The reporting channels are sources like any other: labelled in both languages, shown
in the queue's source column, and matched by the filter's ``src:`` term."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from rich.cells import cell_len

from backend_client.labels import en, label, zh
from backend_client.vocab import CHANNELS, Source
from console.columns import fit_widths
from console.queues import FilterError, parse_filter
from console.rows import QueueRow
from tests.unit.test_console_store import summary

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def row(source: Source) -> QueueRow:
    return QueueRow.from_summary(summary(1, random.Random(1), source=source))


def test_every_channel_has_a_label_in_both_languages_that_fits_the_source_column() -> None:
    assert set(CHANNELS) == {Source.HOTLINE, Source.WECHAT, Source.APP, Source.HANDHELD}
    for lang in ("zh", "en"):
        room = fit_widths(80, lang).source
        for source in CHANNELS:
            assert 0 < cell_len(label(source, lang)) <= room, (lang, source)
    assert (zh(Source.WECHAT), en(Source.WECHAT)) == ("微信", "WeChat")
    assert label(Source.HANDHELD, "zh") == "手持"


@pytest.mark.parametrize(
    ("term", "matches"),
    [
        ("src:wechat", Source.WECHAT),
        ("src:微信", Source.WECHAT),
        ("src:WeChat", Source.WECHAT),
        ("src:app", Source.APP),
        ("src:handheld", Source.HANDHELD),
        ("src:手持终端", Source.HANDHELD),
        ("src:12345", Source.HOTLINE),
    ],
)
def test_the_filter_takes_each_channel(term: str, matches: Source) -> None:
    predicate = parse_filter(term)
    assert predicate is not None
    for source in Source:
        assert predicate(row(source), NOW) == (source is matches), (term, source)


def test_an_unknown_source_is_a_filter_error() -> None:
    with pytest.raises(FilterError):
        parse_filter("src:fax")
