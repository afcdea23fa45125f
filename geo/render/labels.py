"""Reference labels: which places are named on a map at which zoom, and how they look.

One rule for the live map (sent to the runtime's ``Labels`` layer, which places them) and for static
exports (:func:`labels_at` with :func:`zoom_for_scale`):

* countries and oblasts at their label points (pole of inaccessibility, :func:`geo.places.label_points`;
  a country only over the loaded oblasts' extent, so Russia is named where its loaded oblasts are, not in
  Siberia); countries up to zoom 7, oblasts from zoom 5 to 10;
* towns (GeoNames, inside the loaded oblasts) by population as zoom increases (:func:`town_min_zoom`):
  500,000 people from zoom 5, 100,000 from 7, 20,000 from 8, every town of at least
  :data:`MIN_POPULATION` from 9;
* raions from zoom 8.

Labels come in priority order (cities of 500,000, countries, oblasts, towns of 100,000, raions, other
towns, each biggest first): where two would overlap on screen the runtime keeps the earlier one, and it
never draws a label the frame would cut. A unit named exactly like a town inside it (the city of Kyiv as
an oblast, a town's own raion) is named by the town's label alone.
"""

from __future__ import annotations

import math
import os
import sys
import weakref
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

from geo import places
from geo.boundaries import Boundaries, derived_cached
from geo.errors import GeoError
from geo.places import PlaceIndex, default_index, label_points

__all__ = [
    "LABEL_CLASSES",
    "MIN_POPULATION",
    "label_spec",
    "label_table",
    "labels_at",
    "keep_label_table",
    "town_min_zoom",
    "zoom_for_scale",
]

#: towns smaller than this are never labelled (the gazetteer holds places from 500 people)
MIN_POPULATION: Final = 1_000
#: (population at least, first zoom): the town rule, biggest first
TOWN_ZOOMS: Final = ((500_000, 5), (100_000, 7), (20_000, 8), (0, 9))
#: label classes, in the order of their codes: kind, how big (towns), zooms shown, and the look (CSS font,
#: text colour; a town has a dot of that radius; upper = in capitals, spacing = letter spacing in px)
LABEL_CLASSES: Final[tuple[dict[str, Any], ...]] = (
    {"name": "country", "min": 3, "max": 7, "font": "700 17px system-ui,sans-serif", "colour": "#3a3a3a",
     "upper": True, "spacing": 3, "dot": 0},
    {"name": "oblast", "min": 5, "max": 10, "font": "500 11.5px system-ui,sans-serif", "colour": "#5f5f5f",
     "upper": True, "spacing": 1, "dot": 0},
    {"name": "raion", "min": 8, "max": 22, "font": "italic 11px system-ui,sans-serif", "colour": "#6b6b6b",
     "upper": False, "dot": 0},
    {"name": "city", "min": 5, "max": 22, "font": "700 14px system-ui,sans-serif", "colour": "#111111",
     "upper": False, "dot": 3.5},
    {"name": "large town", "min": 7, "max": 22, "font": "600 13px system-ui,sans-serif", "colour": "#1a1a1a",
     "upper": False, "dot": 3},
    {"name": "town", "min": 8, "max": 22, "font": "500 12px system-ui,sans-serif", "colour": "#222222",
     "upper": False, "dot": 2.5},
    {"name": "small town", "min": 9, "max": 22, "font": "11px system-ui,sans-serif", "colour": "#333333",
     "upper": False, "dot": 2},
)  # fmt: skip
_CLASS: Final = {c["name"]: i for i, c in enumerate(LABEL_CLASSES)}
#: coordinates go to the browser to 1e-3 degree (about 100 m)
LABEL_SCALE: Final = 1e3
#: a priority rank per class: lower is placed first (cities of 500,000 before the country names, which the
#: runtime moves above or below their point when a city is there; raions before small towns)
_RANK: Final = {"city": 0, "country": 1, "oblast": 2, "large town": 3, "raion": 4, "town": 5, "small town": 6}
_M_PER_PX_Z0: Final = 156_543.033_92  # Web Mercator metres per pixel at zoom 0 on the equator
_PIXEL_M: Final = 0.000_28  # the OGC standard pixel: 0.28 mm


