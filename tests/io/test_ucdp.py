"""UCDP GED CSV (synthetic rows in the 49-column GED 23.1 shape)."""

from __future__ import annotations

import pandas as pd
import pytest
from io_factories import UCDP_COLUMNS, ucdp_row

from geo.errors import InputFormatError
from geo.io import read_events


def test_ucdp_columns_are_the_49_of_ged() -> None:
    assert len(UCDP_COLUMNS) == 49


def test_ucdp_row_mapping(write_csv) -> None:
    result = read_events(write_csv("ged.csv", UCDP_COLUMNS, [ucdp_row(adm_1="Kursk oblast;Kursk")]))
    assert result.format == "ucdp"
    event = result.frame.iloc[0]
    assert event["id"] == "ucdp:900001"
    assert event["date_start"] == pd.Timestamp("2024-08-16") and event["date_end"] == pd.Timestamp(
        "2024-08-16"
    )
    assert event["time_precision"] == "day" and event["geo_precision"] == "near"
    assert (event["fatalities"], event["fatalities_low"], event["fatalities_high"]) == (3, 2, 5)
    assert (event["src_adm1"], event["src_adm2"]) == ("Kursk oblast; Kursk", "Sudzhanskiy rayon")
    assert event["actors"] == "Government of Russia (Soviet Union); Government of Ukraine"
    assert event["category"] == "ground_combat" and event["subcategory"] == "state-based conflict"
    assert event["title"] == "Shelling near Sudzha"
    assert event["description"] == "Synthetic Agency, 2024-08-16, 'Shelling'"
    assert event["location_name"] == "Sudzha town"
    assert event["source_name"] == "Synthetic Agency" and pd.isna(event["source_url"])
    assert event["source_date"] == pd.Timestamp("2024-08-16")
    assert event["country_iso"] == "RUS"
    assert event["verification"] == "reported"
    assert (event["lon"], event["lat"]) == (35.27, 51.19)


@pytest.mark.parametrize(
    ("where_prec", "geo"),
    [(1, "exact"), (2, "near"), (3, "admin2"), (4, "admin1"), (5, "country"), (7, "country")],
)
def test_where_prec(write_csv, where_prec: int, geo: str) -> None:
    path = write_csv("ged.csv", UCDP_COLUMNS, [ucdp_row(where_prec=where_prec)])
    assert read_events(path).frame.loc[0, "geo_precision"] == geo


@pytest.mark.parametrize(
    ("date_prec", "time"), [(1, "day"), (2, "week"), (3, "week"), (4, "month"), (5, "year")]
)
def test_date_prec(write_csv, date_prec: int, time: str) -> None:
    path = write_csv("ged.csv", UCDP_COLUMNS, [ucdp_row(date_prec=date_prec)])
    assert read_events(path).frame.loc[0, "time_precision"] == time


@pytest.mark.parametrize(
    ("violence", "category", "sub"),
    [
        (1, "ground_combat", "state-based conflict"),
        (2, "ground_combat", "non-state conflict"),
        (3, "other", "one-sided violence"),
    ],
)
def test_type_of_violence(write_csv, violence: int, category: str, sub: str) -> None:
    event = read_events(write_csv("ged.csv", UCDP_COLUMNS, [ucdp_row(type_of_violence=violence)])).frame.iloc[
        0
    ]
    assert (event["category"], event["subcategory"]) == (category, sub)


def test_title_falls_back_to_dyad_and_country_to_name(write_csv) -> None:
    row = ucdp_row(
        source_headline="",
        country_id="",
        country="Ukraine",
        where_coordinates="",
        date_end="2024-08-20 00:00:00.000",
    )
    event = read_events(write_csv("ged.csv", UCDP_COLUMNS, [row])).frame.iloc[0]
    assert event["title"] == "Government of Russia - Government of Ukraine"
    assert event["country_iso"] == "UKR"
    assert event["location_name"] == "near Sudzha"
    assert event["date_end"] == pd.Timestamp("2024-08-20")


