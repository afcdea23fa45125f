"""Event ids: the source's own id, an id-like column recognised by name and uniqueness, else a hash of the
whole raw row (every column), stable across runs and processes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from io_factories import UCDP_COLUMNS, ucdp_row

from geo.io import read_events

ROOT = Path(__file__).resolve().parents[2]
BASE = ["date", "lat", "lon", "title", "note"]


def _rows(id_values: list[str]) -> list[list[object]]:
    return [[v, "2024-08-06", 50.45, 30.52, f"event {i}", "n"] for i, v in enumerate(id_values)]


@pytest.mark.parametrize("column", ["event_no_id", "ID_event", "record_key", "Row Key", "OBJECTID"])
def test_an_id_like_column_with_unique_values_is_the_id(write_csv, column: str) -> None:
    result = read_events(write_csv("e.csv", [column, *BASE], _rows(["17", "18", "19"])))
    assert result.frame["id"].tolist() == ["csv:17", "csv:18", "csv:19"]
    assert [w for w in result.warnings if column in w] == [
        f"no column named id: column {column!r} used as the event id (no two different rows share a value)"
    ]


@pytest.mark.parametrize("column", ["ID", "uid", "event_id", "EventID", "Record ID"])
def test_known_id_names_are_used_without_a_warning(write_csv, column: str) -> None:
    result = read_events(write_csv("e.csv", [column, *BASE], _rows(["a1", "a2"])))
    assert result.frame["id"].tolist() == ["csv:a1", "csv:a2"]
    assert not [w for w in result.warnings if "id" in w]


def test_an_id_like_column_repeated_only_by_a_repeated_whole_row_is_the_id(write_csv) -> None:
    rows = _rows(["17", "18"])
    result = read_events(write_csv("e.csv", ["event_no_id", *BASE], [*rows, rows[0]]))
    assert result.frame["id"].tolist() == ["csv:17", "csv:18", "csv:17"]  # validation drops the repeat


def test_a_known_id_name_is_preferred_to_an_id_like_one(write_csv) -> None:
    rows = [[k, *r] for k, r in zip(["k1", "k2"], _rows(["a1", "a2"]), strict=True)]
    result = read_events(write_csv("e.csv", ["record_key", "id", *BASE], rows))
    assert result.frame["id"].tolist() == ["csv:a1", "csv:a2"]


@pytest.mark.parametrize(
    ("values", "why"),
    [(["r1", "r1", "r2"], "repeats"), (["r1", "", ""], "one value"), (["", "", ""], "empty")],
)
def test_an_id_like_column_that_does_not_identify_rows_is_not_used(write_csv, values, why) -> None:
    result = read_events(write_csv("e.csv", ["report_id", *BASE], _rows(values)))
    ids = result.frame["id"].tolist()
    assert all(re.fullmatch(r"csv-[0-9a-f]{16}", i) for i in ids), why
    assert len(set(ids)) == 3  # the rows differ (their titles): three events
    warned = [w for w in result.warnings if "report_id" in w]
    assert warned == (
        ["column(s) 'report_id' look like ids but repeat values: not used; each row's id is a hash of the whole row"]
        if why == "repeats"
        else []
    )


@pytest.mark.parametrize("column", BASE)
def test_rows_identical_but_for_one_column_get_different_ids(write_csv, column: str) -> None:
    row = {"date": "2024-08-06", "lat": 50.45, "lon": 30.52, "title": "Drone strike", "note": "first report"}
    changed = {**row, column: {"date": "2024-08-07", "lat": 50.46, "lon": 30.53}.get(column, "other text")}
    frame = read_events(write_csv("e.csv", BASE, [row, changed, row])).frame
    assert frame["id"].iat[0] != frame["id"].iat[1]
    assert frame["id"].iat[0] == frame["id"].iat[2]  # identical in every column: the same record


def test_values_swapped_between_columns_are_another_row(write_csv) -> None:
    rows = [["x", "y", "2024-08-06", 50.45, 30.52], ["y", "x", "2024-08-06", 50.45, 30.52]]
    frame = read_events(write_csv("a.csv", ["title", "note", "date", "lat", "lon"], rows)).frame
    assert frame["id"].iat[0] != frame["id"].iat[1]


def test_row_hashes_are_the_same_in_another_process(write_csv) -> None:
    path = write_csv("e.csv", BASE, [["2024-08-06", 50.45, 30.52, f"event {i}", "n"] for i in range(50)])
    here = read_events(path).frame["id"].tolist()
    code = "import json, sys; from geo.io import read_events; print(json.dumps(read_events(sys.argv[1]).frame['id'].tolist()))"
    out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert json.loads(out.stdout) == here
    assert len(set(here)) == 50


def test_geojson_features_differing_only_in_geometry_are_two_events(write_text) -> None:
    def feature(lon: float) -> dict:
        return {"type": "Feature", "properties": {"date": "2024-08-06", "title": "Strike"},
                "geometry": {"type": "Point", "coordinates": [lon, 50.45]}}

    doc = {"type": "FeatureCollection", "features": [feature(30.52), feature(31.52), feature(30.52)]}
    ids = read_events(write_text("e.geojson", json.dumps(doc))).frame["id"].tolist()
    assert ids[0] != ids[1] and ids[0] == ids[2] and ids[0].startswith("geojson-")


def test_ucdp_rows_without_an_id_get_a_whole_row_hash(write_csv) -> None:
    rows = [ucdp_row(id=""), ucdp_row(id="", relid="RUS-2024-1-900-2"), ucdp_row(id=900003)]
    ids = read_events(write_csv("ged.csv", UCDP_COLUMNS, rows)).frame["id"].tolist()
    assert ids[2] == "ucdp:900003"
    assert all(re.fullmatch(r"ucdp-[0-9a-f]{16}", i) for i in ids[:2]) and ids[0] != ids[1]  # relid differs
