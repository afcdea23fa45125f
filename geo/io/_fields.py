"""Field conversions shared by every reader: each fills canonical columns of a Builder, vectorised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geo import schema
from geo.io._core import Builder, constant
from geo.io._dates import parse_dates
from geo.io._values import (
    GEO_PRECISION_WORDS,
    TIME_PRECISION_WORDS,
    country_iso3,
    from_codes,
    map_codes,
    map_unique,
    parse_numbers,
    source_ids,
    truncate,
)

VERIFICATION_EXPECTED: Final = (
    "expected one of confirmed, reported, claimed, disputed (or alleged, verified, unverified, "
    "contested, denied ...), got {value!r}"
)
_POINT, _MULTIPOINT = 0, 4
#: Between the values of a multi-valued cell (UCDP: "2014-01-22;2014-01-25", "Donetsk oblast;Luhansk oblast")
_LIST_SEPARATOR: Final = r"\s*;\s*"
_GEOMETRY_NAMES: Final = np.array(
    [
        "Point",
        "LineString",
        "LinearRing",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
    ],
    dtype=object,
)  # by shapely type id


class Cells:
    """Text cells of a table by column: stripped, empty -> NA, converted once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._cache: dict[str, pd.Series] = {}

    def __call__(self, column: str) -> pd.Series:
        if column not in self._cache:
            text = self.frame[column].astype("str").str.strip()
            self._cache[column] = text.mask(text == "").reset_index(drop=True)
        return self._cache[column]

    def get(self, column: str | None) -> pd.Series | None:
        return None if column is None else self(column)


def set_text(b: Builder, target: str, values: pd.Series | None) -> None:
    if values is not None:
        b.set(target, values.astype("string"))


def set_dates(
    b: Builder, target: str, values: pd.Series, column: str, *, required: bool = False, soft: bool = False
) -> np.ndarray:
    """Parse ``values`` into ``target``; unreadable dates reject the row (``soft``: only a note)."""
    parsed = parse_dates(values, column, b.ctx.dayfirst)
    for message in parsed.warnings:
        b.warn(message)
    if soft:
        b.note(parsed.bad, column, values, parsed.reasons)
    else:
        b.reject(parsed.bad, column, values, parsed.reasons)
    if required:
        b.reject(values.isna().to_numpy(), column, values, "expected a date, got nothing")
    b.flag(parsed.ambiguous, "date_ambiguous")
    b.set(target, parsed.values)
    return parsed.values


def set_latest_dates(b: Builder, target: str, values: pd.Series, column: str) -> np.ndarray:
    """A column that may list several dates per cell, ';'-separated (UCDP source_date "2014-01-22;2014-01-25",
    one per source): every date is read, ``target`` gets the latest. A part that is not a date is only
    noted (the row is kept with the dates it has); an ambiguous day/month order is flagged as usual."""
    parts = values.astype("string").str.split(_LIST_SEPARATOR, regex=True).explode()
    parts = parts.mask(parts.str.strip() == "")
    rows = parts.index.to_numpy(dtype=np.int64)
    parsed = parse_dates(parts.reset_index(drop=True), column, b.ctx.dayfirst)
    for message in parsed.warnings:
        b.warn(message)
    bad = np.zeros(b.n, dtype=bool)
    reasons = np.full(b.n, None, dtype=object)
    first_bad = np.unique(rows[parsed.bad], return_index=True)
    bad[first_bad[0]] = True
    reasons[first_bad[0]] = parsed.reasons[np.flatnonzero(parsed.bad)[first_bad[1]]]
    b.note(bad, column, values, reasons)
    ambiguous = np.zeros(b.n, dtype=bool)
    ambiguous[rows[parsed.ambiguous]] = True
    b.flag(ambiguous, "date_ambiguous")
    latest = np.full(b.n, np.datetime64("NaT", "ns"))
    per_row = pd.Series(parsed.values).groupby(rows).max()
    latest[per_row.index.to_numpy(dtype=np.int64)] = per_row.to_numpy(dtype="datetime64[ns]")
    b.set(target, latest)
    return latest


