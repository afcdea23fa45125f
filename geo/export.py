"""Exports of event frames as bytes or files: CSV, GeoJSON, GeoPackage (chosen by file extension).

Functions return bytes (the app wraps them in download buttons) or write a path (the CLI).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.errors import GeoError
from geo.schema import CRS

#: Column order of joined outputs: the ones the analyst reads first, then everything else.
LEADING: Final = (
    "id", "date_start", "date_end", "lon", "lat", "geo_precision", "verification", "adm0_iso", "adm0_name",
    "adm1_id", "adm1_name", "adm2_id", "adm2_name", "join_method", "join_distance_km", "border_district",
    "border_distance_km", "border_pair", "admin_mismatch",
)
FORMATS: Final = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the leading columns first (those present), geometry dropped."""
    cols = [c for c in LEADING if c in frame.columns]
    rest = [c for c in frame.columns if c not in cols and c != "geometry"]
    return pd.DataFrame(frame[cols + rest])


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read Cyrillic right); dates as ISO."""
    return ordered(frame).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")


def _geoframe(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    flat = ordered(frame)
    for col in flat.columns:
        if isinstance(flat[col].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(flat[col]) or str(flat[col].dtype) == "boolean":
            flat[col] = flat[col].astype(object).where(flat[col].notna(), None)
    lon, lat = flat["lon"].to_numpy(dtype=float), flat["lat"].to_numpy(dtype=float)
    geom = np.asarray(gpd.points_from_xy(lon, lat), dtype=object)
    geom[~(np.isfinite(lon) & np.isfinite(lat))] = None
    return gpd.GeoDataFrame(flat, geometry=gpd.GeoSeries(geom, crs=CRS), crs=CRS)


def _via_file(frame: pd.DataFrame, driver: str, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"events{suffix}"
        pyogrio.write_dataframe(_geoframe(frame), path, driver=driver, layer="events")
        return path.read_bytes()


def to_geojson_bytes(frame: pd.DataFrame) -> bytes:
    """GeoJSON FeatureCollection (RFC 7946, EPSG:4326); events with no location have null geometry."""
    return _via_file(frame, "GeoJSON", ".geojson")


def to_gpkg_bytes(frame: pd.DataFrame) -> bytes:
    """A GeoPackage with one layer ``events``."""
    return _via_file(frame, "GPKG", ".gpkg")


def write_events(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` to ``path`` in the format its extension names (.csv, .geojson/.json, .gpkg)."""
    out = Path(path)
    kind = FORMATS.get(out.suffix.lower())
    if kind is None:
        raise GeoError(f"{out}: expected an output file ending in {', '.join(FORMATS)}, got {out.suffix!r}")
    data = {"csv": to_csv_bytes, "geojson": to_geojson_bytes, "gpkg": to_gpkg_bytes}[kind](frame)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    return out