def test_forced_ucdp_on_acled_like_file_raises(write_text) -> None:
    path = write_text("x.csv", "id,latitude,longitude\n1,50.45,30.52\n")
    with pytest.raises(InputFormatError, match=r"expected UCDP GED columns .*missing where_prec"):
        read_events(path, "ucdp")


# --- multi-valued fields: one value per source, ';'-separated ---------------------------------------------


@pytest.mark.parametrize(
    ("source_date", "expected"),
    [
        ("2014-01-22;2014-01-22;2014-01-22;2014-01-22;2014-01-25", "2014-01-25"),  # as in GED: one per source
        ("2014-02-21;2014-02-20;2014-04-03", "2014-04-03"),  # not in order: the latest
        ("2014-05-02 ; 2021-04-27", "2021-04-27"),
        ("27/01/2014", "2014-01-27"),  # one source: as before
        ("2014-01-22;", "2014-01-22"),  # an empty part is nothing
    ],
)
def test_source_date_lists_keep_the_latest(write_csv, source_date: str, expected: str) -> None:
    result = read_events(write_csv("ged.csv", UCDP_COLUMNS, [ucdp_row(source_date=source_date)]))
    assert len(result.frame) == 1 and not result.issues
    assert result.frame.loc[0, "source_date"] == pd.Timestamp(expected)


def test_source_date_list_with_a_bad_part_is_kept_and_noted(write_csv) -> None:
    rows = [ucdp_row(id=1, source_date="2014-01-22;not a date;2014-01-25"), ucdp_row(id=2, source_date="soon")]
    result = read_events(write_csv("ged.csv", UCDP_COLUMNS, rows))
    assert list(result.frame["id"]) == ["ucdp:1", "ucdp:2"]  # nothing rejected for a source date
    assert result.frame.loc[0, "source_date"] == pd.Timestamp("2014-01-25")
    assert pd.isna(result.frame.loc[1, "source_date"])
    notes = [(i.row, i.field, i.kind) for i in result.issues]
    assert notes == [(1, "source_date", "flag"), (2, "source_date", "flag")]
    assert "expected a date" in result.issues[0].reason and "not a date" in result.issues[0].reason


@pytest.mark.parametrize(
    ("adm_1", "adm_2", "src_adm1", "src_adm2"),
    [
        ("Donetsk oblast;Luhansk oblast", "Bakhmut Raion;Horlivka City municipality",
         "Donetsk oblast; Luhansk oblast", "Bakhmut Raion; Horlivka City municipality"),
        ("Donetsk oblast ;  ; Luhansk oblast;", "", "Donetsk oblast; Luhansk oblast", None),
        ("Kiev Special Republican city", "", "Kiev Special Republican city", None),
    ],
)
def test_admin_name_lists_keep_every_name(write_csv, adm_1, adm_2, src_adm1, src_adm2) -> None:
    event = read_events(write_csv("ged.csv", UCDP_COLUMNS, [ucdp_row(adm_1=adm_1, adm_2=adm_2)])).frame.iloc[0]
    assert event["src_adm1"] == src_adm1
    assert (pd.isna(event["src_adm2"]) and src_adm2 is None) or event["src_adm2"] == src_adm2


# --- a Ukraine export against the real boundaries: mixed vintages, renames, several names ------------------

