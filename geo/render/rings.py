"""Range rings and deployment kinds, the rules every renderer shares (the live map's ``ranges`` layer and the
static snapshot's): which deployments get a ring and from where, the ring colours, the kind of each deployment.
Nothing here imports folium or matplotlib."""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from geo.render._events import POINT_PRECS, PREC, PreparedEvents, classify_deployments, prepare_events

__all__ = ["KIND_LABELS", "MAX_RINGS", "RING_COLOURS", "deployment_kinds", "ring_origins", "ring_rows", "ring_sources",
           "unringed"]

#: Rings drawn at most (most events first); the rest are counted in the legend.
KIND_LABELS: Final = {"ballistic_missile": "Ballistic missile", "rocket_artillery": "Rocket artillery",
                      "air_defence": "Air defence", "aviation": "Aviation"}


RING_COLOURS: Final = {"ballistic_missile": "#b2182b", "rocket_artillery": "#e66101", "air_defence": "#2166ac"}
MAX_RINGS: Final = 200
#: Deployments within this many decimals of a degree of each other (0.01° ≈ 1 km) are one place for rings.
RING_PLACE_DECIMALS: Final = 2
_RING_COLUMNS: Final = ["range_row", "lat", "lon", "approx", "events", "precision", "system"]


def ring_rows(prep: PreparedEvents | None, ranges: pd.DataFrame | None) -> pd.DataFrame:
    """One row per ring: a system at a place where point-located deployments (exact or near) name it.

    Deployments known only to a raion, oblast or country get no ring (their point is a stand-in, not where
    the launcher is). Deployments whose points round to the same :data:`RING_PLACE_DECIMALS` are one place:
    the ring is drawn from their mean point, once per system (its longest-range variant). ``approx``: every
    deployment at that place is only "near" (within a few km). Most events first.
    """
    empty = pd.DataFrame(columns=_RING_COLUMNS)
    if prep is None or ranges is None or not len(ranges) or not prep.systems:
        return empty
    row_of = ranges.reset_index(drop=True).groupby("system", sort=False)["range_km"].idxmax()
    point = set(POINT_PRECS)
    pairs = [(k, system) for k, found in prep.systems.items() if prep.prec[k] in point
             for system in found if system in row_of.index]
    if not pairs:
        return empty
    ks = np.fromiter((k for k, _s in pairs), dtype=np.int64, count=len(pairs))
    frame = pd.DataFrame({
        "system": [system for _k, system in pairs],
        "place_lat": np.round(prep.lat[ks], RING_PLACE_DECIMALS), "place_lon": np.round(prep.lon[ks], RING_PLACE_DECIMALS),
        "lat": prep.lat[ks], "lon": prep.lon[ks], "near": prep.prec[ks] == PREC["near"],
    })
    rings = (frame.groupby(["system", "place_lat", "place_lon"], as_index=False, sort=False)
             .agg(lat=("lat", "mean"), lon=("lon", "mean"), approx=("near", "all"), events=("near", "size")))
    rings["range_row"] = row_of.loc[rings["system"]].to_numpy().astype(int)
    rings["lat"], rings["lon"] = rings["lat"].round(4), rings["lon"].round(4)
    rings["precision"] = np.where(rings["approx"], "near", "exact")
    return (rings.sort_values(["events", "range_row", "lat", "lon"], ascending=[False, True, True, True], kind="stable")
            [_RING_COLUMNS].reset_index(drop=True))


def unringed(prep: PreparedEvents | None, ranges: pd.DataFrame | None) -> int:
    """Deployments that name a ranged system but are not located to a point (no ring is drawn for them)."""
    if prep is None or ranges is None or not len(ranges):
        return 0
    known = set(ranges["system"])
    return sum(1 for k, found in prep.systems.items()
               if prep.prec[k] not in POINT_PRECS and known.intersection(found))


def ring_origins(events: pd.DataFrame, ranges: pd.DataFrame, boundaries: Any = None) -> pd.DataFrame:
    """The range rings the map draws for ``events`` (see :func:`ring_rows`): one row per system and place,
    ``range_row`` into ``ranges``, origin ``lat``/``lon``, ``approx`` (only near points), ``events`` behind
    it, ``system``; most events first."""
    return ring_rows(prepare_events(events, boundaries, ranges), ranges)


def deployment_kinds(events: pd.DataFrame, ranges: pd.DataFrame | None) -> np.ndarray:
    """The deployment kind (index into :data:`geo.render.style.SYMBOL_KINDS`) of every row: its symbol."""
    return classify_deployments(events, ranges)[0]


def ring_sources(events: pd.DataFrame | None, units: pd.DataFrame | None, day: Any) -> pd.DataFrame | None:
    """What range rings are drawn from: the deployment events, and the units as of ``day``
    (:func:`geo.units.drawn`) as deployments of the equipment (else the type) they report
    (:func:`geo.units.as_deployments`): a Tornado-S brigade reported at a point gets the Tornado-S ring. The
    same rule then applies to both: only those located to a point (exact or near) get a ring."""
    if units is None or not len(units) or day is None:
        return events
    from geo import units as U

    table = U.as_of(units, day)
    if not len(table):
        return events
    found = U.as_deployments(table)
    if events is None or not len(events):
        return found
    return pd.concat([events, found], ignore_index=True)
