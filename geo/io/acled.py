"""ACLED exports (CSV or XLSX, 31 columns in current exports; older ones have more). Parsed by name.

* id ``acled:<event_id_cnty>``; category from sub_event_type, else event_type (schema.normalise_category),
  else "other"; subcategory = sub_event_type; title "<sub_event_type> in <location>".
* actors: actor1; assoc_actor_1; actor2; assoc_actor_2. description = notes, source_name = source.
* geo/time precision via schema.ACLED_GEO_PRECISION / ACLED_TIME_PRECISION; admin1/admin2 -> src_adm1/2.
* country_iso from ``iso`` (ISO 3166 numeric, e.g. 112 = BLR), else from ``country``.
* verification "reported": ACLED codes reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from geo import schema
from geo.io import _fields as f
from geo.io._core import Context, ReadResult, constant
from geo.io._export import open_export
from geo.io._values import join_text, map_unique

REQUIRED: Final = ("event_id_cnty", "event_date", "latitude", "longitude")


def read_acled(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from an ACLED export."""
    o = open_export(path, raw, ctx, REQUIRED, "ACLED")
    table, col, cells, get, b = o.table, o.col, o.cells, o.get, o.builder
    for target, name in (
        ("location_name", "location"),
        ("src_adm1", "admin1"),
        ("src_adm2", "admin2"),
        ("source_name", "source"),
        ("description", "notes"),
    ):
        f.set_text(b, target, get(name))
    lon, lat = f.coordinates(
        b,
        cells(col["latitude"]),
        cells(col["longitude"]),
        col["latitude"],
        col["longitude"],
        decimal_comma=table.delimiter != ",",
    )
    b.set("lon", lon)
    b.set("lat", lat)
    f.coded(
        b,
        "geo_precision",
        get("geo_precision"),
        col.get("geo_precision", "geo_precision"),
        schema.ACLED_GEO_PRECISION,
        None,
    )
    f.default_geo_precision(b, lon, lat)
    f.coded(
        b,
        "time_precision",
        get("time_precision"),
        col.get("time_precision", "time_precision"),
        schema.ACLED_TIME_PRECISION,
        "day",
    )
    f.require_position(b, lon, lat, col["latitude"], cells(col["latitude"]))
    f.set_dates(b, "date_start", cells(col["event_date"]), col["event_date"], required=True)

    sub, event_type = get("sub_event_type"), get("event_type")
    mapped = pd.Series(index=pd.RangeIndex(b.n), dtype="string")
    for values in (sub, event_type):
        if values is not None:
            mapped = mapped.where(mapped.notna(), map_unique(values, schema.normalise_category))
    b.set("category", mapped.fillna("other").astype("string"))
    f.set_text(b, "subcategory", sub)
    actors = [get(n) for n in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")]
    if any(a is not None for a in actors):
        b.set("actors", join_text([a for a in actors if a is not None]))
    if sub is not None and "location" in col:
        b.set("title", (sub.astype("string") + " in " + cells(col["location"]).astype("string")).fillna(sub))
    f.title_fallback(b)
    f.country(b, get("iso"), col.get("iso"))
    f.country(b, get("country"), col.get("country"))
    if "fatalities" in col:
        f.set_number(b, "fatalities", cells(col["fatalities"]), col["fatalities"])
    b.set("verification", constant(b.n, "reported"))
    f.ids(b, "acled", cells(col["event_id_cnty"]), table.frame)
    return b.result("acled", encoding=table.encoding, delimiter=table.delimiter, issues=table.issues)
