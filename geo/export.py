"""Exports of event frames as bytes or files: CSV, GeoJSON, GeoPackage (chosen by file extension).

Functions return bytes (the app wraps them in download buttons) or write a path (the CLI).

Two rules hold for every file written here, and every CSV the tool writes goes through :func:`csv_bytes`:

* **No formulas** (OWASP CSV injection): a text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR
  is prefixed with a single quote, so a spreadsheet shows it as text instead of running it
  (:func:`safe_csv_frame`). Numeric columns are left alone, and so is a text cell that is a plain number
  (``-12.5``, ``+7``).
* **No provenance unless asked**: ``import_file`` (a local path), ``import_sha256``, ``import_time`` and
  ``import_row`` are dropped from exports unless ``provenance=True`` (:func:`ordered`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo import formats
from geo.errors import GeoError
from geo.schema import CRS

#: Column order of joined outputs: the ones the analyst reads first, then everything else.
LEADING: Final = (
    "id", "date_start", "date_end", "lon", "lat", "geo_precision", "verification", "adm0_iso", "adm0_name",
    "adm1_id", "adm1_name", "adm2_id", "adm2_name", "join_method", "join_distance_km", "border_district",
    "border_distance_km", "border_pair", "admin_mismatch", "src_adm2_vintage", "admin_hierarchy",
    "adm2_2020_name", "adm3_name",
)
#: Where an event came from on this machine: local file path, file hash, import time, row in the file.
PROVENANCE: Final = ("import_file", "import_sha256", "import_time", "import_row")
#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
#: A text cell that is just a number ("-12.5", "+7", "-1e3") is read as that number, never as a formula.
#: ASCII digits only: ``\d`` would also take "-٣" (an Arabic-Indic digit), which no spreadsheet reads as a number.
_PLAIN_NUMBER: Final = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


def ordered(frame: pd.DataFrame, *, provenance: bool = False) -> pd.DataFrame:
    """``frame`` with the leading columns first (those present), geometry dropped, and the
    :data:`PROVENANCE` columns dropped unless ``provenance``."""
    dropped = {"geometry"} if provenance else {"geometry", *PROVENANCE}
    cols = [c for c in LEADING if c in frame.columns]
    rest = [c for c in frame.columns if c not in cols and c not in dropped]
    return pd.DataFrame(frame[cols + rest])


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def safe_cells(values: pd.Series) -> pd.Series:
    """``values`` with every text cell that a spreadsheet would run as a formula prefixed with ``'``.

    Only text columns change (object, string, categorical of text); a cell is changed when it starts with
    one of :data:`FORMULA_STARTS` and is not a plain number. Vectorised: the first character of every cell
    is looked at once, the number pattern only on the few cells that start like a formula.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        if not _is_text(pd.Series(cats)):
            return values
        fixed = safe_cells(pd.Series(cats, dtype=object))
        if fixed.is_unique:  # the distinct values only: 1M rows of a few names cost nothing
            return values.cat.rename_categories(fixed.tolist())
        values = values.astype(object)
    if not _is_text(values):
        return values
    text = values.astype("string").reset_index(drop=True)
    risky = text.str.slice(0, 1).isin(FORMULA_STARTS).to_numpy(dtype=bool, na_value=False, copy=True)
    if not risky.any():
        return values
    pos = np.flatnonzero(risky)
    number = text.iloc[pos].str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool, na_value=False)
    risky[pos[number]] = False
    if not risky.any():
        return values
    fixed = text.where(~risky, "'" + text)
    fixed.index = values.index
    return fixed.rename(values.name)


