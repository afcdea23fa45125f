"""The admin join: every event with coordinates gets its country, oblast/voblast and raion.

Public API:

* :func:`prepare` builds an :class:`AdminIndex` once from :class:`geo.boundaries.Boundaries` (hierarchy
  derived spatially, international borders and border districts derived from the geometry);
* :func:`enrich` adds :data:`geo.schema.JOIN_COLUMNS` to an events frame without mutating it.

Point-in-polygon runs on a grid of the points, level by level: ADM2 and ADM1 for every point (the oblast is
the ADM1 polygon holding the point, not the raion's parent; where two hold it, the raion's parent), ADM0
only for the points neither covers. Points just outside every polygon get the nearest unit within
``nearest_km`` (``join_method="nearest"``). A second vintage of the boundaries (``Boundaries.vintages``:
Ukraine's raions after the 2020 reform and its hromadas) is joined too, only for the points in its
countries. Border distances come from a k-d tree over the densified border lines in a Lambert azimuthal
equal-area projection centred on the boundaries, refined exactly on the two segments around the nearest
vertex.

Checks, each in its own column (see :func:`enrich`): the admin names and the country the source gave
against the join (``admin_mismatch``, and ``src_adm2_vintage``: which vintage the source's district name
matched), and the boundary layers against each other (``admin_hierarchy``: a raion whose oblast is not the
point's).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS as ProjCRS, Transformer
from scipy.spatial import cKDTree
from shapely import STRtree

from geo.names import municipal_name, same_admin_name
from geo.schema import JOIN_DTYPES

#: Largest gap (km) between an event outside every polygon and the unit it is attached to.
NEAREST_KM: Final = 2.0
#: Width (km) within which one country's outline counts as shared with its neighbour's.
BORDER_TOLERANCE_KM: Final = 2.0
#: Overlaps between two countries larger than this (km²) are disputed territory, not slivers.
DISPUTED_MIN_KM2: Final = 100.0
_METHODS: Final = ["within", "nearest", "none"]
#: Country outlines this close (m) to a disputed overlap are not international borders (territorial waters).
_DISPUTED_MARGIN_M: Final = 30_000.0
#: Vertex spacing (m) of the densified border lines behind the k-d tree.
_BORDER_STEP_M: Final = 200.0
#: Vertex spacing (m) of the densified unit outlines behind the nearest-unit k-d tree.
_EDGE_STEP_M: Final = 500.0
#: Vertices looked at around each point when searching the nearest unit.
_NEAREST_K: Final = 8
#: An ADM2 unit is a border district when at least this much (km) of its outline follows a border.
_BORDER_DISTRICT_MIN_KM: Final = 1.0
#: What ``src_adm2_vintage`` says of a match: the main ADM2 layer (where a country has a second vintage, its
#: raions before the 2020 reform), and each layer of the second vintage (``Boundaries.vintages`` keys).
MAIN_LABEL: Final = "adm2"
PRE_REFORM_LABEL: Final = "pre-2020"
VINTAGE_LABELS: Final = {"adm2_2020": "2020", "adm3": "hromada"}
#: A unit the source names this close (km) to its point agrees with it: boundary files from different
#: sources (and their simplification) disagree by up to a few hundred metres along every border.
NAME_REACH_KM: Final = 1.0
#: The event columns :func:`enrich` reads: the point, and what the source says of its place (the checks).
SOURCE_COLUMNS: Final = ("lon", "lat", "country_iso", "src_adm1", "src_adm2")
#: Several names in one source field ("Donetsk oblast;Luhansk oblast"): a disagreement only when none agrees.
_NAME_SEPARATOR: Final = re.compile(r"\s*;\s*")


@dataclass(frozen=True)
class _Level:
    """One admin level ready for queries: attributes aligned with geometries, plus projected parts."""

    attrs: pd.DataFrame  # columns of JOIN_DTYPES that this level determines
    geoms: np.ndarray  # shapely geometries, EPSG:4326
    proj_parts: np.ndarray  # exploded polygon parts, projected
    proj_owner: np.ndarray  # index into geoms for each projected part
    edge_tree: cKDTree | None  # densified outline vertices of the projected parts
    edge_xy: np.ndarray  # (N, 2) those vertices
    edge_ring: np.ndarray  # (N,) ring number of each vertex (segments join same-ring neighbours)
    edge_part: np.ndarray  # (N,) index into proj_parts for each vertex

    @property
    def empty(self) -> bool:
        return len(self.geoms) == 0


@dataclass(frozen=True)
class _Vintage:
    """A layer of a second vintage (e.g. ``adm2_2020``), joined only for the points in its countries."""

    key: str  # the Boundaries.vintages key, prefix of its columns
    attrs: pd.DataFrame  # f"{key}_id", f"{key}_name", "adm0_iso"
    geoms: np.ndarray  # EPSG:4326, prepared
    parent: np.ndarray  # index into the ADM1 level of each unit's oblast (-1: none or not derived)
    countries: frozenset[str]
    within: str = ""  # key of the vintage layer whose units contain this one's (adm3 in adm2_2020)
    container: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # index in it, -1

    @property
    def empty(self) -> bool:
        return len(self.geoms) == 0

    @property
    def label(self) -> str:
        return VINTAGE_LABELS.get(self.key, self.key)


@dataclass(frozen=True)
class AdminIndex:
    """Boundaries prepared for joining; build once with :func:`prepare` and reuse."""

    levels: dict[int, _Level]
    crs: str  # the projection used for distances
    to_proj: Transformer
    border_xy: np.ndarray  # (N, 2) densified border vertices, projected
    border_line: np.ndarray  # (N,) line number of each vertex (segments join same-line neighbours)
    border_pair: np.ndarray  # (N,) code of each vertex's pair label, in the order of ``border_lines``
    border_tree: cKDTree | None
    border_lines: dict[str, Any]  # pair -> projected (Multi)LineString
    disputed: np.ndarray  # geometries (EPSG:4326) of disputed overlaps
    disputed_claimants: np.ndarray  # "RUS UKR" for each disputed geometry
    adm2_parent: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # ADM1 index per ADM2
    adm2_outside: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))  # ADM2 minus its oblast
    vintages: tuple[_Vintage, ...] = ()
    nearest_km: float = NEAREST_KM
    border_tolerance_km: float = BORDER_TOLERANCE_KM
    stats: dict[str, float] = field(default_factory=dict)
    trees: dict[int, STRtree] = field(default_factory=dict, repr=False)  # built on first use, by id of geoms

    def __setstate__(self, state: dict[str, Any]) -> None:
        """An index read back from disk (:func:`geo.boundaries.derived_cached`): geometries come back
        unprepared, so they are prepared again as :func:`prepare` does."""
        self.__dict__.update(state)
        _ready((*(level.geoms for level in self.levels.values()), self.disputed, self.adm2_outside,
                *(v.geoms for v in self.vintages)))

    def border_point(self, country: str, neighbour: str) -> tuple[float, float] | None:
        """A point (lon, lat) standing for ``country``'s border with ``neighbour``: the centroid of its border
        districts that touch the neighbour when it lies in one of them, else a point of the district nearest it;
        None when they share no border among the loaded boundaries."""
        level2, level0 = self.levels.get(2), self.levels.get(0)
        if level2 is None or level0 is None:
            return None
        attrs = level2.attrs
        pick = ((attrs["adm0_iso"].astype(str) == country) & attrs["border_district"].fillna(False).astype(bool)).to_numpy()
        other = level0.geoms[(level0.attrs["adm0_iso"].astype(str) == neighbour).to_numpy()]
        if not pick.any() or not len(other):
            return None
        districts = level2.geoms[pick]
        touching = districts[shapely.dwithin(districts, shapely.union_all(other), 0.05)]
        if not len(touching):
            return None
        zone = shapely.union_all(touching)
        point = shapely.centroid(zone)
        if not shapely.contains(zone, point):  # (a border's districts make a band: the one nearest its middle)
            point = shapely.point_on_surface(touching[int(np.argmin(shapely.distance(touching, point)))])
        return float(shapely.get_x(point)), float(shapely.get_y(point))

    @property
    def border_districts(self) -> pd.DataFrame:
        """ADM2 units touching an international border between two loaded countries."""
        attrs = self.levels[2].attrs
        return attrs.loc[attrs["border_district"].fillna(False).astype(bool)].reset_index(drop=True)


# --- prepare ------------------------------------------------------------------------------------------


def prepare_kept(boundaries: Any, *, cache_dir: str | os.PathLike[str] | None = None) -> AdminIndex:
    """:func:`prepare` of ``boundaries`` read from the copy kept on disk next to the boundary cache
    (:func:`geo.boundaries.derived_cached`, keyed by the boundaries' content and this code), built and kept
    when there is none: a new process (the app's cold start, each CLI command) reads it in a fraction of a
    second instead of preparing it again (seconds)."""
    import sys

    from geo import names, schema
    from geo.boundaries import derived_cached

    return derived_cached(boundaries, "admin-index", prepare, code=(sys.modules[__name__], names, schema),
                          cache_dir=cache_dir)


def prepare(
    boundaries: Any,
    *,
    nearest_km: float = NEAREST_KM,
    border_tolerance_km: float = BORDER_TOLERANCE_KM,
) -> AdminIndex:
    """Prepare ``boundaries`` (anything with ``adm0``, ``adm1``, ``adm2`` GeoDataFrames, and optionally
    ``vintages``, a mapping of second-vintage layers) for :func:`enrich`."""
    adm0, adm1, adm2 = (_clean_layer(getattr(boundaries, f"adm{n}", None)) for n in (0, 1, 2))
    extra: Mapping[str, Any] = getattr(boundaries, "vintages", None) or {}
    crs = _projection_for(adm0, adm1, adm2)
    to_proj = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    tol_m = border_tolerance_km * 1000.0
    # borders and border districts on a second core (GEOS and PROJ release the GIL) while the hierarchy
    # and the per-level geometry are derived here
    with ThreadPoolExecutor(1) as pool:
        borders_job = pool.submit(_borders, adm0, adm2, to_proj, tol_m)
        attrs0 = pd.DataFrame(
            {
                "adm0_iso": adm0["iso3"].astype("string").to_numpy(),
                "adm0_name": adm0["name"].astype("string").to_numpy(),
            }
        )
        attrs1 = _with_parent(adm1, adm0, "adm1", to_proj)
        attrs2 = _with_parent(adm2, adm1, "adm2", to_proj, grand=attrs1)
        geometry = {lvl: _level_geometry(layer, to_proj) for lvl, layer in ((0, adm0), (1, adm1), (2, adm2))}
        vintages = _vintages({key: _clean_layer(layer) for key, layer in extra.items()}, adm1, to_proj)
        disputed, claimants, borders, districts = borders_job.result()
    xy, line, pair = _densify_borders(borders)
    attrs2["border_district"] = districts
    adm2_parent = _positions(attrs2["adm1_id"], attrs1["adm1_id"])
    adm2_outside = _outside_parent(geometry[2][0], geometry[1][0], adm2_parent)
    # after the borders thread is done
    geoms_all = (geometry[0][0], geometry[1][0], geometry[2][0], disputed, adm2_outside, *(v.geoms for v in vintages))
    _ready(geoms_all)
    levels = {
        0: _Level(attrs0, *geometry[0]),
        1: _Level(attrs1.reset_index(drop=True), *geometry[1]),
        2: _Level(attrs2.reset_index(drop=True), *geometry[2]),
    }
    return AdminIndex(
        levels=levels,
        crs=crs,
        to_proj=to_proj,
        border_xy=xy,
        border_line=line,
        border_pair=pair,
        border_tree=_kdtree(xy) if len(xy) else None,
        border_lines=borders,
        disputed=disputed,
        disputed_claimants=claimants,
        adm2_parent=adm2_parent,
        adm2_outside=adm2_outside,
        vintages=tuple(v for v in vintages if not v.empty),
        nearest_km=nearest_km,
        border_tolerance_km=border_tolerance_km,
    )


def _vintages(layers: dict[str, pd.DataFrame], adm1: pd.DataFrame, to_proj: Transformer) -> tuple[_Vintage, ...]:
    """The second-vintage layers ready for queries. Hromadas (``adm3``) know the 2020 raion that contains
    each (largest shared area): raions are made of hromadas, so a point's raion is its hromada's."""
    out = {key: _vintage(key, layer, adm1, to_proj) for key, layer in layers.items()}
    raions = layers.get("adm2_2020")
    if "adm3" in out and raions is not None and len(raions):
        container = _largest_overlap(layers["adm3"], raions, to_proj)
        out["adm3"] = dataclasses.replace(out["adm3"], within="adm2_2020", container=container)
    return tuple(out.values())


def _vintage(key: str, layer: pd.DataFrame, adm1: pd.DataFrame, to_proj: Transformer) -> _Vintage:
    """A second-vintage layer ready for queries; its raions (not its finer units) get their oblast spatially."""
    attrs = pd.DataFrame(
        {
            f"{key}_id": layer["unit_id"].astype("string").to_numpy(),
            f"{key}_name": layer["name"].astype("string").to_numpy(),
            "adm0_iso": layer["iso3"].astype("string").to_numpy(),
        }
    )
    is_raion = key.startswith("adm2")
    parent = _largest_overlap(layer, adm1, to_proj) if is_raion else np.full(len(layer), -1, dtype=np.int64)
    countries = frozenset(str(c) for c in layer["iso3"] if c)
    return _Vintage(key, attrs, layer["geometry"].to_numpy(), parent, countries)


def _outside_parent(adm2: np.ndarray, adm1: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """The part of each ADM2 unit outside its oblast (layers from different sources do not nest exactly);
    an empty polygon where it has none or no oblast. Points elsewhere in a raion lie in its oblast."""
    out = np.array([shapely.Polygon()] * len(adm2), dtype=object)
    has = np.flatnonzero(parent >= 0)
    if len(has):
        inside = shapely.covered_by(adm2[has], adm1[parent[has]])
        rest = has[~inside]
        if len(rest):
            out[rest] = shapely.difference(adm2[rest], adm1[parent[rest]])
    return out


def _positions(values: pd.Series, index: pd.Series) -> np.ndarray:
    """Position in ``index`` of each of ``values`` (-1: missing or absent)."""
    first: dict[object, int] = {}
    for i, value in enumerate(index.astype(object)):
        if isinstance(value, str):
            first.setdefault(value, i)
    return np.fromiter((first.get(v, -1) for v in values.astype(object)), dtype=np.int64, count=len(values))


def _clean_layer(gdf: Any) -> pd.DataFrame:
    cols = ["iso3", "unit_id", "name", "name_local", "geometry"]
    if gdf is None or len(gdf) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    if gdf.crs is not None and not gdf.crs.equals(ProjCRS.from_epsg(4326)):
        gdf = gdf.to_crs(4326)
    out = pd.DataFrame({c: gdf[c].to_numpy() if c in gdf.columns else "" for c in cols[:-1]})
    geoms = gdf.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    out["geometry"] = geoms
    return out.reset_index(drop=True)


def _projection_for(*layers: pd.DataFrame) -> str:
    """A Lambert azimuthal equal-area projection centred on the finest layers' extent."""
    for layer in (layers[2], layers[1], layers[0]):
        if len(layer):
            minx, miny, maxx, maxy = shapely.total_bounds(layer["geometry"].to_numpy())
            break
    else:
        minx, miny, maxx, maxy = 23.0, 44.0, 41.0, 57.0
    lon0 = round(float(np.clip((minx + maxx) / 2, -180, 180)), 1)
    lat0 = round(float(np.clip((miny + maxy) / 2, -89, 89)), 1)
    return f"+proj=laea +lat_0={lat0} +lon_0={lon0} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"


def _project(geoms: np.ndarray, to_proj: Transformer) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(to_proj.transform(xy[:, 0], xy[:, 1])))


def _borders(
    adm0: pd.DataFrame, adm2: pd.DataFrame, to_proj: Transformer, tol_m: float
) -> tuple[np.ndarray, np.ndarray, dict[str, Any], Any]:
    """Disputed areas and their claimants, international borders, border-district flags of ADM2."""
    disputed, claimants = _disputed_areas(adm0, to_proj)
    borders = _international_borders(adm0, disputed, to_proj, tol_m)
    return disputed, claimants, borders, _border_districts(adm2, borders, to_proj, tol_m)


def _ready(arrays: Sequence[np.ndarray]) -> None:
    """Prepare each array of geometries for point queries, locators built now (see :func:`_warm_up`)."""
    for geoms in arrays:
        shapely.prepare(geoms)
        _warm_up(geoms)


def _warm_up(polygons: np.ndarray) -> None:
    """Build the point locators of prepared polygons now, on one thread.

    GEOS builds them lazily on the first point test, which is not thread-safe; once built, concurrent point
    tests only read them (enrich tests points on several threads).
    """
    if len(polygons):
        minx, miny, maxx, maxy = shapely.bounds(polygons).T
        shapely.intersects_xy(polygons, (minx + maxx) / 2, (miny + maxy) / 2)


def _level_geometry(layer: pd.DataFrame, to_proj: Transformer) -> tuple[Any, ...]:
    """The geometry fields of a :class:`_Level` (all but ``attrs``), in their order."""
    geoms = layer["geometry"].to_numpy()
    empty = np.array([], dtype=np.int64)
    if len(geoms) == 0:
        return geoms, np.array([], dtype=object), empty, None, np.empty((0, 2)), empty, empty
    parts, owner = shapely.get_parts(geoms, return_index=True)
    proj = _project(parts, to_proj)
    rings, ring_part = shapely.get_parts(shapely.boundary(proj), return_index=True)
    xy, ring = shapely.get_coordinates(shapely.segmentize(rings, _EDGE_STEP_M), return_index=True)
    return geoms, proj, owner, _kdtree(xy), xy, ring, ring_part[ring]


def _kdtree(xy: np.ndarray) -> cKDTree:
    # unbalanced, non-compact nodes: several times faster to query for points far from the data
    return cKDTree(xy, balanced_tree=False, compact_nodes=False)


def _with_parent(
    child: pd.DataFrame,
    parent: pd.DataFrame,
    prefix: str,
    to_proj: Transformer,
    grand: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Attributes of ``child`` units plus their parent found spatially (largest shared area, same country)."""
    n = len(child)
    attrs = pd.DataFrame(
        {
            f"{prefix}_id": child["unit_id"].astype("string").to_numpy(),
            f"{prefix}_name": child["name"].astype("string").to_numpy(),
            f"{prefix}_local": child["name_local"].astype("string").to_numpy(),
            "adm0_iso": child["iso3"].astype("string").to_numpy(),
        }
    )
    if prefix == "adm2":
        attrs["adm1_id"] = pd.array([pd.NA] * n, dtype="string")
        attrs["adm1_name"] = pd.array([pd.NA] * n, dtype="string")
        attrs["adm1_local"] = pd.array([pd.NA] * n, dtype="string")
    if n == 0:
        attrs["adm0_name"] = pd.array([], dtype="string")
        return attrs
    parent_idx = _largest_overlap(child, parent, to_proj)
    if prefix == "adm2" and grand is not None:
        ok = parent_idx >= 0
        for col in ("adm1_id", "adm1_name", "adm1_local"):
            values = attrs[col].to_numpy(dtype=object)
            values[ok] = grand[col].to_numpy(dtype=object)[parent_idx[ok]]
            attrs[col] = pd.array(values, dtype="string")
    names = dict(zip(parent["iso3"], parent["name"])) if prefix == "adm1" else {}
    if prefix == "adm2" and grand is not None:
        names = dict(zip(grand["adm0_iso"].astype(object), grand["adm0_name"].astype(object)))
    attrs["adm0_name"] = pd.array([names.get(i, pd.NA) for i in attrs["adm0_iso"].astype(object)], dtype="string")
    return attrs


def _largest_overlap(child: pd.DataFrame, parent: pd.DataFrame, to_proj: Transformer) -> np.ndarray:
    """For each child polygon, the index of the same-country parent sharing the largest area (-1: none)."""
    result = np.full(len(child), -1, dtype=np.int64)
    if len(parent) == 0 or len(child) == 0:
        return result
    cg, pg = child["geometry"].to_numpy(), parent["geometry"].to_numpy()
    tree = STRtree(pg)
    ci, pi = tree.query(cg, predicate="intersects")
    same = child["iso3"].to_numpy()[ci] == parent["iso3"].to_numpy()[pi]
    ci, pi = ci[same], pi[same]
    if len(ci) == 0:
        return result
    # Representative point first: cheap and right for all but odd shapes.
    rep = shapely.point_on_surface(cg[ci])
    inside = shapely.contains_properly(pg[pi], rep)
    area = np.where(inside, np.inf, 0.0)
    decided = np.zeros(len(child), dtype=bool)
    decided[ci[inside]] = True
    undecided = ~decided[ci]  # areas only for the children whose point fell in no parent
    if undecided.any():
        inter = shapely.intersection(_project(cg[ci[undecided]], to_proj), _project(pg[pi[undecided]], to_proj))
        area[undecided] = shapely.area(inter)
    order = np.lexsort((-area, ci))
    ci, pi, area = ci[order], pi[order], area[order]
    first = np.unique(ci, return_index=True)[1]
    keep = first[area[first] > 0]
    result[ci[keep]] = pi[keep]
    return result


def _disputed_areas(adm0: pd.DataFrame, to_proj: Transformer) -> tuple[np.ndarray, np.ndarray]:
    """Overlaps between two countries' ADM0 polygons larger than DISPUTED_MIN_KM2 (e.g. Crimea)."""
    geoms, claim = [], []
    g = adm0["geometry"].to_numpy()
    iso = adm0["iso3"].to_numpy()
    for i in range(len(g)):
        for j in range(i + 1, len(g)):
            if iso[i] == iso[j] or not shapely.intersects(g[i], g[j]):
                continue
            parts = shapely.get_parts(shapely.intersection(g[i], g[j]))
            parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
            if not len(parts):
                continue
            # the border slivers come in hundreds: project and measure them at once
            large = shapely.area(_project(parts, to_proj)) / 1e6 >= DISPUTED_MIN_KM2
            geoms.extend(parts[large])
            claim.extend([" ".join(sorted((str(iso[i]), str(iso[j]))))] * int(large.sum()))
    return np.array(geoms, dtype=object), np.array(claim, dtype=object)


def _international_borders(
    adm0: pd.DataFrame, disputed: np.ndarray, to_proj: Transformer, tol_m: float
) -> dict[str, Any]:
    """Land borders between each pair of loaded countries, projected, disputed areas left out.

    Country outlines from different sources never meet exactly, so the border of A and B is the part of
    A's outline within ``tol_m`` of B. Outlines within ``_DISPUTED_MARGIN_M`` of a disputed overlap are
    left out, so that e.g. the Crimean coast and its territorial waters (inside the Russian layer, the land
    inside the Ukrainian one too) do not pass for a land border.
    """
    borders: dict[str, Any] = {}
    g, iso = adm0["geometry"].to_numpy(), adm0["iso3"].to_numpy()
    cut = None
    if len(disputed):
        cut = shapely.buffer(shapely.union_all(_project(disputed, to_proj)), _DISPUTED_MARGIN_M)
    for i in range(len(g)):
        for j in range(len(g)):
            a, b = str(iso[i]), str(iso[j])
            if a >= b:
                continue
            margin = 1.0  # degrees around the neighbour: enough for any tolerance used here
            minx, miny, maxx, maxy = shapely.bounds(g[j])
            ga = shapely.clip_by_rect(g[i], minx - margin, miny - margin, maxx + margin, maxy + margin)
            minx, miny, maxx, maxy = shapely.bounds(g[i])
            gb = shapely.clip_by_rect(g[j], minx - margin, miny - margin, maxx + margin, maxy + margin)
            if shapely.is_empty(ga) or shapely.is_empty(gb):
                continue
            pa, pb = _project(np.array([ga, gb]), to_proj)
            line = shapely.intersection(shapely.boundary(pa), shapely.buffer(pb, tol_m))
            if cut is not None:
                line = shapely.difference(line, cut)
            line = shapely.line_merge(shapely.union_all(shapely.get_parts(line)))
            if shapely.length(line) > 0:
                borders[f"{a}-{b}"] = line
    return borders


def _densify_borders(borders: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, lines, pairs = [], [], []
    line_no = 0
    for code, geom in enumerate(borders.values()):
        for part in shapely.get_parts(shapely.segmentize(geom, _BORDER_STEP_M)):
            if shapely.get_type_id(part) != 1:
                continue
            xy = shapely.get_coordinates(part)
            xs.append(xy)
            lines.append(np.full(len(xy), line_no))
            pairs.append(np.full(len(xy), code, dtype=np.int64))
            line_no += 1
    if not xs:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(xs), np.concatenate(lines), np.concatenate(pairs)


def _border_districts(adm2: pd.DataFrame, borders: dict[str, Any], to_proj: Transformer, tol_m: float) -> Any:
    flags = np.zeros(len(adm2), dtype=bool)
    if len(adm2) == 0 or not borders:
        return pd.array(flags, dtype="boolean")
    zone = shapely.buffer(shapely.union_all(list(borders.values())), tol_m)
    shapely.prepare(zone)
    proj = _project(adm2["geometry"].to_numpy(), to_proj)
    near = shapely.intersects(proj, zone)
    if near.any():
        shared = shapely.length(shapely.intersection(shapely.boundary(proj[near]), zone))
        flags[np.flatnonzero(near)] = shared >= _BORDER_DISTRICT_MIN_KM * 1000.0
    return pd.array(flags, dtype="boolean")


# --- enrich -------------------------------------------------------------------------------------------


def enrich(events: pd.DataFrame, index: AdminIndex | Any) -> pd.DataFrame:
    """Return ``events`` with the join columns added (ADM0-2, second vintage, method, distance, border,
    checks).

    Checks: ``admin_mismatch`` says where the source disagrees with the point (its country ``country_iso``,
    its oblast ``src_adm1``, its district ``src_adm2``, after transliteration, admin words and official
    renames; a district matches in any vintage, recorded in ``src_adm2_vintage``); ``admin_hierarchy``
    where the boundary layers disagree with each other (a raion whose oblast is not the point's).
    """
    idx = index if isinstance(index, AdminIndex) else prepare(index)
    out = events.copy(deep=False)  # copy-on-write: the input is never changed
    lon, lat, geoms = _coordinates(out)
    joined = _join_points(lon, lat, idx, geoms)
    for col, dtype in JOIN_DTYPES.items():
        out[col] = joined[col] if col in joined else pd.Series(index=out.index, dtype=dtype)  # no such layer
    out["border_district"] = out["border_district"].astype("boolean")
    mismatch, vintage = _source_checks(out, joined, idx)
    out["admin_mismatch"] = mismatch
    out["src_adm2_vintage"] = vintage
    return out


def _coordinates(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """lon, lat and (when the frame has point geometries in EPSG:4326) the points themselves."""
    geoms = None
    geometry = getattr(events, "geometry", None) if "geometry" in events.columns else None
    if geometry is not None and (geometry.crs is None or geometry.crs.to_epsg() == 4326):
        values = geometry.to_numpy()
        if len(values) and bool((shapely.get_type_id(values) == 0).all()):
            geoms = values
    if {"lon", "lat"} <= set(events.columns):
        return events["lon"].to_numpy(dtype=float), events["lat"].to_numpy(dtype=float), geoms
    if geoms is None:
        raise ValueError(f"expected lon/lat columns or point geometries, got columns {list(events.columns)}")
    return shapely.get_x(geoms), shapely.get_y(geoms), geoms


def _join_points(lon: np.ndarray, lat: np.ndarray, idx: AdminIndex, geoms: np.ndarray | None) -> dict[str, Any]:
    n = len(lon)
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    vi = np.flatnonzero(valid)
    # points in Z order: neighbours in space are neighbours in memory, which makes the tree queries below
    # 2-3 times faster; each piece is a compact area. Results are put back in row order.
    order = _z_order(lon[vi], lat[vi])
    vz = vi[order]
    pieces = _pieces(len(vz))

    def piece(sl: slice) -> dict[str, np.ndarray]:
        pts = geoms[vz[sl]] if geoms is not None else None
        return _join_valid(lon[vz[sl]], lat[vz[sl]], pts, idx, workers=1 if len(pieces) > 1 else -1)

    if len(pieces) > 1:  # points are independent: one piece per core (shapely, scipy, pyproj release the GIL)
        with ThreadPoolExecutor(len(pieces)) as pool:
            parts = list(pool.map(piece, pieces))
    else:
        parts = [piece(pieces[0])]
    got = {}
    for key in parts[0]:
        values = np.concatenate([p[key] for p in parts])
        got[key] = np.empty_like(values)
        got[key][order] = values
    unit = {lvl: got[f"unit{lvl}"] for lvl in (0, 1, 2)}
    vunit = [got[f"vintage{i}"] for i in range(len(idx.vintages))]

    out = {col: _expand(v, vi, n) for col, v in _columns_from_units(unit, vunit, idx).items()}
    # the raion of each layer holding each point, for the source checks (not a column of the result)
    raions = np.full((n, 1 + len(vunit)), -1, dtype=np.int64)
    raions[vi] = np.column_stack([unit[2], *vunit])
    out["_raion_units"] = raions
    hierarchy = np.full(n, "", dtype=object)
    hierarchy[vi] = _hierarchy(unit, vunit, idx)
    out["admin_hierarchy"] = pd.array(hierarchy, dtype="string")
    full_method = np.full(n, 2, dtype=np.int8)
    full_method[vi] = got["method"]
    out["join_method"] = pd.Categorical.from_codes(full_method, categories=_METHODS)
    out["join_distance_km"] = _expand(np.round(got["distance"], 3), vi, n)
    out["border_distance_km"] = _expand(np.round(got["border_m"] / 1000.0, 3), vi, n)
    pairs = pd.Categorical.from_codes(got["border_pair"], categories=list(idx.border_lines))
    out["border_pair"] = _expand(pairs, vi, n)
    out["adm0_disputed"] = _expand(_categorical(got["claim"], idx.disputed_claimants), vi, n)
    return out


def _z_order(lon: np.ndarray, lat: np.ndarray, bits: int = 16) -> np.ndarray:
    """The permutation that sorts points along a Z (Morton) curve over their extent."""
    if len(lon) == 0:
        return np.arange(0)
    code = np.zeros(len(lon), dtype=np.uint64)
    for shift, values in ((0, lon), (1, lat)):
        low, span = values.min(), np.ptp(values)
        v = ((values - low) / (span if span > 0 else 1.0) * (2**bits - 1)).astype(np.uint64)
        for step, mask in ((8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F), (2, 0x3333333333333333), (1, 0x5555555555555555)):
            v = (v | (v << np.uint64(step))) & np.uint64(mask)
        code |= v << np.uint64(shift)
    return np.argsort(code)


#: Below this many points the join runs in one piece; above, in one piece per core.
_PIECE_MIN: Final = 100_000


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use, not the machine's
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _pieces(n: int) -> list[slice]:
    count = max(1, min(_cores(), 8, n // _PIECE_MIN))
    bounds = np.linspace(0, n, count + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _join_valid(
    lon: np.ndarray, lat: np.ndarray, pts: np.ndarray | None, idx: AdminIndex, *, workers: int
) -> dict[str, np.ndarray]:
    """The join of valid points (finite, in range): unit per level (-1: none), method code, distance (km),
    border distance (m) and pair code, disputed area (-1: none)."""
    m = len(lon)
    px, py = (lon, lat) if pts is None else (shapely.get_x(pts), shapely.get_y(pts))

    # unit index per level for every point (-1: none): ADM2 and ADM1 for all, ADM0 where neither covers
    unit = {lvl: np.full(m, -1, dtype=np.int64) for lvl in (0, 1, 2)}
    if m and not idx.levels[2].empty:
        hit_pt, hit_unit = _covering(idx.levels[2].geoms, px, py)
        unit[2][hit_pt] = hit_unit
    if m and not idx.levels[1].empty:
        unit[1] = _adm1_units(idx, px, py, unit[2])
    remaining = np.flatnonzero((unit[2] < 0) & (unit[1] < 0))
    if len(remaining) and not idx.levels[0].empty:
        hit_pt, hit_unit = _covering(idx.levels[0].geoms, px[remaining], py[remaining])
        unit[0][remaining[hit_pt]] = hit_unit
        remaining = remaining[unit[0][remaining] < 0]
    vintage = _vintage_units(idx, px, py, unit)

    method = np.zeros(m, dtype=np.int8)  # codes of _METHODS
    distance = np.zeros(m)
    method[remaining] = 2
    distance[remaining] = np.nan

    x = y = None
    if m:
        x, y = idx.to_proj.transform(lon, lat)
    # points covered only at ADM1/ADM0 level whose unit has ADM2 children: nearest ADM2 within reach
    if x is not None and not idx.levels[2].empty:
        need = np.flatnonzero((unit[2] < 0) & ((unit[1] >= 0) | (unit[0] >= 0)))
        if len(need):
            got, dist = _nearest(idx.levels[2], x[need], y[need], idx.nearest_km, workers)
            ok = got >= 0
            parent = idx.levels[2].attrs["adm1_id"].astype(object).to_numpy()
            if not idx.levels[1].empty:
                own = np.where(
                    unit[1][need] >= 0,
                    idx.levels[1].attrs["adm1_id"].astype(object).to_numpy()[np.maximum(unit[1][need], 0)],
                    None,
                )
                ok &= (unit[1][need] < 0) | (parent[np.maximum(got, 0)] == own)
            sel = need[ok]
            unit[2][sel] = got[ok]
            method[sel] = 1
            distance[sel] = dist[ok]
    # points outside every polygon: nearest unit within reach, finest level first
    if x is not None and len(remaining):
        todo = remaining
        for lvl in (2, 1, 0):
            level = idx.levels[lvl]
            if level.empty or len(todo) == 0:
                continue
            got, dist = _nearest(level, x[todo], y[todo], idx.nearest_km, workers)
            ok = got >= 0
            unit[lvl][todo[ok]] = got[ok]
            method[todo[ok]] = 1
            distance[todo[ok]] = dist[ok]
            todo = todo[~ok]

    border_m = np.full(m, np.nan)
    border_pair = np.full(m, -1, dtype=np.int64)
    if x is not None and idx.border_tree is not None:
        border_m, border_pair = _border_distance(idx, x, y, workers)

    claim = np.full(m, -1, dtype=np.int64)
    if m and len(idx.disputed):
        pt_i, area_i = _covering(idx.disputed, px, py, first=False)
        claim[pt_i] = area_i  # several areas: the last one, as before
    return {
        "unit0": unit[0], "unit1": unit[1], "unit2": unit[2], "method": method, "distance": distance,
        "border_m": border_m, "border_pair": border_pair.astype(np.int64), "claim": claim,
        **{f"vintage{i}": units for i, units in enumerate(vintage)},
    }


def _adm1_units(idx: AdminIndex, px: np.ndarray, py: np.ndarray, unit2: np.ndarray) -> np.ndarray:
    """The ADM1 unit whose polygon holds each point (-1: none); where several do (overlapping layers,
    disputed land), the one holding the point's raion.

    A point in a raion lies in that raion's oblast unless it is in the raion's part outside the oblast
    (``adm2_outside``, slivers where the layers do not nest); only those points, and the points in no raion,
    are looked up among all ADM1 polygons."""
    out = np.full(len(px), -1, dtype=np.int64)
    parents = idx.adm2_parent
    own = np.full(len(px), -1, dtype=np.int64)
    if len(parents) and len(unit2):
        has = unit2 >= 0
        own[has] = parents[unit2[has]]
    sticks_out = np.zeros(len(px), dtype=bool)
    if len(idx.adm2_outside):
        check = np.flatnonzero(own >= 0)
        check = check[~shapely.is_empty(idx.adm2_outside[unit2[check]])]
        if len(check):
            pt, poly = _covering(idx.adm2_outside, px[check], py[check], first=False)
            sticks_out[check[pt[poly == unit2[check[pt]]]]] = True
    simple = (own >= 0) & ~sticks_out
    out[simple] = own[simple]
    rest = np.flatnonzero(~simple)
    if not len(rest):
        return out
    pt, poly = _covering(idx.levels[1].geoms, px[rest], py[rest], first=False)
    if len(pt):
        order = np.lexsort((poly, poly != own[rest[pt]], pt))  # per point: its raion's oblast first
        pt, poly = pt[order], poly[order]
        first = np.unique(pt, return_index=True)[1]
        out[rest[pt[first]]] = poly[first]
    return out


def _vintage_units(
    idx: AdminIndex, px: np.ndarray, py: np.ndarray, unit: dict[int, np.ndarray]
) -> list[np.ndarray]:
    """The unit of each second-vintage layer holding each point (-1: none), in the order of
    ``idx.vintages``, looked up only for the points whose country (by the main layers) that layer covers.
    A layer whose units contain another's (raions, hromadas) takes the container of the point's unit
    and is looked up itself only where that finer layer has no unit (gaps, Crimea)."""
    found: dict[str, np.ndarray] = {}
    nested = {v.within: v for v in idx.vintages if v.within}
    for v in sorted(idx.vintages, key=lambda v: v.key in nested):  # the finer layers first
        units = np.full(len(px), -1, dtype=np.int64)
        inside = np.zeros(len(px), dtype=bool)
        for lvl in (0, 1, 2):  # the country from the finest level that has one
            level = idx.levels[lvl]
            if level.empty:
                continue
            ours = level.attrs["adm0_iso"].isin(v.countries).to_numpy(dtype=bool, na_value=False)
            has = unit[lvl] >= 0
            inside = np.where(has, ours[np.maximum(unit[lvl], 0)], inside)
        finer = nested.get(v.key)
        if finer is not None and finer.key in found and len(finer.container):
            fu = found[finer.key]
            known = fu >= 0
            units[known] = finer.container[fu[known]]
            inside &= units < 0
        cand = np.flatnonzero(inside)
        if len(cand):
            hit_pt, hit_unit = _covering(v.geoms, px[cand], py[cand])
            units[cand[hit_pt]] = hit_unit
        found[v.key] = units
    return [found[v.key] for v in idx.vintages]


def _covering(
    polygons: np.ndarray, x: np.ndarray, y: np.ndarray, *, first: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(point positions, polygon indices) of the polygons covering points (x, y): with ``first``, one
    polygon per point, the lowest index (border slivers, overlapping layers), deterministically.

    No point geometries and no tree: the points are binned in a grid (at most 256 cells a side over their
    extent); each polygon looks at the grid rows under its bounding box (one contiguous run of the sorted
    points per row) and tests the candidates inside the box with the prepared polygon
    (``intersects_xy``, the same answer as ``covers`` for a point, boundary included).
    """
    hits_pt, hits_poly = [], []
    if len(x) and len(polygons):
        x0, y0 = np.nanmin(x), np.nanmin(y)
        cell = max(np.nanmax(x) - x0, np.nanmax(y) - y0, 1e-9) / 256
        cx = np.floor((x - x0) / cell)
        cy = np.floor((y - y0) / cell)
        ncx, ncy = int(np.nanmax(cx)) + 1, int(np.nanmax(cy)) + 1
        cid = np.where(np.isfinite(cx) & np.isfinite(cy), cy * ncx + cx, ncx * ncy).astype(np.int64)
        order = np.argsort(cid, kind="stable")
        starts = np.searchsorted(cid[order], np.arange(ncx * ncy + 1))
        xs, ys = x[order], y[order]
        for i, (bx0, by0, bx1, by1) in enumerate(shapely.bounds(polygons)):
            if not np.isfinite(bx0):  # empty polygon
                continue
            i0, i1 = max(int((bx0 - x0) // cell), 0), min(int((bx1 - x0) // cell), ncx - 1)
            j0, j1 = max(int((by0 - y0) // cell), 0), min(int((by1 - y0) // cell), ncy - 1)
            if not (i0 <= i1 and j0 <= j1):
                continue
            rows = np.arange(j0, j1 + 1) * ncx
            lo, count = starts[rows + i0], starts[rows + i1 + 1] - starts[rows + i0]
            total = int(count.sum())
            if total == 0:
                continue
            cand = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(total)
            cand = cand[(xs[cand] >= bx0) & (xs[cand] <= bx1) & (ys[cand] >= by0) & (ys[cand] <= by1)]
            inside = cand[shapely.intersects_xy(polygons[i], xs[cand], ys[cand])]
            hits_pt.append(order[inside])
            hits_poly.append(np.full(len(inside), i, dtype=np.int64))
    if not hits_pt:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pt_i, poly_i = np.concatenate(hits_pt), np.concatenate(hits_poly)
    if not first:
        return pt_i, poly_i
    order = np.lexsort((poly_i, pt_i))
    pt_i, poly_i = pt_i[order], poly_i[order]
    keep = np.unique(pt_i, return_index=True)[1]
    return pt_i[keep], poly_i[keep]


def _nearest(
    level: _Level, x: np.ndarray, y: np.ndarray, max_km: float, workers: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest unit (index, km) within ``max_km`` of each projected point (outside it); -1 where none.

    A k-d tree over the outlines' vertices (spaced at most ``_EDGE_STEP_M``) finds candidate vertices;
    the exact distance to the two outline segments around each decides.
    """
    got = np.full(len(x), -1, dtype=np.int64)
    dist = np.full(len(x), np.nan)
    if level.edge_tree is None or len(x) == 0:
        return got, dist
    reach = max_km * 1000.0
    _, vert = level.edge_tree.query(
        np.column_stack([x, y]), k=_NEAREST_K, distance_upper_bound=reach + _EDGE_STEP_M, workers=workers
    )
    found = vert < level.edge_tree.n
    pt_i = np.nonzero(found)[0]
    if len(pt_i) == 0:
        return got, dist
    v = vert[found]
    d = _segment_distance(level.edge_xy, level.edge_ring, v, x[pt_i], y[pt_i])
    cand = pd.DataFrame({"pt": pt_i, "unit": level.proj_owner[level.edge_part[v]], "d": d})
    cand = cand.loc[cand["d"] <= reach].sort_values(["pt", "d", "unit"]).drop_duplicates("pt")
    got[cand["pt"].to_numpy()] = cand["unit"].to_numpy()
    dist[cand["pt"].to_numpy()] = cand["d"].to_numpy() / 1000.0
    return got, dist


def _segment_distance(xy: np.ndarray, ring: np.ndarray, j: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance from (x, y) to the polyline segments on either side of vertex ``j`` (same ring only)."""
    best = np.hypot(x - xy[j, 0], y - xy[j, 1])
    last = len(xy) - 1
    for nb in (j - 1, j + 1):
        nbc = np.clip(nb, 0, last)
        ok = (nb >= 0) & (nb <= last) & (ring[nbc] == ring[j])
        ax, ay = xy[j, 0], xy[j, 1]
        dx, dy = xy[nbc, 0] - ax, xy[nbc, 1] - ay
        seg2 = dx * dx + dy * dy
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / np.where(seg2 > 0, seg2, 1.0), 0.0, 1.0)
        d = np.hypot(x - (ax + t * dx), y - (ay + t * dy))
        best = np.where(ok & (d < best), d, best)
    return best


def _categorical(codes: np.ndarray, pool: np.ndarray) -> pd.Categorical:
    """A categorical of ``pool[codes]`` (missing where the code is -1 or the pooled value is missing)."""
    pool_codes, uniques = pd.factorize(pd.Series(pool, dtype=object), use_na_sentinel=True)
    final = np.where(codes >= 0, pool_codes[np.maximum(codes, 0)] if len(pool) else -1, -1)
    return pd.Categorical.from_codes(final, categories=pd.Index(uniques, dtype=object).astype(str))


def _pooled(col: str, picks: list[tuple[_Level, np.ndarray]]) -> pd.Categorical:
    """``col`` from the first level (in order) whose unit index is set, as a categorical."""
    pools, codes = [], None
    offset = 0
    for level, units in picks:
        values = (
            level.attrs[col].to_numpy(dtype=object, na_value=None)
            if not level.empty and col in level.attrs
            else np.full(len(level.geoms), None, dtype=object)
        )
        here = np.where(units >= 0, units + offset, -1)
        codes = here if codes is None else np.where(codes >= 0, codes, here)
        pools.append(values)
        offset += len(values)
    pool = np.concatenate(pools) if pools else np.array([], dtype=object)
    return _categorical(codes if codes is not None else np.array([], dtype=np.int64), pool)


def _columns_from_units(unit: dict[int, np.ndarray], vunit: list[np.ndarray], idx: AdminIndex) -> dict[str, Any]:
    l0, l1, l2 = idx.levels[0], idx.levels[1], idx.levels[2]
    u0, u1, u2 = unit[0], unit[1], unit[2]
    cols: dict[str, Any] = {c: _pooled(c, [(l2, u2)]) for c in ("adm2_id", "adm2_name", "adm2_local")}
    for v, units in zip(idx.vintages, vunit, strict=True):
        for col in (f"{v.key}_id", f"{v.key}_name"):
            cols[col] = _pooled(col, [(v, units)])  # type: ignore[list-item]
    for col in ("adm1_id", "adm1_name", "adm1_local"):
        cols[col] = _pooled(col, [(l1, u1), (l2, u2)])
    for col in ("adm0_iso", "adm0_name"):
        cols[col] = _pooled(col, [(l0, u0), (l1, u1), (l2, u2)])
    bd = np.zeros(len(u2), dtype=bool)
    if not l2.empty:
        flags = l2.attrs["border_district"].to_numpy(dtype=bool, na_value=False)
        bd[u2 >= 0] = flags[u2[u2 >= 0]]
    cols["border_district"] = bd
    return cols


def _hierarchy(unit: dict[int, np.ndarray], vunit: list[np.ndarray], idx: AdminIndex) -> np.ndarray:
    """Per point, "" or where a raion's oblast (derived spatially) is not the point's: "adm2 'Shakhtarsk'
    lies in 'Donetsk Oblast', the point in 'Luhansk Oblast'" (each raion layer, "; "-joined)."""
    u1 = unit[1]
    notes = np.full(len(u1), "", dtype=object)
    l1 = idx.levels[1]
    if l1.empty:
        return notes
    adm1_names = l1.attrs["adm1_name"].astype(object).to_numpy()
    layers = [("adm2", idx.levels[2].attrs.get("adm2_name"), idx.adm2_parent, unit[2])]
    layers += [(v.key, v.attrs[f"{v.key}_name"], v.parent, units) for v, units in zip(idx.vintages, vunit, strict=True)]
    for key, names, parent, units in layers:
        if names is None or not len(parent):
            continue
        of = np.where(units >= 0, parent[np.maximum(units, 0)], -1)
        bad = np.flatnonzero((units >= 0) & (u1 >= 0) & (of >= 0) & (of != u1))
        if not len(bad):
            continue
        pairs, where = np.unique(np.column_stack([units[bad], u1[bad]]), axis=0, return_inverse=True)
        text = np.array(
            [f"{key} {names.iloc[r]!r} lies in {adm1_names[parent[r]]!r}, the point in {adm1_names[o]!r}" for r, o in pairs],
            dtype=object,
        )
        notes[bad] = np.where(notes[bad] == "", text[where.ravel()], notes[bad] + "; " + text[where.ravel()])
    return notes


def _expand(values: Any, vi: np.ndarray, n: int) -> Any:
    """Values for the valid points ``vi`` spread over all ``n`` rows (missing elsewhere)."""
    if isinstance(values, pd.Categorical):
        codes = np.full(n, -1, dtype=values.codes.dtype if len(values.categories) < 2**15 else np.int64)
        codes[vi] = values.codes
        return pd.Categorical.from_codes(codes, categories=values.categories)
    if values.dtype == bool:
        full = np.zeros(n, dtype=bool)
    elif values.dtype.kind == "f":
        full = np.full(n, np.nan)
    else:
        full = np.full(n, None, dtype=object)
    full[vi] = values
    return full


def _border_distance(
    idx: AdminIndex, x: np.ndarray, y: np.ndarray, workers: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Exact distance (m) to the nearest international border and that border's pair label."""
    _, j = idx.border_tree.query(np.column_stack([x, y]), k=1, workers=workers)  # type: ignore[union-attr]
    return _segment_distance(idx.border_xy, idx.border_line, j, x, y), idx.border_pair[j]


# --- what the source said vs the join ------------------------------------------------------------------


def _source_checks(frame: pd.DataFrame, joined: Mapping[str, Any], idx: AdminIndex) -> tuple[pd.Series, pd.Series]:
    """``admin_mismatch`` ("" where the source agrees with the join or says nothing, else what disagrees)
    and ``src_adm2_vintage`` (the layer the source's district matched: "pre-2020", "2020", "hromada" for a
    country with a second vintage, "adm2" elsewhere; "" when it names none or none matched).

    * adm0: the stated country (``country_iso``) is not the point's, nor a claimant of disputed land there;
    * adm1: none of the source's oblast names (several may be ';'-separated) is the point's oblast or the
      oblast of a raion holding the point (a disagreement between layers is ``admin_hierarchy``'s);
    * adm2: none of the source's district names is the raion holding the point in any vintage (a city or
      municipality is compared with the hromada and the main layer, a raion with the raion layers).

    A unit the source names within :data:`NAME_REACH_KM` of the point agrees too. Official renames count in
    Ukraine (and the countries of a second vintage), within the point's oblast. Only the rows naming
    something are looked at; each distinct combination of names is compared once.
    """
    n = len(frame)
    notes = np.full(n, "", dtype=object)
    vintage = np.full(n, "", dtype=object)

    def add(rows: np.ndarray, texts: list[str]) -> None:
        if len(rows):
            new = np.array(texts, dtype=object)
            notes[rows] = np.where(notes[rows] == "", new, notes[rows] + "; " + new)

    rows = _given(frame, "country_iso")
    if len(rows):
        stated, point, disputed = (_text(frame, c, rows) for c in ("country_iso", "adm0_iso", "adm0_disputed"))
        differ = (point != "") & (stated != point)
        differ &= np.array([s not in d.split() for s, d in zip(stated, disputed, strict=True)], dtype=bool)
        add(rows[differ], [f"adm0: source {s!r} vs point {p!r}" for s, p in zip(stated[differ], point[differ], strict=True)])

    second = sorted({c for v in idx.vintages for c in v.countries})
    # (column of joined["_raion_units"], oblast of each unit) of every raion layer: the main ADM2, adm2_2020
    raion_layers = [(0, idx.adm2_parent)]
    raion_layers += [(1 + i, v.parent) for i, v in enumerate(idx.vintages) if v.key.startswith("adm2")]
    adm1_names = idx.levels[1].attrs["adm1_name"].astype(object).to_numpy() if not idx.levels[1].empty else None

    def context(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        point = _text(frame, "adm0_iso", rows)
        main = np.where(np.isin(point, second), PRE_REFORM_LABEL, MAIN_LABEL)
        return _text(frame, "adm1_name", rows), np.isin(point, [*second, "UKR"]), main

    rows = _given(frame, "src_adm1")
    if len(rows):
        src = _text(frame, "src_adm1", rows)
        oblast, renames, _ = context(rows)
        candidates = [("", oblast), ("", _text(frame, "adm1_local", rows))]
        units = joined["_raion_units"][rows]
        for column, parent in raion_layers:  # the oblast of each raion holding the point
            of = np.where(units[:, column] >= 0, parent[np.maximum(units[:, column], 0)] if len(parent) else -1, -1)
            named = np.full(len(rows), "", dtype=object)
            if adm1_names is not None:
                named[of >= 0] = adm1_names[of[of >= 0]]
            candidates.append(("", named))
        agree, _ = _agreement(src, candidates, oblast, renames)
        l1 = idx.levels[1]
        layers = [("", l1.geoms, l1.attrs.get("adm1_name")), ("", l1.geoms, l1.attrs.get("adm1_local"))]
        near, _ = _within_reach(frame, idx, rows, src, ~agree, layers, oblast, renames)
        bad = ~agree & ~near
        add(rows[bad], [f"adm1: source {s!r} vs joined {j!r}" for s, j in zip(src[bad], oblast[bad], strict=True)])

    rows = _given(frame, "src_adm2")
    if len(rows):
        src = _text(frame, "src_adm2", rows)
        oblast, renames, main_label = context(rows)
        l2 = idx.levels[2]
        layers = [("main", l2.geoms, l2.attrs.get("adm2_name")), ("main", l2.geoms, l2.attrs.get("adm2_local"))]
        layers += [(v.label, v.geoms, v.attrs[f"{v.key}_name"]) for v in idx.vintages]
        candidates = [("main", _text(frame, "adm2_name", rows)), ("main", _text(frame, "adm2_local", rows))]
        candidates += [(v.label, _text(frame, f"{v.key}_name", rows)) for v in idx.vintages]
        raion_order = [i for i, (lab, _) in enumerate(candidates) if lab in ("main", VINTAGE_LABELS["adm2_2020"])]
        municipal_order = [i for i, (lab, _) in enumerate(candidates) if lab not in ("main", VINTAGE_LABELS["adm2_2020"])]
        municipal_order += [i for i, (lab, _) in enumerate(candidates) if lab == "main"]

        def order(name: str) -> list[int]:
            return municipal_order if municipal_name(name) else raion_order

        agree, label = _agreement(src, candidates, oblast, renames, order)
        near, near_label = _within_reach(frame, idx, rows, src, ~agree, layers, oblast, renames, order)
        label = np.where(near, near_label, label)
        vintage[rows] = np.where(label == "main", main_label, label)
        bad = np.flatnonzero(~agree & ~near)
        shown = [candidates[0], *candidates[2:]]
        add(
            rows[bad],
            [
                f"adm2: source {src[r]!r} vs joined "
                + ", ".join(f"{c[r]!r} ({main_label[r] if lab == 'main' else lab})" for lab, c in shown if c[r])
                for r in bad
            ],
        )
    return (
        pd.Series(pd.array(notes, dtype="string"), index=frame.index),
        pd.Series(pd.Categorical(vintage), index=frame.index),
    )


def _given(frame: pd.DataFrame, col: str) -> np.ndarray:
    """Positions of the rows where ``col`` has text (none when the column is absent)."""
    if col not in frame.columns:
        return np.empty(0, dtype=np.int64)
    values = frame[col]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.flatnonzero(np.asarray(values.cat.codes) >= 0)
    text = values.astype("string")
    return np.flatnonzero((text.notna() & (text.str.strip() != "")).to_numpy(dtype=bool, na_value=False))


def _text(frame: pd.DataFrame, col: str, rows: np.ndarray) -> np.ndarray:
    """Column ``col`` at ``rows`` as an object array of stripped str ("" where missing or absent)."""
    if col not in frame.columns:
        return np.full(len(rows), "", dtype=object)
    values = frame[col]
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes)[rows]
        pool = np.append(values.cat.categories.astype(str).to_numpy(dtype=object), "")
        return pool[np.where(codes >= 0, codes, len(pool) - 1)]
    return values.iloc[rows].astype("string").fillna("").str.strip().to_numpy(dtype=object)


def _agreement(
    source: np.ndarray,
    candidates: list[tuple[str, np.ndarray]],
    oblast: np.ndarray,
    renames: np.ndarray,
    order: Callable[[str], Sequence[int]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether any of the ';'-separated ``source`` names is the same unit as a candidate, and the label of
    the first candidate that is (tried in the order ``order(source name)`` gives, default all).
    Each distinct combination of names is compared once."""
    table = pd.DataFrame({"s": source, "o": oblast, "r": renames, **{f"c{i}": c for i, (_, c) in enumerate(candidates)}})
    group = table.groupby(list(table.columns), sort=False).ngroup().to_numpy()
    firsts = np.unique(group, return_index=True)[1]
    agree = np.zeros(len(firsts), dtype=bool)
    label = np.full(len(firsts), "", dtype=object)
    for g, row in enumerate(firsts):
        names = [t for t in _NAME_SEPARATOR.split(source[row]) if t]
        tried = order(source[row]) if order is not None else range(len(candidates))
        for i in tried:
            lab, values = candidates[i]
            if values[row] and any(
                same_admin_name(t, values[row], oblast=oblast[row] or None, renames=bool(renames[row])) for t in names
            ):
                agree[g], label[g] = True, lab
                break
    return agree[group], label[group]


def _within_reach(
    frame: pd.DataFrame,
    idx: AdminIndex,
    rows: np.ndarray,
    source: np.ndarray,
    todo: np.ndarray,
    layers: list[tuple[str, np.ndarray, pd.Series | None]],
    oblast: np.ndarray,
    renames: np.ndarray,
    order: Callable[[str], Sequence[int]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For the ``todo`` ones of ``rows`` (the source's names disagree with the units holding the point):
    whether a unit of one of ``layers`` (label, geometries, names) bearing one of those names lies within
    :data:`NAME_REACH_KM` of the point, and that layer's label. Each distinct point and names once."""
    near = np.zeros(len(rows), dtype=bool)
    label = np.full(len(rows), "", dtype=object)
    which = np.flatnonzero(todo)
    if not len(which) or "lon" not in frame.columns:
        return near, label
    lon = frame["lon"].to_numpy(dtype=float, na_value=np.nan)[rows[which]]
    lat = frame["lat"].to_numpy(dtype=float, na_value=np.nan)[rows[which]]
    table = pd.DataFrame({"s": source[which], "x": lon, "y": lat, "o": oblast[which], "r": renames[which]})
    group = table.groupby(list(table.columns), sort=False, dropna=False).ngroup().to_numpy()
    firsts = np.unique(group, return_index=True)[1]
    reach_m = NAME_REACH_KM * 1000.0
    g_near = np.zeros(len(firsts), dtype=bool)
    g_label = np.full(len(firsts), "", dtype=object)
    for g, k in enumerate(firsts):
        x, y, r = lon[k], lat[k], which[k]
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        names = [t for t in _NAME_SEPARATOR.split(source[r]) if t]
        margin = NAME_REACH_KM / 111.32 / max(float(np.cos(np.radians(y))), 0.1)
        box = shapely.box(x - margin, y - margin, x + margin, y + margin)
        point = shapely.Point(*idx.to_proj.transform(x, y))
        for i in order(source[r]) if order is not None else range(len(layers)):
            lab, geoms, unit_names = layers[i]
            if unit_names is None or not len(geoms):
                continue
            tree = idx.trees.get(id(geoms)) or idx.trees.setdefault(id(geoms), STRtree(geoms))
            for u in tree.query(box):
                name = unit_names.iloc[u]
                if not isinstance(name, str) or not any(
                    same_admin_name(t, name, oblast=oblast[r] or None, renames=bool(renames[r])) for t in names
                ):
                    continue
                piece = _project(np.array([shapely.clip_by_rect(geoms[u], *shapely.bounds(box))]), idx.to_proj)[0]
                if not shapely.is_empty(piece) and shapely.distance(point, piece) <= reach_m:
                    g_near[g], g_label[g] = True, lab
                    break
            if g_near[g]:
                break
    near[which], label[which] = g_near[group], g_label[group]
    return near, label