def set_number(
    b: Builder, target: str, values: pd.Series, column: str, *, decimal_comma: bool = True
) -> None:
    """A count (fatalities ...): unreadable values (also infinite or beyond 2**53) are kept as missing,
    with a note."""
    numbers, bad = parse_numbers(values, decimal_comma=decimal_comma)
    huge = ~(np.abs(numbers) <= 2**53) & ~np.isnan(numbers)  # no Int64 holds inf or 1e300
    b.note(bad | huge, column, values, lambda v: f"expected a whole number, got {v!r}; left empty")
    b.set(target, np.where(huge, np.nan, numbers))


def coordinates(
    b: Builder, lat: pd.Series, lon: pd.Series, lat_col: str, lon_col: str, *, decimal_comma: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) floats; text that is not a number rejects the row. Ranges are checked elsewhere."""
    out = []
    for values, column in ((lon, lon_col), (lat, lat_col)):
        numbers, bad = parse_numbers(values, decimal_comma=decimal_comma)
        if bad.any():
            b.reject(bad, column, values, lambda v: _number_reason(v, decimal_comma))
        out.append(numbers)
    return out[0], out[1]


def _number_reason(value: str, decimal_comma: bool) -> str:
    if not decimal_comma and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", value):
        return (
            "expected a number with a decimal point (a comma-separated file cannot use decimal commas), "
            f"got {value!r}"
        )
    return f"expected a number, got {value!r}"


def points(
    b: Builder, geoms: np.ndarray, field: str, precision_given: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of shapely geometries (None -> NaN). Points (also 3-D, or a one-point MultiPoint) as
    they are; any other geometry is rejected, unless the row gives its precision: then its
    representative point is used and the row flagged."""
    geoms = np.asarray(geoms, dtype=object)
    kind = shapely.get_type_id(geoms)
    empty = (kind < 0) | shapely.is_empty(geoms)
    single = (kind == _MULTIPOINT) & (shapely.get_num_geometries(geoms) == 1)
    pts = np.where(single, shapely.get_geometry(geoms, 0), geoms)
    is_point = ~empty & ((kind == _POINT) | single)
    other = ~empty & ~is_point
    if other.any():
        rep = other & precision_given
        pts = np.where(rep, shapely.point_on_surface(geoms), pts)
        names = _GEOMETRY_NAMES[np.where(other, kind, 0)]
        wkt = np.where(other, shapely.to_wkt(np.where(other, geoms, None), rounding_precision=6), None)
        raw = pd.Series(wkt, dtype=object).str.slice(0, 80)
        b.reject(other & ~precision_given, field, raw, "expected Point geometry, got " + names)
        b.note(rep, field, raw, "non-point geometry (" + names + ") reduced to a representative point")
        b.flag(rep, "representative_point")
    usable = is_point | other
    lon = np.where(usable & ~empty, shapely.get_x(np.where(usable, pts, None)), np.nan)
    lat = np.where(usable & ~empty, shapely.get_y(np.where(usable, pts, None)), np.nan)
    return lon.astype("float64"), lat.astype("float64")


def verification(b: Builder, values: pd.Series | None, column: str) -> None:
    """Normalised verification; unknown words reject the row. No column: the default for all rows."""
    default = b.ctx.default_verification
    if values is None:
        b.set("verification", constant(b.n, default))
        return
    mapped = map_unique(values, lambda v: schema.normalise_verification(v, default))
    missing = values.isna().to_numpy()
    unknown = mapped.isna().to_numpy() & ~missing
    b.reject(unknown, column, values, lambda v: VERIFICATION_EXPECTED.format(value=v))
    b.set("verification", mapped.fillna(default))


