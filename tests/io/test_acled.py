"""ACLED exports (synthetic rows in ACLED's 31-column shape; real ACLED rows must never be committed)."""

from __future__ import annotations

import pandas as pd
import pytest
from io_factories import ACLED_COLUMNS, acled_row

from geo import schema
from geo.errors import InputFormatError
from geo.io import read_events


def test_acled_columns_are_the_31_of_current_exports() -> None:
    assert len(ACLED_COLUMNS) == 31


def test_acled_row_mapping(write_csv) -> None:
    row = acled_row(
        actor2="Military Forces of Russia (2000-)",
        assoc_actor_1="Drone Unit X",
        fatalities=2,
        geo_precision=2,
        time_precision=2,
    )
    result = read_events(write_csv("2024-acled.csv", ACLED_COLUMNS, [row]))
    assert result.format == "acled"
    event = result.frame.iloc[0]
    assert event["id"] == "acled:RUS9001"
    assert event["date_start"] == pd.Timestamp("2024-08-16")
    assert event["category"] == "strike" and event["subcategory"] == "Air/drone strike"
    assert event["title"] == "Air/drone strike in Sudzha"
    assert event["actors"] == (
        "Military Forces of Ukraine (2019-); Drone Unit X; Military Forces of Russia (2000-)"
    )
    assert (event["lon"], event["lat"]) == (35.27, 51.19)
    assert event["geo_precision"] == "near" and event["time_precision"] == "week"
    assert (event["src_adm1"], event["src_adm2"], event["location_name"]) == (
        "Kursk",
        "Sudzhanskiy",
        "Sudzha",
    )
    assert event["country_iso"] == "RUS"
    assert event["source_name"] == "Synthetic Source"
    assert event["description"] == "Synthetic note: a drone struck a depot."
    assert event["verification"] == "reported"
    assert event["fatalities"] == 2
    assert pd.isna(event["source_url"])
    assert result.issues == []


@pytest.mark.parametrize(
    ("iso", "country", "expected"),
    [(112, "Belarus", "BLR"), (804, "Ukraine", "UKR"), (643, "Russia", "RUS"), ("", "Belarus", "BLR")],
)
def test_acled_numeric_iso_to_iso3(write_csv, iso, country, expected) -> None:
    path = write_csv("a.csv", ACLED_COLUMNS, [acled_row(iso=iso, country=country)])
    assert read_events(path).frame.loc[0, "country_iso"] == expected


@pytest.mark.parametrize(
    ("event_type", "sub_event_type", "category"),
    [
        ("Battles", "Armed clash", "ground_combat"),
        ("Battles", "Government regains territory", "territorial_change"),
        ("Explosions/Remote violence", "Shelling/artillery/missile attack", "strike"),
        ("Strategic developments", "Headquarters or base established", "deployment"),
        ("Strategic developments", "Disrupted weapons use", "other"),
        ("Protests", "Peaceful protest", "other"),
    ],
)
def test_acled_categories_from_sub_event_type_then_event_type(
    write_csv, event_type, sub_event_type, category
) -> None:
    path = write_csv(
        "a.csv", ACLED_COLUMNS, [acled_row(event_type=event_type, sub_event_type=sub_event_type)]
    )
    event = read_events(path, "acled").frame.iloc[0]
    assert event["category"] == category and event["subcategory"] == sub_event_type


@pytest.mark.parametrize(
    "date", ["2024-08-16", "16 August 2024", "16/08/2024", "16/08/2024 10:00", "16-Aug-2024"]
)
def test_acled_date_forms(write_csv, date: str) -> None:
    path = write_csv("a.csv", ACLED_COLUMNS, [acled_row(event_date=date)])
    assert read_events(path).frame.loc[0, "date_start"] == pd.Timestamp("2024-08-16")


def test_acled_precision_codes(write_csv) -> None:
    rows = [
        acled_row(event_id_cnty=f"BLR{i}", geo_precision=g, time_precision=t)
        for i, (g, t) in enumerate([(1, 1), (2, 2), (3, 3)])
    ]
    frame = read_events(write_csv("a.csv", ACLED_COLUMNS, rows)).frame
    assert frame["geo_precision"].tolist() == [schema.ACLED_GEO_PRECISION[k] for k in (1, 2, 3)]
    assert frame["time_precision"].tolist() == ["day", "week", "month"]


def test_older_export_with_extra_columns_in_another_order(write_csv) -> None:
    columns = ["data_id", "event_id_no_cnty", *reversed(ACLED_COLUMNS), "actor_dyad"]
    row = acled_row(
        data_id=1,
        event_id_no_cnty=9001,
        actor_dyad="x",
        latitude=52.43,
        longitude=30.99,
        location="Gomel",
        iso=112,
        country="Belarus",
    )
    result = read_events(write_csv("old.csv", columns, [row]))
    assert result.format == "acled"
    event = result.frame.iloc[0]
    assert (event["lon"], event["lat"], event["country_iso"]) == (30.99, 52.43, "BLR")


def test_acled_bad_rows_are_rejected_not_raised(write_csv) -> None:
    rows = [
        acled_row(),
        acled_row(event_id_cnty="RUS9002", event_date="someday"),
        acled_row(event_id_cnty="RUS9003", latitude="n/a?"),
    ]
    result = read_events(write_csv("a.csv", ACLED_COLUMNS, rows))
    assert result.frame["id"].tolist() == ["acled:RUS9001"]
    assert [(i.row, i.field) for i in result.issues] == [(2, "event_date"), (3, "latitude")]


def test_forcing_acled_on_a_plain_csv_names_missing_columns(write_text) -> None:
    path = write_text("plain.csv", "date,lat,lon\n2024-08-06,50.45,30.52\n")
    with pytest.raises(
        InputFormatError,
        match=r"expected ACLED columns event_id_cnty, event_date, latitude, "
        r"longitude \(missing event_id_cnty, event_date",
    ):
        read_events(path, "acled")
