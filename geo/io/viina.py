"""VIINA event files (Violent Incident Information from News Articles). Parsed by name.

* id ``viina:<event_id>``; date YYYYMMDD (the time column is not needed: dates are days).
* GEO_PRECISION via schema.VIINA_GEO_PRECISION; location_name = location (else address);
  ADM1_NAME/ADM2_NAME (re-cut versions) -> src_adm1/src_adm2.
* description = text, title = text cut to 120 characters, source_name = source, source_url = url.
* category from the t_*_b flags, first match wins: control/occupy -> territorial_change;
  airstrike/artillery/uav -> strike; armor/firefight/raid -> ground_combat; else other.
  subcategory lists the flags set ("airstrike; artillery").
* actors from a_rus/a_ukr ("Russia; Ukraine"). verification "reported".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from geo import schema
from geo.io import _fields as f
from geo.io._core import Builder, Context, ReadResult, constant
from geo.io._export import open_export, set_coordinates
from geo.io._values import join_text, truncate

REQUIRED: Final = ("event_id", "date", "latitude", "longitude")
#: (category, flag names) in order of precedence
FLAG_CATEGORIES: Final = (
    ("territorial_change", ("control", "occupy")),
    ("strike", ("airstrike", "artillery", "uav")),
    ("ground_combat", ("armor", "firefight", "raid")),
)
ACTOR_FLAGS: Final = (("a_rus", "Russia"), ("a_ukr", "Ukraine"))
_TRUE: Final = ("1", "1.0", "true", "t", "yes", "y")
_T_FLAG: Final = re.compile(r"^t_(\w+)_b$")


def read_viina(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from a VIINA event CSV."""
    o = open_export(path, raw, ctx, REQUIRED, "VIINA")
    table, col, cells, get, b = o.table, o.col, o.cells, o.get, o.builder
    lon, lat = set_coordinates(o)
    precision = {k.upper(): v for k, v in schema.VIINA_GEO_PRECISION.items()}
    f.coded(
        b, "geo_precision", get("geo_precision"), col.get("geo_precision", "GEO_PRECISION"), precision, None
    )
    f.default_geo_precision(b, lon, lat)
    place = get("location")
    if get("address") is not None:
        place = get("address") if place is None else place.fillna(get("address"))
    f.set_text(b, "location_name", place)
    f.set_text(b, "src_adm1", get("adm1_name"))
    f.set_text(b, "src_adm2", get("adm2_name"))
    f.require_position(b, lon, lat, col["latitude"], cells(col["latitude"]))
    f.set_dates(b, "date_start", cells(col["date"]), col["date"], required=True)
    b.set("time_precision", constant(b.n, "day"))

    text = get("text")
    f.set_text(b, "description", text)
    if text is not None:
        b.set("title", truncate(text, 120))
    f.set_text(b, "source_name", get("source"))
    f.set_text(b, "source_url", get("url"))
    _category(b, cells, col)
    actors = [
        pd.Series(np.where(_is_true(cells(col[c])), name, None), dtype="str")
        for c, name in ACTOR_FLAGS
        if c in col
    ]
    if actors:
        b.set("actors", join_text(actors))
    b.set("verification", constant(b.n, "reported"))
    f.ids(b, "viina", cells(col["event_id"]), table.frame)
    return b.result("viina", encoding=table.encoding, delimiter=table.delimiter, issues=table.issues)


def _is_true(values: pd.Series) -> np.ndarray:
    return values.str.lower().isin(_TRUE).to_numpy(dtype=bool)


def _category(b: Builder, cells: f.Cells, col: dict[str, str]) -> None:
    flags = {m.group(1): col[name] for name in col if (m := _T_FLAG.match(name))}
    category = np.full(b.n, None, dtype=object)
    for name, members in reversed(FLAG_CATEGORIES):  # earlier entries overwrite later ones
        for member in members:
            if member in flags:
                category = np.where(_is_true(cells(flags[member])), name, category)
    b.set("category", pd.Series(category, dtype="string").fillna("other"))
    if flags:
        named = [
            pd.Series(np.where(_is_true(cells(c)), name, None), dtype="str") for name, c in flags.items()
        ]
        b.set("subcategory", join_text(named))