def town_min_zoom(population: np.ndarray | pd.Series | int) -> np.ndarray:
    """The first zoom at which a town of ``population`` is labelled (:data:`TOWN_ZOOMS`)."""
    pop = np.asarray(population, dtype=np.int64)
    zoom = np.full(pop.shape, TOWN_ZOOMS[-1][1], dtype=np.int64)
    for floor, first in reversed(TOWN_ZOOMS[:-1]):
        zoom = np.where(pop >= floor, first, zoom)
    return zoom


def _town_class(population: np.ndarray) -> np.ndarray:
    """city (500,000 people), large town (100,000), town (20,000) or village: the floors of TOWN_ZOOMS."""
    floors = [floor for floor, _ in TOWN_ZOOMS]
    return np.select([population >= f for f in floors], ["city", "large town", "town", "small town"], "small town")


def zoom_for_scale(scale: float, lat: float = 0.0) -> float:
    """The web-map zoom showing a map at 1:``scale`` at latitude ``lat`` (OGC 0.28 mm pixels): static
    exports pick their labels with it (:func:`labels_at`)."""
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise GeoError(f"expected a positive scale denominator, got {scale!r}")
    return math.log2(_M_PER_PX_Z0 * math.cos(math.radians(lat)) / (scale * _PIXEL_M))


def _oblast_extent(boundaries: Any) -> Any:
    """The envelope of the loaded oblasts (None without any): where country labels go."""
    adm1 = getattr(boundaries, "adm1", None)
    if adm1 is None or not len(adm1):
        return None
    return shapely.box(*shapely.total_bounds(adm1.geometry.to_numpy()))


def _units(index: PlaceIndex, boundaries: Any) -> pd.DataFrame:
    """Countries, oblasts and raions of the main layers with their label points and priorities."""
    table = index.table
    rows = table.loc[table["source"].isin(["adm0", "adm1", "adm2"])].copy()
    rows["cls"] = rows["source"].map({"adm0": "country", "adm1": "oblast", "adm2": "raion"})
    area = rows["bbox"].map(lambda b: (b[2] - b[0]) * (b[3] - b[1]) if isinstance(b, tuple) else 0.0)
    rows["weight"] = area.to_numpy(dtype=float)
    extent = _oblast_extent(boundaries)
    countries = rows["cls"] == "country"
    if extent is not None and countries.any():
        adm0 = boundaries.adm0
        geoms = shapely.intersection(adm0.geometry.to_numpy(), extent)
        lon, lat = label_points(geoms)
        by_id = dict(zip(adm0["unit_id"].astype(str), zip(lon, lat, strict=True), strict=True))
        points = [by_id.get(str(r), (x, y)) for r, x, y in rows.loc[countries, ["ref", "lon", "lat"]].itertuples(index=False)]
        rows.loc[countries, "lon"] = [p[0] for p in points]
        rows.loc[countries, "lat"] = [p[1] for p in points]
    return rows


def _named_after_a_town(units: pd.DataFrame, towns: pd.DataFrame) -> np.ndarray:
    """Units that are a town's own territory, named exactly like a town inside their box (the city of Kyiv
    as an oblast, Kursk's city raion, the Kostyukovichi raion round its town): the town's label names them."""
    found = np.zeros(len(units), dtype=bool)
    if not len(units) or not len(towns):
        return found
    pairs = units.reset_index(drop=True).reset_index().merge(
        towns[["name", "lat", "lon"]].rename(columns={"lat": "t_lat", "lon": "t_lon"}), on="name")
    if not len(pairs):
        return found
    box = np.array([b if isinstance(b, tuple) else (np.nan,) * 4 for b in pairs["bbox"]], dtype=float)
    inside = ((pairs["t_lon"] >= box[:, 0]) & (pairs["t_lon"] <= box[:, 2]) & (pairs["t_lat"] >= box[:, 1])
              & (pairs["t_lat"] <= box[:, 3])).to_numpy()
    found[pairs.loc[inside, "index"].to_numpy(dtype=np.int64)] = True
    return found


#: The label table of each boundaries object, once :func:`keep_label_table` has read or built it.
_TABLES: weakref.WeakKeyDictionary[Any, pd.DataFrame] = weakref.WeakKeyDictionary()
_COLUMNS: Final = ["text", "cls", "lat", "lon", "min_zoom", "max_zoom"]


