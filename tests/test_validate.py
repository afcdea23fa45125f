"""Validation: ranges, proven swaps, duplicates, dates; nothing mutated, every issue named."""

from __future__ import annotations

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


def test_duplicates_same_id_keep_first():
    events = make_events(3, id=["a", "b", "a"])
    out = validate(events)
    assert list(out.frame.id) == ["a", "b"]
    (dup,) = [i for i in out.issues if i.kind == "duplicate"]
    assert dup.row == 3 and "duplicate of row 1" in dup.reason and "same id" in dup.reason


def test_duplicates_same_day_category_within_1km():
    events = make_events(
        3,
        lon=[30.5, 30.505, 30.52],  # 0.35 km and 1.4 km east of the first
        lat=[50.5, 50.5, 50.5],
        date_start=[pd.Timestamp("2024-08-09")] * 3,
        category=["airspace_incident"] * 3,
    )
    out = validate(events)
    assert list(out.frame.id) == ["t-0-0", "t-0-2"]
    assert "has_duplicates" in out.frame["flags"].iloc[0]
    assert "within 1 km" in [i for i in out.issues if i.kind == "duplicate"][0].reason


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        ({"date_start": [pd.Timestamp("2024-08-09"), pd.Timestamp("2024-08-10")]}, 2),
        ({"category": ["strike", "statement"]}, 2),
        ({}, 1),
    ],
)
def test_duplicates_need_same_day_and_category(change, kept):
    base = {
        "lon": [30.5, 30.501], "lat": [50.5, 50.5],
        "date_start": [pd.Timestamp("2024-08-09")] * 2, "category": ["strike"] * 2,
    }
    out = validate(make_events(2, **{**base, **change}))
    assert len(out.frame) == kept


def test_coarse_centroids_are_not_duplicates_unless_same_title():
    events = make_events(
        3, lon=[30.5] * 3, lat=[50.5] * 3, geo_precision=["admin1"] * 3,
        date_start=[pd.Timestamp("2024-08-12")] * 3, category=["territorial_change"] * 3,
        title=["Kyiv claims 1000 km2", "Governor: 28 settlements", "Kyiv claims 1000 km2"],
    )
    assert len(validate(events).frame) == 2


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
