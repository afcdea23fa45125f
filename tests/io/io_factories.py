"""Synthetic files in the real shapes for the reader tests (never real ACLED/UCDP rows)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

#: ACLED export columns, in the order of current exports (31)
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
#: UCDP GED columns from GED 23.1 (49)
UCDP_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)
VIINA_COLUMNS = (
    "event_id",
    "report_id",
    "location",
    "tempid",
    "source",
    "date",
    "time",
    "url",
    "text",
    "lang",
    "address",
    "longitude",
    "latitude",
    "GEO_PRECISION",
    "GEO_API",
    "t_mil_pred",
    "t_mil_b",
    "t_airstrike_b",
    "t_artillery_b",
    "t_armor_b",
    "t_firefight_b",
    "t_control_b",
    "a_rus",
    "a_ukr",
    "a_civ",
    "a_other",
)

#: synthetic places (lon, lat)
PLACES = {
    "Kostyukovichi": (32.05, 53.35),
    "Sudzha": (35.27, 51.19),
    "Gomel": (30.99, 52.43),
    "Kyiv": (30.52, 50.45),
}


def acled_row(**values: object) -> dict[str, object]:
    """One synthetic row in ACLED's shape (defaults: an air/drone strike near Sudzha)."""
    row: dict[str, object] = {
        "event_id_cnty": "RUS9001",
        "event_date": "2024-08-16",
        "year": 2024,
        "time_precision": 1,
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "actor1": "Military Forces of Ukraine (2019-)",
        "assoc_actor_1": "",
        "inter1": "State forces",
        "actor2": "",
        "assoc_actor_2": "",
        "inter2": "",
        "interaction": "State forces only",
        "civilian_targeting": "",
        "iso": 643,
        "region": "Europe",
        "country": "Russia",
        "admin1": "Kursk",
        "admin2": "Sudzhanskiy",
        "admin3": "",
        "location": "Sudzha",
        "latitude": 51.19,
        "longitude": 35.27,
        "geo_precision": 1,
        "source": "Synthetic Source",
        "source_scale": "National",
        "notes": "Synthetic note: a drone struck a depot.",
        "fatalities": 0,
        "tags": "",
        "timestamp": 1723800000,
    }
    row.update(values)
    return row


def ucdp_row(**values: object) -> dict[str, object]:
    """One synthetic row in UCDP GED's shape (defaults: an event near Sudzha)."""
    row: dict[str, object] = {c: "" for c in UCDP_COLUMNS}
    row.update(
        {
            "id": 900001,
            "relid": "RUS-2024-1-900-1",
            "year": 2024,
            "active_year": 1,
            "code_status": "Clear",
            "type_of_violence": 1,
            "conflict_name": "Russia - Ukraine",
            "dyad_name": "Government of Russia - Government of Ukraine",
            "side_a": "Government of Russia (Soviet Union)",
            "side_b": "Government of Ukraine",
            "number_of_sources": 1,
            "source_article": "Synthetic Agency, 2024-08-16, 'Shelling'",
            "source_office": "Synthetic Agency",
            "source_date": "2024-08-16",
            "source_headline": "Shelling near Sudzha",
            "where_prec": 2,
            "where_coordinates": "Sudzha town",
            "where_description": "near Sudzha",
            "adm_1": "Kursk oblast",
            "adm_2": "Sudzhanskiy rayon",
            "latitude": 51.19,
            "longitude": 35.27,
            "geom_wkt": "POINT (35.27 51.19)",
            "country": "Russia (Soviet Union)",
            "country_id": 365,
            "region": "Europe",
            "event_clarity": 1,
            "date_prec": 1,
            "date_start": "2024-08-16 00:00:00.000",
            "date_end": "2024-08-16 00:00:00.000",
            "deaths_a": 1,
            "deaths_b": 2,
            "deaths_civilians": 0,
            "deaths_unknown": 0,
            "best": 3,
            "high": 5,
            "low": 2,
            "gwnoa": 365,
            "gwnob": 369,
        }
    )
    row.update(values)
    return row


def viina_row(**values: object) -> dict[str, object]:
    """One synthetic row in VIINA's shape (defaults: artillery near Kyiv)."""
    row: dict[str, object] = {
        "event_id": "ev_0001",
        "report_id": "rep_0001",
        "location": "Kyiv",
        "tempid": 1,
        "source": "synthetic_news",
        "date": 20240816,
        "time": "14:30",
        "url": "https://example.org/a",
        "text": "Synthetic report of shelling.",
        "lang": "en",
        "address": "Kyiv, Ukraine",
        "longitude": 30.52,
        "latitude": 50.45,
        "GEO_PRECISION": "CITY",
        "GEO_API": "synthetic",
        "t_mil_pred": 0.9,
        "t_mil_b": 1,
        "t_airstrike_b": 0,
        "t_artillery_b": 1,
        "t_armor_b": 0,
        "t_firefight_b": 0,
        "t_control_b": 0,
        "a_rus": 1,
        "a_ukr": 0,
        "a_civ": 0,
        "a_other": 0,
    }
    row.update(values)
    return row


def csv_text(
    columns: Iterable[str], rows: Iterable[Mapping[str, object] | Iterable[object]], delimiter: str = ","
) -> str:
    """CSV text with a header; rows are dicts (by column) or sequences."""
    columns = list(columns)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns] if isinstance(row, Mapping) else list(row))
    return out.getvalue()
