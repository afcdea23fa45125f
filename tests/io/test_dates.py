"""Date columns: every accepted form, day/month order, rejections with file/row/field."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from io_factories import (
    ACLED_COLUMNS,
    UCDP_COLUMNS,
    VIINA_COLUMNS,
    acled_row,
    csv_text,
    ucdp_row,
    viina_row,
)

from geo.areas import date_from_name, parse_day, read_areas
from geo.errors import GeoError
from geo.io import read_events
from geo.io._dates import DATE_RANGE_ENV, date_range, parse_dates

DAY = pd.Timestamp("2024-08-06")


@pytest.mark.parametrize(
    "text",
    [
        "2024-08-06",
        "2024-8-6",
        "2024/08/06",
        "2024-08-06 14:30",
        "2024-08-06 14:30:59",
        "2024-08-06T14:30:00",
        "2024-08-06T14:30:00Z",
        "2024-08-06 00:00:00.000",
        "2024-08-06T10:00:00+02:00",
        "20240806",
        "06.08.2024",
        "6.8.2024",
        "06.08.2024 14:30",
        "06/08/2024",
        "06/08/2024 14:30:00",
        "6 August 2024",
        "06 Aug 2024",
        "6-Aug-2024",
        "06-August-2024",
        "August 6, 2024",
        "Aug 6 2024",
        "6th August 2024",
        "6 aug 2024",
        " 2024-08-06 ",
    ],
)
def test_every_date_form(text: str) -> None:
    parsed = parse_dates(pd.Series([text.strip()], dtype="str"), "date", dayfirst=None)
    assert pd.Timestamp(parsed.values[0]) == DAY
    assert not parsed.bad.any()


def test_sept_and_month_first_named() -> None:
    parsed = parse_dates(pd.Series(["Sept 16, 2025", "16 May 2025", "May 16, 2025", "16-May-2025"]), "d")
    assert [str(pd.Timestamp(v).date()) for v in parsed.values] == ["2025-09-16"] + ["2025-05-16"] * 3


def test_timezone_offset_gives_the_utc_day() -> None:
    parsed = parse_dates(pd.Series(["2024-08-06T01:00:00+03:00"]), "d")
    assert pd.Timestamp(parsed.values[0]) == pd.Timestamp("2024-08-05")


def test_mixed_forms_in_one_column() -> None:
    values = ["2024-08-06", "07/08/2024", "8 August 2024", "20240809", "10.08.2024", "August 11, 2024"]
    parsed = parse_dates(pd.Series(values), "d")
    assert [pd.Timestamp(v).day for v in parsed.values] == [6, 7, 8, 9, 10, 11]


def test_missing_values_are_not_bad() -> None:
    parsed = parse_dates(pd.Series(["2024-08-06", None], dtype="str"), "d")
    assert pd.isna(parsed.values[1]) and not parsed.bad.any()


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2024-13-01",
        "31/02/2024",
        "2024-08",
        "August 2024",
        "06/08/24",
        "32.01.2024",
        "2024-08-06 garbage",
    ],
)
def test_unreadable_dates_are_bad(text: str) -> None:
    parsed = parse_dates(pd.Series([text]), "d")
    assert parsed.bad.tolist() == [True]
    assert parsed.reasons[0] == (
        f"expected a date like 2024-08-06, 06/08/2024, 6 August 2024 or 20240806, got {text!r}"
    )


def test_day_greater_than_12_settles_day_first_without_warning() -> None:
    parsed = parse_dates(pd.Series(["05/08/2024", "25/08/2024"]), "d")
    assert [str(pd.Timestamp(v).date()) for v in parsed.values] == ["2024-08-05", "2024-08-25"]
    assert parsed.warnings == () and not parsed.ambiguous.any()


def test_month_field_greater_than_12_settles_month_first() -> None:
    parsed = parse_dates(pd.Series(["08/05/2024", "08/25/2024"]), "d")
    assert [str(pd.Timestamp(v).date()) for v in parsed.values] == ["2024-08-05", "2024-08-25"]
    assert parsed.warnings == ()


def test_ambiguous_column_read_day_first_with_one_warning_and_flags() -> None:
    parsed = parse_dates(pd.Series(["05/08/2024", "06/08/2024", "08/08/2024"]), "when")
    assert [str(pd.Timestamp(v).date()) for v in parsed.values] == ["2024-08-05", "2024-08-06", "2024-08-08"]
    assert parsed.warnings == (
        "column 'when': day/month order ambiguous (all values have day<=12); read as DD/MM/YYYY, "
        "pass --dayfirst/--monthfirst to override",
    )
    assert parsed.ambiguous.tolist() == [True, True, False]  # 08/08 reads the same either way


@pytest.mark.parametrize(("dayfirst", "expected"), [(True, "2024-08-05"), (False, "2024-05-08")])
def test_dayfirst_resolves_ambiguity_without_warning(dayfirst: bool, expected: str) -> None:
    parsed = parse_dates(pd.Series(["05/08/2024"]), "d", dayfirst=dayfirst)
    assert str(pd.Timestamp(parsed.values[0]).date()) == expected
    assert parsed.warnings == () and not parsed.ambiguous.any()


def test_explicit_dayfirst_rejects_contradicting_values() -> None:
    parsed = parse_dates(pd.Series(["05/13/2024", "13/05/2024"]), "d", dayfirst=True)
    assert parsed.bad.tolist() == [True, False]
    assert parsed.reasons[0] == "expected DD/MM/YYYY (dayfirst=True), got '05/13/2024'"


def test_mixed_order_rejects_the_minority() -> None:
    parsed = parse_dates(pd.Series(["25/08/2024", "26/08/2024", "08/27/2024", "05/06/2024"]), "d")
    assert parsed.bad.tolist() == [False, False, True, False]
    assert (
        "expected DD/MM/YYYY like most of column 'd' (2 rows day-first, 1 rows month-first)"
        in parsed.reasons[2]
    )
    assert parsed.reasons[2].endswith("got MM/DD/YYYY-only value '08/27/2024'")
    assert parsed.ambiguous.tolist() == [False, False, False, True]
    assert len(parsed.warnings) == 1 and "mixed day/month order" in parsed.warnings[0]


def test_dot_dates_are_always_day_first() -> None:
    parsed = parse_dates(pd.Series(["05.08.2024", "06.08.2024"]), "d")
    assert [pd.Timestamp(v).month for v in parsed.values] == [8, 8]
    assert parsed.warnings == ()


def test_repeated_values_are_parsed_once_and_broadcast() -> None:
    values = pd.Series(["06/08/2024", "2024-08-07"] * 5000 + ["bad"], dtype="str")
    parsed = parse_dates(values, "d")
    assert int(parsed.bad.sum()) == 1 and parsed.bad[-1]
    assert pd.Series(parsed.values[:-1]).nunique() == 2


def test_bad_date_rejected_with_file_row_and_field(write_text) -> None:
    path = write_text("e.csv", "Event Date,lat,lon\n2024-08-06,50.45,30.52\nsoon,50.45,30.52\n")
    result = read_events(path)
    assert len(result.frame) == 1
    (issue,) = result.issues
    assert (issue.file, issue.row, issue.field, issue.value) == (str(path), 2, "Event Date", "soon")
    assert str(issue) == (
        f"{path}, row 2, field 'Event Date': expected a date like 2024-08-06, 06/08/2024, 6 August 2024 or "
        "20240806, got 'soon' (value 'soon')"
    )


def test_missing_date_rejects_the_row(write_text) -> None:
    result = read_events(write_text("e.csv", "date,lat,lon\n,50.45,30.52\n"))
    assert result.frame.empty and result.issues[0].reason == "expected a date, got nothing"


def test_ambiguous_column_warns_once_and_flags_rows(write_text) -> None:
    path = write_text("e.csv", "date,lat,lon\n05/08/2024,50.45,30.52\n06/08/2024,50.45,30.52\n")
    result = read_events(path)
    assert result.warnings == [
        "column 'date': day/month order ambiguous (all values have day<=12); read as DD/MM/YYYY, "
        "pass --dayfirst/--monthfirst to override"
    ]
    assert result.frame["date_start"].dt.month.tolist() == [8, 8]
    assert result.frame["flags"].tolist() == ["date_ambiguous", "date_ambiguous"]
    assert result.issues == []
    month_first = read_events(path, dayfirst=False)
    assert month_first.frame["date_start"].dt.month.tolist() == [5, 6]
    assert month_first.warnings == [] and month_first.frame["flags"].isna().all()


def test_mixed_day_month_order_rejects_minority_rows(write_text) -> None:
    text = "date,lat,lon\n25/08/2024,50.45,30.52\n26/08/2024,50.45,30.52\n08/27/2024,50.45,30.52\n"
    result = read_events(write_text("e.csv", text))
    assert result.frame["import_row"].tolist() == [1, 2]
    (issue,) = result.issues
    assert issue.row == 3 and issue.field == "date" and "MM/DD/YYYY-only value '08/27/2024'" in issue.reason


def test_yyyymmdd_integers(write_text) -> None:
    frame = read_events(write_text("e.csv", "date,lat,lon\n20240806,50.45,30.52\n")).frame
    assert frame.loc[0, "date_start"] == DAY


def test_bad_source_date_is_a_note_not_a_rejection(write_text) -> None:
    result = read_events(write_text("e.csv", "date,lat,lon,source_date\n2024-08-06,50.45,30.52,later\n"))
    assert len(result.frame) == 1 and pd.isna(result.frame.loc[0, "source_date"])
    (issue,) = result.issues
    assert issue.kind == "flag" and issue.field == "source_date"


# --- the accepted range: dates outside are rejected, never converted to another year ----------------

FAR = "expected a date between 1900-01-01 and 2100-12-31, got {!r}"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2999-01-01", "2999-01-01"),
        ("29990101", "29990101"),
        ("01/01/2999", "01/01/2999"),
        ("01.01.2999", "01.01.2999"),
        ("1 May 2999", "1 May 2999"),
        ("May 1, 2999", "May 1, 2999"),
        ("2999-01-01 14:30", "2999-01-01"),  # the time is dropped before the day is read
        ("2999-01-01T10:00:00+02:00", "2999-01-01T10:00:00+02:00"),
        ("2262-04-12", "2262-04-12"),  # just past the last nanosecond timestamp
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-01"),
        ("1899-12-31", "1899-12-31"),
        ("2101-01-01", "2101-01-01"),
        ("2100-12-31T23:30:00-01:00", "2100-12-31T23:30:00-01:00"),  # the UTC day is 2101-01-01
    ],
)
def test_dates_outside_the_range_are_rejected_not_wrapped(text: str, shown: str) -> None:
    parsed = parse_dates(pd.Series([text, "2024-08-06"]), "d")
    assert parsed.bad.tolist() == [True, False]
    assert pd.isna(parsed.values[0]) and pd.Timestamp(parsed.values[1]) == DAY
    assert parsed.reasons[0] == FAR.format(shown)
    assert parsed.values.dtype == "datetime64[ns]"


@pytest.mark.parametrize("text", ["1900-01-01", "2100-12-31", "01/01/1900", "31 December 2100", "21001231"])
def test_the_range_ends_are_inclusive(text: str) -> None:
    parsed = parse_dates(pd.Series([text]), "d")
    assert not parsed.bad.any()
    assert pd.Timestamp(parsed.values[0]).year in (1900, 2100)


def test_bounds_argument_and_environment_move_the_range(monkeypatch: pytest.MonkeyPatch) -> None:
    values = pd.Series(["1850-06-01", "2199-01-01", "2024-08-06"])
    assert parse_dates(values, "d").bad.tolist() == [True, True, False]
    wide = parse_dates(values, "d", bounds=(dt.date(1800, 1, 1), dt.date(2200, 12, 31)))
    assert not wide.bad.any()
    assert [pd.Timestamp(v).year for v in wide.values] == [1850, 2199, 2024]
    monkeypatch.setenv(DATE_RANGE_ENV, "2024-01-01..2024-12-31")
    assert date_range() == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    narrow = parse_dates(pd.Series(["2023-12-31", "2024-08-06"]), "d")
    assert narrow.bad.tolist() == [True, False]
    assert narrow.reasons[0] == "expected a date between 2024-01-01 and 2024-12-31, got '2023-12-31'"


@pytest.mark.parametrize(
    "text", ["1900-01-01", "1900-01-01..", "2100-12-31..1900-01-01", "1000-01-01..2000-01-01",
             "1900-01-01..2999-01-01", "1900-13-01..2000-01-01", "yesterday..today"]
)
def test_a_bad_configured_range_is_named(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv(DATE_RANGE_ENV, text)
    with pytest.raises(GeoError, match=r"expected GEO_DATE_RANGE as FIRST\.\.LAST days between 1678-01-01 "
                       r"and 2261-12-31 \(e\.g\. 1900-01-01\.\.2100-12-31\), got"):
        date_range()


def _xlsx(path: Path, rows: list[list[object]], formats: dict[str, str] | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    book.save(path)
    return path


def _gpkg(path: Path, **columns: list[object]) -> Path:
    import geopandas as gpd
    import shapely

    n = len(next(iter(columns.values())))
    frame = gpd.GeoDataFrame(columns, geometry=[shapely.Point(30.52, 50.45)] * n, crs="EPSG:4326")
    frame.to_file(path, engine="pyogrio")
    return path


def _far_files(tmp_path: Path) -> list[tuple[str, Path, str, str, str]]:
    """(label, path, field, raw value, the day the reason shows) of files whose second row holds a day
    outside the range; the first row holds 2024-08-06."""
    feature = '{{"type":"Feature","geometry":{{"type":"Point","coordinates":[30.52,50.45]}},"properties":{}}}'
    files = []
    write = tmp_path.joinpath

    p = write("plain.csv")
    p.write_text("date,lat,lon\n2024-08-06,50.45,30.52\n2999-01-01,50.45,30.52\n", encoding="utf-8")
    files.append(("csv", p, "date", "2999-01-01", "2999-01-01"))
    p = write("stamp.csv")
    p.write_text("date,lat,lon\n2024-08-06 10:00,50.45,30.52\n2999-01-01 23:59:59,50.45,30.52\n", encoding="utf-8")
    files.append(("csv with times", p, "date", "2999-01-01 23:59:59", "2999-01-01"))
    p = write("acled.csv")
    p.write_text(csv_text(ACLED_COLUMNS, [acled_row(event_date="2024-08-06"),
                                          acled_row(event_id_cnty="RUS9002", event_date="2999-01-01")]))
    files.append(("acled", p, "event_date", "2999-01-01", "2999-01-01"))
    p = write("ged.csv")
    p.write_text(csv_text(UCDP_COLUMNS, [ucdp_row(date_start="2024-08-06"),
                                         ucdp_row(id=900002, date_start="2024-08-06", date_end="2999-01-01")]))
    files.append(("ucdp end", p, "date_end", "2999-01-01", "2999-01-01"))
    p = write("viina.csv")
    p.write_text(csv_text(VIINA_COLUMNS, [viina_row(date=20240806), viina_row(event_id="ev_2", date=29990101)]))
    files.append(("viina YYYYMMDD", p, "date", "29990101", "29990101"))
    p = write("e.geojson")
    features = [feature.format('{"date": 20240806}'), feature.format('{"date": 29990101}')]
    p.write_text('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}")
    files.append(("geojson integer", p, "date", "29990101", "29990101"))
    p = write("e.kml")
    placemark = "<Placemark><TimeStamp><when>{}</when></TimeStamp><Point><coordinates>30.52,50.45</coordinates></Point></Placemark>"
    p.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                 + placemark.format("2024-08-06T10:00:00Z") + placemark.format("2999-01-01T10:00:00Z")
                 + "</Document></kml>")
    files.append(("kml when", p, "date_start", "2999-01-01T10:00:00Z", "2999-01-01"))
    p = _xlsx(write("cells.xlsx"), [["date", "lat", "lon"], [dt.datetime(2024, 8, 6, 9, 30), 50.45, 30.52],
                                    [dt.datetime(2999, 1, 1, 12, 0), 50.45, 30.52]])
    files.append(("xlsx datetime", p, "date", "2999-01-01 12:00:00", "2999-01-01"))
    p = _xlsx(write("serial.xlsx"), [["date", "lat", "lon"], [45510, 50.45, 30.52], [400000, 50.45, 30.52]],
              {"A2": "yyyy-mm-dd", "A3": "yyyy-mm-dd"})  # Excel serial days: 45510 = 2024-08-06, 400000 = 2995
    files.append(("xlsx serial", p, "date", "2995-02-27", "2995-02-27"))
    p = _gpkg(write("d.gpkg"), date=[dt.date(2024, 8, 6), dt.date(2999, 1, 1)])
    files.append(("gpkg date", p, "date", "2999-01-01", "2999-01-01"))
    p = _gpkg(write("t.gpkg"), date=[dt.datetime(2024, 8, 6, 10), dt.datetime(2999, 1, 1, 10)])
    files.append(("gpkg datetime", p, "date", "2999-01-01 10:00:00", "2999-01-01"))
    return files


def test_every_reader_rejects_far_dates_with_file_row_field_and_value(tmp_path: Path) -> None:
    files = _far_files(tmp_path)
    assert len(files) == 11
    for label, path, field, value, shown in files:
        result = read_events(path)
        assert result.frame["date_start"].tolist() == [DAY], label
        (issue,) = [i for i in result.issues if i.kind == "reject"]
        assert (issue.file, issue.row, issue.field, issue.value) == (str(path), 2, field, value), label
        assert issue.reason == FAR.format(shown), label


def test_an_excel_serial_number_without_a_date_format_is_not_a_date(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "n.xlsx", [["date", "lat", "lon"], [45510, 50.45, 30.52]])
    result = read_events(path)
    assert result.frame.empty
    assert result.issues[0].reason == (
        "expected a date like 2024-08-06, 06/08/2024, 6 August 2024 or 20240806, got '45510'"
    )


def test_a_far_source_date_is_dropped_with_a_note_and_the_row_kept(write_text) -> None:
    path = write_text("e.csv", "date,lat,lon,source_date\n2024-08-06,50.45,30.52,2999-01-01\n")
    result = read_events(path)
    assert result.frame["date_start"].tolist() == [DAY]
    assert pd.isna(result.frame.loc[0, "source_date"])
    (issue,) = result.issues
    assert (issue.kind, issue.row, issue.field, issue.value) == ("flag", 1, "source_date", "2999-01-01")
    assert issue.reason == FAR.format("2999-01-01")


def test_the_environment_range_reaches_the_readers(write_text, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_text("e.csv", "date,lat,lon\n2199-01-01,50.45,30.52\n")
    assert read_events(path).frame.empty
    monkeypatch.setenv(DATE_RANGE_ENV, "1900-01-01..2200-12-31")
    assert read_events(path).frame["date_start"].tolist() == [pd.Timestamp("2199-01-01")]


# --- area layers read their days with the same rule ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2999-01-01", "'2999-01-01'"),
        ("2999-01-01T10:00:00Z", "'2999-01-01T10:00:00Z'"),
        (29990101, "29990101"),
        ("29990101", "'29990101'"),
        ("01.01.2999", "'01.01.2999'"),
        ("1 May 2999", "'1 May 2999'"),
        (1e20, "1e+20"),  # Unix seconds far beyond any calendar
        (32503680000000, "32503680000000"),  # Unix milliseconds of 3000-01-01
        (dt.date(1800, 1, 1), "'1800-01-01'"),
        (pd.Timestamp("2999-01-01"), "'2999-01-01 00:00:00'"),
    ],
)
def test_area_days_outside_the_range_are_rejected(value: object, shown: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"expected a date between 1900-01-01 and 2100-12-31, got {shown}")):
        parse_day(value)


@pytest.mark.parametrize("value", [5, 2024, -1.5, float("inf"), "Jan 1 12345"])
def test_small_numbers_are_not_area_days(value: object) -> None:
    with pytest.raises(ValueError, match="expected a date"):
        parse_day(value)


def test_area_features_with_far_days_are_skipped_with_a_reason(tmp_path: Path) -> None:
    square = [[30.0, 50.0], [31.0, 50.0], [31.0, 51.0], [30.0, 51.0], [30.0, 50.0]]
    features = [
        {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [square]}}
        for props in ({"date": "2024-08-06", "name": "a"}, {"date": "2999-01-01", "name": "b"},
                      {"date": "2024-08-06", "end_date": 29990101, "name": "c"})
    ]
    path = tmp_path / "control_2999-01-01.geojson"  # a far day in the name is no date either
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    areas, issues = read_areas(path)
    assert areas["name"].tolist() == ["a"]
    assert [(i.row, i.field, i.value, i.reason) for i in issues] == [
        (2, "date", "2999-01-01", FAR.format("2999-01-01")),
        (3, "end_date", "29990101", "expected a date between 1900-01-01 and 2100-12-31, got 29990101"),
    ]
    assert date_from_name(path.name) is None
