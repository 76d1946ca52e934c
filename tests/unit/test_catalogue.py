"""The GB/T 47678.5-2026 catalogue of ``backend.domain.catalogue``."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from backend.domain.catalogue import (
    CatalogueEntry,
    CatalogueError,
    load_standard_catalogue,
    parse_local_extensions,
)
from backend_client.vocab import CategoryKind
from console.catalogue_search import fuzzy_rank

COMPONENT, MATTER = CategoryKind.COMPONENT, CategoryKind.MATTER
DATA = Path(__file__).resolve().parents[2] / "backend" / "data"
HEADER = "kind,code,big_class,big_class_name,big_class_gloss,name,gloss\n"


@pytest.fixture(scope="module")
def catalogue() -> list[CatalogueEntry]:
    return load_standard_catalogue()


@pytest.fixture(scope="module")
def by_key(catalogue: list[CatalogueEntry]) -> dict[tuple[CategoryKind, str], CatalogueEntry]:
    return {(e.kind, e.code): e for e in catalogue}


# --------------------------------------------------------------------------- standard file


def test_counts_and_unique_keys(catalogue: list[CatalogueEntry]) -> None:
    assert len(catalogue) == 403
    kinds = Counter(e.kind for e in catalogue)
    assert kinds == {COMPONENT: 153, MATTER: 250}
    assert len({(e.kind, e.code) for e in catalogue}) == 403
    assert not any(e.local for e in catalogue)


def test_every_gloss_is_short_ascii_lower_case(catalogue: list[CatalogueEntry]) -> None:
    for e in catalogue:
        assert e.gloss, e
        assert e.gloss.isascii(), e
        assert len(e.gloss) <= 60, e
        assert e.gloss == e.gloss.strip(), e
        # lower case apart from acronyms such as TV, SOS, EV
        words = re.findall(r"[A-Za-z]+", e.gloss)
        assert all(w.islower() or w.isupper() for w in words), e


def test_codes_are_well_formed(catalogue: list[CatalogueEntry]) -> None:
    for e in catalogue:
        assert re.fullmatch(r"\d{5}", e.code), e
        assert e.code[:2] == e.big_class, e
        assert e.name, e
        assert e.big_class_name, e
        assert e.big_class_gloss, e


def test_gloss_file_matches_the_standard_file() -> None:
    with (DATA / "catalogue-gbt47678.5.csv").open(encoding="utf-8") as f:
        standard = [(r["kind"], r["code"]) for r in csv.DictReader(f)]
    with (DATA / "catalogue-gloss-en.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["kind"], r["code"]) for r in rows] == standard
    assert all(r["gloss"].strip() for r in rows)


def test_spot_checks(by_key: dict[tuple[CategoryKind, str], CatalogueEntry]) -> None:
    cover = by_key[(COMPONENT, "01001")]
    assert (cover.name, cover.gloss) == ("供水井盖", "water supply manhole cover")
    assert (cover.big_class, cover.big_class_name) == ("01", "市政公用设施")
    fault = by_key[(MATTER, "01001")]
    assert (fault.name, fault.gloss) == ("供水井盖异常", "water supply manhole cover fault")
    assert fault.big_class_name == "市政公用设施类"
    litter = by_key[(MATTER, "06010")]
    assert (litter.name, litter.gloss) == ("暴露垃圾", "exposed litter")
    assert litter.big_class_gloss == "city appearance"
    assert by_key[(MATTER, "06042")].gloss == "overflowing bin or refuse station"
    vending = by_key[(MATTER, "09006")]
    assert (vending.name, vending.gloss) == ("占道经营", "street vending on the roadway")
    assert vending.big_class_name == "街面秩序类"


def test_fault_matters_mirror_components(
    catalogue: list[CatalogueEntry], by_key: dict[tuple[CategoryKind, str], CatalogueEntry]
) -> None:
    components = [e for e in catalogue if e.kind is COMPONENT]
    for c in components:
        m = by_key[(MATTER, c.code)]
        assert m.name == f"{c.name}异常"
        assert m.gloss == f"{c.gloss} fault"
    assert sum(1 for e in catalogue if e.kind is MATTER and e.code < "06") == len(components)


def test_load_returns_a_fresh_list() -> None:
    first = load_standard_catalogue()
    first.clear()
    assert len(load_standard_catalogue()) == 403


# --------------------------------------------------------------------------- local extensions


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "local.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_local_extensions_parse(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "matter,21001,21,扩展事项类,local matters,共享电单车乱停放,misparked shared e-bike\n"
        "\n"
        "matter,21002,21,扩展事项类,local matters,违规户外充电,unsafe outdoor e-bike charging\n"
        "component,01078,01,,,智能垃圾分类亭,smart waste sorting kiosk\n"
        "component,11001,11,,,无人机机巢,drone dock\n",
    )
    entries = parse_local_extensions(path)
    assert [(e.kind, e.code) for e in entries] == [
        (MATTER, "21001"),
        (MATTER, "21002"),
        (COMPONENT, "01078"),
        (COMPONENT, "11001"),
    ]
    assert all(e.local for e in entries)
    assert entries[0].big_class_name == "扩展事项类"
    assert entries[0].gloss == "misparked shared e-bike"
    # an existing big class takes its standard name and gloss
    assert (entries[2].big_class_name, entries[2].big_class_gloss) == (
        "市政公用设施",
        "municipal utilities",
    )
    # a new big class with blank names gets the default labels
    assert (entries[3].big_class_name, entries[3].big_class_gloss) == ("扩展", "local extension")


def test_local_extensions_accept_a_bom_and_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text("\ufeff" + HEADER + "matter,21001,21,扩展,ext,测试,test\n", encoding="utf-8")
    assert len(parse_local_extensions(path)) == 1
    assert parse_local_extensions(write(tmp_path, "")) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            "matter,21001,21,扩展,ext,甲,a\ncomponent,01001,01,,,供水井盖,cover\n",
            r"line 3: component 01001 collides with the standard class 供水井盖",
            id="collision",
        ),
        pytest.param(
            "matter,2100A,21,扩展,ext,甲,a\n",
            r"line 2: code '2100A' is malformed",
            id="bad-code",
        ),
        pytest.param(
            "matter,210011,21,扩展,ext,甲,a\n",
            r"line 2: code '210011' is malformed",
            id="six-digit-code",
        ),
        pytest.param(
            "matter,21001,22,扩展,ext,甲,a\n",
            r"line 2: code '21001' does not start with its big_class '22'",
            id="big-class-mismatch",
        ),
        pytest.param(
            "matter,21000,21,扩展,ext,甲,a\n",
            r"line 2: code '21000' has a zero",
            id="zero-small-class",
        ),
        pytest.param(
            "matter,21001,21,扩展,ext,甲,a\nmatter,21002,21,扩展,ext,乙,b\n"
            "matter,21001,21,扩展,ext,丙,c\n",
            r"line 4: matter 21001 duplicates line 2",
            id="duplicate",
        ),
        pytest.param(
            "matter,21001,21,扩展,ext," + "长" * 31 + ",too long\n",
            r"line 2: name '长{31}' is 31 characters; at most 30",
            id="long-name",
        ),
        pytest.param(
            "matter,21001,21,扩展,ext,甲,\n",
            r"line 2: matter 21001 甲 has no English gloss",
            id="no-gloss",
        ),
        pytest.param(
            "matter,21001,21,扩展,ext,,a\n",
            r"line 2: matter 21001 has no name",
            id="no-name",
        ),
        pytest.param(
            "event,21001,21,扩展,ext,甲,a\n",
            r"line 2: kind 'event' is not one of component, matter",
            id="bad-kind",
        ),
        pytest.param(
            "matter,06099,06,市容,ext,甲,a\n",
            r"line 2: big class 06 is the standard '市容环境类', not '市容'",
            id="renamed-standard-big-class",
        ),
        pytest.param(
            "matter,21001,21,扩展甲,ext,甲,a\nmatter,21002,21,扩展乙,ext,乙,b\n",
            r"line 3: big class 21 is named '扩展甲' on line 2",
            id="inconsistent-local-big-class",
        ),
        pytest.param(
            "matter,21001,21,扩展,ext,甲,a,extra\n",
            r"line 2: more fields than the header",
            id="extra-field",
        ),
    ],
)
def test_local_extensions_reject_bad_rows(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(CatalogueError, match=message) as info:
        parse_local_extensions(path)
    assert str(path) in str(info.value)


def test_local_extensions_reject_a_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "matter,21001,21,扩展,ext,甲\n", header=HEADER.replace(",gloss\n", "\n"))
    with pytest.raises(CatalogueError, match=r"line 1: missing column\(s\) gloss"):
        parse_local_extensions(path)


def test_local_extensions_reject_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        parse_local_extensions(tmp_path / "absent.csv")


def test_local_extensions_check_against_a_given_standard(tmp_path: Path) -> None:
    path = write(tmp_path, "component,01001,01,市政,utilities,供水井盖,water supply cover\n")
    assert len(parse_local_extensions(path, standard=[])) == 1
    with pytest.raises(CatalogueError, match="collides"):
        parse_local_extensions(path)


# --------------------------------------------------------------------------- fuzzy ranking


def keys(entries: list[CatalogueEntry]) -> list[tuple[str, str]]:
    return [(e.kind.value, e.code) for e in entries]


def test_exact_code_first(catalogue: list[CatalogueEntry]) -> None:
    ranked = fuzzy_rank(catalogue, "06010")
    assert keys(ranked)[0] == ("matter", "06010")
    both = fuzzy_rank(catalogue, "01001")
    assert set(keys(both[:2])) == {("component", "01001"), ("matter", "01001")}


def test_code_prefix(catalogue: list[CatalogueEntry]) -> None:
    ranked = fuzzy_rank(catalogue, "0601", limit=100)
    assert [c for _, c in keys(ranked)] == [f"060{n}" for n in range(10, 20)]
    assert keys(fuzzy_rank(catalogue, "06-010"))[0] == ("matter", "06010")
    assert keys(fuzzy_rank(catalogue, "06", limit=51)) == [
        ("matter", c) for c in sorted(e.code for e in catalogue if e.code.startswith("06"))
    ]
    # digits inside a code rank after every prefix match
    assert keys(fuzzy_rank(catalogue, "6010")) == [("matter", "06010")]


def test_chinese_substring(catalogue: list[CatalogueEntry]) -> None:
    found = {c for kind, c in keys(fuzzy_rank(catalogue, "垃圾")) if kind == "matter"}
    assert {"06010", "06011", "06042"} <= found
    # a name that starts with the query ranks before one that merely contains it
    ranked = keys(fuzzy_rank(catalogue, "垃圾"))
    assert ranked.index(("matter", "06042")) < ranked.index(("matter", "06010"))


def test_english_substring_finds_manhole_covers(catalogue: list[CatalogueEntry]) -> None:
    ranked = fuzzy_rank(catalogue, "manhole", limit=100)
    assert ranked
    assert all("manhole" in e.gloss for e in ranked)
    assert ("component", "01001") in keys(ranked)
    assert {e.name[-2:] for e in ranked if e.kind is COMPONENT} == {"井盖"}


def test_case_and_width_are_ignored(catalogue: list[CatalogueEntry]) -> None:
    assert keys(fuzzy_rank(catalogue, "Exposed LITTER"))[0] == ("matter", "06010")
    assert ("matter", "06042") in keys(fuzzy_rank(catalogue, "垃圾站(箱)"))
    assert keys(fuzzy_rank(catalogue, "sos"))[0] == ("component", "01066")


def test_whole_field_match_beats_longer_fields(catalogue: list[CatalogueEntry]) -> None:
    assert keys(fuzzy_rank(catalogue, "street light"))[0] == ("component", "01037")
    assert keys(fuzzy_rank(catalogue, "路灯"))[0] == ("component", "01037")


def test_multi_word_and_subsequence(catalogue: list[CatalogueEntry]) -> None:
    # every word present, in any order
    assert ("matter", "01037") in keys(fuzzy_rank(catalogue, "fault light"))
    # characters in order
    assert keys(fuzzy_rank(catalogue, "垃满")) == [("matter", "06042")]
    assert ("component", "01001") in keys(fuzzy_rank(catalogue, "wsmc"))


def test_garbage_query_returns_little(catalogue: list[CatalogueEntry]) -> None:
    assert len(fuzzy_rank(catalogue, "ljmy")) <= 3
    assert fuzzy_rank(catalogue, "qqqqzzzz") == []
    assert fuzzy_rank(catalogue, "!!??") == []


def test_empty_query_and_limit(catalogue: list[CatalogueEntry]) -> None:
    assert fuzzy_rank(catalogue, "") == catalogue[:20]
    assert fuzzy_rank(catalogue, "   ", limit=5) == catalogue[:5]
    assert len(fuzzy_rank(catalogue, "e", limit=7)) == 7
    assert fuzzy_rank(catalogue, "垃圾", limit=0) == []
    assert fuzzy_rank([], "垃圾") == []


def test_ranking_is_stable(catalogue: list[CatalogueEntry]) -> None:
    assert fuzzy_rank(catalogue, "井盖", limit=100) == fuzzy_rank(catalogue, "井盖", limit=100)
    twins = [
        CatalogueEntry(MATTER, f"2100{n}", "21", "扩展", "ext", "测试", "same gloss", local=True)
        for n in range(1, 6)
    ]
    assert fuzzy_rank(twins, "gloss") == twins
    assert fuzzy_rank(twins[::-1], "测试") == twins[::-1]
    # equal scores keep catalogue order: component 01001 before matter 01001
    assert keys(fuzzy_rank(catalogue, "供水井盖"))[:2] == [
        ("component", "01001"),
        ("matter", "01001"),
    ]


def test_local_entries_are_searchable(tmp_path: Path, catalogue: list[CatalogueEntry]) -> None:
    path = write(tmp_path, "matter,21001,21,扩展事项类,local,共享电单车乱停放,misparked e-bike\n")
    entries = catalogue + parse_local_extensions(path)
    assert keys(fuzzy_rank(entries, "21001")) == [("matter", "21001")]
    assert ("matter", "21001") in keys(fuzzy_rank(entries, "e-bike"))
