"""The event filter the app's sidebar drives (map, chart, table and exports alike), and what it summarises.

* :class:`EventFilter` is a frozen, hashable value (a cache key), JSON-safe through ``to_dict``/``from_dict``.
* :func:`apply` keeps the events whose interval ``[date_start, date_end]`` meets the window (``date_end``
  missing = the day of ``date_start``): a deployment stays visible while it lasts.
* Facets combine with AND; the values inside one facet with OR. Events without a location pass unless a
  place facet (countries, adm1, adm2, border_only) is set.
* **Precision rule** (place facets and per-unit counts alike): an event is credited to a raion (adm2 facet,
  ``border_only``, raion counts, :func:`counts_by_adm2`) only when its ``geo_precision`` is exact, near or
  admin2, and to an oblast only when it is admin1 or finer. A country-level event placed at the country's
  centroid is thus never counted in, or found by filtering on, the raion that happens to hold that point.
  Per country every located event counts (``adm0_iso`` set). Missing precision counts as unknown: not
  credited below the country.
* **Presets** ("Last day", "Last 7 days"...) count back from :func:`preset_anchor`: the latest event start,
  or today for a live store; never from an end date.
* **Drawn shapes** (:class:`Shape`: polygons, rectangles and circles drawn on the map) keep the located
  events inside any of them (union); a circle is a geodesic buffer (WGS84) of its radius around its centre.
  Events without a location are dropped while a shape is set, as for the place facets.

Everything is vectorised (numpy day numbers, categorical codes, distinct values evaluated once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geo.errors import GeoError
from geo.schema import CATEGORIES, GEO_PRECISION, VERIFICATION

#: Columns the free-text search looks in.
SEARCH_COLUMNS: Final = ("title", "description", "location_name", "actors", "source_name")
#: Precisions fine enough to credit an event to its raion (adm2) / oblast (adm1).
ADM2_PRECISION: Final = ("exact", "near", "admin2")
ADM1_PRECISION: Final = (*ADM2_PRECISION, "admin1")
#: Columns whose few distinct values are searched once each (the others row by row).
_LOW_CARDINALITY: Final = ("location_name", "actors", "source_name")
_FACETS: Final = (
    ("categories", "category"),
    ("verification", "verification"),
    ("precision", "geo_precision"),
)
_NO_DAY: Final = np.iinfo(np.int64).min  # NaT as int64
#: A store whose latest event starts at most this many days before today is live: presets end today.
LIVE_LAG_DAYS: Final = 3
#: Drawn shapes: coordinates kept to 5 decimals (about 1 m), radii to the metre.
SHAPE_DECIMALS: Final = 5
SHAPE_KINDS: Final = ("polygon", "circle")
_GEOD: Final = Geod(ellps="WGS84")
_METRES_PER_DEGREE: Final = 110_574.0  # the shortest degree of latitude (at the equator): a safe bound
_EARTH_RADIUS_M: Final = 6_371_008.8  # mean radius (IUGG)
_SPHERE_SLACK: Final = 0.008  # sphere vs WGS84 distances differ by at most about 0.6%


def _to_date(value: object, name: str) -> dt.date | None:
    """A day from a date, datetime, Timestamp, numpy datetime64 or ISO string (None stays None)."""
    if value is None or value is pd.NaT or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError) as exc:
        raise GeoError(f"expected {name} as a date like 2024-08-06, got {value!r}") from exc
    if stamp is pd.NaT:
        return None
    return stamp.date()


def _to_tuple(value: object, name: str) -> tuple[str, ...]:
    """Canonical facet values: distinct, sorted strings (so equal selections are equal cache keys)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise GeoError(f"expected {name} as a list of strings, got {value!r}")
    return tuple(sorted({str(v).strip() for v in value if v is not None and str(v).strip()}))