def safe_csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with :func:`safe_cells` applied to every column and to the header."""
    flat = table.reset_index(drop=True)
    out = pd.DataFrame({pos: safe_cells(flat.iloc[:, pos]) for pos in range(flat.shape[1])}, index=flat.index)
    out.columns = safe_cells(pd.Series([str(c) for c in flat.columns], dtype=object)).tolist()
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    """Any table as UTF-8 CSV (with BOM, so spreadsheet programs read Cyrillic right), dates as ISO, formula
    cells neutralised (:func:`safe_csv_frame`): the one CSV writer of the tool.

    Lines end in CRLF (RFC 4180): the csv module quotes a cell holding a character of the line terminator,
    so with CRLF a lone CR inside a cell is quoted too and cannot start a new row (and a formula) in a reader.
    Every text cell is quoted (numbers are not, so they stay numbers): a spreadsheet whose list separator is
    ``;`` splits an unquoted ``a;=1+1`` into a second cell ``=1+1``, a formula; quoted, it stays one cell.
    """
    frame = safe_csv_frame(table)
    return frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n",
                        quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


@dataclass(frozen=True)
class Heading:
    """What a data export says about itself, in the form its format supports: the title, the window, the
    handling marking and the coordinate rounding (empty: none)."""

    title: str
    window: str
    marking: str
    rounding: str = ""

    def items(self) -> dict[str, str]:
        out = {"title": self.title, "window": self.window, "marking": self.marking}
        return out | ({"coord_precision": self.rounding} if self.rounding else {})


def to_csv_bytes(frame: pd.DataFrame, *, provenance: bool = False, heading: Heading | None = None) -> bytes:
    """Events as CSV (:func:`csv_bytes`), leading columns first; provenance columns only if asked. With a
    ``heading``, every row carries it in the last columns (``marking``, ``export_title``, ``export_window``:
    CSV has nowhere else, and a row copied out keeps its marking)."""
    table = ordered(frame, provenance=provenance)
    if heading is not None:
        table = table.assign(marking=heading.marking, export_title=heading.title, export_window=heading.window)
    return csv_bytes(table)


def _geoframe(frame: pd.DataFrame, provenance: bool) -> gpd.GeoDataFrame:
    flat = ordered(frame, provenance=provenance)
    for col in flat.columns:
        if isinstance(flat[col].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(flat[col]) or str(flat[col].dtype) == "boolean":
            flat[col] = flat[col].astype(object).where(flat[col].notna(), None)
    lon, lat = flat["lon"].to_numpy(dtype=float), flat["lat"].to_numpy(dtype=float)
    geom = np.asarray(gpd.points_from_xy(lon, lat), dtype=object)
    geom[~(np.isfinite(lon) & np.isfinite(lat))] = None
    return gpd.GeoDataFrame(flat, geometry=gpd.GeoSeries(geom, crs=CRS), crs=CRS)


def _via_file(frame: pd.DataFrame, driver: str, suffix: str, provenance: bool,
              generated: dt.datetime | None = None, heading: Heading | None = None) -> bytes:
    options: dict[str, Any] = {}
    if heading is not None:
        about = " · ".join(f"{k}: {v}" for k, v in heading.items().items() if k != "title")
        options = {"layer_options": {"IDENTIFIER": heading.title, "DESCRIPTION": about},
                   "layer_metadata": {k.upper(): v for k, v in heading.items().items()}}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"events{suffix}"
        if generated is None:
            pyogrio.write_dataframe(_geoframe(frame, provenance), path, driver=driver, layer="events", **options)
        else:  # GeoPackage's last_change: the generation time, so the same input gives the same bytes
            stamp = generated.astimezone(dt.UTC) if generated.tzinfo else generated
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{stamp:%Y-%m-%dT%H:%M:%S}.000Z"})
            try:
                pyogrio.write_dataframe(_geoframe(frame, provenance), path, driver=driver, layer="events", **options)
            finally:
                pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
        return path.read_bytes()


def to_geojson_bytes(frame: pd.DataFrame, *, provenance: bool = False, heading: Heading | None = None) -> bytes:
    """GeoJSON FeatureCollection (RFC 7946, EPSG:4326); events with no location have null geometry. With a
    ``heading``, the collection carries it as foreign members (``title``, ``window``, ``marking``,
    ``coord_precision``), which RFC 7946 allows."""
    data = _via_file(frame, "GeoJSON", ".geojson", provenance)
    if heading is None:
        return data
    collection = json.loads(data)
    collection = {"type": collection.pop("type"), **heading.items(), **collection}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def to_gpkg_bytes(frame: pd.DataFrame, *, provenance: bool = False, generated: dt.datetime | None = None,
                  heading: Heading | None = None) -> bytes:
    """A GeoPackage with one layer ``events``; with ``generated``, stamped with that time (byte-identical for the
    same events and time) instead of now. With a ``heading``, the layer's identifier is the title and its
    description says window, marking and rounding (what QGIS shows), and the layer's metadata holds each."""
    return _via_file(frame, "GPKG", ".gpkg", provenance, generated, heading)


#: Events as bytes, per data format.
WRITERS: Final = {"csv": to_csv_bytes, "geojson": to_geojson_bytes, "gpkg": to_gpkg_bytes}


def write_events(frame: pd.DataFrame, path: str | os.PathLike[str], *, provenance: bool = False) -> Path:
    """Write ``frame`` to ``path`` in the data format its extension names (:func:`geo.formats.data_formats`:
    .csv, .geojson/.json, .gpkg, .kml); provenance columns only if ``provenance``."""
    from geo.snapshot import View

    out = Path(path)
    fmt = formats.by_extension(out.suffix, kinds=("data",))
    if fmt is None:
        known = ", ".join(ext for f in formats.data_formats() for ext in f.extensions)
        raise GeoError(f"{out}: expected an output file ending in {known}, got {out.suffix!r}")
    data = fmt.writer(formats.Job(frame, None, View(provenance=provenance), heading=False))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    return out