def keep_label_table(boundaries: Boundaries, *, cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Read the label table of ``boundaries`` from the copy kept on disk (:func:`geo.boundaries.derived_cached`,
    keyed by the boundaries' content and the code of this module and :mod:`geo.places`), building and keeping
    it when there is none, and keep it while ``boundaries`` lives: a new process (the app's cold start) reads a
    few thousand rows instead of loading the whole place index. Later :func:`label_table` calls find it."""
    _TABLES[boundaries] = derived_cached(boundaries, "labels", _table, code=(sys.modules[__name__], places),
                                         cache_dir=cache_dir)


def label_table(boundaries: Any, index: PlaceIndex | None = None) -> pd.DataFrame:
    """Every reference label of ``boundaries``' map in priority order: text, cls (a name of
    :data:`LABEL_CLASSES`), lat, lon, min_zoom, max_zoom. ``index``: the places (default
    :func:`geo.places.default_index` of ``boundaries``, or the table :func:`keep_label_table` kept)."""
    if boundaries is None:
        return pd.DataFrame(columns=_COLUMNS)
    if index is None:
        try:
            kept = _TABLES.get(boundaries)
        except TypeError:  # not weak-referenceable
            kept = None
        if kept is not None:
            return kept.copy()
    return _table(boundaries, index)


def _table(boundaries: Any, index: PlaceIndex | None = None) -> pd.DataFrame:
    index = default_index(boundaries) if index is None else index
    units = _units(index, boundaries)
    towns = index.towns()
    towns = towns.loc[(towns["oblast"] != "") & (towns["population"] >= MIN_POPULATION)].copy()
    pop = towns["population"].to_numpy(dtype=np.int64)
    towns["cls"] = _town_class(pop)
    towns["weight"] = pop.astype(float)
    units = units.loc[~_named_after_a_town(units, towns)]
    both = pd.concat([units, towns], ignore_index=True)
    both = both.loc[np.isfinite(both["lat"].to_numpy(dtype=float)) & (both["name"] != "")]
    cls = both["cls"].to_numpy(dtype=object)
    first = np.array([LABEL_CLASSES[_CLASS[c]]["min"] for c in cls], dtype=np.int64)
    is_town = both["source"].to_numpy(dtype=object) == "geonames"
    first[is_town] = town_min_zoom(both["population"].to_numpy(dtype=np.int64)[is_town])
    last = np.array([LABEL_CLASSES[_CLASS[c]]["max"] for c in cls], dtype=np.int64)
    out = pd.DataFrame({"text": both["name"].to_numpy(dtype=object), "cls": cls,
                        "lat": both["lat"].to_numpy(dtype=float), "lon": both["lon"].to_numpy(dtype=float),
                        "min_zoom": first, "max_zoom": last, "rank": [_RANK[c] for c in cls],
                        "weight": both["weight"].to_numpy(dtype=float)})
    out = out.sort_values(["rank", "weight", "text"], ascending=[True, False, True], kind="stable")
    return out[_COLUMNS].reset_index(drop=True)


def labels_at(table: pd.DataFrame, zoom: float) -> pd.DataFrame:
    """The labels of ``table`` (:func:`label_table`) a map at ``zoom`` may show, in priority order (the
    runtime then drops those that would overlap an earlier one)."""
    z = math.floor(zoom + 1e-9)
    return table.loc[(table["min_zoom"] <= z) & (table["max_zoom"] >= z)].reset_index(drop=True)


def label_spec(boundaries: Any, index: PlaceIndex | None = None) -> dict[str, Any]:
    """The runtime's ``labels`` layer spec: classes and the labels as columns (text, lat/lon in
    1e-3 degree, class code, first zoom), in priority order; the last zoom is the class's."""
    table = label_table(boundaries, index)
    return {
        "pane": "geoLabels",
        "scale": LABEL_SCALE,
        "classes": [dict(c) for c in LABEL_CLASSES],
        "t": table["text"].astype(str).tolist(),
        "y": np.round(table["lat"].to_numpy(dtype=float) * LABEL_SCALE).astype(np.int64).tolist(),
        "x": np.round(table["lon"].to_numpy(dtype=float) * LABEL_SCALE).astype(np.int64).tolist(),
        "c": [_CLASS[c] for c in table["cls"]],
        "z": table["min_zoom"].astype(int).tolist(),
    }
