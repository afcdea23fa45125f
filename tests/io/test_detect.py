"""Format detection and the public entry point's argument/file errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from io_factories import ACLED_COLUMNS, UCDP_COLUMNS, VIINA_COLUMNS, acled_row, csv_text, ucdp_row, viina_row

from geo.errors import InputFormatError
from geo.io import FORMATS, detect_format, read_events


def test_formats_constant() -> None:
    assert FORMATS == ("acled", "ucdp", "viina", "csv", "xlsx", "geojson", "kml", "gpkg")


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.csv", csv_text(ACLED_COLUMNS, [acled_row()]), "acled"),
        ("a.txt", csv_text(ACLED_COLUMNS, [acled_row()], delimiter=";"), "acled"),
        ("ged.csv", csv_text(UCDP_COLUMNS, [ucdp_row()]), "ucdp"),
        ("v.csv", csv_text(VIINA_COLUMNS, [viina_row()]), "viina"),
        ("plain.csv", "date,lat,lon\n2024-08-06,50.45,30.52\n", "csv"),
        ("plain.tsv", "date\tlat\tlon\n2024-08-06\t50.45\t30.52\n", "csv"),
        ("noext", "date;lat;lon\n2024-08-06;50,45;30,52\n", "csv"),
        ("x.geojson", json.dumps({"type": "FeatureCollection", "features": []}), "geojson"),
        ("x.json", "{}", "geojson"),
        ("unnamed", json.dumps({"type": "FeatureCollection", "features": []}), "geojson"),
        ("x.kml", "<kml/>", "kml"),
        ("unnamed.xml", '<?xml version="1.0"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"/>', "kml"),
    ],
)
def test_detect_format(write_text, name: str, text: str, fmt: str) -> None:
    assert detect_format(write_text(name, text)) == fmt


def test_detect_cp1251_acled_header(write_text) -> None:
    row = acled_row(location="Суджа", notes="Синтетическая заметка")
    assert detect_format(write_text("a.csv", csv_text(ACLED_COLUMNS, [row]), "cp1251")) == "acled"


def test_detect_by_content_for_zip_and_sqlite(tmp_path: Path) -> None:
    kmz = tmp_path / "download"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.writestr("doc.kml", "<kml/>")
    assert detect_format(kmz) == "kml"
    sqlite = tmp_path / "layer.bin"
    sqlite.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert detect_format(sqlite) == "gpkg"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(InputFormatError, match=r"nowhere\.csv: expected an existing file, got no such file"):
        read_events(path)
    with pytest.raises(InputFormatError, match="expected an existing file"):
        detect_format(path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    for call in (read_events, detect_format):
        with pytest.raises(InputFormatError, match="expected a file, got a directory or special file"):
            call(tmp_path)


def test_completely_unreadable_file_raises_input_format_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("Dear analyst,\nplease find the events attached.\n", encoding="utf-8")
    with pytest.raises(
        InputFormatError,
        match=r"notes\.csv: expected coordinate columns .* got columns 'Dear "
        r"analyst'",
    ):
        read_events(path)


def test_wrong_forced_format_raises(write_text) -> None:
    path = write_text("plain.csv", "date,lat,lon\n2024-08-06,50.45,30.52\n")
    with pytest.raises(
        InputFormatError, match=r"plain\.csv: expected GeoJSON \(a FeatureCollection\), got invalid"
    ):
        read_events(path, "geojson")
    with pytest.raises(InputFormatError, match=r"expected KML \(XML\), got invalid XML"):
        read_events(path, "kml")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "shp"}, r"expected format 'auto' or one of acled, .*gpkg, got 'shp'"),
        ({"default_verification": "maybe"}, r"expected default_verification in .*, got 'maybe'"),
    ],
)
def test_bad_arguments(write_text, kwargs: dict[str, str], message: str) -> None:
    path = write_text("plain.csv", "date,lat,lon\n2024-08-06,50.45,30.52\n")
    with pytest.raises(ValueError, match=message):
        read_events(path, **kwargs)
