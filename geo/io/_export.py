"""The opening every fixed-schema export reader shares (ACLED, UCDP GED, VIINA): load the table, check the
required columns by name, and read the coordinates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.io import _fields as f
from geo.io._columns import drop_blank, require_columns
from geo.io._core import Builder, Context
from geo.io.tabular import load_table


@dataclass(frozen=True)
class Opened:
    """A loaded export: its cells, the source column for each known name, and the row builder."""

    table: object
    col: dict[str, str]
    cells: f.Cells
    builder: Builder

    def get(self, name: str) -> pd.Series | None:
        """The cells of the known column ``name`` (None when the export lacks it)."""
        return self.cells.get(self.col.get(name))


def open_export(path: str | Path, raw: bytes, ctx: Context, required: Sequence[str], label: str) -> Opened:
    table, _ = drop_blank(load_table(path, raw, ctx.file))
    col = require_columns(table.frame.columns, required, label, ctx.file)
    return Opened(table, col, f.Cells(table.frame), Builder(ctx, table.rows))


def set_coordinates(o: Opened, lat: str = "latitude", lon: str = "longitude") -> tuple[pd.Series, pd.Series]:
    """Parse and set lon/lat from the export's latitude/longitude columns; returns (lon, lat)."""
    lon_v, lat_v = f.coordinates(
        o.builder, o.cells(o.col[lat]), o.cells(o.col[lon]), o.col[lat], o.col[lon],
        decimal_comma=o.table.delimiter != ",",  # type: ignore[attr-defined]
    )
    o.builder.set("lon", lon_v)
    o.builder.set("lat", lat_v)
    return lon_v, lat_v


__all__: Sequence[str] = ["Opened", "open_export", "set_coordinates"]
