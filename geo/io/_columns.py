"""Usual column names -> canonical fields, and the mapping of a generic table (CSV, XLSX, GeoJSON
properties, KML ExtendedData, GeoPackage attributes) to events."""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd
import shapely

from geo.errors import InputFormatError
from geo.io import _fields as f
from geo.io._core import Builder, Context
from geo.io._text import Table
from geo.io._values import join_text

#: Canonical field -> accepted column names (normalised: lower case, runs of other characters -> "_"),
#: best first. Every canonical column name is accepted for itself, so exports re-import.
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("id", "event_id", "eventid", "uid", "event_uid", "uuid", "guid", "record_id", "incident_id"),
    "lat": ("lat", "latitude", "y", "lat_dd", "y_coord", "ycoord"),
    "lon": ("lon", "lng", "long", "longitude", "x", "lon_dd", "x_coord", "xcoord"),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "geom_wkt", "wkt_geom"),
    "title": ("title", "name", "event", "headline", "event_name"),
    "description": ("description", "notes", "note", "text", "details", "desc", "comments", "comment"),
    "category": ("category", "event_type", "type", "cat"),
    "subcategory": ("subcategory", "sub_category", "sub_event_type", "subtype", "sub_type"),
    "actors": ("actors", "actor"),
    "actor1": ("actor1", "actor_1"),
    "assoc_actor_1": ("assoc_actor_1",),
    "actor2": ("actor2", "actor_2"),
    "assoc_actor_2": ("assoc_actor_2",),
    "date_start": (
        "date_start",
        "date",
        "start_date",
        "event_date",
        "datetime",
        "date_time",
        "begin",
        "start",
        "when",
        "day",
    ),
    "date_end": ("date_end", "end_date", "end"),
    "time_precision": ("time_precision", "date_precision"),
    "verification": ("verification", "status", "verification_status"),
    "geo_precision": ("geo_precision", "precision", "location_precision", "geoprecision", "geo_prec"),
    "equipment": ("equipment", "system", "weapon", "weapons", "weapon_system"),
    "unit": ("unit", "units", "formation"),
    "source_name": ("source_name", "source", "sources"),
    "source_url": ("source_url", "url", "link", "source_link", "href"),
    "source_date": ("source_date", "published", "publication_date", "date_published"),
    "fatalities": ("fatalities", "deaths", "killed"),
    "fatalities_low": ("fatalities_low", "deaths_low"),
    "fatalities_high": ("fatalities_high", "deaths_high"),
    "country_iso": ("country_iso", "iso3", "country_code", "country", "iso", "iso_a3"),
    "location_name": (
        "location_name",
        "location",
        "place",
        "name_of_place",
        "place_name",
        "placename",
        "locality",
        "settlement",
        "town",
        "city",
        "village",
        "address",
    ),
    "src_adm1": ("src_adm1", "admin1", "adm1", "adm_1", "adm1_name", "region", "oblast", "province"),
    "src_adm2": ("src_adm2", "admin2", "adm2", "adm_2", "adm2_name", "district", "raion", "rayon"),
    "flags": ("flags",),
}
_TEXT_FIELDS: Final = (
    "title",
    "description",
    "equipment",
    "unit",
    "source_name",
    "source_url",
    "location_name",
    "src_adm1",
    "src_adm2",
    "flags",
)
_NON_NAME: Final = re.compile(r"[^\w]+")
_PAREN: Final = re.compile(r"\(.*?\)")

COORDS_EXPECTED: Final = (
    "expected coordinate columns (lat/latitude/y and lon/lng/long/longitude/x), a WKT POINT column "
    "(wkt/geometry/geom/the_geom) or a place-name column (location/place/location_name/name of place)"
)
DATE_EXPECTED: Final = "expected a date column (date/date_start/start_date/event_date)"


def normalise_name(name: str) -> str:
    """'Name of place' -> 'name_of_place', ' Latitude (WGS84)' -> 'latitude'."""
    return _NON_NAME.sub("_", _PAREN.sub("", str(name)).strip().lower()).strip("_")


