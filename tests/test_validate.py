"""Validation: ranges, proven swaps, true and possible duplicates, dates; nothing mutated, every issue named."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geo.validate import validate
from tests.factories import grid_boundaries, make_events


@pytest.fixture(scope="module")
def adm0():
    return grid_boundaries().adm0


@pytest.mark.parametrize(
    ("lon", "lat", "field", "reason"),
    [
        (30.5, 95.0, "lat", r"expected a value in \[-90, 90\], got 95.0"),
        (200.0, 50.5, "lon", r"expected a value in \[-180, 180\], got 200.0"),
        (30.5, -91.0, "lat", "got -91.0"),
    ],
)
def test_out_of_range_rejected_with_file_row_field(lon, lat, field, reason):
    events = make_events(3, lon=[30.5, lon, 30.6], lat=[50.5, lat, 50.6])
    out = validate(events)
    assert len(out.frame) == 2
    (issue,) = [i for i in out.issues if i.kind == "reject"]
    assert (issue.file, issue.row, issue.field) == ("events.csv", 2, field)
    assert pytest.approx(float(issue.value)) == (lat if field == "lat" else lon)
    assert __import__("re").search(reason, issue.reason)


def test_swap_fixed_when_swapped_point_is_in_declared_country(adm0):
    # (lat, lon) written the wrong way round: 50.25, 30.25 -> lon=50.25 is outside AAA, lon=30.25 inside
    events = make_events(1, lon=[50.25], lat=[30.25], country_iso=["AAA"])
    out = validate(events, adm0=adm0)
    row = out.frame.iloc[0]
    assert (row.lon, row.lat) == (30.25, 50.25)
    assert "latlon_swapped" in row["flags"]
    assert out.count("swap") == 1


def test_swap_not_fixed_without_proof(adm0):
    # swapped point not in the declared country: left as is (no guess)
    events = make_events(1, lon=[50.25], lat=[30.25], country_iso=["BBB"])
    out = validate(events, adm0=adm0)
    assert (out.frame.lon.iloc[0], out.frame.lat.iloc[0]) == (50.25, 30.25)
    assert out.count("swap") == 0


def test_swap_not_fixed_when_original_point_is_already_in_country(adm0):
    events = make_events(1, lon=[30.5], lat=[50.5], country_iso=["AAA"])
    out = validate(events, adm0=adm0)
    assert (out.frame.lon.iloc[0], out.frame.lat.iloc[0]) == (30.5, 50.5)


def test_impossible_latitude_with_swap_hint_is_rejected_without_boundaries():
    out = validate(make_events(1, lon=[50.5], lat=[130.5]))
    assert len(out.frame) == 0
    assert "look swapped" in out.issues[0].reason


def _repeat(events: pd.DataFrame, pos: int, **changes: object) -> pd.DataFrame:
    """``events`` with row ``pos`` appended again as the next source row, with ``changes``."""
    extra = events.iloc[[pos]].copy()
    extra["import_row"] = pd.array([len(events) + 1], dtype="Int64")
    for col, value in changes.items():
        extra[col] = pd.Series([value], index=extra.index).astype(events[col].dtype)
    return pd.concat([events, extra], ignore_index=True)


def _counts_add_up(events: pd.DataFrame, out) -> None:
    rejected = {i.row for i in out.issues if i.kind == "reject"}
    duplicates = {i.row for i in out.issues if i.kind == "duplicate"}
    assert len(events) == len(out.frame) + len(rejected) + len(duplicates)


def test_same_id_and_same_content_is_a_true_duplicate():
    events = _repeat(make_events(2, id=["a", "b"]), 0)
    out = validate(events)
    assert list(out.frame.id) == ["a", "b"]
    (dup,) = [i for i in out.issues if i.kind == "duplicate"]
    assert (dup.row, dup.value) == (3, "a")
    assert "duplicate of row 1 (id a): same id and same content" in dup.reason
    _counts_add_up(events, out)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"title": "another event"}, "title"),
        ({"lat": 50.7, "lon": 30.9}, "lon, lat"),
        ({"fatalities": 4}, "fatalities"),
        ({"date_start": pd.Timestamp("2024-09-01")}, "date_start"),
    ],
)
def test_same_id_with_other_content_is_rejected_naming_both_rows(changes, fields):
    events = _repeat(make_events(2, id=["a", "b"]), 0, **changes)
    out = validate(events)
    assert list(out.frame.id) == ["a", "b"]  # the first row of the id is kept
    (rejected,) = [i for i in out.issues if i.kind == "reject"]
    assert (rejected.file, rejected.row, rejected.field, rejected.value) == ("events.csv", 3, "id", "a")
    assert re.search(
        rf"expected a unique id or a repeat of row 1, got id a on row 1 and here with different {fields}: "
        "not provably the same event",
        rejected.reason,
    )
    assert out.count("duplicate") == 0
    _counts_add_up(events, out)


def test_distinct_ids_on_one_day_and_place_are_all_kept_and_flagged():
    # UCDP GED publishes several events per place and day, each with its own id
    events = make_events(
        3, id=["ucdp:1", "ucdp:2", "ucdp:3"], lon=[35.27] * 3, lat=[51.19] * 3,
        date_start=[pd.Timestamp("2024-08-16")] * 3, category=["ground_combat"] * 3, geo_precision=["near"] * 3,
        title=["Shelling", "Clash", "Shelling"],
    )
    out = validate(events)
    assert list(out.frame.id) == ["ucdp:1", "ucdp:2", "ucdp:3"]
    assert out.frame["possible_duplicate_of"].tolist() == [pd.NA, "ucdp:1", "ucdp:1"]
    assert out.frame["flags"].fillna("").tolist() == ["", "possible_duplicate", "possible_duplicate"]
    flagged = [i for i in out.issues if i.kind == "possible_duplicate"]
    assert [(i.row, i.value) for i in flagged] == [(2, "ucdp:2"), (3, "ucdp:3")]
    assert "possible duplicate of row 1 (id ucdp:1): same day, category and place within 1 km" in flagged[0].reason
    assert out.count("duplicate") == 0
    _counts_add_up(events, out)


def test_possible_duplicates_within_1km_point_at_the_earliest_partner():
    events = make_events(
        4,
        lon=[30.5, 30.505, 30.52, 30.532],  # 0.35 km, 1.4 km and 2.3 km east of the first
        lat=[50.5] * 4,
        date_start=[pd.Timestamp("2024-08-09")] * 4,
        category=["airspace_incident"] * 4,
    )
    out = validate(events)
    assert len(out.frame) == 4
    # row 2 is near row 1; row 3 is near nobody earlier; row 4 is 0.85 km from row 3 only
    assert out.frame["possible_duplicate_of"].tolist() == [pd.NA, "t-0-0", pd.NA, "t-0-2"]
    assert "within 1 km" in [i for i in out.issues if i.kind == "possible_duplicate"][0].reason


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        ({"date_start": [pd.Timestamp("2024-08-09"), pd.Timestamp("2024-08-10")]}, 0),
        ({"category": ["strike", "statement"]}, 0),
        ({}, 1),
    ],
)
def test_possible_duplicates_need_same_day_and_category(change, flagged):
    base = {
        "lon": [30.5, 30.501], "lat": [50.5, 50.5],
        "date_start": [pd.Timestamp("2024-08-09")] * 2, "category": ["strike"] * 2,
    }
    out = validate(make_events(2, **{**base, **change}))
    assert len(out.frame) == 2  # never a deletion
    assert int(out.frame["possible_duplicate_of"].notna().sum()) == flagged == out.count("possible_duplicate")


def test_coarse_centroids_are_possible_duplicates_only_with_the_same_title():
    events = make_events(
        3, lon=[30.5] * 3, lat=[50.5] * 3, geo_precision=["admin1"] * 3,
        date_start=[pd.Timestamp("2024-08-12")] * 3, category=["territorial_change"] * 3,
        title=["Kyiv claims 1000 km2", "Governor: 28 settlements", "Kyiv claims 1000 km2"],
    )
    out = validate(events)
    assert len(out.frame) == 3
    assert out.frame["possible_duplicate_of"].tolist() == [pd.NA, pd.NA, "t-0-0"]


def test_rows_without_coordinates_pair_by_place_name():
    events = make_events(
        3, lon=[np.nan] * 3, lat=[np.nan] * 3, location_name=["Sudzha", " sudzha ", "Kursk"],
        date_start=[pd.Timestamp("2024-08-16")] * 3, category=["strike"] * 3,
    )
    out = validate(events)
    assert len(out.frame) == 3
    assert out.frame["possible_duplicate_of"].tolist() == [pd.NA, "t-0-0", pd.NA]
    (issue,) = [i for i in out.issues if i.kind == "possible_duplicate"]
    assert issue.row == 2 and "same day, category and place name" in issue.reason


def test_validating_again_gives_the_same_flags_once():
    events = make_events(2, lon=[30.5, 30.501], lat=[50.5, 50.5], date_start=[pd.Timestamp("2024-08-09")] * 2)
    once = validate(events).frame
    twice = validate(once).frame
    assert twice["flags"].tolist() == once["flags"].tolist() == [pd.NA, "possible_duplicate"]
    assert twice["possible_duplicate_of"].tolist() == [pd.NA, "t-0-0"]


def test_dates_missing_or_backwards_rejected():
    events = make_events(
        3,
        date_start=[pd.Timestamp("2024-08-06"), pd.NaT, pd.Timestamp("2024-08-10")],
        date_end=[pd.NaT, pd.NaT, pd.Timestamp("2024-08-01")],
    )
    out = validate(events)
    assert list(out.frame.id) == ["t-0-0"]
    reasons = sorted(i.reason for i in out.issues)
    assert any("expected a start date" in r for r in reasons)
    assert any("on or after the start date 2024-08-10" in r for r in reasons)


def test_validate_does_not_mutate_input(adm0):
    events = make_events(4, lon=[50.25, 30.5, 30.5, 999], lat=[30.25, 50.5, 50.5, 50], country_iso="AAA")
    before = events.copy()
    validate(events, adm0=adm0)
    pd.testing.assert_frame_equal(events, before)


def test_rows_without_location_are_kept():
    out = validate(make_events(2, lon=[np.nan, 30.5], lat=[np.nan, 50.5]))
    assert len(out.frame) == 2