#: (where_coordinates, adm_1, adm_2, latitude, longitude, flagged?) in GED's shape: town coordinates, GED's
#: spellings ("Zaporizhzhya", "Shaktarsk", "City municipality"), raions named before and after July 2020,
#: renamed places; the last rows name the wrong unit on purpose.
UKRAINE_ROWS = [
    ("Kiev city", "Kiev Special Republican city", "", 50.45, 30.52333, False),
    ("Sloviansk town", "Donetsk oblast", "Sloviansk raion", 48.853333, 37.625, False),
    ("Sloviansk town", "Donetsk oblast", "Kramatorsk raion", 48.853333, 37.625, False),
    ("Lyman town", "Donetsk oblast", "Krasnyi Lyman City municipality", 48.985278, 37.811111, False),
    ("Lyman town", "Donetsk oblast", "Kramatorsk raion", 48.985278, 37.811111, False),
    ("Bakhmut town", "Donetsk oblast", "Artemivsk raion", 48.592436, 37.99993, False),
    ("Bakhmut town", "Donetsk oblast", "Bakhmut Raion", 48.592436, 37.99993, False),
    ("Mariupol town", "Donetsk oblast", "Mariupol City municipality", 47.095833, 37.549444, False),
    ("Donetsk town", "Donetsk oblast", "Donetsk City municipality", 48.0, 37.805278, False),
    ("Donetsk town", "Donetsk oblast", "Donetsk raion", 48.0, 37.805278, False),
    ("Avdiivka town", "Donetsk oblast", "Avdiivka city municipality", 48.145278, 37.745, False),
    ("Avdiivka town", "Donetsk oblast", "Pokrovsk raion", 48.145278, 37.745, False),
    ("Volnovakha town", "Donetsk oblast", "Volnovakha Raion", 47.595, 37.4825, False),
    ("Luhansk town", "Luhansk oblast", "Luhansk City municipality", 48.566667, 39.3, False),
    ("Svatove town", "Luhansk oblast", "Svativskyi raion", 49.41029, 38.15035, False),
    ("Berdyansk town", "Zaporizhzhya oblast", "Berdyansk raion", 46.763064, 36.791509, False),
    ("Zaporizhzhia town", "Zaporizhzhya oblast", "Zaporizhzhia raion", 47.84126, 35.121166, False),
    ("Izyum town", "Kharkiv Oblast", "Izyum raion", 49.209749, 37.265663, False),
    ("Kherson town", "Kherson oblast", "Kherson raion", 46.63695, 32.61458, False),
    ("Odessa town", "Odessa oblast", "Odessa City municipality", 46.466667, 30.733333, False),
    ("Semenivka town", "Chernihiv oblast", "Novhorod-Siverskyi raion", 52.1786, 32.58181, False),
    ("Nikopol town", "Dnipropetrovsk oblast", "Nikopol raion", 47.56826, 34.39126, False),
    ("Kramatorsk town", "Donetsk oblast;Luhansk oblast", "Bakhmut raion;Kramatorsk raion", 48.716667, 37.533333, False),
    ("Volnovakha town", "Donetsk oblast", "Telmanove raion", 47.595, 37.4825, True),  # 19 km from Boikivske
    ("Lisichansk town", "Luhansk oblast", "Severodonetsk City municipality", 48.905212, 38.442917, True),
    ("Sloviansk town", "Luhansk oblast", "Sloviansk raion", 48.853333, 37.625, True),
]


@pytest.mark.shared
def test_ukraine_export_flags_only_real_disagreements(write_csv, real_boundaries) -> None:
    from geo.join import enrich, prepare

    rows = [
        ucdp_row(id=i, where_coordinates=w, adm_1=a1, adm_2=a2, latitude=lat, longitude=lon, country_id=369,
                 country="Ukraine", source_date="2014-05-02;2014-05-06")
        for i, (w, a1, a2, lat, lon, _) in enumerate(UKRAINE_ROWS, start=1)
    ]
    read = read_events(write_csv("ged_ukraine.csv", UCDP_COLUMNS, rows))
    assert len(read.frame) == len(UKRAINE_ROWS) and not read.issues
    assert (read.frame["source_date"] == pd.Timestamp("2014-05-06")).all()
    out = enrich(read.frame, prepare(real_boundaries))
    flagged = (out["admin_mismatch"] != "").to_list()
    assert flagged == [row[-1] for row in UKRAINE_ROWS], out.loc[out["admin_mismatch"] != "", "admin_mismatch"]
    assert out["admin_mismatch"].iloc[-1].startswith("adm1: source 'Luhansk oblast' vs joined 'Donetsk Oblast'")
    vintages = set(out["src_adm2_vintage"].astype(str))
    assert {"pre-2020", "2020", "hromada"} <= vintages
