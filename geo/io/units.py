"""Unit-position files, as public unit trackers publish them: one row per report of a unit at a place on a day.

Formats: CSV/TSV (any of , ; TAB |), XLSX (first worksheet) and GeoJSON (Point features; properties are the
columns). Columns are recognised by name, as for events (:data:`UNIT_SYNONYMS`, normalised to lower case with
other characters as ``_``):

* required: ``unit`` (the unit's name or designation), ``date`` (the day of the report), ``lat``/``lon`` (or
  the feature's Point);
* optional: ``sidc`` (MIL-STD-2525C 15-letter or 2525D 20-digit symbol code), ``echelon``, ``parent``,
  ``side``, ``type``, ``equipment``, ``geo_precision`` (exact, near, admin2, admin1, country), ``verification``
  and ``source`` (names or links; several separated by ``;``).

Rows: ``import_row`` counts as a user does (CSV: the header is row 0; GeoJSON: the first feature is row 1).
A row without a unit, a readable date or coordinates in range is rejected with a :class:`~geo.schema.RowIssue`
naming file, row, field and value ("expected …, got …"). A row that repeats an earlier one exactly (same unit,
day, place, symbol code and source) is counted as a duplicate and left out, so that
``read = kept + rejected + duplicates`` always.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from geo import names, schema
from geo.errors import InputFormatError
from geo.io._columns import normalise_name
from geo.io._dates import parse_dates
from geo.io._text import decode, read_bytes
from geo.io.geojson import _features, _geometry
from geo.io.tabular import load_table, text_cell
from geo.schema import RowIssue

#: Canonical field → accepted column names (normalised), best first.
UNIT_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "unit": ("unit", "unit_name", "name", "formation", "designation", "unit_designation"),
    "date": ("date", "report_date", "date_reported", "reported", "as_of", "date_start", "timestamp", "time", "day"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "sidc": ("sidc", "symbol_code", "symbol", "sidc_code", "app6", "app6d", "mil_std_2525", "code_2525"),
    "echelon": ("echelon", "size", "unit_size"),
    "parent": ("parent", "parent_unit", "higher_unit", "higher", "subordinate_to", "hq"),
    "side": ("side", "affiliation", "belligerent", "force", "country", "country_iso"),
    "type": ("type", "unit_type", "branch", "arm"),
    "equipment": ("equipment", "system", "weapon", "weapons"),
    "geo_precision": ("geo_precision", "precision", "location_precision"),
    "verification": ("verification", "status", "verification_status"),
    "source": ("source", "sources", "source_url", "url", "link", "links", "source_name"),
}
#: The columns of a positions frame, in order.
POSITION_COLUMNS: Final = ("unit", "unit_key", "date", "lat", "lon", "sidc", "echelon", "parent", "side", "type",
                           "equipment", "geo_precision", "verification", "source", "import_file", "import_row")
_TEXT_FIELDS: Final = ("sidc", "echelon", "parent", "side", "type", "equipment", "source")
#: What makes two rows the same report (the second is a duplicate).
SAME_REPORT: Final = ("unit_key", "date", "lat", "lon", "sidc", "source")


@dataclass(frozen=True)
class PositionsResult:
    """The positions read from one or more files: ``frame`` (:data:`POSITION_COLUMNS`), the rows rejected
    (``issues``, one per dropped row), the duplicates left out, and how many rows were read."""

    frame: pd.DataFrame
    issues: tuple[RowIssue, ...] = field(default=())
    duplicates: int = 0
    read: int = 0

    def __post_init__(self) -> None:
        if self.read != len(self.frame) + len(self.issues) + self.duplicates:
            raise AssertionError(f"expected read = kept + rejected + duplicates, got {self.read} != "
                                 f"{len(self.frame)} + {len(self.issues)} + {self.duplicates}")


def read_positions(paths: str | Path | list[str | Path], *, dayfirst: bool | None = None) -> PositionsResult:
    """The unit positions of ``paths`` (one file or several, in order), duplicates across files left out.
    InputFormatError ("expected …, got …", naming the file) when a file cannot be read as unit positions."""
    files = [paths] if isinstance(paths, (str, Path)) else list(paths)
    frames: list[pd.DataFrame] = []
    issues: list[RowIssue] = []
    read = 0
    for path in files:
        frame, found, count = _read_one(Path(path), dayfirst)
        frames.append(frame)
        issues += found
        read += count
    frame = pd.concat(frames, ignore_index=True) if frames else _empty()
    same = frame.duplicated(subset=list(SAME_REPORT), keep="first").to_numpy()
    return PositionsResult(frame.loc[~same].reset_index(drop=True), tuple(issues), int(same.sum()), read)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "date" else "float64" if c in ("lat", "lon")
                                      else "int64" if c == "import_row" else "string") for c in POSITION_COLUMNS})


def _read_one(path: Path, dayfirst: bool | None) -> tuple[pd.DataFrame, list[RowIssue], int]:
    file = str(path)
    raw = read_bytes(path, file)
    if path.suffix.lower() in (".geojson", ".json"):
        table, rows, points, issues = _geojson_table(raw, file)
    else:
        loaded = load_table(path, raw, file)
        table, rows, points, issues = loaded.frame, loaded.rows, None, list(loaded.issues)
    count = len(rows) + len(issues)
    cols = _resolve(table.columns, file, has_points=points is not None)
    n = len(table)

    def text(name: str) -> pd.Series:
        column = cols.get(name)
        values = table[column] if column is not None else pd.Series([None] * n, index=table.index, dtype=object)
        return values.astype("string").str.strip().replace("", pd.NA)

    unit = text("unit")
    dates = parse_dates(text("date"), cols.get("date", "date"), dayfirst=dayfirst)
    lat, lon = _coordinates(text("lat"), text("lon"), points, n)
    lat_text, lon_text, date_text = text("lat"), text("lon"), text("date")
    bad: list[tuple[str, str, str] | None] = [None] * n  # (field, value, reason) of a rejected row
    for i in range(n):
        if pd.isna(unit.iat[i]):
            bad[i] = ("unit", "", "expected a unit name, got an empty cell")
        elif dates.bad[i] or pd.isna(dates.values[i]):
            bad[i] = ("date", _shown(date_text.iat[i]),
                      dates.reasons[i] or "expected a date (YYYY-MM-DD), got an empty cell")
        elif not (np.isfinite(lat[i]) and -90 <= lat[i] <= 90):
            bad[i] = ("lat", _shown(lat_text.iat[i]),
                      f"expected a latitude between -90 and 90, got {_shown(lat_text.iat[i]) or 'an empty cell'}")
        elif not (np.isfinite(lon[i]) and -180 <= lon[i] <= 180):
            bad[i] = ("lon", _shown(lon_text.iat[i]),
                      f"expected a longitude between -180 and 180, got {_shown(lon_text.iat[i]) or 'an empty cell'}")
    for i, why in enumerate(bad):
        if why is not None:
            issues.append(RowIssue(file, int(rows[i]), *why))
    keep = np.array([b is None for b in bad], dtype=bool)
    precision = text("geo_precision").str.lower()
    precision = precision.where(precision.isin(schema.GEO_PRECISION), "exact")  # a tracker's point, unless told
    verification = pd.Series([schema.normalise_verification(None if pd.isna(v) else v)
                              for v in text("verification").astype(object)], index=table.index, dtype=object)
    frame = pd.DataFrame({
        "unit": unit,
        "unit_key": pd.Series(names.name_keys(unit.fillna("").tolist()), index=table.index, dtype="string"),
        "date": pd.Series(dates.values, index=table.index),
        "lat": lat,
        "lon": lon,
        **{name: text(name) for name in _TEXT_FIELDS},
        "geo_precision": precision.astype("string"),
        "verification": verification.fillna("reported").astype("string"),
        "import_file": pd.Series(file, index=table.index, dtype="string"),
        "import_row": pd.Series(rows, index=table.index, dtype="int64"),
    })
    frame["sidc"] = frame["sidc"].str.upper()
    return frame.loc[keep, list(POSITION_COLUMNS)].reset_index(drop=True), issues, count


def _shown(text: object) -> str:
    """A cell as a row issue shows it: empty when missing, else its first 80 characters."""
    return "" if pd.isna(text) else str(text)[:80]


def _resolve(columns: pd.Index, file: str, *, has_points: bool) -> dict[str, str]:
    """Canonical field → the file's column, by :data:`UNIT_SYNONYMS`; the required ones must be there."""
    by_name: dict[str, str] = {}
    for column in columns:
        by_name.setdefault(normalise_name(str(column)), str(column))
    cols: dict[str, str] = {}
    for canonical, accepted in UNIT_SYNONYMS.items():
        hit = next((by_name[a] for a in accepted if a in by_name and by_name[a] not in cols.values()), None)
        if hit is not None:
            cols[canonical] = hit
    required = ("unit", "date") if has_points else ("unit", "date", "lat", "lon")
    missing = [r for r in required if r not in cols]
    if missing:
        shown = ", ".join(str(c) for c in columns[:20]) or "none"
        raise InputFormatError(
            f"expected unit-position columns {', '.join(missing)} (e.g. "
            f"{'; '.join('/'.join(UNIT_SYNONYMS[m][:3]) for m in missing)}), got columns: {shown}", file=file)
    return cols


