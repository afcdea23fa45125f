"""Plain CSV/TSV: column names, coordinates, verification, categories, ids, rejections, the frame's shape."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from io_factories import PLACES

from geo import schema
from geo.errors import InputFormatError
from geo.io import ReadResult, read_events

COLUMNS = ("id", "date", "lat", "lon", "category", "title", "source", "verification")


def kyiv(**values: object) -> dict[str, object]:
    lon, lat = PLACES["Kyiv"]
    row: dict[str, object] = {
        "id": "K1",
        "date": "2024-08-06",
        "lat": lat,
        "lon": lon,
        "category": "strike",
        "title": "Drone strike",
        "source": "Synthetic",
        "verification": "confirmed",
    }
    row.update(values)
    return row


def test_plain_csv_frame_has_canonical_columns_dtypes_and_import_fields(write_csv) -> None:
    path = write_csv("events.csv", COLUMNS, [kyiv(), kyiv(id="K2", date="2024-08-07")])
    result = read_events(path)
    assert isinstance(result, ReadResult)
    assert result.format == "csv" and result.delimiter == "," and result.encoding == "utf-8"
    assert tuple(result.frame.columns) == schema.EVENT_COLUMNS
    assert {c: str(t) for c, t in result.frame.dtypes.items()} == {
        c: str(pd.Series(dtype=t).dtype) for c, t in schema.EVENT_DTYPES.items()
    }
    frame = result.frame
    assert frame["id"].tolist() == ["csv:K1", "csv:K2"]
    assert frame["lon"].tolist() == [30.52, 30.52] and frame["lat"].tolist() == [50.45, 50.45]
    assert frame["date_start"].tolist() == [pd.Timestamp("2024-08-06"), pd.Timestamp("2024-08-07")]
    assert frame["verification"].tolist() == ["confirmed", "confirmed"]
    assert frame["source_name"].tolist() == ["Synthetic", "Synthetic"]
    assert frame["geo_precision"].tolist() == ["exact", "exact"]
    assert frame["time_precision"].tolist() == ["day", "day"]
    assert frame["import_row"].tolist() == [1, 2]
    assert (frame["import_file"] == str(path)).all()
    assert result.file == str(path)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (frame["import_sha256"] == result.sha256).all()
    assert frame["import_time"].nunique() == 1 and frame["import_time"].notna().all()
    assert result.issues == [] and result.warnings == []


@pytest.mark.parametrize(
    ("lat_name", "lon_name"),
    [
        ("lat", "lon"),
        ("Latitude", "Longitude"),
        ("LAT", "LNG"),
        ("y", "x"),
        ("latitude", "long"),
        ("Lat (WGS84)", "Lon (WGS84)"),
    ],
)
def test_coordinate_column_names(write_csv, lat_name: str, lon_name: str) -> None:
    path = write_csv("e.csv", ["date", lat_name, lon_name], [["2024-08-06", 53.35, 32.05]])
    frame = read_events(path).frame
    assert (frame.loc[0, "lon"], frame.loc[0, "lat"]) == (32.05, 53.35)


@pytest.mark.parametrize(
    ("header", "field", "expected"),
    [
        ("Description", "description", "some text"),
        ("notes", "description", "some text"),
        ("event_type", "subcategory", "some text"),  # unknown category text kept as subcategory
        ("equipment", "equipment", "some text"),
        ("Weapon", "equipment", "some text"),
        ("unit", "unit", "some text"),
        ("source_name", "source_name", "some text"),
        ("URL", "source_url", "some text"),
        ("link", "source_url", "some text"),
        ("Name of place", "location_name", "some text"),
        ("admin1", "src_adm1", "some text"),
        ("admin2", "src_adm2", "some text"),
        ("actor", "actors", "some text"),
        ("event", "title", "some text"),
    ],
)
def test_usual_column_names_map_to_fields(write_csv, header: str, field: str, expected: str) -> None:
    path = write_csv("e.csv", ["date", "lat", "lon", header], [["2024-08-06", 50.45, 30.52, "some text"]])
    assert read_events(path).frame.loc[0, field] == expected


def test_actor1_and_actor2_are_joined(write_csv) -> None:
    path = write_csv(
        "e.csv",
        ["date", "lat", "lon", "actor1", "actor2"],
        [["2024-08-06", 50.45, 30.52, "Side A", "Side B"], ["2024-08-06", 50.45, 30.52, "Side A", ""]],
    )
    assert read_events(path).frame["actors"].tolist() == ["Side A; Side B", "Side A"]


def test_second_date_fields_and_counts(write_csv) -> None:
    path = write_csv(
        "e.csv",
        ["start_date", "end_date", "lat", "lon", "source_date", "deaths", "precision", "status"],
        [["2024-08-06", "2024-08-08", 50.45, 30.52, "09/08/2024", "3", "admin2", "Alleged"]],
    )
    row = read_events(path).frame.iloc[0]
    assert row["date_start"] == pd.Timestamp("2024-08-06")
    assert row["date_end"] == pd.Timestamp("2024-08-08")
    assert row["source_date"] == pd.Timestamp("2024-08-09")
    assert row["fatalities"] == 3
    assert row["geo_precision"] == "admin2"
    assert row["verification"] == "claimed"


@pytest.mark.parametrize(
    ("value", "iso3"),
    [
        ("Belarus", "BLR"),
        ("Ukraine", "UKR"),
        ("Russia", "RUS"),
        ("BY", "BLR"),
        ("ua", "UKR"),
        ("RUS", "RUS"),
        ("Poland", "POL"),
        ("LT", "LTU"),
        ("Latvia", "LVA"),
        ("Moldova", "MDA"),
        ("804", "UKR"),
        ("XKX", "XKX"),
        ("Беларусь", "BLR"),
    ],
)
def test_country_to_iso3(write_csv, value: str, iso3: str) -> None:
    path = write_csv("e.csv", ["date", "lat", "lon", "country"], [["2024-08-06", 50.45, 30.52, value]])
    assert read_events(path).frame.loc[0, "country_iso"] == iso3


def test_unknown_country_left_empty_with_a_warning(write_csv) -> None:
    path = write_csv("e.csv", ["date", "lat", "lon", "country"], [["2024-08-06", 50.45, 30.52, "Narnia"]])
    result = read_events(path)
    assert pd.isna(result.frame.loc[0, "country_iso"])
    assert any("'country'" in w and "Narnia" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("confirmed", "confirmed"),
        ("Verified", "confirmed"),
        ("REPORTED", "reported"),
        ("alleged", "claimed"),
        ("claimed", "claimed"),
        ("disputed", "disputed"),
        ("contested", "disputed"),
        ("", "reported"),
    ],
)
def test_verification_words(write_csv, word: str, expected: str) -> None:
    path = write_csv("e.csv", COLUMNS, [kyiv(verification=word)])
    assert read_events(path).frame.loc[0, "verification"] == expected


def test_default_verification_applies_to_empty_values_and_missing_column(write_csv) -> None:
    path = write_csv("e.csv", COLUMNS, [kyiv(verification="")])
    assert read_events(path, default_verification="claimed").frame.loc[0, "verification"] == "claimed"
    path = write_csv("f.csv", ["date", "lat", "lon"], [["2024-08-06", 50.45, 30.52]])
    assert read_events(path, default_verification="disputed").frame.loc[0, "verification"] == "disputed"


def test_unknown_verification_rejects_the_row(write_csv) -> None:
    path = write_csv("e.csv", COLUMNS, [kyiv(), kyiv(id="K2", verification="xyz")])
    result = read_events(path)
    assert result.frame["id"].tolist() == ["csv:K1"]
    (issue,) = result.issues
    assert (issue.file, issue.row, issue.field, issue.value, issue.kind) == (
        str(path),
        2,
        "verification",
        "xyz",
        "reject",
    )
    assert issue.reason.startswith("expected one of confirmed, reported, claimed, disputed")
    assert issue.reason.endswith("got 'xyz'")


@pytest.mark.parametrize(
    ("category", "subcategory", "expected_category", "expected_sub"),
    [
        ("strike", "", "strike", None),
        ("Air/drone strike", "", "strike", None),
        ("Battles", "Armed clash", "ground_combat", "Armed clash"),
        ("Explosion", "", "other", "Explosion"),
        ("Explosion", "IED", "other", "Explosion / IED"),
        ("", "Air/drone strike", "strike", "Air/drone strike"),
        ("", "", "other", None),
    ],
)
def test_categories_unknown_kept_as_other(
    write_csv, category, subcategory, expected_category, expected_sub
) -> None:
    path = write_csv(
        "e.csv",
        ["date", "lat", "lon", "category", "subcategory"],
        [["2024-08-06", 50.45, 30.52, category, subcategory]],
    )
    result = read_events(path)
    row = result.frame.iloc[0]
    assert row["category"] == expected_category
    assert (None if pd.isna(row["subcategory"]) else row["subcategory"]) == expected_sub
    assert result.issues == []


def test_ids_from_source_id_else_a_hash_of_the_whole_row(write_csv) -> None:
    path = write_csv("e.csv", COLUMNS, [kyiv(id=" A b/7 "), kyiv(id="")])
    frame = read_events(path).frame
    assert frame.loc[0, "id"] == schema.source_id("csv", " A b/7 ") == "csv:A_b_7"
    assert re.fullmatch(r"csv-[0-9a-f]{16}", frame.loc[1, "id"])
    other = read_events(write_csv("f.csv", COLUMNS, [kyiv(id="", verification="reported"), kyiv(id="")])).frame
    assert other.loc[1, "id"] == frame.loc[1, "id"]  # the row's content, not its file or position
    assert other.loc[0, "id"] != frame.loc[1, "id"]  # one cell differs: another event
    again = read_events(path).frame
    assert again["id"].tolist() == frame["id"].tolist()


def test_no_id_column_gives_stable_distinct_ids(write_csv) -> None:
    rows = [["2024-08-06", lat, lon, name] for name, (lon, lat) in PLACES.items()]
    path = write_csv("e.csv", ["date", "lat", "lon", "title"], rows)
    ids = read_events(path).frame["id"]
    assert ids.str.startswith("csv-").all() and ids.nunique() == len(PLACES)


def test_wkt_point_column(write_csv) -> None:
    path = write_csv(
        "e.csv",
        ["date", "WKT"],
        [
            ["2024-08-06", "POINT (32.05 53.35)"],
            ["2024-08-06", "POINT Z (30.99 52.43 0)"],
            ["2024-08-06", "POLYGON ((0 0, 1 0, 1 1, 0 0))"],
            ["2024-08-06", "POINT (nonsense"],
        ],
    )
    result = read_events(path)
    assert result.frame[["lon", "lat"]].to_numpy().tolist() == [[32.05, 53.35], [30.99, 52.43]]
    reasons = {i.row: i.reason for i in result.issues}
    assert reasons[3] == "expected Point geometry, got Polygon"
    assert reasons[4].startswith("expected WKT like 'POINT (30.52 50.45)', got 'POINT (nonsense'")


def test_place_name_without_coordinates_is_kept_with_nan(write_csv) -> None:
    path = write_csv("e.csv", ["date", "location", "title"], [["2024-08-06", "Kostyukovichi", "Column seen"]])
    result = read_events(path)
    row = result.frame.iloc[0]
    assert np.isnan(row["lon"]) and np.isnan(row["lat"])
    assert row["location_name"] == "Kostyukovichi" and row["geo_precision"] == "none"
    assert result.issues == []


def test_place_name_precision_given_is_kept(write_csv) -> None:
    path = write_csv("e.csv", ["date", "place", "precision"], [["2024-08-06", "Gomel", "near"]])
    assert read_events(path).frame.loc[0, "geo_precision"] == "near"


def test_row_without_coordinates_or_place_is_rejected(write_csv) -> None:
    path = write_csv(
        "e.csv",
        ["date", "lat", "lon", "location"],
        [["2024-08-06", "", "", ""], ["2024-08-06", "", "", "Sudzha"]],
    )
    result = read_events(path)
    assert result.frame["location_name"].tolist() == ["Sudzha"]
    (issue,) = result.issues
    assert issue.row == 1 and issue.reason == "expected coordinates or a place name, got neither"


@pytest.mark.parametrize(
    ("precision", "country", "kept"),
    [
        ("none", "", True),
        ("country", "Belarus", True),
        ("country", "", False),
        ("exact", "BLR", False),
        ("", "BLR", False),
    ],
)
def test_unlocated_rows_kept_only_when_they_say_so(
    write_csv, precision: str, country: str, kept: bool
) -> None:
    path = write_csv(
        "e.csv",
        ["date", "lat", "lon", "location", "geo_precision", "country"],
        [["2024-08-10", "", "", "", precision, country]],
    )
    result = read_events(path)
    assert len(result.frame) == int(kept)
    assert [i.reason for i in result.issues] == (
        [] if kept else ["expected coordinates or a place name, got neither"]
    )


def test_the_project_sample_dataset_reads_completely() -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "sample_events.csv"
    if not path.exists():
        pytest.skip("no data/sample_events.csv")
    result = read_events(path)
    assert result.issues == [] and result.warnings == []
    assert len(result.frame) == len(pd.read_csv(path))
    assert result.frame["id"].str.startswith("csv:").all()


@pytest.mark.parametrize("bad", ["abc", "50.1.2", "N50"])
def test_non_numeric_coordinate_rejects_the_row_naming_the_field(write_csv, bad: str) -> None:
    path = write_csv("e.csv", ["date", "Latitude", "Longitude"], [["2024-08-06", bad, 30.52]])
    result = read_events(path)
    assert result.frame.empty
    (issue,) = result.issues
    assert (issue.field, issue.value, issue.reason) == ("Latitude", bad, f"expected a number, got {bad!r}")


def test_out_of_range_and_swapped_coordinates_pass_through(write_csv) -> None:
    path = write_csv("e.csv", ["date", "lat", "lon"], [["2024-08-06", 30.52, 50.45], ["2024-08-06", 95, 200]])
    frame = read_events(path).frame
    assert frame[["lat", "lon"]].to_numpy().tolist() == [[30.52, 50.45], [95.0, 200.0]]


def test_decimal_commas_accepted_with_semicolons_not_with_commas(write_text) -> None:
    semi = write_text("semi.csv", "date;lat;lon\n2024-08-06;50,45;30,52\n")
    result = read_events(semi)
    assert result.delimiter == ";"
    assert result.frame[["lat", "lon"]].to_numpy().tolist() == [[50.45, 30.52]]
    comma = write_text("comma.csv", 'date,lat,lon\n2024-08-06,"50,45",30.52\n')
    issue = read_events(comma).issues[0]
    assert issue.field == "lat" and "decimal point" in issue.reason


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters(write_csv, delimiter: str) -> None:
    path = write_csv("e.txt", COLUMNS, [kyiv(), kyiv(id="K2")], delimiter=delimiter)
    result = read_events(path)
    assert result.delimiter == delimiter and result.format == "csv"
    assert result.frame["id"].tolist() == ["csv:K1", "csv:K2"]


def test_tsv_with_commas_inside_values(write_csv) -> None:
    path = write_csv(
        "e.tsv",
        ["date", "lat", "lon", "title"],
        [["2024-08-06", 50.45, 30.52, "A, B, C and D"]],
        delimiter="\t",
    )
    result = read_events(path)
    assert result.delimiter == "\t" and result.frame.loc[0, "title"] == "A, B, C and D"


def test_quoted_newlines_and_row_numbers(write_text) -> None:
    text = 'date,lat,lon,notes\n2024-08-06,50.45,30.52,"two\nlines"\n2024-08-07,50.45,30.52,x\n'
    frame = read_events(write_text("e.csv", text)).frame
    assert frame["description"].tolist() == ["two\nlines", "x"]
    assert frame["import_row"].tolist() == [1, 2]


def test_ragged_rows_rejected_with_exact_row_numbers(write_text) -> None:
    text = (
        "date,lat,lon,title\n2024-08-06,50.45,30.52,a\n2024-08-06,50.45,30.52,b,EXTRA\n"
        "2024-08-06,50.45,30.52\n"
    )
    result = read_events(write_text("e.csv", text))
    assert result.frame["import_row"].tolist() == [1, 3]
    assert result.frame["title"].isna().tolist() == [False, True]
    (issue,) = result.issues
    assert (issue.row, issue.field, issue.reason) == (2, "*", "expected 4 fields like the header, got 5")


def test_empty_rows_are_skipped_without_issues(write_text) -> None:
    text = "date,lat,lon\n2024-08-06,50.45,30.52\n,,\n2024-08-07,50.45,30.52\n"
    result = read_events(write_text("e.csv", text))
    assert result.frame["import_row"].tolist() == [1, 3] and result.issues == []


def test_header_only_file_gives_an_empty_frame(write_text) -> None:
    result = read_events(write_text("e.csv", "date,lat,lon\n"))
    assert result.frame.empty and tuple(result.frame.columns) == schema.EVENT_COLUMNS


def test_long_description_gives_a_short_title(write_csv) -> None:
    text = "word " * 60
    path = write_csv("e.csv", ["date", "lat", "lon", "description"], [["2024-08-06", 50.45, 30.52, text]])
    title = read_events(path).frame.loc[0, "title"]
    assert len(title) <= 120 and title.endswith("…") and title.startswith("word word")


def test_inputs_are_not_mutated_and_repeated_reads_agree(write_csv) -> None:
    path = write_csv("e.csv", COLUMNS, [kyiv()])
    before = path.read_bytes()
    first, second = read_events(path), read_events(path)
    assert path.read_bytes() == before
    cols = [c for c in schema.EVENT_COLUMNS if c != "import_time"]
    pd.testing.assert_frame_equal(first.frame[cols], second.frame[cols])


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["date", "title"], r"expected coordinate columns .* got columns 'date', 'title'"),
        (["date", "lat", "title"], r"expected a longitude column next to 'lat', got columns"),
        (
            ["lat", "lon", "title"],
            r"expected a date column \(date/date_start/start_date/event_date\), got columns",
        ),
    ],
)
def test_missing_essential_columns_raise(write_csv, columns: list[str], message: str) -> None:
    path = write_csv("e.csv", columns, [["1"] * len(columns)])
    with pytest.raises(InputFormatError, match=message) as info:
        read_events(path)
    assert str(path) in str(info.value)


def test_many_rows_keep_order_and_values(write_csv, rng) -> None:
    n = 500
    lat = np.round(rng.uniform(50, 54, n), 5)
    lon = np.round(rng.uniform(30, 36, n), 5)
    rows = [[f"E{i}", "2024-08-06", la, lo] for i, (la, lo) in enumerate(zip(lat, lon, strict=True))]
    frame = read_events(write_csv("e.csv", ["id", "date", "lat", "lon"], rows)).frame
    np.testing.assert_array_equal(frame["lat"].to_numpy(), lat)
    np.testing.assert_array_equal(frame["lon"].to_numpy(), lon)
    assert frame["import_row"].tolist() == list(range(1, n + 1))


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(write_text, newline: str) -> None:
    text = newline.join(
        ["date;lat;lon;notes", '2024-08-06;50,45;30,52;"a; b"', "2024-08-07;50,45;30,52;c", ""]
    )
    result = read_events(write_text("e.csv", text))
    assert result.frame["description"].tolist() == ["a; b", "c"]
    assert result.frame["import_row"].tolist() == [1, 2]


def test_trailing_delimiter_on_data_rows_is_tolerated(write_text) -> None:
    result = read_events(
        write_text("e.csv", "date,lat,lon\n2024-08-06,50.45,30.52,\n2024-08-07,50.45,30.52,\n")
    )
    assert len(result.frame) == 2 and result.issues == []


def test_duplicate_header_names_use_the_first(write_text) -> None:
    frame = read_events(write_text("e.csv", "date,lat,lon,lat\n2024-08-06,50.45,30.52,1\n")).frame
    assert frame.loc[0, "lat"] == 50.45


def test_one_reject_issue_per_dropped_row(write_csv) -> None:
    path = write_csv("e.csv", COLUMNS, [kyiv(date="soon", verification="xyz", lat="abc"), kyiv(id="K2")])
    result = read_events(path)
    assert len(result.frame) == 1
    assert [(i.row, i.field, i.kind) for i in result.issues] == [(1, "lat", "reject")]