def category(b: Builder, cat: pd.Series | None, sub: pd.Series | None) -> None:
    """Category from ``cat`` (else ``sub``) via schema.normalise_category; unknown text is kept as
    category 'other' with the text in subcategory (after ' / ' the source's own subcategory)."""
    if cat is None and sub is None:
        b.set("category", constant(b.n, "other"))
        return
    n = b.n
    mapped = (
        map_unique(cat, schema.normalise_category)
        if cat is not None
        else pd.Series(index=pd.RangeIndex(n), dtype="string")
    )
    if sub is not None:
        from_sub = map_unique(sub, schema.normalise_category)
        mapped = mapped.where(mapped.notna(), from_sub)
    subcategory = (
        sub.astype("string") if sub is not None else pd.Series(pd.NA, index=range(n), dtype="string")
    )
    if cat is not None:
        unknown = mapped.isna() & cat.notna()
        if unknown.any():
            raw = cat.astype("string")
            both = raw + " / " + subcategory
            subcategory = subcategory.where(~unknown, both.where(subcategory.notna(), raw))
    b.set("category", mapped.fillna("other").astype("string"))
    b.set("subcategory", subcategory)


def geo_precision(b: Builder, values: pd.Series | None, column: str | None) -> np.ndarray:
    """Set geo_precision from a precision column (words of schema.GEO_PRECISION, VIINA's, a few more);
    returns the rows that gave a usable one. Missing: decided by :func:`default_geo_precision`."""
    if values is None or column is None:
        return np.zeros(b.n, dtype=bool)
    mapped = map_unique(values, lambda v: GEO_PRECISION_WORDS.get(str(v).strip().lower()))
    unknown = (mapped.isna() & values.notna()).to_numpy()
    words = ", ".join(schema.GEO_PRECISION)
    b.note(unknown, column, values, lambda v: f"expected a precision ({words}), got {v!r}; used the default")
    b.set("geo_precision", mapped.astype("string"))
    return mapped.notna().to_numpy()


def default_geo_precision(b: Builder, lon: np.ndarray, lat: np.ndarray) -> None:
    """Rows without a precision: 'exact' where coordinates were given, else 'none'."""
    has = ~(np.isnan(lon) | np.isnan(lat))
    default = from_codes(has.astype("int8"), ["none", "exact"])
    current = b.columns.get("geo_precision")
    b.set("geo_precision", default if current is None else current.fillna(default))


def coded(
    b: Builder,
    target: str,
    values: pd.Series | None,
    column: str,
    mapping: Mapping[object, str],
    default: str | None,
    expected: str | None = None,
) -> None:
    """A code column through ``mapping`` (unknown codes: a note and ``default``)."""
    if values is None:
        b.set(target, constant(b.n, default))
        return
    mapped = map_codes(values, mapping)
    unknown = (mapped.isna() & values.notna()).to_numpy()
    known = expected or ", ".join(str(k) for k in mapping)
    b.note(unknown, column, values, lambda v: f"expected one of {known}, got {v!r}; used {default!r}")
    b.set(target, mapped.fillna(default).astype("string") if default else mapped.astype("string"))


def time_precision(b: Builder, values: pd.Series | None, column: str | None) -> None:
    expected = ", ".join(schema.TIME_PRECISION)
    coded(b, "time_precision", values, column or "time_precision", TIME_PRECISION_WORDS, "day", expected)


def country(b: Builder, values: pd.Series | None, column: str | None) -> None:
    """ISO3 from names, ISO2/ISO3 or numeric codes; unknown values left empty with one warning."""
    if values is None or column is None:
        return
    mapped = map_unique(values, country_iso3)
    unknown = mapped.isna() & values.notna()
    if unknown.any():
        examples = ", ".join(repr(v) for v in values[unknown].unique()[:3])
        b.warn(
            f"column {column!r}: {int(unknown.sum())} values not recognised as countries (e.g. {examples}); "
            "country_iso left empty there"
        )
    current = b.columns.get("country_iso")
    b.set(
        "country_iso", mapped.astype("string") if current is None else current.fillna(mapped.astype("string"))
    )


