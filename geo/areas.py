"""Area layers: dated polygons (assessed control, claimed advances...) shown as of the end of the window.

* :func:`read_areas` reads GeoJSON, KML, KMZ or GeoPackage (other OGR formats through pyogrio). Each
  feature's first day comes from, in this order: the ``date`` argument; the KML ``TimeStamp``/``TimeSpan``;
  a date property (date, date_start, start_date, valid_from, start, begin, timestamp, when); a date in the
  file name (``2024-08-12.geojson``, ``control_20240812.kml``, also ``_`` or ``.`` separators and
  ``12-08-2024``; the first date in the name wins). The last day: TimeSpan end or valid_to/end/date_end/
  end_date/valid_until; missing = valid until the next snapshot of the same kind.
* ``kind`` ("assessed control", "claimed advance"...): the ``kind`` argument, else a kind/type/status/category
  property, else "area"; lower case, underscores as spaces.
* Geometries are made valid (GEOS "structure" method), flattened to 2-D and reduced to their polygonal
  parts; features without any (points, lines, no geometry) are skipped with a :class:`~geo.schema.RowIssue`.
* ``area_id`` is a stable hash of kind, days, name and geometry: the same file read twice gives the same ids,
  and :class:`AreaStore` stores each id once (layer "areas" of the events GeoPackage).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import re
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import GeoError, InputFormatError, StoreError
from geo.io._dates import OUT_OF_RANGE, Bounds, check_day, date_range
from geo.io._xml import child, local, text
from geo.io.kml import BadGeometry, kml_bytes, kml_shape, parse_kml
from geo.schema import CRS, RowIssue, stable_id
from geo.store import append_layer, geopackage_path, inspect

LAYER: Final = "areas"
DEFAULT_KIND: Final = "area"
#: Columns of an area frame (plus ``geometry``); days are datetime64 at midnight, NaT = open-ended.
AREA_DTYPES: Final[dict[str, str]] = {
    "area_id": "string",
    "name": "string",
    "kind": "string",
    "date_start": "datetime64[ns]",
    "date_end": "datetime64[ns]",  # NaT = valid until the next snapshot of the same kind
    "source_name": "string",
    "source_url": "string",
    "description": "string",
    "import_file": "string",
}
AREA_COLUMNS: Final = tuple(AREA_DTYPES)
NO_DATE: Final = "expected a date in the file name (e.g. 2024-08-12) or a date property, got none"

_KIND_KEYS: Final = ("kind", "type", "status", "category")
_START_KEYS: Final = ("date", "date_start", "start_date", "valid_from", "start", "begin", "timestamp", "when")
_END_KEYS: Final = ("valid_to", "end", "date_end", "end_date", "valid_until")
_NAME_KEYS: Final = ("name", "title", "label")
_SOURCE_KEYS: Final = ("source_name", "source")
_URL_KEYS: Final = ("source_url", "url", "link", "href")
_DESCRIPTION_KEYS: Final = ("description", "desc", "notes", "comment")
_KML_GEOMETRIES: Final = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry")
_OGR_SUFFIXES: Final = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".gml"}


@dataclass
class _Feature:
    """One feature as read: 1-based row, properties (normalised keys), geometry, KML times."""

    row: int
    props: dict[str, Any]
    geometry: object
    times: tuple[tuple[str, object], ...] = ()  # KML (element, text): TimeStamp/when or TimeSpan/begin, end
    issue: RowIssue | None = None

    def start_candidates(self) -> list[tuple[str, object]]:
        return [t for t in self.times if t[0] != "TimeSpan/end"] + [(k, self.props.get(k)) for k in _START_KEYS]

    def end_candidates(self) -> list[tuple[str, object]]:
        return [t for t in self.times if t[0] == "TimeSpan/end"] + [(k, self.props.get(k)) for k in _END_KEYS]

    def has_start(self) -> bool:
        return any(_present(v) for _, v in self.start_candidates())


# --- dates --------------------------------------------------------------------------------------------

_ISO: Final = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ].*)?$")
_COMPACT: Final = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DOTTED: Final = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASHED: Final = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_NUMBER: Final = re.compile(r"^-?\d+(?:\.\d+)?$")
_NAME_YMD: Final = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")
_NAME_DMY: Final = re.compile(r"(?<!\d)(\d{2})([-_.])(\d{2})\2(\d{4})(?!\d)")


_EPOCH: Final = dt.datetime(1970, 1, 1)
#: Numbers smaller than this are not Unix times (1e8 s is 1973-03-03): 5 or 2024 is not a date.
_MIN_EPOCH: Final = 1e8


def _utc_day(stamp: pd.Timestamp) -> dt.date:
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    if not 1 <= stamp.year <= 9999:  # 9999-12-31T23:00-12:00 is a day of year 10000: no Python date
        raise OverflowError(f"year {stamp.year} is out of range")
    return stamp.date()


def _from_number(value: float) -> dt.date:
    """YYYYMMDD (eight digits making a real date, any year: the range is checked after), else Unix time
    in milliseconds (ArcGIS exports, from 1e11) or seconds (from 1e8); OverflowError far outside."""
    if value.is_integer() and 10_000_101 <= value <= 99_991_231:
        text = str(int(value))
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    if not math.isfinite(value) or abs(value) < _MIN_EPOCH:
        raise ValueError(f"expected a date, got the number {value!r}")
    seconds = value / 1000 if abs(value) >= 1e11 else value
    return (_EPOCH + dt.timedelta(seconds=seconds)).date()


def parse_day(value: object, bounds: Bounds | None = None) -> dt.date | None:
    """A day from a property value; None when empty; ValueError when it is not a date, or is a day
    outside the accepted range (``bounds``, default :func:`geo.io._dates.date_range`).

    ISO dates and timestamps (a time zone offset gives the UTC day), YYYYMMDD, DD.MM.YYYY, DD/MM/YYYY
    (month-first only when the second field exceeds 12), "12 August 2024", Unix time (s or ms).
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    shown = _shown(value)
    try:
        day = _day(value)
    except (ValueError, OverflowError, ArithmeticError, TypeError) as exc:
        if isinstance(exc, OverflowError | pd.errors.OutOfBoundsDatetime):  # a real date, far out
            first, last = bounds or date_range()
            raise ValueError(OUT_OF_RANGE.format(first=first, last=last, value=shown)) from exc
        raise ValueError(f"expected a date like 2024-08-12, got {shown!r}") from exc
    return None if day is None else check_day(day, shown, bounds)