def _lon_lat(value: object, where: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise GeoError(f"expected {where} as [lon, lat], got {value!r}") from exc
    if not (np.isfinite(lon) and np.isfinite(lat) and -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise GeoError(f"expected {where} within lon -180..180 and lat -90..90, got [{lon}, {lat}]")
    return round(lon, SHAPE_DECIMALS), round(lat, SHAPE_DECIMALS)


@dataclass(frozen=True)
class Shape:
    """An area drawn on the map: a ``polygon`` (``points``: its ring of (lon, lat), not closed; a rectangle
    is a polygon) or a ``circle`` (``points``: its centre; ``radius_m``: the geodesic radius in metres).

    Coordinates are rounded to :data:`SHAPE_DECIMALS` and radii to the metre, so a shape that went through
    a link or the browser compares equal to itself.
    """

    kind: str
    points: tuple[tuple[float, float], ...]
    radius_m: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SHAPE_KINDS:
            raise GeoError(f"expected a shape kind among {', '.join(SHAPE_KINDS)}, got {self.kind!r}")
        points = tuple(_lon_lat(p, f"{self.kind} point {i + 1}") for i, p in enumerate(self.points))
        if self.kind == "polygon":
            if len(points) > 1 and points[0] == points[-1]:
                points = points[:-1]  # GeoJSON closes its rings
            if len(set(points)) < 3:
                raise GeoError(f"expected a polygon of at least 3 distinct points, got {len(set(points))}")
            radius = 0.0
        else:
            if len(points) != 1:
                raise GeoError(f"expected a circle with one centre point, got {len(points)} points")
            try:
                radius = float(round(float(self.radius_m)))
            except (TypeError, ValueError) as exc:
                raise GeoError(f"expected a circle radius in metres, got {self.radius_m!r}") from exc
            if not (np.isfinite(radius) and 0 < radius <= 5_000_000):
                raise GeoError(f"expected a circle radius between 1 m and 5,000 km, got {self.radius_m!r}")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "radius_m", radius)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: {"kind", "points": [[lon, lat], ...], "radius_m"}."""
        return {"kind": self.kind, "points": [list(p) for p in self.points], "radius_m": self.radius_m}

    @classmethod
    def from_value(cls, value: object) -> Shape:
        """A shape from itself or its :meth:`to_dict` form."""
        if isinstance(value, Shape):
            return value
        if all(hasattr(value, name) for name in ("kind", "points", "radius_m")):
            # a Shape of this module as imported before (Streamlit re-imports a module whose file changed,
            # while the session state still holds the shapes drawn before)
            value = {"kind": value.kind, "points": value.points, "radius_m": value.radius_m}  # type: ignore[attr-defined]
        if not isinstance(value, Mapping):
            raise GeoError(f"expected a shape as {{kind, points, radius_m}}, got {value!r}")
        unknown = sorted(set(value) - {"kind", "points", "radius_m"})
        if unknown:
            raise GeoError(f"expected shape keys among kind, points, radius_m, got unknown {unknown}")
        points = value.get("points") or ()
        if not isinstance(points, Iterable) or isinstance(points, str):
            raise GeoError(f"expected shape points as a list of [lon, lat], got {points!r}")
        return cls(str(value.get("kind")), tuple(points), value.get("radius_m", 0.0))  # type: ignore[arg-type]

    def mask(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Boolean array: the (lon, lat) inside the shape (on its edge counts as inside; NaN never)."""
        inside = np.zeros(len(lon), dtype=bool)
        west, south, east, north = self._bbox()
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
        if not len(rows):
            return inside
        if self.kind == "polygon":
            polygon = shapely.Polygon(self.points)
            shapely.prepare(polygon)
            inside[rows] = shapely.intersects_xy(polygon, lon[rows], lat[rows])
            return inside
        (clon, clat), x, y = self.points[0], lon[rows], lat[rows]
        # on the sphere first (cheap); the ellipsoid differs by under 0.6%, so only points that close to
        # the edge are measured on WGS84 (pyproj), which decides
        sphere = _sphere_distance(clon, clat, x, y)
        hit = sphere <= self.radius_m * (1 - _SPHERE_SLACK)
        near = np.flatnonzero(~hit & (sphere <= self.radius_m * (1 + _SPHERE_SLACK)))
        if len(near):
            _az, _back, dist = _GEOD.inv(np.full(len(near), clon), np.full(len(near), clat), x[near], y[near])
            hit[near] = np.asarray(dist) <= self.radius_m
        inside[rows] = hit
        return inside

    def _bbox(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) holding the shape (a circle's generously: a cheap first cut)."""
        if self.kind == "polygon":
            lons, lats = zip(*self.points, strict=True)
            return min(lons), min(lats), max(lons), max(lats)
        (lon, lat), dlat = self.points[0], self.radius_m / _METRES_PER_DEGREE * 1.01
        south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
        widest = max(abs(south), abs(north))
        if widest >= 89.0:
            return -180.0, south, 180.0, north
        dlon = dlat / np.cos(np.radians(widest))
        if dlon >= 180.0 or lon - dlon < -180.0 or lon + dlon > 180.0:
            return -180.0, south, 180.0, north  # near the antimeridian: every longitude is a candidate
        return lon - dlon, south, lon + dlon, north


def _sphere_distance(lon0: float, lat0: float, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle metres from (lon0, lat0) on the mean-radius sphere (haversine)."""
    p0, p, dl = np.radians(lat0), np.radians(lat), np.radians(lon - lon0)
    h = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _to_shapes(value: object) -> tuple[Shape, ...]:
    if value is None:
        return ()
    if isinstance(value, Shape | Mapping) or not isinstance(value, Iterable) or isinstance(value, str):
        raise GeoError(f"expected shapes as a list of shapes, got {value!r}")
    return tuple(Shape.from_value(v) for v in value)


def shapes_from_geojson(features: Iterable[Mapping[str, Any]] | None) -> tuple[Shape, ...]:
    """The shapes of drawn GeoJSON features (Leaflet.draw through ``st_folium``'s ``all_drawings``).

    A Polygon is a polygon (its outer ring); a Point with ``properties.radius`` (metres) is a circle.
    Raises :class:`GeoError` naming the feature for any other geometry.
    """
    shapes: list[Shape] = []
    for i, feature in enumerate(features or ()):
        geometry = (feature or {}).get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates")
        radius = ((feature or {}).get("properties") or {}).get("radius")
        if kind == "Polygon" and coords:
            shapes.append(Shape("polygon", tuple(coords[0])))
        elif kind == "Point" and radius is not None:
            shapes.append(Shape("circle", (coords,), radius))
        else:
            raise GeoError(f"expected drawn feature {i + 1} to be a polygon or a circle, got {kind or 'nothing'}"
                           + (" without a radius" if kind == "Point" else ""))
    return tuple(shapes)


def shapes_mask(events: pd.DataFrame, shapes: Iterable[Shape]) -> np.ndarray:
    """Boolean array (one per row): the event is located inside at least one of ``shapes``."""
    n = len(events)
    lon = pd.to_numeric(events.get("lon", pd.Series(np.nan, index=events.index)), errors="coerce")
    lat = pd.to_numeric(events.get("lat", pd.Series(np.nan, index=events.index)), errors="coerce")
    x, y = lon.to_numpy(dtype=float, na_value=np.nan), lat.to_numpy(dtype=float, na_value=np.nan)
    out = np.zeros(n, dtype=bool)
    for shape in shapes:
        out |= shape.mask(x, y)
    return out


@dataclass(frozen=True)
class EventFilter:
    """What the sidebar selects. Empty tuples mean "all"; dates are inclusive days.

    Lists are accepted and stored as sorted tuples of distinct strings, so the filter stays hashable.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    verification: tuple[str, ...] = ()
    precision: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    adm1: tuple[str, ...] = ()
    adm2: tuple[str, ...] = ()
    border_only: bool = False
    search: str = ""
    shapes: tuple[Shape, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "start", _to_date(self.start, "start"))
        set_(self, "end", _to_date(self.end, "end"))
        if self.start is not None and self.end is not None and self.start > self.end:
            raise GeoError(f"expected start on or before end, got {self.start} > {self.end}")
        for name in ("categories", "actors", "verification", "precision", "countries", "adm1", "adm2"):
            set_(self, name, _to_tuple(getattr(self, name), name))
        border = self.border_only
        if isinstance(border, str):  # hand-edited JSON: "false" must not read as True
            border = border.strip().lower() in ("1", "true", "yes", "on")
        set_(self, "border_only", bool(border))
        set_(self, "search", str(self.search or "").strip())
        set_(self, "shapes", _to_shapes(self.shapes))

    @property
    def has_place(self) -> bool:
        """A place facet or a drawn shape is set (events without a location are then dropped)."""
        return bool(self.countries or self.adm1 or self.adm2 or self.border_only or self.shapes)

    @property
    def is_empty(self) -> bool:
        """Nothing is selected: every event passes."""
        return self == EventFilter()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: ISO dates, lists, bool, str; shapes as :meth:`Shape.to_dict`."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "shapes":
                value = [shape.to_dict() for shape in value]
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventFilter:
        """Inverse of :meth:`to_dict`; missing keys take their defaults, unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise GeoError(f"expected filter keys among {sorted(known)}, got unknown {unknown}")
        return cls(**dict(data))


# --- columns as numpy ---------------------------------------------------------------------------------


def _days(values: pd.Series | None, n: int) -> np.ndarray:
    """Day numbers since 1970-01-01 (int64; ``_NO_DAY`` where missing)."""
    if values is None:
        return np.full(n, _NO_DAY, dtype=np.int64)
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(values, errors="coerce")
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = values.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT", "ns"))
    return stamps.astype("datetime64[D]").view(np.int64)


def _intervals(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(first day, last day) of every event; the last day is date_end, or date_start when it is missing."""
    n = len(events)
    start = _days(events.get("date_start"), n)
    end = _days(events.get("date_end"), n)
    end = np.where(end == _NO_DAY, start, np.maximum(end, start))
    return start, end


def _day_number(day: object) -> int:
    value = _to_date(day, "day")
    if value is None:
        raise GeoError(f"expected a day like 2024-08-06, got {day!r}")
    return int(np.datetime64(value, "D").view(np.int64))


def _isin(values: pd.Series | None, wanted: Iterable[str], n: int) -> np.ndarray:
    """Boolean array: the value is one of ``wanted`` (missing values never match)."""
    if values is None:
        return np.zeros(n, dtype=bool)
    wanted = list(wanted)
    if isinstance(values.dtype, pd.CategoricalDtype):
        hit = np.append(values.cat.categories.astype(str).isin(wanted), False)
        return hit[values.cat.codes.to_numpy()]  # code -1 (missing) picks the appended False
    return values.isin(wanted).to_numpy(dtype=bool, na_value=False)


def _by_distinct(values: pd.Series, test: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """Evaluate ``test`` once per distinct value and spread the result to the rows (missing: False)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), pd.Series(values.cat.categories)
    else:
        codes, idx = pd.factorize(values, use_na_sentinel=True)
        uniques = pd.Series(idx)
    hit = np.append(np.asarray(test(uniques.astype("string")), dtype=bool), False)
    return hit[codes]


def _contains(values: pd.Series, needle: str) -> np.ndarray:
    """Case-insensitive substring test (missing: False)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _by_distinct(values, lambda u: _contains(u, needle))
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("string")
    return values.str.contains(needle, case=False, regex=False).to_numpy(dtype=bool, na_value=False)


def _actor_set(text: object) -> set[str]:
    return {part.strip().casefold() for part in str(text).split(";") if part.strip()}


# --- the filter ---------------------------------------------------------------------------------------


def filter_mask(events: pd.DataFrame, f: EventFilter) -> np.ndarray:
    """Boolean array (one per row, in order): the rows :func:`apply` keeps."""
    n = len(events)
    mask = np.ones(n, dtype=bool)
    if f.start is not None or f.end is not None:
        first, last = _intervals(events)
        mask &= first != _NO_DAY
        if f.end is not None:
            mask &= first <= _day_number(f.end)
        if f.start is not None:
            mask &= last >= _day_number(f.start)
    for name, column in _FACETS:
        wanted = getattr(f, name)
        if wanted:
            mask &= _isin(events.get(column), wanted, n)
    if f.actors:
        wanted = {a.casefold() for a in f.actors}
        actors = events.get("actors")
        if actors is None:
            mask &= False
        else:
            mask &= _by_distinct(actors, lambda u: np.array([bool(_actor_set(a) & wanted) for a in u]))
    if f.has_place:
        mask &= _place_mask(events, f, n)
    if f.search and mask.any():
        mask &= _search_mask(events, f.search, mask)
    return mask


def _place_mask(events: pd.DataFrame, f: EventFilter, n: int) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    precision = events.get("geo_precision")
    if f.countries:
        mask &= _isin(events.get("adm0_iso"), f.countries, n)
    if f.adm1:
        mask &= _isin(events.get("adm1_id"), f.adm1, n) & _isin(precision, ADM1_PRECISION, n)
    if f.adm2 or f.border_only:
        mask &= _isin(precision, ADM2_PRECISION, n)
    if f.adm2:
        mask &= _isin(events.get("adm2_id"), f.adm2, n)
    if f.border_only:
        border = events.get("border_district")
        if border is None:
            mask &= False
        else:
            mask &= border.astype("boolean").to_numpy(dtype=bool, na_value=False)
    if f.shapes:
        mask &= shapes_mask(events, f.shapes)
    return mask


def _search_mask(events: pd.DataFrame, needle: str, candidates: np.ndarray) -> np.ndarray:
    """Rows (among ``candidates``) where ``needle`` occurs in any search column; only candidates are read."""
    rows = np.flatnonzero(candidates)
    subset = len(rows) < len(events)
    found = np.zeros(len(rows), dtype=bool)
    for column in SEARCH_COLUMNS:
        values = events.get(column)
        if values is None:
            continue
        if subset:
            values = values.iloc[rows]
        if column in _LOW_CARDINALITY and not isinstance(values.dtype, pd.CategoricalDtype):
            found |= _by_distinct(values, lambda u: _contains(u, needle))
        else:
            found |= _contains(values, needle)
    out = np.zeros(len(events), dtype=bool)
    out[rows] = found
    return out


def apply(events: pd.DataFrame, f: EventFilter) -> pd.DataFrame:
    """The events ``f`` selects, in their original order (a new frame; ``events`` is never modified)."""
    if f.is_empty:
        return events.copy(deep=False)  # copy-on-write: changing the result never touches ``events``
    mask = filter_mask(events, f)
    if mask.all():
        return events.copy(deep=False)
    return events.loc[mask]


def active_on(events: pd.DataFrame, day: object) -> pd.Series:
    """Boolean mask (aligned with ``events``): the event is active on ``day`` (for day-by-day playback)."""
    first, last = _intervals(events)
    d = _day_number(day)
    return pd.Series((first != _NO_DAY) & (first <= d) & (last >= d), index=events.index, name="active")


# --- dates --------------------------------------------------------------------------------------------


def _as_date(day_number: int) -> dt.date:
    return np.datetime64(int(day_number), "D").astype(dt.date)


def data_range(events: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """(first date_start, latest date_end/date_start); None when no event has a date."""
    first, last = _intervals(events)
    valid = first != _NO_DAY
    if not valid.any():
        return None
    return _as_date(first[valid].min()), _as_date(last[valid].max())


def _latest_start(events: pd.DataFrame) -> dt.date | None:
    latest = _days(events.get("date_start"), len(events)).max(initial=_NO_DAY)
    return None if latest == _NO_DAY else _as_date(latest)


def preset_anchor(events: pd.DataFrame, today: dt.date | None = None) -> dt.date | None:
    """The day the "Last N days" presets count back from (None when no event has a date).

    The latest event *start*, never an end: a deployment's end is often assumed (or far ahead), and
    counting back from it would show only the long deployments. **Live store**: when ``today`` is given and
    the latest start is at most :data:`LIVE_LAG_DAYS` before it, the store is being fed and the presets
    count back from ``today`` (or from the latest start if that lies after ``today``). The app passes the
    real date; tests pass a fixed one.
    """
    latest = _latest_start(events)
    if latest is None or today is None:
        return latest
    if latest >= today - dt.timedelta(days=LIVE_LAG_DAYS):
        return max(latest, today)
    return latest


def presets(events: pd.DataFrame, today: dt.date | None = None) -> dict[str, tuple[dt.date, dt.date]]:
    """Windows "Last day", "Last 7 days", "Last 30 days" ending on :func:`preset_anchor`, and "All" ({} if
    no event has a date).

    Starts are clipped to the first event. "All" runs from the first start to the later of the latest end
    and the anchor: it holds every other preset, so it is also the span the sidebar's date widgets allow.
    """
    bounds = data_range(events)
    anchor = preset_anchor(events, today)
    if bounds is None or anchor is None:
        return {}
    first, last = bounds
    back = {"Last day": 0, "Last 7 days": 6, "Last 30 days": 29}
    out = {name: (max(first, anchor - dt.timedelta(days=n)), anchor) for name, n in back.items()}
    return out | {"All": (first, max(last, anchor))}


def _category_labels(events: pd.DataFrame) -> pd.Series:
    values = events.get("category")
    if values is None:
        return pd.Series(["other"] * len(events), index=events.index, dtype="string")
    return values.astype("string").fillna("other")


def timeline(events: pd.DataFrame, start: object = None, end: object = None) -> pd.DataFrame:
    """Events active per day and category over ``[start, end]`` (default: :func:`data_range`).

    Long format ``day`` (datetime64 at midnight), ``category``, ``events`` (int64); every day of the window
    for every category present in ``events`` (zeros included). A 10-day deployment counts on each of its
    days. Vectorised with a difference array: O(events + days x categories).
    """
    columns = {"day": "datetime64[ns]", "category": "string", "events": "int64"}
    empty = pd.DataFrame({c: pd.Series([], dtype=d) for c, d in columns.items()})
    if start is None or end is None:
        bounds = data_range(events)
        if bounds is None:
            return empty
        start = bounds[0] if start is None else start
        end = bounds[1] if end is None else end
    lo, hi = _day_number(start), _day_number(end)
    if lo > hi or len(events) == 0:
        return empty
    first, last = _intervals(events)
    codes, cats = pd.factorize(_category_labels(events), sort=False)
    order = _vocab_order([str(c) for c in cats], CATEGORIES)
    ndays, ncats = hi - lo + 1, len(cats)
    keep = (first != _NO_DAY) & (first <= hi) & (last >= lo)
    s = np.clip(first[keep], lo, hi) - lo
    e = np.clip(last[keep], lo, hi) - lo + 1  # exclusive
    c = codes[keep]
    width = ndays + 1
    diff = np.bincount(c * width + s, minlength=ncats * width) - np.bincount(
        c * width + e, minlength=ncats * width
    )
    active = np.cumsum(diff.reshape(ncats, width), axis=1)[:, :ndays]
    index = [list(cats).index(name) for name in order]
    days = np.datetime64(lo, "D") + np.arange(ndays)
    return pd.DataFrame(  # day-major, categories in vocabulary order within a day
        {
            "day": np.repeat(days, ncats).astype("datetime64[ns]"),
            "category": pd.array(np.tile(np.asarray(order, dtype=object), ndays), dtype="string"),
            "events": active[index].T.ravel().astype(np.int64),
        }
    )


# --- counts and options -------------------------------------------------------------------------------


def _column(events: pd.DataFrame, name: str) -> pd.Series:
    values = events.get(name)
    if values is None:
        return pd.Series(pd.NA, index=events.index, dtype="string")
    return values


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 = missing) and the distinct values they index."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Index(uniques)


def _first_rows(events: pd.DataFrame, key: str, keep: np.ndarray) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """For each distinct ``key`` among ``keep`` rows: its value, its first row and its row count."""
    codes, uniques = _codes(_column(events, key))
    keep = keep & (codes >= 0)
    rows = np.flatnonzero(keep)
    present, first, count = np.unique(codes[rows], return_index=True, return_counts=True)
    return uniques[present], rows[first], count


def _labels(events: pd.DataFrame, columns: Iterable[str], rows: np.ndarray) -> dict[str, pd.Series]:
    return {c: _column(events, c).iloc[rows].astype("string").reset_index(drop=True) for c in columns}


def _unit_counts(
    events: pd.DataFrame, key: str, labels: tuple[str, ...], credited: np.ndarray, order: tuple[str, ...]
) -> pd.DataFrame:
    """Events per value of ``key`` among ``credited`` rows, labelled from each unit's first row, most first."""
    ids, first, count = _first_rows(events, key, credited)
    out = pd.DataFrame(
        {key: pd.array(ids.astype(str), dtype="string"), **_labels(events, labels, first),
         "events": count.astype(np.int64)}
    )
    name = labels[-1]
    out = out.sort_values(["events", name, key], ascending=[False, True, True], kind="stable")
    return out[[*order, "events"]].reset_index(drop=True)


def _credited(events: pd.DataFrame, precisions: tuple[str, ...]) -> np.ndarray:
    return _isin(events.get("geo_precision"), precisions, len(events))


def counts(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Events per unit, most first (see the precision rule in the module docstring).

    ``country``: adm0_iso, adm0_name, events (every located event); ``oblast``: adm0_iso, adm1_id,
    adm1_name, events (admin1 or finer); ``raion``: adm0_iso, adm1_name, adm2_id, adm2_name, events
    (admin2 or finer).
    """
    everything = np.ones(len(events), dtype=bool)
    return {
        "country": _unit_counts(events, "adm0_iso", ("adm0_name",), everything, ("adm0_iso", "adm0_name")),
        "oblast": _unit_counts(
            events, "adm1_id", ("adm0_iso", "adm1_name"), _credited(events, ADM1_PRECISION),
            ("adm0_iso", "adm1_id", "adm1_name"),
        ),
        "raion": _unit_counts(
            events, "adm2_id", ("adm0_iso", "adm1_name", "adm2_name"), _credited(events, ADM2_PRECISION),
            ("adm0_iso", "adm1_name", "adm2_id", "adm2_name"),
        ),
    }


def counts_by_adm2(events: pd.DataFrame) -> pd.Series:
    """Events per adm2_id (index: adm2_id as string, name "events", most first) for the choropleth.

    Only events of precision exact, near or admin2 are counted: a country- or oblast-level event is not
    credited to the raion that happens to hold its (centroid) point.
    """
    ids, _, count = _first_rows(events, "adm2_id", _credited(events, ADM2_PRECISION))
    out = pd.Series(count.astype(np.int64), index=pd.Index(ids.astype(str), dtype="string", name="adm2_id"))
    out = out.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return out.rename("events")


def _vocab_order(values: Iterable[str], vocab: tuple[str, ...]) -> list[str]:
    """Known values in vocabulary order, then the others alphabetically."""
    values = set(values)
    return [v for v in vocab if v in values] + sorted(values - set(vocab), key=str.casefold)


def _distinct(events: pd.DataFrame, column: str) -> list[str]:
    values = events.get(column)
    if values is None:
        return []
    codes, uniques = _codes(values)
    used = np.unique(codes[codes >= 0])
    return sorted({str(v).strip() for v in uniques[used]} - {""})


def _units(events: pd.DataFrame, key: str, labels: tuple[str, ...]) -> list[tuple[str, ...]]:
    ids, first, _ = _first_rows(events, key, np.ones(len(events), dtype=bool))
    names = _labels(events, labels, first)
    rows = [
        (str(i), *(("" if pd.isna(names[c].iat[k]) else str(names[c].iat[k])) for c in labels))
        for k, i in enumerate(ids)
    ]
    rows = [(r[0], r[1] or r[0], *r[2:]) for r in rows]  # no name: show the id
    return sorted(rows, key=lambda r: (r[1].casefold(), r[0]))


def options(events: pd.DataFrame) -> dict[str, list[Any]]:
    """Distinct values for the sidebar widgets.

    ``categories``, ``verification``, ``precision``: vocabulary order (schema), unknown values after;
    ``actors``: split on ";", trimmed, one spelling per case-insensitive name, sorted; ``countries``:
    (adm0_iso, adm0_name); ``adm1``: (adm1_id, adm1_name, adm0_iso); ``adm2``: (adm2_id, adm2_name,
    adm1_id); units sorted by name then id.
    """
    actors: dict[str, str] = {}
    for text in _distinct(events, "actors"):
        for part in text.split(";"):
            name = part.strip()
            if name:
                actors.setdefault(name.casefold(), name)
    return {
        "categories": _vocab_order(_distinct(events, "category"), CATEGORIES),
        "actors": sorted(actors.values(), key=lambda a: (a.casefold(), a)),
        "verification": _vocab_order(_distinct(events, "verification"), VERIFICATION),
        "precision": _vocab_order(_distinct(events, "geo_precision"), GEO_PRECISION),
        "countries": _units(events, "adm0_iso", ("adm0_name",)),
        "adm1": _units(events, "adm1_id", ("adm1_name", "adm0_iso")),
        "adm2": _units(events, "adm2_id", ("adm2_name", "adm1_id")),
    }
