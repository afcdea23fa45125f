"""GeoJSON: a FeatureCollection (or one Feature) of Points, 2-D or 3-D ([lon, lat, 0]).

Properties are mapped like CSV columns; a feature's top-level ``id`` is used when the properties have
none. Null geometry: coordinates left empty (a place-name property is then needed). Other geometries are
rejected ("expected Point geometry, got Polygon") unless the feature gives its precision
(geo_precision/precision): then the representative point is used and the row flagged. An old-style
``crs`` member other than WGS 84 is honoured by reprojecting.

Malformed documents: ``features`` that is not a list, JSON nested deeper than Python's parser allows
(about 1,000 levels) or more than ``_limits.MAX_COLUMNS`` distinct properties refuse the file
(InputFormatError); a feature that is not a Feature object, ``properties`` that is not an object (or
null), a geometry that cannot be read or a property value nested too deeply reject that row.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from geo.errors import InputFormatError
from geo.io._columns import map_generic
from geo.io._core import Builder, Context, ReadResult
from geo.io._limits import check_columns
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
    except RecursionError as exc:
        raise InputFormatError(
            "expected GeoJSON nested a few levels deep, got JSON nested deeper than the parser allows "
            f"(about {sys.getrecursionlimit():,} levels)",
            file=ctx.file,
        ) from exc
    del text
    features = _features(doc, ctx.file)
    records: list[dict[str, str | None]] = []
    geoms: list[object] = []
    rows: list[int] = []
    issues: list[RowIssue] = []
    names: set[str] = set()
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            got = f"type {feature.get('type')!r}"[:80] if isinstance(feature, dict) else _json_type(feature)
            issues.append(RowIssue(ctx.file, number, "feature", _snippet(feature),
                                   f"expected a Feature object, got {got}"))
            continue
        try:
            geom = _geometry(feature)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError,
                shapely.errors.ShapelyError) as exc:
            value = _snippet(feature.get("geometry"))
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            issues.append(RowIssue(ctx.file, number, "geometry", value, f"expected a GeoJSON geometry, got {why}"))
            continue
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            issues.append(RowIssue(ctx.file, number, "properties", _snippet(props),
                                   f"expected properties as a JSON object, got {_json_type(props)}"))
            continue
        try:
            record = {str(k): text_cell(v) for k, v in (props or {}).items()}
            if feature.get("id") is not None and "id" not in record:
                record["id"] = text_cell(feature["id"])
        except RecursionError:
            issues.append(RowIssue(ctx.file, number, "properties", "",
                                   "expected property values nested a few levels deep, got deeper nesting"))
            continue
        names.update(record)
        check_columns(len(names), ctx.file, f"distinct properties (feature {number})")
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
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise InputFormatError(
                f"expected 'features' as a list of Feature objects, got {_json_type(features)}", file=file
            )
        return features
    if kind == "Feature":
        return [doc]
    got = repr(kind)[:80] if isinstance(doc, dict) else _json_type(doc)
    raise InputFormatError(f"expected a GeoJSON FeatureCollection or Feature, got {got}", file=file)


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
               float: "a number", type(None): "null"}


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _snippet(value: object, limit: int = 80) -> str:
    """The first ``limit`` characters of ``value`` as JSON (for a row issue)."""
    try:
        return json.dumps(value, ensure_ascii=False)[:limit]
    except (RecursionError, ValueError, TypeError):
        return "(nested too deeply to show)"


def _geometry(feature: dict[str, Any]) -> object:
    geom = feature.get("geometry")
    if geom is None:
        return None
    shape = shapely.geometry.shape(geom)
    if not shape.is_empty and np.isnan(shapely.get_coordinates(shape)).any():
        raise ValueError("non-numeric coordinates")
    return shape


def _to_wgs84(geoms: np.ndarray, doc: Any, file: str) -> np.ndarray:
    crs = doc.get("crs") if isinstance(doc, dict) else None
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
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
