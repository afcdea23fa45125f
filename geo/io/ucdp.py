"""UCDP Georeferenced Event Dataset (GED) CSV (49 columns from GED 23.1). Parsed by name.

* id ``ucdp:<id>``; date_start/date_end; date_prec -> schema.UCDP_DATE_PREC; where_prec ->
  schema.UCDP_WHERE_PREC; best/low/high -> fatalities/_low/_high.
* category from type_of_violence. GED does not code the means (shelling, clash ...), so:
  1 state-based and 2 non-state conflict -> "ground_combat" (organised armed violence between armed
  actors), 3 one-sided violence (against civilians) -> "other"; subcategory names the UCDP type.
* actors "side_a; side_b"; src_adm1/src_adm2 = adm_1/adm_2, every name of a ';'-separated list kept
  ("Donetsk oblast; Luhansk oblast": the join flags a mismatch only when none of them agrees).
* source_date: one date per source, ';'-separated ("2014-01-22;2014-01-25"); the latest is kept (the day
  the last source reported); a part that is not a date is noted, never a reason to drop the event.
* title = source_headline (cut to 120 characters), else dyad_name; description = source_article;
  location_name = where_coordinates, else where_description; source_name = source_office.
* country_iso from country_id (Gleditsch-Ward codes of the region), else from the country name.
* verification "reported": UCDP codes news reports, it does not confirm events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geo import schema
from geo.io import _fields as f
from geo.io._core import Context, ReadResult, constant
from geo.io._export import open_export, set_coordinates
from geo.io._values import join_text, map_codes, truncate

REQUIRED: Final = ("id", "where_prec", "date_prec", "best", "date_start", "latitude", "longitude")
VIOLENCE_CATEGORY: Final = {1: "ground_combat", 2: "ground_combat", 3: "other"}
VIOLENCE_TYPE: Final = {1: "state-based conflict", 2: "non-state conflict", 3: "one-sided violence"}
#: Gleditsch-Ward state codes (UCDP country_id) of the region -> ISO3
GW_ISO3: Final = {
    365: "RUS",
    369: "UKR",
    370: "BLR",
    290: "POL",
    368: "LTU",
    367: "LVA",
    359: "MDA",
    360: "ROU",
    317: "SVK",
    310: "HUN",
    372: "GEO",
    705: "KAZ",
}


def read_ucdp(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from a UCDP GED CSV."""
    o = open_export(path, raw, ctx, REQUIRED, "UCDP GED")
    table, col, cells, get, b = o.table, o.col, o.cells, o.get, o.builder
    lon, lat = set_coordinates(o)
    f.coded(b, "geo_precision", cells(col["where_prec"]), col["where_prec"], schema.UCDP_WHERE_PREC, None)
    f.default_geo_precision(b, lon, lat)
    f.coded(b, "time_precision", cells(col["date_prec"]), col["date_prec"], schema.UCDP_DATE_PREC, "day")
    place = get("where_coordinates")
    if get("where_description") is not None:
        place = get("where_description") if place is None else place.fillna(get("where_description"))
    f.set_text(b, "location_name", place)
    f.require_position(b, lon, lat, col["latitude"], cells(col["latitude"]))
    f.set_dates(b, "date_start", cells(col["date_start"]), col["date_start"], required=True)
    if "date_end" in col:
        f.set_dates(b, "date_end", cells(col["date_end"]), col["date_end"])
    if "source_date" in col:
        f.set_latest_dates(b, "source_date", cells(col["source_date"]), col["source_date"])

    for target, name in (("src_adm1", "adm_1"), ("src_adm2", "adm_2")):
        values = get(name)
        if values is not None:  # every name kept: the join flags a mismatch only when none agrees
            names = values.str.replace(r"\s*;[\s;]*", "; ", regex=True).str.strip(" ;")
            b.set(target, names.mask(names == "").astype("string"))
    violence = get("type_of_violence")
    if violence is not None:
        b.set("category", map_codes(violence, VIOLENCE_CATEGORY).fillna("other").astype("string"))
        b.set("subcategory", map_codes(violence, VIOLENCE_TYPE).astype("string"))
    else:
        b.set("category", constant(b.n, "other"))
    sides = [s for s in (get("side_a"), get("side_b")) if s is not None]
    if sides:
        b.set("actors", join_text(sides))
    title = truncate(get("source_headline")) if "source_headline" in col else None
    dyad = get("dyad_name")
    if dyad is not None:
        title = dyad.astype("string") if title is None else title.fillna(dyad.astype("string"))
    f.set_text(b, "title", title)
    f.set_text(b, "description", get("source_article"))
    f.set_text(b, "source_name", get("source_office"))
    f.title_fallback(b)
    for target, name in (("fatalities", "best"), ("fatalities_low", "low"), ("fatalities_high", "high")):
        if name in col:
            f.set_number(b, target, cells(col[name]), col[name])
    if "country_id" in col:
        b.set("country_iso", map_codes(cells(col["country_id"]), GW_ISO3).astype("string"))
    f.country(b, get("country"), col.get("country"))
    b.set("verification", constant(b.n, "reported"))
    f.ids(b, "ucdp", cells(col["id"]), table.frame)
    return b.result("ucdp", encoding=table.encoding, delimiter=table.delimiter, issues=table.issues)