def resolve(columns: list[str] | pd.Index) -> dict[str, str]:
    """Canonical field -> source column, each column used at most once (first synonym wins)."""
    by_name: dict[str, str] = {}
    for col in columns:
        by_name.setdefault(normalise_name(col), col)
    used: set[str] = set()
    found: dict[str, str] = {}
    for target, names in SYNONYMS.items():
        for name in names:
            col = by_name.get(name)
            if col is not None and col not in used:
                found[target] = col
                used.add(col)
                break
    return found


def _columns_text(columns: list[str] | pd.Index) -> str:
    shown = ", ".join(repr(str(c)) for c in list(columns)[:25])
    return f"columns {shown}" + (" ..." if len(columns) > 25 else "") if len(columns) else "no columns"


def drop_blank(table: Table, geometry: np.ndarray | None = None) -> tuple[Table, np.ndarray | None]:
    """Rows where every cell is empty (and there is no geometry) are not events: drop them silently."""
    if table.frame.empty or not len(table.frame.columns):
        return table, geometry
    blank = table.frame.isna().all(axis=1).to_numpy()
    if geometry is not None:
        blank = blank & shapely.is_missing(np.asarray(geometry, dtype=object))
    if not blank.any():
        return table, geometry
    keep = ~blank
    frame = table.frame[keep].reset_index(drop=True)
    kept = Table(frame, table.rows[keep], table.encoding, table.delimiter, table.issues)
    return kept, (None if geometry is None else np.asarray(geometry, dtype=object)[keep])


def map_generic(
    table: Table,
    ctx: Context,
    prefix: str,
    *,
    decimal_comma: bool = True,
    geometry: np.ndarray | None = None,
    geometry_field: str = "geometry",
    date_expected: str = DATE_EXPECTED,
) -> Builder:
    """Map a table with usual column names (see SYNONYMS) to canonical columns."""
    table, geometry = drop_blank(table, geometry)
    cols = resolve(table.frame.columns)
    cells = f.Cells(table.frame)
    b = Builder(ctx, table.rows)
    has_xy = "lat" in cols and "lon" in cols
    if ("lat" in cols) != ("lon" in cols):
        have, missing = ("lat", "longitude") if "lat" in cols else ("lon", "latitude")
        raise InputFormatError(
            f"expected a {missing} column next to {cols[have]!r}, got {_columns_text(table.frame.columns)}",
            file=ctx.file,
        )
    if geometry is None and not has_xy and "wkt" not in cols and "location_name" not in cols:
        raise InputFormatError(f"{COORDS_EXPECTED}, got {_columns_text(table.frame.columns)}", file=ctx.file)
    if "date_start" not in cols:
        raise InputFormatError(f"{date_expected}, got {_columns_text(table.frame.columns)}", file=ctx.file)

    for target in _TEXT_FIELDS:
        f.set_text(b, target, cells.get(cols.get(target)))
    precision_given = f.geo_precision(b, cells.get(cols.get("geo_precision")), cols.get("geo_precision"))

    lon = np.full(b.n, np.nan)
    lat = np.full(b.n, np.nan)
    position_field = cols.get("location_name", geometry_field)
    position_raw = cells.get(cols.get("location_name"))
    if has_xy:
        lon, lat = f.coordinates(
            b, cells(cols["lat"]), cells(cols["lon"]), cols["lat"], cols["lon"], decimal_comma=decimal_comma
        )
        position_field, position_raw = f"{cols['lat']}/{cols['lon']}", cells(cols["lat"])
    elif "wkt" in cols:
        raw = cells(cols["wkt"])
        geoms = shapely.from_wkt(raw.to_numpy(dtype=object, na_value=None), on_invalid="ignore")
        invalid = raw.notna().to_numpy() & shapely.is_missing(geoms)
        b.reject(
            invalid, cols["wkt"], raw, lambda v: f"expected WKT like 'POINT (30.52 50.45)', got {v[:80]!r}"
        )
        lon, lat = f.points(b, geoms, cols["wkt"], precision_given)
        position_field, position_raw = cols["wkt"], raw
    if geometry is not None:
        glon, glat = f.points(b, geometry, geometry_field, precision_given)
        found = ~np.isnan(glon)
        lon, lat = np.where(found, glon, lon), np.where(found, glat, lat)
    b.set("lon", lon)
    b.set("lat", lat)
    f.default_geo_precision(b, lon, lat)

    f.set_dates(b, "date_start", cells(cols["date_start"]), cols["date_start"], required=True)
    if "date_end" in cols:
        f.set_dates(b, "date_end", cells(cols["date_end"]), cols["date_end"])
    if "source_date" in cols:
        f.set_dates(b, "source_date", cells(cols["source_date"]), cols["source_date"], soft=True)
    f.time_precision(b, cells.get(cols.get("time_precision")), cols.get("time_precision"))
    f.verification(b, cells.get(cols.get("verification")), cols.get("verification", "verification"))
    f.category(b, cells.get(cols.get("category")), cells.get(cols.get("subcategory")))
    _actors(b, cells, cols)
    for target in ("fatalities", "fatalities_low", "fatalities_high"):
        if target in cols:
            f.set_number(b, target, cells(cols[target]), cols[target])
    f.country(b, cells.get(cols.get("country_iso")), cols.get("country_iso"))
    if position_raw is None:
        position_raw = pd.Series([None] * b.n, dtype=object)
    f.require_position(b, lon, lat, position_field, position_raw, precision_given)
    f.title_fallback(b)
    f.ids(b, prefix, cells.get(id_column(table.frame, cols, cells, b, geometry)), table.frame, geometry)
    return b


