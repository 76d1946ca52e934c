"""A centre's reference data: its grid layer and its catalogue classes.

Used by the admin commands (``citygrid grids import``, ``citygrid catalogue import``)
and by the demo seeder.  Synchronous: run from the command line, not a server.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from backend.core.schema import upgrade
from backend.domain.catalogue import CatalogueEntry
from backend.domain.geo import bbox, centroid
from backend.domain.gridcode import RegionSpec
from backend.models import CategoryRow, RegionRow
from backend.services.admin import in_transaction


def region_row(spec: RegionSpec) -> RegionRow:
    x0, y0, x1, y1 = bbox(spec.geometry)
    cx, cy = centroid(spec.geometry)
    return RegionRow(
        code=spec.code,
        name=spec.name,
        kind=spec.kind.value,
        parent_code=spec.parent_code,
        area_class=spec.area_class.value,
        geometry=spec.geometry,
        min_lon=x0,
        min_lat=y0,
        max_lon=x1,
        max_lat=y1,
        centroid_lon=round(cx, 7),
        centroid_lat=round(cy, 7),
    )


def write_regions(session: Session, specs: Iterable[RegionSpec]) -> int:
    """Insert or replace regions (a city's grid layer import uses this too).  New codes
    are added without a look-up each (a fresh city is thousands of rows)."""
    existing = set(session.exec(select(RegionRow.code)).all())
    count = 0
    for spec in specs:
        row = region_row(spec)
        if row.code in existing:
            session.merge(row)
        else:
            session.add(row)
            existing.add(row.code)
        count += 1
    return count


def write_catalogue(session: Session, entries: Iterable[CatalogueEntry]) -> int:
    count = 0
    for e in entries:
        session.merge(
            CategoryRow(
                kind=e.kind.value,
                code=e.code,
                big_class=e.big_class,
                big_class_name=e.big_class_name,
                big_class_gloss=e.big_class_gloss,
                name=e.name,
                gloss=e.gloss,
                local=e.local,
            )
        )
        count += 1
    return count


def import_regions(url: str, specs: Iterable[RegionSpec]) -> int:
    """Bring the schema up to date and insert or replace the regions; how many."""
    upgrade(url)
    return in_transaction(url, lambda session: write_regions(session, specs))


def import_catalogue(url: str, entries: Iterable[CatalogueEntry]) -> int:
    """Insert or replace local catalogue classes; how many."""
    return in_transaction(url, lambda session: write_catalogue(session, entries))
