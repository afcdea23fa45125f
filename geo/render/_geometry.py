"""Boundary layers simplified and encoded for display, once per Boundaries object."""

from __future__ import annotations

import os
import sys
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import shapely

from geo.render import _encode
from geo.render._encode import encode_geometries

if TYPE_CHECKING:
    from geo.boundaries import Boundaries

#: Display simplification (degrees, ~0.5 km): invisible below zoom 9, 3-5x fewer vertices.
DISPLAY_TOLERANCE: Final = {0: 0.005, 1: 0.005, 2: 0.005}
#: Coordinates are kept to 4 decimals (~11 m) for display.
GEOMETRY_SCALE: Final = 1e4
LEVEL_WORDS: Final = {0: "country", 1: "oblast", 2: "raion"}


@dataclass(frozen=True)
class PreparedLayer:
    """One ADM level ready to draw: attributes aligned with encoded, simplified geometries."""

    level: int
    ids: np.ndarray  # unit_id (object)
    names: np.ndarray
    locals: np.ndarray
    iso3: np.ndarray
    encoded: list[list[list[str]]]
    geoms: np.ndarray  # the original geometries (EPSG:4326), for point-in-polygon
    lat: np.ndarray  # representative points
    lon: np.ndarray
    radius_m: np.ndarray  # radius of a circle of the unit's area (for fallbacks and labels)
    vertices: int
    position: dict[str, int]

    def __len__(self) -> int:
        return len(self.ids)

    def encoded_bytes(self) -> int:
        return sum(len(r) for g in self.encoded for p in g for r in p)


_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[int, float], PreparedLayer]] = weakref.WeakKeyDictionary()


def prepared_layer(boundaries: Any, level: int, tolerance: float | None = None) -> PreparedLayer:
    """ADM ``level`` of ``boundaries`` simplified (``tolerance`` degrees) and encoded; cached per object."""
    tol = DISPLAY_TOLERANCE[level] if tolerance is None else float(tolerance)
    try:
        per_object = _CACHE.setdefault(boundaries, {})
    except TypeError:  # not weak-referenceable: no cache
        per_object = {}
    key = (level, tol)
    if key not in per_object:
        per_object[key] = _prepare(getattr(boundaries, f"adm{level}", None), level, tol)
    return per_object[key]


def _text(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[col].astype("string").fillna("").str.strip().to_numpy(dtype=object)


def keep_display_layers(boundaries: Boundaries, *, cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Prepare every level of ``boundaries`` at the display tolerance from the copy kept on disk
    (:func:`geo.boundaries.derived_cached`, keyed by the boundaries' content and this code), building and
    keeping it when there is none: a new process (the app's cold start) reads the simplified, encoded
    geometry in a fraction of the time simplifying takes. Later :func:`prepared_layer` calls find it."""
    from geo import boundaries as boundaries_module

    def build(b: Boundaries) -> dict[int, _Display]:
        return {level: _display(_wgs84(b.layer(level)), DISPLAY_TOLERANCE[level]) for level in LEVEL_WORDS}

    parts = boundaries_module.derived_cached(boundaries, "display-layers", build,
                                             code=(sys.modules[__name__], _encode), cache_dir=cache_dir)
    per_object = _CACHE.setdefault(boundaries, {})
    for level, part in parts.items():
        per_object.setdefault((level, DISPLAY_TOLERANCE[level]), _assemble(_wgs84(boundaries.layer(level)), level, part))


@dataclass(frozen=True)
class _Display:
    """What simplifying a layer gives (kept on disk by :func:`keep_display_layers`); the rest is read off the layer."""

    encoded: list[list[list[str]]]
    lat: np.ndarray
    lon: np.ndarray
    radius_m: np.ndarray
    vertices: int


def _wgs84(gdf: Any) -> Any:
    if gdf is not None and len(gdf) and gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        return gdf.to_crs(4326)
    return gdf


def _display(gdf: Any, tol: float) -> _Display:
    if gdf is None or len(gdf) == 0:
        return _Display([], np.array([]), np.array([]), np.array([]), 0)
    geoms = gdf.geometry.to_numpy()
    simple = shapely.simplify(geoms, tol, preserve_topology=True)
    rep = shapely.point_on_surface(geoms)
    lat, lon = shapely.get_y(rep), shapely.get_x(rep)
    # area in km² from degrees² scaled by cos(lat): good enough for a fallback radius
    area_km2 = shapely.area(geoms) * (111.32**2) * np.cos(np.radians(np.nan_to_num(lat)))
    radius = np.sqrt(np.maximum(area_km2, 1.0) / np.pi) * 1000.0
    return _Display(encode_geometries(simple, GEOMETRY_SCALE), np.asarray(lat), np.asarray(lon), radius,
                    int(shapely.get_num_coordinates(simple).sum()))


def _assemble(gdf: Any, level: int, part: _Display) -> PreparedLayer:
    if gdf is None or len(gdf) == 0:
        empty = np.array([], dtype=object)
        return PreparedLayer(level, empty, empty, empty, empty, [], empty, np.array([]), np.array([]),
                             np.array([]), 0, {})
    ids = _text(gdf, "unit_id")
    return PreparedLayer(
        level=level,
        ids=ids,
        names=_text(gdf, "name"),
        locals=_text(gdf, "name_local"),
        iso3=_text(gdf, "iso3"),
        encoded=part.encoded,
        geoms=gdf.geometry.to_numpy(),
        lat=part.lat,
        lon=part.lon,
        radius_m=part.radius_m,
        vertices=part.vertices,
        position={uid: i for i, uid in enumerate(ids)},
    )


def _prepare(gdf: Any, level: int, tol: float) -> PreparedLayer:
    gdf = _wgs84(gdf)
    return _assemble(gdf, level, _display(gdf, tol))


def locate_units(layer: PreparedLayer, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Index into ``layer`` of the unit covering each point (-1 outside every unit)."""
    out = np.full(len(lon), -1, dtype=np.int64)
    if len(layer) == 0 or len(lon) == 0:
        return out
    tree = shapely.STRtree(layer.geoms)
    pts = shapely.points(lon, lat)
    pi, gi = tree.query(pts, predicate="intersects")
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = gi[first]
    return out