def _shown(value: object) -> object:
    """A property value as a message shows it: text stripped, 29990101.0 as 29990101, days as ISO text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float | np.floating) and float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return str(value) if isinstance(value, dt.date | np.datetime64) else value


def _day(value: object) -> dt.date | None:
    """The day ``value`` names, without the range check; ValueError (or OverflowError) otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a date, got {value!r}")
    if isinstance(value, dt.datetime | pd.Timestamp):
        return _utc_day(pd.Timestamp(value))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else _utc_day(pd.Timestamp(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return None if math.isnan(float(value)) else _from_number(float(value))
    text = str(value).strip()
    if not text:
        return None
    if _COMPACT.match(text) or (_NUMBER.match(text) and len(text) >= 9):
        return _from_number(float(text))
    if _ISO.match(text):
        return _utc_day(pd.Timestamp(text))
    if m := _DOTTED.match(text):
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    if m := _SLASHED.match(text):
        a, b = int(m[1]), int(m[2])
        day, month = (b, a) if b > 12 else (a, b)
        return dt.date(int(m[3]), month, day)
    if re.search(r"[A-Za-z]", text) and re.search(r"(?<!\d)\d{1,2}(?!\d)", text) and re.search(
        r"(?<!\d)\d{4}(?!\d)", text
    ):
        return _utc_day(pd.Timestamp(text))
    raise ValueError(f"expected a date like 2024-08-12, got {text!r}")


def date_from_name(name: str) -> dt.date | None:
    """The first valid date in a file name (``2024-08-12``, ``20240812``, ``2024_08_12``, ``12-08-2024``)."""
    stem = Path(name).name
    found: list[tuple[int, dt.date]] = []
    for pattern, order in ((_NAME_YMD, (1, 3, 4)), (_NAME_DMY, (4, 3, 1))):
        for m in pattern.finditer(stem):
            y, mo, d = (int(m.group(i)) for i in order)
            try:
                found.append((m.start(), check_day(dt.date(y, mo, d), m.group(0))))
            except ValueError:
                continue
    return min(found)[1] if found else None


# --- geometry -----------------------------------------------------------------------------------------


def _flatten(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The single parts of ``geom``, collections opened at any depth (iteratively: no recursion limit)."""
    out: list[shapely.Geometry] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if g.geom_type in ("MultiPolygon", "MultiPoint", "MultiLineString", "GeometryCollection"):
            stack.extend(reversed(shapely.get_parts(g)))
        else:
            out.append(g)
    return out


def _polygonal(geom: object) -> tuple[shapely.Geometry | None, list[str]]:
    """The valid 2-D polygonal part of ``geom`` (Polygon or MultiPolygon) and the other types it held."""
    if geom is None or not isinstance(geom, shapely.Geometry) or geom.is_empty:
        return None, []
    parts = _flatten(shapely.force_2d(geom))
    polygons = [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    others = sorted({p.geom_type for p in parts if p.geom_type != "Polygon"})
    if not polygons:
        return None, others
    shape = polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
    if not shape.is_valid or len(polygons) > 1:
        shape = shapely.make_valid(shape, method="structure", keep_collapsed=False)
        kept = [p for p in _flatten(shape) if p.geom_type == "Polygon" and not p.is_empty]
        if not kept:
            return None, others
        shape = kept[0] if len(kept) == 1 else shapely.union_all(kept)
    return shape, others


def _geometry_key(geom: shapely.Geometry) -> str:
    """Canonical WKB (as a MultiPolygon, normalised) so a stored, promoted copy hashes the same."""
    multi = shapely.MultiPolygon(_flatten(geom))
    return shapely.to_wkb(shapely.normalize(multi), hex=True, output_dimension=2)


def area_id(kind: str, start: dt.date, end: dt.date | None, name: str | None, geom: shapely.Geometry) -> str:
    """Stable id of an area: same kind, days, name and geometry give the same id."""
    return stable_id("area", kind, start.isoformat(), end.isoformat() if end else "", name or "", _geometry_key(geom))


# --- readers ------------------------------------------------------------------------------------------


def _norm_key(key: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(key).strip().lower())


def _props(record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        out.setdefault(_norm_key(key), value)
    return out


_local, _child, _text = local, child, text


def _plain(text: str | None) -> str | None:
    """HTML reduced to plain text (tags dropped, entities decoded, whitespace collapsed)."""
    if text is None:
        return None
    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
    return plain or None


def _kml_features(raw: bytes, file: str) -> list[_Feature]:
    _, root = parse_kml(kml_bytes(raw, file), file)
    features: list[_Feature] = []
    placemarks = [el for el in root.iter() if _local(el.tag) == "Placemark"]
    for row, pm in enumerate(placemarks, start=1):
        record: dict[str, Any] = {}
        for el in pm.iter():
            tag = _local(el.tag)
            if tag == "Data" and el.get("name"):
                record[el.get("name", "")] = _text(_child(el, "value"))
            elif tag == "SimpleData" and el.get("name"):
                record[el.get("name", "")] = _text(el)
        props = _props(record)
        for key, value in (("name", _text(_child(pm, "name"))), ("description", _text(_child(pm, "description")))):
            if value is not None:
                props[key] = value
        props["description"] = _plain(props.get("description"))
        stamp, span = _child(pm, "TimeStamp"), _child(pm, "TimeSpan")
        times: tuple[tuple[str, object], ...] = ()
        if stamp is not None:
            times = (("TimeStamp/when", _text(_child(stamp, "when"))),)
        if span is not None:
            times = (("TimeSpan/begin", _text(_child(span, "begin"))), ("TimeSpan/end", _text(_child(span, "end"))))
        geom_el = next((c for c in pm if _local(c.tag) in _KML_GEOMETRIES), None)
        feature = _Feature(row, props, None, times)
        try:
            feature.geometry = None if geom_el is None else kml_shape(geom_el)
        except BadGeometry as exc:
            feature.issue = RowIssue(file, row, "geometry", exc.value[:80], exc.reason)
        features.append(feature)
    return features


def _ogr_layer(path: Path) -> str | None:
    """For a GeoPackage: the "areas" layer, else the first polygon layer, else the first layer."""
    if path.suffix.lower() != ".gpkg":
        return None
    layers = [(str(n), str(t or "")) for n, t in pyogrio.list_layers(path)]
    names = [n for n, _ in layers]
    if LAYER in names:
        return LAYER
    return next((n for n, t in layers if "polygon" in t.lower()), names[0] if names else None)


def _ogr_features(path: Path, file: str) -> list[_Feature]:
    options = {"DATE_AS_STRING": "YES"} if path.suffix.lower() in (".geojson", ".json") else {}
    try:
        frame = pyogrio.read_dataframe(path, layer=_ogr_layer(path), **options)
    except Exception as exc:  # GDAL raises several types
        raise InputFormatError(
            f"expected a readable GeoJSON, KML, KMZ or GeoPackage file, got {type(exc).__name__}: {exc}",
            file=file,
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputFormatError("expected a layer with geometries, got a table without a geometry column", file=file)
    if frame.crs is not None and not frame.crs.equals(CRS):
        try:
            frame = frame.to_crs(CRS)
        except Exception as exc:  # pyproj raises several types
            raise InputFormatError(f"expected a coordinate reference system that converts to {CRS}, got "
                                   f"{frame.crs.name!r} ({exc})", file=file) from exc
    records = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(object)
    records = records.where(records.notna(), None).to_dict("records")
    return [
        _Feature(row, _props(record), geom)
        for row, (record, geom) in enumerate(zip(records, frame.geometry.array), start=1)
    ]


def _features(path: Path, file: str) -> list[_Feature]:
    suffix = path.suffix.lower()
    if suffix in (".kml", ".kmz"):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputFormatError(f"expected a readable file, got {exc}", file=file) from exc
        return _kml_features(raw, file)
    return _ogr_features(path, file)


# --- read_areas ---------------------------------------------------------------------------------------


def _first(props: Mapping[str, Any], keys: Iterable[str]) -> tuple[str | None, Any]:
    """(key, value) of the first key with a non-empty value."""
    for key in keys:
        if _present(props.get(key)):
            return key, props[key]
    return None, None


def _text_value(props: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    _, value = _first(props, keys)
    return None if value is None else str(value).strip()


def normalise_kind(value: object) -> str:
    """"Assessed_Control " -> "assessed control"; empty -> "area"."""
    text = " ".join(str(value or "").replace("_", " ").split()).lower()
    return text or DEFAULT_KIND


def empty_areas() -> gpd.GeoDataFrame:
    """An area frame without rows."""
    data = {c: pd.Series([], dtype=d) for c, d in AREA_DTYPES.items()}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def read_areas(
    path: str | os.PathLike[str], *, kind: str | None = None, date: object = None
) -> tuple[gpd.GeoDataFrame, list[RowIssue]]:
    """The dated polygons of one file and the issues of the features skipped or changed.

    ``kind`` and ``date`` (a day: date or ISO text), when given, apply to every feature. Raises
    InputFormatError when the file cannot be read, or when no date is found anywhere (argument, KML time,
    property or file name).
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InputFormatError("expected an existing file, got a path that does not exist", file=file)
    try:
        given_day = parse_day(date)
    except ValueError as exc:
        raise GeoError(f"expected date as a day like 2024-08-12, got {date!r}") from exc
    name_day = date_from_name(path.name)
    features = _features(path, file)
    if given_day is None and name_day is None and not any(f.has_start() for f in features):
        raise InputFormatError(NO_DATE, file=file)
    issues: list[RowIssue] = []
    rows: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry] = []
    for feat in features:
        if feat.issue is not None:
            issues.append(feat.issue)
            continue
        try:
            start = given_day or _first_day(feat.start_candidates())[1] or name_day
            end_key, end = _first_day(feat.end_candidates())
        except _BadDate as bad:
            issues.append(RowIssue(file, feat.row, bad.key, str(_shown(bad.value))[:80], bad.reason))
            continue
        if start is None:
            issues.append(RowIssue(file, feat.row, "date", "", NO_DATE))
            continue
        if end is not None and end < start:
            issues.append(RowIssue(file, feat.row, str(end_key), end.isoformat(),
                                   f"expected an end on or after the start {start.isoformat()}"))
            continue
        geom, others = _polygonal(feat.geometry)
        if geom is None:
            got = ", ".join(others)
            issues.append(RowIssue(file, feat.row, "geometry", got,
                                   f"expected Polygon or MultiPolygon, got {got or 'no geometry'}"))
            continue
        if others:
            issues.append(RowIssue(file, feat.row, "geometry", ", ".join(others),
                                   f"kept the polygons, dropped the {', '.join(others)} parts", kind="flag"))
        record = _attributes(feat.props, kind)
        record.update(row=feat.row, date_start=start, date_end=end)
        record["area_id"] = record["area_id"] or area_id(record["kind"], start, end, record["name"], geom)
        rows.append(record)
        geoms.append(geom)
    return _frame(rows, geoms, file, issues)


def _present(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


class _BadDate(ValueError):
    def __init__(self, key: str, value: object, reason: str) -> None:
        self.key, self.value, self.reason = key, value, reason
        super().__init__(reason)


def _first_day(candidates: Iterable[tuple[str, object]]) -> tuple[str | None, dt.date | None]:
    """(key, day) of the first candidate holding a date; _BadDate when a non-empty one is not a date."""
    for key, value in candidates:
        try:
            day = parse_day(value)
        except ValueError as exc:
            raise _BadDate(key, value, str(exc)) from exc
        if day is not None:
            return key, day
    return None, None


def _attributes(props: Mapping[str, Any], kind: str | None) -> dict[str, Any]:
    return {
        "area_id": _text_value(props, ("area_id",)),
        "name": _text_value(props, _NAME_KEYS),
        "kind": normalise_kind(kind if kind is not None else _text_value(props, _KIND_KEYS)),
        "source_name": _text_value(props, _SOURCE_KEYS),
        "source_url": _text_value(props, _URL_KEYS),
        "description": _text_value(props, _DESCRIPTION_KEYS),
    }


def _frame(
    rows: list[dict[str, Any]], geoms: list[shapely.Geometry], file: str, issues: list[RowIssue]
) -> tuple[gpd.GeoDataFrame, list[RowIssue]]:
    if not rows:
        return empty_areas(), issues
    table = pd.DataFrame.from_records(rows)
    table["import_file"] = file
    keep = ~table["area_id"].duplicated().to_numpy()
    for pos in np.flatnonzero(~keep):
        issues.append(RowIssue(file, int(table["row"].iat[pos]), "area_id", str(table["area_id"].iat[pos]),
                               "same area as an earlier feature", kind="duplicate"))
    out = gpd.GeoDataFrame(typed_areas(table), geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)
    return out.loc[keep].reset_index(drop=True), issues


def typed_areas(table: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col, dtype in AREA_DTYPES.items():
        values = table[col] if col in table.columns else pd.Series([None] * len(table), index=table.index)
        if dtype.startswith("datetime"):
            values = pd.to_datetime(values, errors="coerce", utc=isinstance(values.dtype, pd.DatetimeTZDtype))
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_localize(None)
            out[col] = values.dt.normalize().astype(dtype)
        else:
            out[col] = values.astype(dtype)
    return pd.DataFrame(out, index=table.index)


# --- snapshots ----------------------------------------------------------------------------------------


def as_of(areas: pd.DataFrame, day: object) -> gpd.GeoDataFrame:
    """Per kind, the polygons of the latest snapshot (same kind and date_start) on or before ``day``,
    without those whose date_end is before ``day``."""
    parsed = parse_day(day)
    if parsed is None:
        raise GeoError(f"expected a day like 2024-08-12, got {day!r}")
    stamp = pd.Timestamp(parsed)
    if len(areas) == 0:
        return areas.iloc[0:0]
    start = pd.to_datetime(areas["date_start"]).dt.normalize()
    end = pd.to_datetime(areas["date_end"] if "date_end" in areas else pd.Series(pd.NaT, index=areas.index))
    end = end.dt.normalize()
    started = (start <= stamp).to_numpy(dtype=bool, na_value=False)
    kinds = areas["kind"].astype("string").fillna(DEFAULT_KIND) if "kind" in areas else pd.Series(
        DEFAULT_KIND, index=areas.index, dtype="string"
    )
    latest = start.where(started).groupby(kinds.to_numpy()).transform("max")
    keep = started & (start == latest).to_numpy(dtype=bool, na_value=False)
    keep &= ~(end < stamp).to_numpy(dtype=bool, na_value=False)
    return areas.loc[keep]


def for_window(areas: pd.DataFrame | None, end: object) -> tuple[dt.date | None, gpd.GeoDataFrame | None]:
    """What a map of a window ending on ``end`` shows: (the day, :func:`as_of` that day). An open window
    (``end`` None) shows the latest snapshot of each kind. (None, None) when there are no areas."""
    if areas is None or len(areas) == 0:
        return None, None
    day = parse_day(end) if end is not None else None
    if day is None:
        latest = pd.to_datetime(areas["date_start"], errors="coerce").max() if "date_start" in areas else pd.NaT
        if pd.isna(latest):
            return None, None
        day = latest.date()
    return day, as_of(areas, day)


# --- the store ----------------------------------------------------------------------------------------


class AreaStore:
    """Areas in their own layer "areas" of the events GeoPackage; each area_id is stored once.

    The "events" layer is never created or changed here. An append is one SQLite transaction (all or
    nothing, also when the process is killed), a missing file is created whole, and a unique index on area_id
    backs up the deduplication (see :func:`geo.store.append_layer`). A file that is not a store is a
    :class:`StoreError` everywhere, never "no areas" (:func:`geo.store.inspect`).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 30.0) -> None:
        self.path = geopackage_path(path)  # a PostGIS URL: StoreError (geo.stores.open_* for either)
        self.timeout = timeout

    def exists(self) -> bool:
        """Whether the store holds the areas layer; :class:`StoreError` when the file is not a store."""
        tables = inspect(self.path, self.timeout)
        return tables is not None and LAYER in tables

    def count(self) -> int:
        return len(self._ids())

    def read(self) -> gpd.GeoDataFrame:
        """Every stored area (EPSG:4326, MultiPolygons) in :data:`AREA_COLUMNS` + geometry."""
        if not self.exists():
            return empty_areas()
        try:
            raw = pyogrio.read_dataframe(self.path, layer=LAYER, fid_as_index=False)
        except Exception as exc:  # GDAL raises several types
            raise StoreError(f"cannot read the areas of {self.path}: {exc}") from exc
        table = typed_areas(pd.DataFrame(raw.drop(columns=raw.geometry.name)))
        return gpd.GeoDataFrame(table, geometry=raw.geometry.set_crs(CRS, allow_override=True), crs=CRS)

    def add(self, areas: gpd.GeoDataFrame) -> int:
        """Append the areas whose area_id is not stored yet (one transaction); returns how many."""
        frame = storage_frame(areas)
        new = frame.loc[~frame["area_id"].duplicated()]
        return append_layer(self.path, new, LAYER, key="area_id", geometry_type="MultiPolygon", timeout=self.timeout)

    def _ids(self) -> pd.Series:
        if not self.exists():
            return pd.Series([], dtype="string")
        try:
            with closing(sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)) as con:
                return pd.Series([r[0] for r in con.execute(f'SELECT area_id FROM "{LAYER}"')], dtype="string")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the areas of {self.path}: {exc}") from exc


def storage_frame(areas: pd.DataFrame) -> gpd.GeoDataFrame:
    """``areas`` in the stored columns and types, ids filled in; every row needs a polygon, kind and start."""
    if not isinstance(areas, gpd.GeoDataFrame):
        raise GeoError(f"expected a GeoDataFrame of areas (see read_areas), got {type(areas).__name__}")
    if len(areas) == 0:
        return empty_areas()
    if "date_start" not in areas.columns:
        raise GeoError("expected a date_start column in the areas, got none")
    frame = areas.set_crs(CRS) if areas.crs is None else areas.to_crs(CRS)
    table = frame.drop(columns=frame.geometry.name).reset_index(drop=True)
    if "kind" not in table.columns:
        table["kind"] = DEFAULT_KIND
    table["kind"] = table["kind"].map(normalise_kind, na_action=None)
    table = typed_areas(table)
    geoms = [_polygonal(g)[0] for g in frame.geometry.array]
    bad = [i for i, g in enumerate(geoms) if g is None or pd.isna(table["date_start"].iat[i])]
    if bad:
        raise StoreError(f"expected every area to have a polygon and a date_start, got {len(bad)} without "
                         f"(rows {', '.join(str(i + 1) for i in bad[:5])}), nothing stored")
    missing = table["area_id"].isna().to_numpy()
    for i in np.flatnonzero(missing):
        end = table["date_end"].iat[i]
        table.loc[i, "area_id"] = area_id(
            str(table["kind"].iat[i]), table["date_start"].iat[i].date(), None if pd.isna(end) else end.date(),
            None if pd.isna(table["name"].iat[i]) else str(table["name"].iat[i]), geoms[i],
        )
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)
