"""Where a report is: ``lat``+``long``, ``address_id`` (a unit grid's code), or
``address_string`` resolved through the names of grids, communities and streets."""

from __future__ import annotations

from typing import Any

from backend.open311.errors import Open311Error
from backend.open311.submission import Submission
from backend.services.reference import Reference, RegionInfo
from backend_client.vocab import RegionKind

MISSING = (
    "Say where the problem is: lat and long, an address_string naming the street, "
    "community or grid, or an address_id (a 15-digit unit grid code)."
)


def _number(sub: Submission, name: str) -> float:
    try:
        value = float(sub.get(name))
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a decimal number of degrees.") from exc
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name} must be a finite number of degrees.")
    return value


def _grid_in(ref: Reference, region: RegionInfo) -> str | None:
    """A unit grid for a named area: the one at its centre, else its first."""
    if region.kind is RegionKind.GRID:
        return region.code
    found = ref.locate(*region.centroid)
    if found is not None and found.startswith(region.code):
        return found
    inside = sorted(g.code for g in ref.grids() if g.code.startswith(region.code))
    return inside[0] if inside else None


def resolve_address(ref: Reference, text: str, scope_prefix: str) -> str | None:
    """The most specific region named in ``text`` (a grid over a community over a
    street; the longer name on a tie) inside the scope, as a unit grid code."""
    compact = "".join(text.split())
    if compact.isdigit() and ref.grid(compact) is not None:
        return compact
    best: RegionInfo | None = None
    for region in ref.regions.values():
        if region.kind in (RegionKind.CITY, RegionKind.DISTRICT):
            continue
        if not region.code.startswith(scope_prefix) or not region.name:
            continue
        if region.name in compact and (
            best is None or (len(region.code), len(region.name)) > (len(best.code), len(best.name))
        ):
            best = region
    return _grid_in(ref, best) if best else None


def location(ref: Reference, sub: Submission, scope_prefix: str) -> dict[str, Any]:
    """The CaseCreate location fields for the submission."""
    lat, lon = sub.get("lat"), sub.get("long")
    if lat or lon:
        if not (lat and lon):
            raise Open311Error(400, "Give both lat and long, or neither.")
        return {"lat": _number(sub, "lat"), "lon": _number(sub, "long")}
    if address_id := sub.get("address_id"):
        return {"grid_code": address_id}
    if address := sub.get("address_string"):
        grid = resolve_address(ref, address, scope_prefix)
        if grid is None:
            raise Open311Error(
                400,
                f"No street, community or grid in your jurisdiction is named in "
                f"address_string {address[:80]!r}; send lat and long or an address_id.",
            )
        return {"grid_code": grid}
    raise Open311Error(400, MISSING)
