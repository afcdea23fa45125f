"""GeoJSON: a FeatureCollection (or one Feature) of Points, 2-D or 3-D ([lon, lat, 0]).

Properties are mapped like CSV columns; a feature's top-level ``id`` is used when the properties have
none. Null geometry: coordinates left empty (a place-name property is then needed). Other geometries are
rejected ("expected Point geometry, got Polygon") unless the feature gives its precision
(geo_precision/precision): then the representative point is used and the row flagged. An old-style
``crs`` member other than WGS 84 is honoured by reprojecting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from geo.errors import InputFormatError
from geo.io._columns import map_generic
from geo.io._core import Builder, Context, ReadResult
from geo.io._text import Table, decode
from geo.io.tabular import text_cell
from geo.schema import RowIssue

_WGS84 = (
    "EPSG:4326",
    "CRS84",
    "OGC:CRS84",
    "OGC:1.3:CRS84",
    "URN:OGC:DEF:CRS:OGC:1.3:CRS84",
    "URN:OGC:DEF:CRS:EPSG::4326",
    "EPSG::4326",
)


def read_geojson(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from a GeoJSON file."""
    text, encoding = decode(raw, ctx.file)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFormatError(
            f"expected GeoJSON (a FeatureCollection), got invalid JSON ({exc.msg}, line {exc.lineno})",
            file=ctx.file,
        ) from exc
    features = _features(doc, ctx.file)
    records: list[dict[str, str | None]] = []
    geoms: list[object] = []
    rows: list[int] = []
    issues: list[RowIssue] = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        try:
            geom = _geometry(feature)
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError) as exc:
            value = json.dumps(feature.get("geometry") if isinstance(feature, dict) else feature)[:80]
            issues.append(
                RowIssue(ctx.file, number, "geometry", value, f"expected a GeoJSON geometry, got {exc}")
            )
            continue
        record = {str(k): text_cell(v) for k, v in (props or {}).items()}
        if isinstance(feature, dict) and feature.get("id") is not None and "id" not in record:
            record["id"] = text_cell(feature["id"])
        records.append(record)
        geoms.append(geom)
        rows.append(number)
    geometry = _to_wgs84(np.asarray(geoms, dtype=object), doc, ctx.file)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    frame = frame.astype("str") if len(frame.columns) else frame
    table = Table(frame, np.asarray(rows, dtype="int64"), encoding, None, tuple(issues))
    if not records:
        return Builder(ctx, table.rows).result("geojson", encoding=encoding, issues=table.issues)
    b = map_generic(
        table,
        ctx,
        "geojson",
        geometry=geometry,
        date_expected="expected a date property (date/date_start/start_date/event_date)",
    )
    return b.result("geojson", encoding=encoding, issues=table.issues)


def _features(doc: Any, file: str) -> list[Any]:
    kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        return list(doc["features"])
    if kind == "Feature":
        return [doc]
    raise InputFormatError(f"expected a GeoJSON FeatureCollection or Feature, got {kind!r}", file=file)


def _geometry(feature: Any) -> object:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError(f"a {type(feature).__name__} that is not a Feature")
    geom = feature.get("geometry")
    if geom is None:
        return None
    shape = shapely.geometry.shape(geom)
    if not shape.is_empty and np.isnan(shapely.get_coordinates(shape)).any():
        raise ValueError("non-numeric coordinates")
    return shape


def _to_wgs84(geoms: np.ndarray, doc: Any, file: str) -> np.ndarray:
    crs = doc.get("crs") if isinstance(doc, dict) else None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not name or str(name).upper() in _WGS84 or not len(geoms):
        return geoms
    import geopandas

    try:
        series = geopandas.GeoSeries(geoms, crs=str(name)).to_crs("EPSG:4326")
    except Exception as exc:  # noqa: BLE001 - pyproj raises several types for an unknown CRS
        raise InputFormatError(
            f"expected a known coordinate reference system, got {name!r}", file=file
        ) from exc
    return np.asarray(series.values, dtype=object)