def title_fallback(b: Builder, limit: int = 120) -> None:
    """Rows without a title take the first ``limit`` characters of their description."""
    desc = b.columns.get("description")
    if desc is None:
        return
    title = b.columns.get("title")
    short = truncate(desc, limit)
    b.set("title", short if title is None else title.fillna(short))


def ids(
    b: Builder, prefix: str, values: pd.Series | None, raw: pd.DataFrame, geometry: np.ndarray | None = None
) -> None:
    """``source_id(prefix, v)`` from the source's id (``values``); rows without one get
    ``<prefix>-<row_hashes(...)>``: a hash of the whole raw row (every cell of ``raw`` and the geometry), so
    rows identical in every column share an id and rows that differ anywhere do not."""
    out = (
        source_ids(prefix, values)
        if values is not None
        else pd.Series(pd.NA, index=range(b.n), dtype="string")
    )
    need = out.isna().to_numpy() & ~b.rejected
    if need.any():
        idx = np.flatnonzero(need)
        geoms = None if geometry is None else np.asarray(geometry, dtype=object)[idx]
        hashed = prefix + "-" + row_hashes(raw.iloc[idx], geoms)
        out = out.copy()
        out.iloc[idx] = hashed.to_numpy()
    b.set("id", out)


_HEX: Final = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def row_hashes(raw: pd.DataFrame, geometry: np.ndarray | None = None) -> pd.Series:
    """A 64-bit hash (16 hex digits) of each whole row: every cell's raw text in column order, then the
    geometry's WKB. Vectorised (pandas' SipHash-2-4 with its fixed key, per distinct value, combined in
    column order): the same row gives the same hash in every run and process."""
    n = len(raw)
    cells = pd.DataFrame(
        {i: raw.iloc[:, i].astype("string").array for i in range(raw.shape[1])}, index=pd.RangeIndex(n)
    )
    if geometry is not None:
        cells[raw.shape[1]] = pd.array(shapely.to_wkb(geometry, hex=True), dtype="string")
    if not len(cells.columns):
        cells[0] = pd.array([pd.NA] * n, dtype="string")
    hashed = pd.util.hash_pandas_object(cells, index=False).to_numpy(dtype=np.uint64)
    digits = hashed.astype(">u8").view(np.uint8).reshape(n, 8)
    chars = np.empty((n, 16), dtype=np.uint8)
    chars[:, 0::2] = _HEX[digits >> 4]
    chars[:, 1::2] = _HEX[digits & 15]
    text = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), n, [None, pa.py_buffer(chars.tobytes())])
    return pd.Series(pd.array(text.cast(pa.binary()).cast(pa.large_string()), dtype="string"))


def require_position(
    b: Builder,
    lon: np.ndarray,
    lat: np.ndarray,
    field: str,
    raw: pd.Series,
    precision_given: np.ndarray | None = None,
) -> None:
    """Reject rows with neither coordinates nor a place name, unless the row itself says it has no place
    (geo_precision "none") or only a country (geo_precision "country" and a country_iso)."""
    has_coords = ~(np.isnan(lon) | np.isnan(lat))
    location = b.columns.get("location_name")
    has_place = location.notna().to_numpy() if location is not None else np.zeros(b.n, dtype=bool)
    if precision_given is not None and "geo_precision" in b.columns:
        precision = b.columns["geo_precision"]
        country = b.columns.get("country_iso")
        has_country = country.notna().to_numpy() if country is not None else np.zeros(b.n, dtype=bool)
        unlocated = precision_given & (precision == "none").fillna(False).to_numpy(dtype=bool)
        country_only = (
            precision_given & (precision == "country").fillna(False).to_numpy(dtype=bool) & has_country
        )
        has_place = has_place | unlocated | country_only
    neither = ~has_coords & ~has_place & ~b.rejected  # rows with unreadable coordinates are already out
    b.reject(neither, field, raw, "expected coordinates or a place name, got neither")