#: A word of a column name that marks an identifier ("event_no_id", "ID_event", "record_key", "uid",
#: "EventID", "OBJECTID").
_ID_WORD: Final = re.compile(
    r"(?:^|_)(?:id|uid|uuid|guid|key|pk|fid|gid|oid|objectid|globalid|eventid|recordid|rowid|featureid)(?:_|$)"
)
_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def id_column(
    frame: pd.DataFrame, cols: dict[str, str], cells: f.Cells, b: Builder, geometry: np.ndarray | None = None
) -> str | None:
    """The column that holds the source's id: a known id name (SYNONYMS["id"]) as it is; else the first
    column named like an id (``_ID_WORD``) with two or more values where no two different rows share a value
    (a row repeated whole may repeat it), said in a file-level warning. None: no such column; ids are then
    hashes of the whole row (:func:`geo.io._fields.row_hashes`)."""
    if "id" in cols:
        return cols["id"]
    used = set(cols.values())
    repeated = []
    for col in frame.columns:
        if col in used or not _ID_WORD.search(normalise_name(_CAMEL.sub("_", str(col)))):
            continue
        values = cells(col).dropna()
        if len(values) < 2:
            continue
        if _identifies(frame, values, geometry):
            b.warn(f"no column named id: column {col!r} used as the event id (no two different rows share a value)")
            return col
        repeated.append(col)
    if repeated:
        b.warn(
            f"column(s) {', '.join(repr(c) for c in repeated)} look like ids but repeat values: not used; each "
            "row's id is a hash of the whole row"
        )
    return None


def _identifies(frame: pd.DataFrame, values: pd.Series, geometry: np.ndarray | None) -> bool:
    """True when rows sharing a value of ``values`` (positions as index) are the same whole raw row."""
    shared = values.duplicated(keep=False).to_numpy()
    if not shared.any():
        return True
    pos = values.index.to_numpy()[shared]
    hashes = f.row_hashes(frame.iloc[pos], None if geometry is None else np.asarray(geometry, dtype=object)[pos])
    return bool((hashes.groupby(values.to_numpy()[shared]).nunique() == 1).all())


def _actors(b: Builder, cells: f.Cells, cols: dict[str, str]) -> None:
    if "actors" in cols:
        f.set_text(b, "actors", cells(cols["actors"]))
        return
    parts = [cells(cols[k]) for k in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2") if k in cols]
    if parts:
        b.set("actors", join_text(parts))


def by_normalised_name(columns: list[str] | pd.Index) -> dict[str, str]:
    """Normalised name -> column (the first of equal names)."""
    out: dict[str, str] = {}
    for col in columns:
        out.setdefault(normalise_name(col), col)
    return out


def require_columns(columns: pd.Index, names: tuple[str, ...], label: str, file: str) -> dict[str, str]:
    """The normalised-name lookup of ``columns``, or InputFormatError if one of ``names`` is missing."""
    found = by_normalised_name(columns)
    missing = [n for n in names if n not in found]
    if missing:
        raise InputFormatError(
            f"expected {label} columns {', '.join(names)} (missing {', '.join(missing)}), "
            f"got {_columns_text(columns)}",
            file=file,
        )
    return found
