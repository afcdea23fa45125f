"""GeoPackage (read with pyogrio): the first layer with point geometries, else the first layer.

Attribute columns are mapped like CSV columns; geometries are reprojected to EPSG:4326 when the layer
has another CRS (a layer without a CRS is taken as EPSG:4326, with a warning). Rows are numbered by
feature order (1 = first feature), not by fid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputFormatError
from geo.io._columns import map_generic
from geo.io._core import Context, ReadResult
from geo.io._text import Table
from geo.io.tabular import text_column


def read_gpkg(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from a GeoPackage layer."""
    import geopandas
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # noqa: BLE001 - pyogrio/GDAL raise several types
        raise InputFormatError(
            f"expected a GeoPackage, got a file GDAL cannot open ({exc})", file=ctx.file
        ) from exc
    if not len(layers):
        raise InputFormatError("expected a GeoPackage with a layer, got none", file=ctx.file)
    layer = _choose_layer(layers)
    try:
        gdf = geopandas.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001
        raise InputFormatError(f"expected a readable layer {layer!r}, got {exc}", file=ctx.file) from exc
    warnings = []
    if isinstance(gdf, geopandas.GeoDataFrame) and gdf.geometry.name in gdf.columns:
        if gdf.crs is None:
            warnings.append(f"layer {layer!r} has no coordinate reference system; read as EPSG:4326")
        elif gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs("EPSG:4326")
        geometry = np.asarray(gdf.geometry.values, dtype=object)
        attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    else:
        geometry, attributes = None, pd.DataFrame(gdf)
    frame = pd.DataFrame({str(c): text_column(attributes[c]) for c in attributes.columns})
    table = Table(frame, np.arange(1, len(frame) + 1, dtype="int64"))
    b = map_generic(table, ctx, "gpkg", geometry=geometry)
    for message in warnings:
        b.warn(message)
    return b.result("gpkg", issues=table.issues)


def _choose_layer(layers: np.ndarray) -> str:
    for name, geometry_type in layers:
        if geometry_type and "point" in str(geometry_type).lower():
            return str(name)
    return str(layers[0][0])
