"""Date columns: every accepted form, day/month order, rejections with file/row/field."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.io import read_events
from geo.io._dates import parse_dates

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