def _coordinates(lat_text: pd.Series, lon_text: pd.Series, points: np.ndarray | None,
                 n: int) -> tuple[np.ndarray, np.ndarray]:
    def number(values: pd.Series) -> np.ndarray:
        cleaned = values.astype("string").str.replace(",", ".", regex=False)
        return pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    lat, lon = number(lat_text), number(lon_text)
    if points is not None:  # a feature's Point, unless its properties give lat/lon
        for i, geom in enumerate(points):
            if geom is not None and getattr(geom, "geom_type", "") == "Point" and not np.isfinite(lat[i]):
                lon[i], lat[i] = float(geom.x), float(geom.y)
    return lat, lon


def _geojson_table(raw: bytes, file: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[RowIssue]]:
    text, _encoding = decode(raw, file)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"expected GeoJSON (a FeatureCollection), got invalid JSON ({exc.msg}, "
                               f"line {exc.lineno})", file=file) from exc
    except RecursionError as exc:
        raise InputFormatError("expected GeoJSON nested a few levels deep, got JSON nested deeper than the parser "
                               f"allows (about {sys.getrecursionlimit():,} levels)", file=file) from exc
    records: list[dict[str, str | None]] = []
    rows: list[int] = []
    points: list[object] = []
    issues: list[RowIssue] = []
    for number, feature in enumerate(_features(doc, file), start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            issues.append(RowIssue(file, number, "feature", str(feature)[:80], "expected a Feature object, got "
                                   f"{type(feature).__name__ if not isinstance(feature, dict) else feature.get('type')!r}"))
            continue
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            issues.append(RowIssue(file, number, "properties", str(props)[:80],
                                   f"expected properties as a JSON object, got {type(props).__name__}"))
            continue
        try:
            geom = _geometry(feature)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
            issues.append(RowIssue(file, number, "geometry", str(feature.get("geometry"))[:80],
                                   f"expected a GeoJSON Point, got {exc}"))
            continue
        if geom is not None and getattr(geom, "geom_type", "") != "Point":
            issues.append(RowIssue(file, number, "geometry", geom.geom_type,
                                   f"expected a Point (a unit's reported position), got {geom.geom_type}"))
            continue
        records.append({str(k): text_cell(v) for k, v in (props or {}).items()})
        rows.append(number)
        points.append(geom)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    return frame, np.asarray(rows, dtype="int64"), np.asarray(points, dtype=object), issues
