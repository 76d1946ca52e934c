"""The GB/T 47678.5-2026 class catalogue: components (部件) and matters (事项).

Pure Python.  The standard directory lives in two checked-in data files under
``backend/data``:

* ``catalogue-gbt47678.5.csv`` (kind, code, big_class, big_class_name,
  big_class_gloss, name) — 153 components and 250 matters;
* ``catalogue-gloss-en.csv`` (kind, code, gloss) — an English gloss per row.

Component and matter codes overlap (both have 01001), so the key of a class is
``(kind, code)``.  A city may add local extension classes from a CSV with the
same columns plus ``gloss`` (:func:`parse_local_extensions`).  The console's
category picker ranks classes with ``console.catalogue_search.fuzzy_rank``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from backend_client.vocab import CategoryKind

STANDARD_FILE = "catalogue-gbt47678.5.csv"
GLOSS_FILE = "catalogue-gloss-en.csv"
STANDARD_COLUMNS = ("kind", "code", "big_class", "big_class_name", "big_class_gloss", "name")
GLOSS_COLUMNS = ("kind", "code", "gloss")
LOCAL_COLUMNS = (*STANDARD_COLUMNS, "gloss")

NAME_MAX = 30  # GB/T 47678.5 管理部件名称 / 事项名称: char(30)
BIG_CLASS_NAME_MAX = 30
GLOSS_MAX = 80  # database column width; the standard glosses stay within 60
DEFAULT_LOCAL_BIG_CLASS_NAME = "扩展"
DEFAULT_LOCAL_BIG_CLASS_GLOSS = "local extension"

_CODE_RE = re.compile(r"[0-9]{5}")
_BIG_CLASS_RE = re.compile(r"[0-9]{2}")


class CatalogueError(ValueError):
    """The catalogue data is invalid; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One class of the catalogue (a component or a matter), standard or local."""

    kind: CategoryKind
    code: str
    big_class: str
    big_class_name: str
    big_class_gloss: str
    name: str
    gloss: str
    local: bool = False

    @property
    def key(self) -> tuple[CategoryKind, str]:
        return (self.kind, self.code)


# --------------------------------------------------------------------------- reading


def _rows(text: str, source: str, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, stripped row)`` for each non-blank CSV record of ``text``."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    if missing:
        raise CatalogueError(
            f"{source}, line 1: missing column(s) {', '.join(missing)}; "
            f"expected {','.join(columns)}"
        )
    for row in reader:
        line = reader.line_num
        if None in row:
            raise CatalogueError(f"{source}, line {line}: more fields than the header has")
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue
        yield line, values


def _kind(value: str, where: str) -> CategoryKind:
    try:
        return CategoryKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in CategoryKind)
        raise CatalogueError(f"{where}: kind {value!r} is not one of {allowed}") from None


def _check_code(code: str, big_class: str | None, where: str) -> None:
    if not _CODE_RE.fullmatch(code):
        raise CatalogueError(
            f"{where}: code {code!r} is malformed; expected 5 digits "
            "(2-digit big class + 3-digit small class, e.g. 06010)"
        )
    if code[:2] == "00" or code[2:] == "000":
        raise CatalogueError(f"{where}: code {code!r} has a zero big class or small class")
    if big_class is not None:
        if not _BIG_CLASS_RE.fullmatch(big_class):
            raise CatalogueError(f"{where}: big_class {big_class!r} is not 2 digits")
        if code[:2] != big_class:
            raise CatalogueError(
                f"{where}: code {code!r} does not start with its big_class {big_class!r}"
            )


def _read_data(filename: str) -> str:
    return resources.files("backend").joinpath("data", filename).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _standard() -> tuple[CatalogueEntry, ...]:
    glosses: dict[tuple[CategoryKind, str], str] = {}
    gloss_lines: dict[tuple[CategoryKind, str], int] = {}
    for line, row in _rows(_read_data(GLOSS_FILE), GLOSS_FILE, GLOSS_COLUMNS):
        where = f"{GLOSS_FILE}, line {line}"
        key = (_kind(row["kind"], where), row["code"])
        _check_code(row["code"], None, where)
        if key in glosses:
            raise CatalogueError(
                f"{where}: {key[0].value} {key[1]} already glossed on line {gloss_lines[key]}"
            )
        glosses[key] = row["gloss"]
        gloss_lines[key] = line

    entries: list[CatalogueEntry] = []
    seen: dict[tuple[CategoryKind, str], int] = {}
    for line, row in _rows(_read_data(STANDARD_FILE), STANDARD_FILE, STANDARD_COLUMNS):
        where = f"{STANDARD_FILE}, line {line}"
        kind = _kind(row["kind"], where)
        code = row["code"]
        _check_code(code, row["big_class"], where)
        key = (kind, code)
        if key in seen:
            raise CatalogueError(f"{where}: {kind.value} {code} duplicates line {seen[key]}")
        seen[key] = line
        if not row["name"]:
            raise CatalogueError(f"{where}: {kind.value} {code} has no name")
        gloss = glosses.pop(key, "")
        if not gloss:
            raise CatalogueError(
                f"{where}: {kind.value} {code} {row['name']} has no English gloss in {GLOSS_FILE}"
            )
        entries.append(
            CatalogueEntry(
                kind=kind,
                code=code,
                big_class=row["big_class"],
                big_class_name=row["big_class_name"],
                big_class_gloss=row["big_class_gloss"],
                name=row["name"],
                gloss=gloss,
            )
        )
    if glosses:
        stray = ", ".join(f"{k.value} {c} (line {gloss_lines[(k, c)]})" for k, c in glosses)
        raise CatalogueError(f"{GLOSS_FILE}: gloss for a class not in {STANDARD_FILE}: {stray}")
    return tuple(entries)


def load_standard_catalogue() -> list[CatalogueEntry]:
    """The 403 classes of GB/T 47678.5-2026 (153 components, 250 matters), in file order.

    Raises :class:`CatalogueError` if a row has a malformed code, a duplicate key or no
    English gloss.
    """
    return list(_standard())


# --------------------------------------------------------------------------- local extensions


def parse_local_extensions(
    path: Path, standard: Iterable[CatalogueEntry] | None = None
) -> list[CatalogueEntry]:
    """Parse a city's local extension classes (扩展部件 / 扩展事项) from ``path``.

    The CSV has the standard columns plus ``gloss``.  Codes are 5 digits; a local big
    class is typically 11–99, or an existing big class with a new small-class code (then
    ``big_class_name`` / ``big_class_gloss`` may be left blank and are taken from the
    standard, but must match it if given).  A code that collides with a standard class
    (``standard`` defaults to :func:`load_standard_catalogue`), a duplicate row, or a name
    over 30 characters is rejected with a :class:`CatalogueError` naming file and line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read local extensions: {exc}") from exc
    std = {e.key: e for e in (load_standard_catalogue() if standard is None else standard)}
    std_big: dict[tuple[CategoryKind, str], tuple[str, str]] = {
        (e.kind, e.big_class): (e.big_class_name, e.big_class_gloss) for e in std.values()
    }
    local_big: dict[tuple[CategoryKind, str], tuple[str, str, int]] = {}
    seen: dict[tuple[CategoryKind, str], int] = {}
    entries: list[CatalogueEntry] = []

    for line, row in _rows(text, str(path), LOCAL_COLUMNS):
        where = f"{path}, line {line}"
        kind = _kind(row["kind"], where)
        code = row["code"]
        big_class = row["big_class"] or code[:2]
        _check_code(code, big_class, where)
        key = (kind, code)
        if key in std:
            raise CatalogueError(
                f"{where}: {kind.value} {code} collides with the standard class "
                f"{std[key].name} ({std[key].gloss}); pick an unused code"
            )
        if key in seen:
            raise CatalogueError(f"{where}: {kind.value} {code} duplicates line {seen[key]}")
        seen[key] = line

        name, gloss = row["name"], row["gloss"]
        if not name:
            raise CatalogueError(f"{where}: {kind.value} {code} has no name")
        if len(name) > NAME_MAX:
            raise CatalogueError(
                f"{where}: name {name!r} is {len(name)} characters; at most {NAME_MAX} allowed"
            )
        if not gloss:
            raise CatalogueError(f"{where}: {kind.value} {code} {name} has no English gloss")
        if len(gloss) > GLOSS_MAX:
            raise CatalogueError(f"{where}: gloss is over {GLOSS_MAX} characters")

        big_name, big_gloss = row["big_class_name"], row["big_class_gloss"]
        if len(big_name) > BIG_CLASS_NAME_MAX:
            raise CatalogueError(
                f"{where}: big_class_name {big_name!r} is over {BIG_CLASS_NAME_MAX} characters"
            )
        if len(big_gloss) > GLOSS_MAX:
            raise CatalogueError(f"{where}: big_class_gloss is over {GLOSS_MAX} characters")
        if (kind, big_class) in std_big:
            std_name, std_gloss = std_big[(kind, big_class)]
            if big_name and big_name != std_name:
                raise CatalogueError(
                    f"{where}: big class {big_class} is the standard {std_name!r}, "
                    f"not {big_name!r} (leave big_class_name blank to reuse it)"
                )
            big_name, big_gloss = std_name, big_gloss or std_gloss
        else:
            big_name = big_name or DEFAULT_LOCAL_BIG_CLASS_NAME
            big_gloss = big_gloss or DEFAULT_LOCAL_BIG_CLASS_GLOSS
            first = local_big.setdefault((kind, big_class), (big_name, big_gloss, line))
            if first[0] != big_name:
                raise CatalogueError(
                    f"{where}: big class {big_class} is named {first[0]!r} on line {first[2]}, "
                    f"not {big_name!r}"
                )

        entries.append(
            CatalogueEntry(
                kind=kind,
                code=code,
                big_class=big_class,
                big_class_name=big_name,
                big_class_gloss=big_gloss,
                name=name,
                gloss=gloss,
                local=True,
            )
        )
    return entries
