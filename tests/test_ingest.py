"""Nothing lost: every row read is accepted, rejected (with its reasons) or a true duplicate, on files in the
shapes of real UCDP GED exports, VIINA-derived tables and plain CSVs; possible duplicates are flagged, kept
and left to the analyst (ImportReport.without); the counts reach the CLI and the store."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from geo import join
from geo.cli import main
from geo.errors import GeoError
from geo.ingest import ImportReport, prepare_import
from geo.store import EventStore
from tests.boundary_factories import small_ukraine, write_gbopen_mirror
from tests.io.io_factories import UCDP_COLUMNS, csv_text, ucdp_row, viina_row

SUDZHA_DAY = {"date_start": "2024-08-16 00:00:00.000", "date_end": "2024-08-16 00:00:00.000"}


def _write(tmp_path: Path, name: str, columns, rows) -> Path:
    path = tmp_path / name
    path.write_text(csv_text(columns, rows), encoding="utf-8")
    return path


def _counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    assert report.read_rows == report.accepted + report.rejected + report.duplicates  # the invariant
    return report.read_rows, report.accepted, report.rejected, report.duplicates, report.possible_duplicates


def _ucdp_rows() -> list[dict[str, object]]:
    """Four distinct GED events at Sudzha on one day (own ids), an exact repeat of the second, the third's id
    again with another death count, an event elsewhere, and a row with an unreadable latitude."""
    same_place = [
        ucdp_row(id=900001 + i, relid=f"RUS-2024-1-900-{i}", source_headline=f"Shelling report {i}", best=i + 1)
        for i in range(4)
    ]
    return [
        *same_place,
        dict(same_place[1]),
        ucdp_row(id=900003, relid="RUS-2024-1-900-2", source_headline="Shelling report 2", best=9),
        ucdp_row(id=900010, latitude=50.91, longitude=34.8, where_coordinates="Sumy", date_start="2024-08-17",
                 date_end="2024-08-17"),
        ucdp_row(id=900011, latitude="fifty"),
    ]


def test_ucdp_events_on_one_day_and_place_are_all_kept(tmp_path):
    report = prepare_import(_write(tmp_path, "ged.csv", UCDP_COLUMNS, _ucdp_rows()), geocode=False)
    assert _counts(report) == (8, 5, 2, 1, 3)
    frame = report.frame.set_index("id")
    assert list(frame.index) == ["ucdp:900001", "ucdp:900002", "ucdp:900003", "ucdp:900004", "ucdp:900010"]
    assert frame["possible_duplicate_of"].tolist() == [pd.NA, "ucdp:900001", "ucdp:900001", "ucdp:900001", pd.NA]
    assert frame.loc["ucdp:900004", "flags"] == "possible_duplicate"
    by_row = {(i.row, i.kind): i for i in report.issues}
    assert "duplicate of row 2 (id ucdp:900002): same id and same content" in by_row[5, "duplicate"].reason
    assert re.search(r"id ucdp:900003 on row 3 and here with different fatalities", by_row[6, "reject"].reason)
    assert by_row[8, "reject"].field == "latitude"
    assert report.summary().endswith(
        "8 rows read = 5 accepted + 2 rejected + 1 duplicates dropped; flagged: 3 possible duplicates, "
        "0 admin mismatches, 0 boundary hierarchy conflicts, 0 lat/lon swaps fixed, 0 geocoded"
    )


def test_viina_derived_rows_with_their_own_ids_are_all_kept(tmp_path):
    rows = [viina_row(event_id=f"ev_{i:04d}", report_id="rep_0001", text=f"Shelling of Kyiv, report {i}")
            for i in range(5)]
    report = prepare_import(_write(tmp_path, "viina.csv", list(rows[0]), rows), geocode=False)
    assert _counts(report) == (5, 5, 0, 0, 4)
    assert set(report.frame["possible_duplicate_of"].dropna()) == {"viina:ev_0000"}


@pytest.mark.parametrize(("column", "warned"), [("event_no_id", True), ("ID", False), ("record_key", True)])
def test_a_plain_csv_whose_id_column_has_another_name(tmp_path, column, warned):
    rows = [[f"E{i}", "2024-08-06", 50.45, 30.52, "strike", "Drone strike"] for i in range(3)]
    rows.append(list(rows[0]))  # the same raw row again
    path = _write(tmp_path, "e.csv", [column, "date", "lat", "lon", "category", "title"], rows)
    report = prepare_import(path, geocode=False)
    assert _counts(report) == (4, 3, 0, 1, 2)
    assert report.frame["id"].tolist() == ["csv:E0", "csv:E1", "csv:E2"]
    assert any(column in w for w in report.warnings) == warned


def test_a_repeating_id_like_column_is_not_the_id_the_whole_row_is(tmp_path):
    rows = [
        ["r1", "2024-08-06", 50.45, 30.52, "Drone strike", "first report"],
        ["r1", "2024-08-06", 50.45, 30.52, "Drone strike", "second report"],  # differs in one column
        ["r1", "2024-08-06", 50.45, 30.52, "Drone strike", "first report"],  # identical to the first
        ["r2", "2024-08-07", 50.45, 30.52, "Drone strike", "first report"],
    ]
    path = _write(tmp_path, "e.csv", ["report_id", "date", "lat", "lon", "title", "notes"], rows)
    report = prepare_import(path, geocode=False)
    assert _counts(report) == (4, 3, 0, 1, 1)
    assert report.frame["id"].str.fullmatch(r"csv-[0-9a-f]{16}").all()
    (dup,) = [i for i in report.issues if i.kind == "duplicate"]
    assert dup.row == 3 and "duplicate of row 1" in dup.reason
    assert any("'report_id' look like ids but repeat values" in w for w in report.warnings)


def test_read_rows_is_the_readers_count_of_every_row(tmp_path):
    text = (
        "id,date,lat,lon,title\n"
        "a,2024-08-06,50.45,30.52,kept\n"
        "b,2024-08-06,50.45,30.52,too,many,fields\n"  # rejected by the parser
        "c,2024-08-06,north,30.52,unreadable latitude\n"  # rejected by the reader
        "\n"  # a blank line is not a row
        "d,2024-08-06,95,30.52,out of range\n"  # rejected by validation
        "e,2024-08-06,50.45,30.52,kept\n"
        "a,2024-08-06,50.45,30.52,kept\n"  # a true duplicate
    )
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    report = prepare_import(path, geocode=False)
    assert _counts(report) == (6, 2, 3, 1, 1)
    assert sorted(i.row for i in report.issues if i.kind == "reject") == [2, 3, 4]


def test_a_report_whose_rows_do_not_add_up_is_an_error(tmp_path):
    report = prepare_import(_write(tmp_path, "ged.csv", UCDP_COLUMNS, _ucdp_rows()), geocode=False)
    with pytest.raises(GeoError, match=r"expected rows read = accepted \+ rejected \+ duplicates, got 9 read "
                                       r"but 5 \+ 2 \+ 1 = 8"):
        dataclasses.replace(report, read_rows=9)
    with pytest.raises(GeoError, match=r"got 8 read but 4 \+ 2 \+ 1 = 7"):
        dataclasses.replace(report, frame=report.frame.iloc[1:])  # a row lost without a reason


def test_the_analyst_leaves_out_possible_duplicates(tmp_path):
    report = prepare_import(_write(tmp_path, "ged.csv", UCDP_COLUMNS, _ucdp_rows()), geocode=False)
    pairs = report.possible_duplicate_pairs()
    assert pairs["id"].tolist() == ["ucdp:900002", "ucdp:900003", "ucdp:900004"]
    assert set(pairs["earlier id"]) == {"ucdp:900001"} and set(pairs["earlier import_row"]) == {1}
    assert pairs["line"].tolist() == [3, 4, 5] and set(pairs["earlier line"]) == {2}  # after the header line
    assert pairs["title"].tolist() == ["Shelling report 1", "Shelling report 2", "Shelling report 3"]
    assert set(pairs["earlier title"]) == {"Shelling report 0"}

    fewer = report.without(["ucdp:900003", "ucdp:900004"])
    assert _counts(fewer) == (8, 3, 2, 3, 1)
    assert "ucdp:900003" not in set(fewer.frame["id"])
    left_out = [i for i in fewer.issues if i.kind == "duplicate" and i.row == 3]
    assert [i.reason for i in left_out] == ["left out by the analyst as a duplicate of row 1 (id ucdp:900001)"]
    assert not [i for i in fewer.issues if i.kind == "possible_duplicate" and i.row in (3, 4)]
    assert _counts(report) == (8, 5, 2, 1, 3)  # the prepared report is unchanged
    assert report.without([]) is report

    with pytest.raises(GeoError, match=r"expected ids of possible duplicates to leave out, got 'ucdp:900001'"):
        report.without(["ucdp:900001"])  # the earliest event is not flagged


def test_leaving_out_the_event_others_point_at_keeps_them(tmp_path):
    rows = [ucdp_row(id=1, latitude=51.19), ucdp_row(id=2, latitude=51.196), ucdp_row(id=3, latitude=51.202)]
    report = prepare_import(_write(tmp_path, "ged.csv", UCDP_COLUMNS, rows), geocode=False)
    assert report.frame["possible_duplicate_of"].tolist() == [pd.NA, "ucdp:1", "ucdp:2"]  # 0.67 km steps
    fewer = report.without(["ucdp:2"])
    assert _counts(fewer) == (3, 2, 0, 1, 1)
    pairs = fewer.possible_duplicate_pairs()
    assert pairs["id"].tolist() == ["ucdp:3"] and pairs["earlier id"].isna().all()


def test_the_store_keeps_possible_duplicate_of_and_says_what_was_new(tmp_path):
    report = prepare_import(_write(tmp_path, "ged.csv", UCDP_COLUMNS, _ucdp_rows()), geocode=False)
    store = EventStore(tmp_path / "events.gpkg")
    first = store.add(report.frame, source=report.file, sha256=report.sha256)
    again = store.add(report.frame, source=report.file, sha256=report.sha256)
    assert (first.added, again.added, again.already_stored) == (5, 0, 5)
    stored = store.read().set_index("id").sort_index()
    assert stored["possible_duplicate_of"].tolist() == [pd.NA, "ucdp:900001", "ucdp:900001", "ucdp:900001", pd.NA]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(write_gbopen_mirror(tmp_path / "mirror")))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_COUNTRIES", "AAA,BBB")
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "store.gpkg"))
    return tmp_path


def test_cli_prints_the_counts_and_what_was_new(cli_env, capsys):
    path = _write(cli_env, "ged.csv", UCDP_COLUMNS, _ucdp_rows())
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "8 rows read = 5 accepted + 2 rejected + 1 duplicates dropped; flagged: 3 possible duplicates" in out
    assert re.search(r"possible_duplicate: .*row 4, field 'id': possible duplicate of row 1 \(id ucdp:900001\)", out)
    assert "stored: 5 new, 0 already" in out
    assert main(["import", str(path)]) == 0
    assert "stored: 0 new, 5 already" in capsys.readouterr().out
    assert EventStore().count() == 5


def test_admin_disagreements_reach_the_report_as_flags_not_rejections(tmp_path):
    """Source names that no layer supports are a mismatch; a raion whose oblast is not the point's is a
    hierarchy conflict between the layers. Both rows are kept, counted and listed."""
    ukraine = {"country": "Ukraine", "country_id": 369}
    rows = [
        ucdp_row(id=1, latitude=48.8, longitude=36.7, adm_1="Donetsk oblast", adm_2="Kramatorsk raion", **ukraine),
        ucdp_row(id=2, latitude=48.8, longitude=36.7, adm_1="Donetsk oblast", adm_2="Volnovakha raion",
                 date_start="2024-08-17", date_end="2024-08-17", **ukraine),
        ucdp_row(id=3, latitude=48.5, longitude=37.95, adm_1="Luhansk oblast", adm_2="Perevalsk raion", **ukraine),
        ucdp_row(id=4, latitude=48.5, longitude=37.0, date_start="2024-08-18", date_end="2024-08-18"),  # RUS
    ]
    path = _write(tmp_path, "ged.csv", UCDP_COLUMNS, rows)
    report = prepare_import(path, format="ucdp", index=join.prepare(small_ukraine()), geocode=False)
    assert _counts(report) == (4, 4, 0, 0, 0)
    kinds = {(i.row, i.kind): i.reason for i in report.issues if i.kind in ("mismatch", "hierarchy")}
    assert set(kinds) == {(2, "mismatch"), (3, "hierarchy"), (4, "mismatch")}
    assert "adm0: source 'RUS' vs point 'UKR'; adm1: source 'Kursk oblast'" in kinds[4, "mismatch"]
    assert kinds[2, "mismatch"].startswith("source admin names disagree with the boundaries: adm2: source ")
    assert "'Perevalsk' lies in 'Luhansk Oblast', the point in 'Donetsk Oblast'" in kinds[3, "hierarchy"]
    assert report.flagged()["admin mismatches"] == 2
    assert report.flagged()["boundary hierarchy conflicts"] == 1
