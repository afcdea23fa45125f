"""Units: reading unit-position files (columns by name, rejects, duplicates), as-of semantics, tracks, linking
deployments to units, and the ``units`` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from unit_factories import NAMED_UNITS, tracker_table

from geo import units
from geo.cli import main
from geo.errors import GeoError, InputFormatError
from geo.io.units import POSITION_COLUMNS, read_positions


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "units.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _positions(rows: list[dict[str, object]], tmp_path: Path) -> pd.DataFrame:
    return read_positions(_write(tmp_path, pd.DataFrame(rows))).frame


# --- reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [
    None,  # the tracker's own headers: Unit, Date, Latitude, Longitude, SIDC, ...
    {"Unit": "unit_name", "Date": "report_date", "Latitude": "lat", "Longitude": "lng", "SIDC": "symbol_code"},
    {"Unit": "Formation", "Date": "As of", "Latitude": "Y", "Longitude": "X", "Parent": "Higher unit"},
])
def test_columns_are_recognised_by_name(tmp_path, columns):
    table = tracker_table(8, 5, seed=1, columns=columns)
    result = read_positions(_write(tmp_path, table))
    assert list(result.frame.columns) == list(POSITION_COLUMNS)
    assert result.read == len(table) == len(result.frame) and not result.issues and result.duplicates == 0
    assert result.frame["unit"].nunique() == 8
    assert result.frame["lat"].between(50, 54).all() and result.frame["lon"].between(29, 37).all()
    assert result.frame["date"].min() == pd.Timestamp(table.iloc[:, 1].min())


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"Unit": ""}, "unit", "expected a unit name, got an empty cell"),
    ({"Date": "31/02/2024"}, "date", "expected"),
    ({"Date": ""}, "date", "expected a date"),
    ({"Latitude": "95.5"}, "lat", "expected a latitude between -90 and 90, got 95.5"),
    ({"Longitude": "east"}, "lon", "expected a longitude between -180 and 180, got east"),
])
def test_a_bad_row_is_rejected_naming_file_row_and_field(tmp_path, change, field, reason):
    table = tracker_table(3, 4, seed=2).astype(object)
    for column, value in change.items():
        table.loc[5, column] = value
    path = _write(tmp_path, table)
    result = read_positions(path)
    assert len(result.issues) == 1 and result.read == len(table) == len(result.frame) + 1
    issue = result.issues[0]
    assert (issue.file, issue.row, issue.field) == (str(path), 6, field)  # the header is row 0
    assert reason in issue.reason


def test_an_exact_repeat_is_a_duplicate_and_read_is_kept_plus_rejected_plus_duplicates(tmp_path):
    table = tracker_table(4, 6, seed=3)
    twice = pd.concat([table, table.iloc[[0, 7]]], ignore_index=True)
    first, second = _write(tmp_path, twice, "a.csv"), _write(tmp_path, table.iloc[:5], "b.csv")
    result = read_positions([first, second])
    assert result.duplicates == 2 + 5
    assert len(result.frame) == len(table)
    assert result.read == len(twice) + 5 == len(result.frame) + len(result.issues) + result.duplicates


def test_a_file_without_the_required_columns_is_refused_naming_what_is_missing(tmp_path):
    path = _write(tmp_path, tracker_table(2, 2).drop(columns=["Date"]))
    with pytest.raises(InputFormatError, match=r"expected unit-position columns date .*got columns: Unit, Latitude"):
        read_positions(path)


def test_geojson_points_are_read_and_other_geometries_rejected(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [33.1, 51.2]},
         "properties": {"unit": "3rd Motor Rifle Brigade", "date": "2024-08-10", "sidc": "shgpucii---h---"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
         "properties": {"unit": "X", "date": "2024-08-10"}},
    ]}
    path = tmp_path / "u.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = read_positions(path)
    assert result.frame[["lat", "lon"]].values.tolist() == [[51.2, 33.1]]
    assert result.frame["sidc"].tolist() == ["SHGPUCII---H---"]
    assert [(i.row, i.field) for i in result.issues] == [(2, "geometry")]
    assert "expected a Point" in result.issues[0].reason


def test_cyrillic_and_latin_spellings_of_one_unit_share_a_key(tmp_path):
    frame = _positions([
        {"unit": "3-я мотострелковая бригада", "date": "2024-08-01", "lat": 51, "lon": 33},
        {"unit": "3-ya motostrelkovaya brigada", "date": "2024-08-02", "lat": 51.1, "lon": 33.1},
    ], tmp_path)
    assert frame["unit_key"].nunique() == 1


# --- as of --------------------------------------------------------------------------------------------


def _rows(*specs: tuple[str, str, float, str, str]) -> list[dict[str, object]]:
    return [{"unit": u, "date": d, "lat": lat, "lon": 30.0, "geo_precision": p, "verification": v}
            for u, d, lat, p, v in specs]


def test_as_of_takes_each_units_latest_report_on_or_before_the_day_and_leaves_out_units_not_yet_reported(tmp_path):
    positions = _positions(_rows(
        ("A", "2024-08-01", 50.0, "exact", "reported"),
        ("A", "2024-08-05", 51.0, "exact", "reported"),
        ("A", "2024-08-09", 52.0, "exact", "reported"),  # after the day: not used
        ("B", "2024-08-02", 53.0, "exact", "reported"),
        ("C", "2024-08-08", 54.0, "exact", "reported"),  # first reported after the day: left out
    ), tmp_path)
    table = units.as_of(positions, "2024-08-06")
    assert list(table.columns) == list(units.AS_OF_COLUMNS)
    got = {r.unit: (r.lat, r.date.date().isoformat(), r.age_days) for r in table.itertuples()}
    assert got == {"A": (51.0, "2024-08-05", 1), "B": (53.0, "2024-08-02", 4)}
    assert list(table["unit"]) == ["A", "B"]  # most recently reported first
    assert units.as_of(positions, "2024-08-05").set_index("unit").loc["A", "age_days"] == 0  # the day itself
    assert units.as_of(positions, "2024-07-31").empty


@pytest.mark.parametrize(("first", "second", "winner"), [
    (("near", "reported"), ("exact", "reported"), 2.0),  # the more precise place
    (("exact", "claimed"), ("exact", "confirmed"), 2.0),  # then the more certain report
    (("exact", "confirmed"), ("near", "confirmed"), 1.0),
    (("exact", "reported"), ("exact", "reported"), 2.0),  # then the later row
])
def test_a_tie_on_the_latest_day_goes_to_precision_then_verification_then_the_later_row(tmp_path, first, second,
                                                                                        winner):
    positions = _positions(_rows(("A", "2024-08-05", 1.0, *first), ("A", "2024-08-05", 2.0, *second),
                                 ("A", "2024-08-01", 3.0, "exact", "confirmed")), tmp_path)
    row = units.as_of(positions, "2024-08-10").iloc[0]
    assert row["lat"] == winner and row["reports_that_day"] == 2


def test_as_of_filters_by_side_echelon_and_parent(tmp_path):
    positions = read_positions(_write(tmp_path, tracker_table(30, 10, seed=4))).frame
    day = "2024-09-30"
    everything = units.as_of(positions, day)
    assert len(everything) == 30
    rus = units.as_of(positions, day, sides=["rus"])
    assert len(rus) and set(rus["side"]) == {"RUS"}
    brigades = units.as_of(positions, day, echelons=["Brigade"])
    assert set(brigades["unit"]) == {u[0] for u in NAMED_UNITS}
    western = units.as_of(positions, day, parents=["western operational command"])
    assert set(western["unit"]) == {u[0] for u in NAMED_UNITS if u[3] == "Western Operational Command"}


def test_as_of_matches_a_naive_loop_on_a_tracker_table(tmp_path):
    positions = read_positions(_write(tmp_path, tracker_table(25, 20, seed=5))).frame
    for day in ("2024-07-25", "2024-08-10", "2024-09-30"):
        table = units.as_of(positions, day).set_index("unit")
        when = pd.Timestamp(day)
        for name, rows in positions.groupby("unit"):
            earlier = rows.loc[rows["date"] <= when]
            if earlier.empty:
                assert name not in table.index
                continue
            latest = earlier.loc[earlier["date"] == earlier["date"].max()].iloc[-1]
            assert (table.loc[name, "lat"], table.loc[name, "lon"]) == (latest["lat"], latest["lon"])


def test_a_track_is_the_units_reports_up_to_the_day_oldest_first(tmp_path):
    positions = read_positions(_write(tmp_path, tracker_table(5, 12, seed=6))).frame
    name = NAMED_UNITS[1][0]
    whole = units.track(positions, name)
    assert len(whole) == 12 and whole["date"].is_monotonic_increasing
    part = units.track(positions, "448-ya raketnaya brigada", "2024-08-01")  # transliterated spelling
    assert len(part) == int((whole["date"] <= "2024-08-01").sum()) and 0 < len(part) < 12


@pytest.mark.parametrize("day", ["2024-13-01", "yesterday", ""])
def test_a_bad_day_is_refused(tmp_path, day):
    positions = read_positions(_write(tmp_path, tracker_table(2, 2))).frame
    with pytest.raises(GeoError, match=r"expected a day as YYYY-MM-DD, got"):
        units.as_of(positions, day)


# --- linking ------------------------------------------------------------------------------------------


def test_deployments_link_to_the_unit_they_name_by_column_or_title(tmp_path):
    positions = read_positions(_write(tmp_path, tracker_table(6, 3, seed=7))).frame
    events = pd.DataFrame({
        "category": ["deployment", "deployment", "deployment", "statement"],
        "unit": ["448-ya raketnaya brigada", None, None, "465th Missile Brigade"],
        "title": ["Iskander units moved", "The 465th Missile Brigade moved to the border", "Troops moved",
                  "465th Missile Brigade statement"],
    })
    linked = units.link_events(events, positions)
    key = dict(zip(positions["unit"], positions["unit_key"]))
    assert linked.tolist() == [key["448-я ракетная бригада"], key["465th Missile Brigade"], "", ""]


# --- the command ----------------------------------------------------------------------------------------


def test_the_units_command_writes_one_row_per_unit_as_of_the_day_and_leaves_the_store_alone(tmp_path, monkeypatch,
                                                                                            capsys):
    store = tmp_path / "store.gpkg"
    monkeypatch.setenv("GEO_STORE", str(store))
    table = tracker_table(12, 8, seed=8).astype(object)
    table.loc[3, "Unit"] = "=HYPERLINK(\"http://x\")"  # a formula in the data stays text in the CSV
    table.loc[4, "Latitude"] = "abc"
    src = _write(tmp_path, table)
    out = tmp_path / "asof.csv"
    assert main(["units", str(src), "--as-of", "2024-08-20", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [c for c in units.AS_OF_COLUMNS if c != "unit_key"]
    assert len({r["unit"] for r in rows}) == len(rows)
    assert all(r["date"] <= "2024-08-20" for r in rows)
    assert "'=HYPERLINK" in text
    captured = capsys.readouterr()
    assert "row 5, field 'lat'" in captured.err and "1 rejected" in captured.out
    assert not store.exists()
    geo_out = tmp_path / "asof.geojson"
    assert main(["units", str(src), "--as-of", "2024-08-20", "--out", str(geo_out), "--side", "UKR"]) == 0
    doc = json.loads(geo_out.read_text(encoding="utf-8"))
    assert doc["as_of"] == "2024-08-20" and doc["features"]
    assert {f["properties"]["side"] for f in doc["features"]} == {"UKR"}
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert 29 < lon < 37 and 50 < lat < 54


def test_the_units_command_refuses_an_unknown_output_type(tmp_path, capsys):
    src = _write(tmp_path, tracker_table(2, 2))
    assert main(["units", str(src), "--as-of", "2024-08-20", "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "expected --out ending in .csv or .geojson, got 'x.xlsx'" in capsys.readouterr().err


def test_as_of_on_an_empty_selection_keeps_its_columns_and_types(tmp_path):
    positions = read_positions(_write(tmp_path, tracker_table(3, 3))).frame
    empty = units.as_of(positions, dt.date(2000, 1, 1))
    assert empty.empty and list(empty.columns) == list(units.AS_OF_COLUMNS)
    assert empty["lat"].dtype == np.float64 and empty["age_days"].dtype == np.int64


# --- the store ----------------------------------------------------------------------------------------


def test_the_store_keeps_each_report_once_beside_the_events_and_reads_back_what_was_read(tmp_path):
    from geo.store import EventStore

    store_path = tmp_path / "store.gpkg"
    events = pd.DataFrame({"id": ["e1"], "title": ["x"], "category": ["deployment"], "lon": [30.0], "lat": [51.0],
                           "date_start": [pd.Timestamp("2024-08-10")], "verification": ["reported"],
                           "geo_precision": ["exact"]})
    EventStore(store_path).add(events, source="events.csv")
    positions = read_positions(_write(tmp_path, tracker_table(6, 5, seed=9))).frame
    store = units.UnitStore(store_path)
    assert store.add(positions) == len(positions)
    assert store.add(positions) == 0  # idempotent: each report once
    assert store.add(positions.iloc[:3]) == 0
    back = store.read()
    assert len(back) == len(positions) and back["report_id"].is_unique
    assert list(back.columns) == ["report_id", *POSITION_COLUMNS]
    mine = back.drop(columns=["report_id"]).sort_values(["unit_key", "date", "import_row"]).reset_index(drop=True)
    want = positions.sort_values(["unit_key", "date", "import_row"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[["unit", "unit_key", "lat", "lon", "sidc", "source"]],
                                  want[["unit", "unit_key", "lat", "lon", "sidc", "source"]], check_dtype=False)
    assert (mine["date"] == want["date"]).all()
    assert len(EventStore(store_path).read()) == 1  # the events layer untouched
    assert units.as_of(back, "2024-09-30").shape[0] == 6


def test_a_file_that_is_not_a_store_is_an_error_not_no_units(tmp_path):
    from geo.errors import StoreError

    bad = tmp_path / "store.gpkg"
    bad.write_text("not a database", encoding="utf-8")
    with pytest.raises(StoreError, match=r"not an SQLite database"):
        units.UnitStore(bad).read()


def test_import_units_adds_the_reports_to_the_store_once(tmp_path, capsys):
    store_path = tmp_path / "store.gpkg"
    table = tracker_table(5, 4, seed=10).astype(object)
    table.loc[2, "Date"] = "not a date"
    src = _write(tmp_path, pd.concat([table, table.iloc[[0]]], ignore_index=True))
    assert main(["import", "--units", str(src), "--store", str(store_path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(table) + 1} rows read = {len(table) - 1} stored + 1 rejected + 1 duplicates" in out
    assert "row 3, field 'date'" in out
    assert main(["import", "--units", str(src), "--store", str(store_path)]) == 0
    assert f"= 0 stored + 1 rejected + {len(table)} duplicates (1 in the file, {len(table) - 1} already stored)" in (
        capsys.readouterr().out)
    assert len(units.UnitStore(store_path).read()) == len(table) - 1
