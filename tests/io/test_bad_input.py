"""Bad input is bounded and named: zip bombs, malformed GeoJSON, runaway lines and headers. Each gives an
InputFormatError (a GeoError) naming the file and where, or rejects just the row, and the store is never
touched. Inputs are built in code; the big ones are compressed or marked slow."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.areas import read_areas
from geo.errors import GeoError, InputFormatError
from geo.io import read_events
from geo.io._limits import MAX_COLUMNS, MAX_LINE, MAX_NESTING, MAX_UNZIPPED_ENV, check_lines
from geo.io._text import header_names
from geo.store import EventStore

ROOT = Path(__file__).resolve().parents[2]
KML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
PLACEMARK = (
    b"<Placemark><name>Shelling</name><TimeStamp><when>2024-08-06</when></TimeStamp>"
    b"<Point><coordinates>30.52,50.45</coordinates></Point></Placemark>"
)
SQUARE = [[30.0, 50.0], [31.0, 50.0], [31.0, 51.0], [30.0, 51.0], [30.0, 50.0]]
BOMB = "expected a zip expanding to at most"


# --- builders -----------------------------------------------------------------------------------------


def kmz(path: Path, padding: int, *, name: str = "doc.kml") -> Path:
    """A KMZ whose KML holds one Placemark and ``padding`` bytes of spaces (deflated to almost nothing)."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(name, "w", force_zip64=padding > 2**30) as member,
    ):
        member.write(KML_HEAD + PLACEMARK)
        block = b" " * 2**20
        for _ in range(padding // len(block)):
            member.write(block)
        member.write(b" " * (padding % len(block)) + b"</Document></kml>")
    return path


def lie_about_size(path: Path, stated: int) -> Path:
    """Rewrite the (only) member's uncompressed size in both zip headers to ``stated`` bytes."""
    data = bytearray(path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 22 : local + 26] = stated.to_bytes(4, "little")
    data[central + 24 : central + 28] = stated.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def workbook(path: Path, padding: int = 0) -> Path:
    """A one-event XLSX; ``padding`` spaces inside its worksheet XML make the sheet expand that much."""
    book = openpyxl.Workbook()
    book.active.append(["date", "lat", "lon"])
    book.active.append(["2024-08-06", 50.45, 30.52])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b" " * padding + b"<sheetData>")
            out.writestr(info.filename, data)
    return path


def geojson(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def feature(props: object = None, geometry: object = None) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"date": "2024-08-06"} if props is None else props,
        "geometry": geometry or {"type": "Point", "coordinates": [30.52, 50.45]},
    }


def deep_json(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.fixture
def small_zip_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    """Zip members may expand to 1 MiB (instead of 200 MiB) so a 3 MiB bomb shows the rule quickly."""
    monkeypatch.setenv(MAX_UNZIPPED_ENV, "1")
    return 2**20


# --- zip bombs: KMZ and XLSX --------------------------------------------------------------------------


def test_kmz_within_the_cap_reads(tmp_path: Path, small_zip_cap: int) -> None:
    result = read_events(kmz(tmp_path / "ok.kmz", small_zip_cap // 2))
    assert len(result.frame) == 1 and result.format == "kml"


@pytest.mark.parametrize("reader", ["events", "areas"])
def test_kmz_bomb_is_refused_by_its_stated_size(tmp_path: Path, small_zip_cap: int, reader: str) -> None:
    path = kmz(tmp_path / "bomb.kmz", 3 * small_zip_cap)
    assert path.stat().st_size < 30_000
    pattern = rf"bomb\.kmz: {BOMB} 1\.0 MiB \(\${MAX_UNZIPPED_ENV}\), got members stating 3\.0 MiB \(largest 'doc\.kml'"
    with pytest.raises(InputFormatError, match=pattern):
        read_events(path) if reader == "events" else read_areas(path, date="2024-08-06")


def test_kmz_whose_header_understates_the_size_is_refused(tmp_path: Path, small_zip_cap: int) -> None:
    path = lie_about_size(kmz(tmp_path / "liar.kmz", 3 * small_zip_cap), stated=1000)
    with pytest.raises(InputFormatError, match=r"liar\.kmz: expected a KMZ \(zip\) archive, got BadZipFile: Bad CRC-32"):
        read_events(path)


def _damaged_zip(path: Path, damage: str, compression: int) -> Path:
    """A KMZ of one Placemark, damaged: flagged encrypted, its compressed data overwritten, or cut short."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("doc.kml", KML_HEAD + PLACEMARK * 50 + b"</Document></kml>")
    data = bytearray(path.read_bytes())
    if damage == "encrypted":
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            data[data.find(signature) + offset] |= 1
    elif damage == "corrupt data":
        data[40:200] = bytes(range(160))
    else:
        data = data[: len(data) // 2]
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("damage", ["encrypted", "corrupt data", "cut short"])
@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_damaged_kmz_is_named(tmp_path: Path, damage: str, compression: int) -> None:
    path = _damaged_zip(tmp_path / "d.kmz", damage, compression)
    with pytest.raises(InputFormatError, match=r"d\.kmz: expected (a KMZ \(zip\) archive|KML \(XML\))"):
        read_events(path)
    with pytest.raises(InputFormatError, match=r"d\.kmz: expected (a KMZ \(zip\) archive|KML \(XML\))"):
        read_areas(path, date="2024-08-06")


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_a_bad_zip_cap_setting_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    path = kmz(tmp_path / "ok.kmz", 10)
    monkeypatch.setenv(MAX_UNZIPPED_ENV, value)
    with pytest.raises(GeoError, match=rf"expected {MAX_UNZIPPED_ENV} as a positive number of MiB, got '{value}'"):
        read_events(path)


@pytest.mark.slow
def test_kmz_expanding_to_gigabytes_is_refused_at_the_default_cap(tmp_path: Path) -> None:
    path = kmz(tmp_path / "giga.kmz", 2 * 2**30)  # 2 GiB of KML in a zip of a few MB
    assert path.stat().st_size < 5 * 2**20
    with pytest.raises(InputFormatError, match=rf"{BOMB} 200\.0 MiB .* got members stating 2,048\.0 MiB"):
        read_events(path)
    with pytest.raises(InputFormatError, match=BOMB):
        read_areas(path, date="2024-08-06")


def test_xlsx_within_the_cap_reads(tmp_path: Path, small_zip_cap: int) -> None:
    result = read_events(workbook(tmp_path / "ok.xlsx", small_zip_cap // 4))
    assert result.frame["lat"].tolist() == [50.45] and result.format == "xlsx"


@pytest.mark.parametrize("format", ["auto", "xlsx", "csv"])
def test_xlsx_bomb_is_refused(tmp_path: Path, small_zip_cap: int, format: str) -> None:  # noqa: A002
    path = workbook(tmp_path / "bomb.xlsx", 3 * small_zip_cap)
    with pytest.raises(InputFormatError, match=rf"bomb\.xlsx: {BOMB} 1\.0 MiB .*largest 'xl/worksheets/sheet1\.xml'"):
        read_events(path, format=format)


@pytest.mark.slow
def test_xlsx_expanding_past_the_default_cap_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "big.xlsx", 300 * 2**20)
    with pytest.raises(InputFormatError, match=rf"{BOMB} 200\.0 MiB"):
        read_events(path)


# --- GeoJSON of the wrong shape -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "got"),
    [([1, 2], "an array"), ("date=2024-08-06", "a string"), (7, "a number"), (True, "a boolean")],
)
def test_properties_that_are_not_an_object_reject_that_feature(tmp_path: Path, props: object, got: str) -> None:
    path = geojson(tmp_path / "p.geojson", {"type": "FeatureCollection", "features": [feature(props), feature()]})
    result = read_events(path)
    assert result.frame["import_row"].tolist() == [2]
    (issue,) = result.issues
    assert (issue.file, issue.row, issue.field, issue.kind) == (str(path), 1, "properties", "reject")
    assert issue.reason == f"expected properties as a JSON object, got {got}"
    assert issue.value == json.dumps(props)


@pytest.mark.parametrize(
    ("item", "got"),
    [(3, "a number"), ("Feature", "a string"), (None, "null"), ([feature()], "an array"),
     ({"type": "Point", "coordinates": [30, 50]}, "type 'Point'")],
)
def test_features_that_are_not_feature_objects_reject_that_row(tmp_path: Path, item: object, got: str) -> None:
    path = geojson(tmp_path / "f.geojson", {"type": "FeatureCollection", "features": [feature(), item]})
    result = read_events(path)
    assert result.frame["import_row"].tolist() == [1]
    (issue,) = result.issues
    assert (issue.row, issue.field, issue.reason) == (2, "feature", f"expected a Feature object, got {got}")


@pytest.mark.parametrize(("features", "got"), [("abc", "a string"), ({"0": {}}, "an object"), (None, "null"), (5, "a number")])
def test_features_that_are_not_a_list_name_the_file(tmp_path: Path, features: object, got: str) -> None:
    path = geojson(tmp_path / "c.geojson", {"type": "FeatureCollection", "features": features})
    with pytest.raises(InputFormatError, match=rf"c\.geojson: expected 'features' as a list of Feature objects, got {got}$"):
        read_events(path)


def test_json_nested_100000_levels_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ' + deep_json(100_000) + "}")
    with pytest.raises(InputFormatError, match=r"deep\.geojson: expected GeoJSON nested a few levels deep, got JSON "
                       r"nested deeper than the parser allows \(about [\d,]+ levels\)"):
        read_events(path)


def test_a_deeply_nested_geometry_rejects_that_feature(tmp_path: Path) -> None:
    levels = 600  # parses as JSON, but no geometry nests like that
    text = json.dumps({"type": "FeatureCollection", "features": [feature(), "GEOMETRY"]})
    deep = '{"type": "Feature", "properties": {"date": "2024-08-06"}, "geometry": {"type": "Polygon", ' \
           f'"coordinates": {deep_json(levels)}}}}}'
    path = tmp_path / "g.geojson"
    path.write_text(text.replace('"GEOMETRY"', deep))
    result = read_events(path)
    assert result.frame["import_row"].tolist() == [1]
    (issue,) = result.issues
    assert (issue.row, issue.field) == (2, "geometry") and issue.reason.startswith("expected a GeoJSON geometry, got")


def test_too_many_distinct_properties_name_the_feature(tmp_path: Path) -> None:
    features = [feature({"date": "2024-08-06", f"p{i}": 1}) for i in range(MAX_COLUMNS + 1)]
    path = geojson(tmp_path / "wide.geojson", {"type": "FeatureCollection", "features": features})
    with pytest.raises(InputFormatError, match=rf"expected at most 10,000 distinct properties \(feature {MAX_COLUMNS}\), "
                       r"got 10,001"):
        read_events(path)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"type": "FeatureCollection", "features": "abc"}, "expected a readable GeoJSON, KML, KMZ or GeoPackage file"),
        (None, "expected a readable GeoJSON, KML, KMZ or GeoPackage file"),  # 100,000 levels deep
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": [1, 2],
          "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}]}, "expected a date in the file name"),
    ],
)
def test_area_geojson_of_the_wrong_shape_is_named(tmp_path: Path, doc: object, message: str) -> None:
    path = tmp_path / "areas.geojson"
    path.write_text(deep_json(100_000) if doc is None else json.dumps(doc))
    with pytest.raises(InputFormatError, match=rf"areas\.geojson: {message}"):
        read_areas(path)


# --- KML ----------------------------------------------------------------------------------------------


def test_multigeometry_nested_too_deeply_rejects_that_placemark(tmp_path: Path) -> None:
    levels = MAX_NESTING + 1
    deep = (b"<Placemark><TimeStamp><when>2024-08-06</when></TimeStamp>" + b"<MultiGeometry>" * levels
            + b"<Point><coordinates>30.5,50.4</coordinates></Point>" + b"</MultiGeometry>" * levels + b"</Placemark>")
    path = tmp_path / "deep.kml"
    path.write_bytes(KML_HEAD + PLACEMARK + deep + b"</Document></kml>")
    result = read_events(path)
    assert result.frame["import_row"].tolist() == [1]
    (issue,) = result.issues
    assert (issue.row, issue.field, issue.reason) == (
        2, "coordinates", f"expected MultiGeometry nested at most {MAX_NESTING} deep, got deeper"
    )
    path.write_bytes(path.read_bytes().replace(b"<Point><coordinates>30.5,50.4</coordinates></Point>",
                                               b"<Polygon><outerBoundaryIs><LinearRing><coordinates>30,50 31,50 31,51 30,50"
                                               b"</coordinates></LinearRing></outerBoundaryIs></Polygon>"))
    areas, issues = read_areas(path)
    assert len(areas) == 0 and [(i.row, i.reason) for i in issues][-1] == (
        2, f"expected MultiGeometry nested at most {MAX_NESTING} deep, got deeper"
    )


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    lol = b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "' + b"x" * 100 + b'">' + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), bytes([97 + i]).join([b"&", b";"]) * 10) for i in range(8)
    ) + b']><kml><Document><Placemark><name>&i;</name></Placemark></Document></kml>'
    path = tmp_path / "lol.kml"
    path.write_bytes(lol)
    with pytest.raises(InputFormatError, match=r"lol\.kml: expected KML \(XML\), got invalid XML \(limit on input amplification"):
        read_events(path)


def test_xml_nested_100000_levels_reads_without_recursion(tmp_path: Path) -> None:
    path = tmp_path / "nest.kml"
    path.write_bytes(KML_HEAD + PLACEMARK + b"<Folder>" * 100_000 + b"</Folder>" * 100_000 + b"</Document></kml>")
    assert len(read_events(path).frame) == 1


# --- delimited text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "line"), [(False, "line 1 (the header)"), (True, "line 2 (row 1)")])
def test_a_17_mb_line_without_a_delimiter_is_refused(tmp_path: Path, header: bool, line: str) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes((b"date,lat,lon\n" if header else b"") + b"x" * 17_000_000 + b"\n")
    with pytest.raises(InputFormatError, match=rf"long\.csv: expected lines of at most 4\.0 MiB \(4,194,304 bytes\), "
                       rf"got a longer one at {re.escape(line)}; refused unread"):
        read_events(path)


@pytest.mark.parametrize("format", ["auto", "csv", "acled", "ucdp", "viina"])
def test_the_line_limit_applies_to_every_table_reader(tmp_path: Path, format: str) -> None:  # noqa: A002
    path = tmp_path / "t.csv"
    path.write_bytes(b"date,lat,lon\r\n2024-08-06,50.45,30.52\r\n" + b"y" * (MAX_LINE + 1) + b"\r\n")
    with pytest.raises(InputFormatError, match=r"at line 3 \(row 2\)"):
        read_events(path, format=format)


@pytest.mark.parametrize(
    ("raw", "line"),
    [(b"ab\ncd\r\nefgh\rij", 3), (b"ab\r\nabcd", 2), (b"abcd\n", 1), (b"a\n" * 10 + b"x" * 20, 11), (b"ab\r\r\rabcd", 4)],
)
def test_the_line_limit_names_the_line_whatever_the_line_ends(raw: bytes, line: int) -> None:
    with pytest.raises(InputFormatError, match=rf"got a longer one at line {line}\b"):
        check_lines(raw, "f", limit=3)
    check_lines(raw.replace(b"x" * 20, b"x").replace(b"efgh", b"efg").replace(b"abcd", b"abc"), "f", limit=3)


def test_a_cell_as_long_as_a_line_may_be_reads(tmp_path: Path) -> None:
    text = "x" * (MAX_LINE - 100)
    path = tmp_path / "note.csv"
    path.write_text(f"date,lat,lon,description\n2024-08-06,50.45,30.52,{text}\n2024-08-06,50.45,30.52,a,b\n")
    result = read_events(path)  # the ragged row 2 sends the file down the csv-module path
    assert result.frame["description"].tolist() == [text]
    assert [(i.row, i.reason) for i in result.issues] == [(2, "expected 4 fields like the header, got 5")]


def test_a_32000_column_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["a"] * 32_000) + "\n" + ",".join(["1"] * 32_000) + "\n")
    with pytest.raises(InputFormatError, match=r"wide\.csv: expected at most 10,000 columns in the header, got 32,000$"):
        read_events(path)


def test_the_column_limit_is_inclusive(tmp_path: Path) -> None:
    names = ["date", "lat", "lon", *(["extra"] * (MAX_COLUMNS - 3))]
    path = tmp_path / "edge.csv"
    path.write_text(",".join(names) + "\n" + ",".join(["2024-08-06", "50.45", "30.52", *(["1"] * (MAX_COLUMNS - 3))]) + "\n")
    assert read_events(path).frame["lat"].tolist() == [50.45]
    path.write_text(",".join([*names, "one_more"]) + "\n")
    with pytest.raises(InputFormatError, match="expected at most 10,000 columns in the header, got 10,001"):
        read_events(path)


def test_header_names_are_made_unique_in_linear_time() -> None:
    assert header_names(["a", "a", "a_2", "", " b ", "a"], "f") == ["a", "a_2", "a_2_2", "column_4", "b", "a_3"]
    names = header_names(["same"] * MAX_COLUMNS, "f")  # 10,000² suffix tries before; now one each
    assert len(set(names)) == MAX_COLUMNS and names[-1] == f"same_{MAX_COLUMNS}"


@pytest.mark.slow
def test_a_200_mb_single_line_is_refused_early(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.write(b"date,lat,lon\n")
        for _ in range(200):
            fh.write(b"z" * 1_000_000)
    with pytest.raises(InputFormatError, match=r"huge\.csv: expected lines of at most .* at line 2 \(row 1\)"):
        read_events(path)


# --- the CLI: nothing is stored, the store file is untouched ------------------------------------------


def _bad_inputs(tmp_path: Path) -> dict[str, str]:
    """name -> the message each bad file must give (a 1 MiB zip cap is set for the run)."""
    bad = tmp_path / "bad"
    bad.mkdir()
    kmz(bad / "bomb.kmz", 3 * 2**20)
    workbook(bad / "bomb.xlsx", 3 * 2**20)
    lie_about_size(kmz(bad / "liar.kmz", 3 * 2**20), stated=1000)
    (bad / "long.csv").write_bytes(b"date,lat,lon\n" + b"x" * 17_000_000 + b"\n")
    (bad / "wide.csv").write_text(",".join(["a"] * 32_000) + "\n")
    (bad / "deep.geojson").write_text(deep_json(100_000))
    geojson(bad / "features.geojson", {"type": "FeatureCollection", "features": "abc"})
    return {
        "bomb.kmz": BOMB,
        "bomb.xlsx": BOMB,
        "liar.kmz": "Bad CRC-32",
        "long.csv": "expected lines of at most 4.0 MiB",
        "wide.csv": "expected at most 10,000 columns in the header, got 32,000",
        "deep.geojson": "got JSON nested deeper than the parser allows",
        "features.geojson": "expected 'features' as a list of Feature objects, got a string",
    }


def _state(store: Path) -> tuple[str, list[str]]:
    """The store file's bytes (hashed) and every file next to it (journals, scratch files)."""
    return hashlib.sha256(store.read_bytes()).hexdigest(), sorted(p.name for p in store.parent.iterdir())


def test_cli_import_of_bad_files_names_each_and_leaves_the_store_untouched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "no-boundaries").mkdir()
    env = {
        **os.environ,
        "GEO_STORE": str(home / "events.gpkg"),
        "GEO_BOUNDARIES_SOURCE": str(tmp_path / "no-boundaries"),
        "GEO_CACHE_DIR": str(tmp_path / "cache"),
        "GEO_COUNTRIES": "AAA",
        MAX_UNZIPPED_ENV: "1",
    }
    good = tmp_path / "good.csv"
    good.write_text("id,date,lat,lon\ne1,2024-08-06,50.45,30.52\ne2,2024-08-07,50.46,30.53\n")

    def geo(*args: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "geo", "import", *map(str, args)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    assert geo(good).returncode == 0
    store = home / "events.gpkg"
    before_events = EventStore(store).read().sort_values("id").reset_index(drop=True)
    assert before_events["id"].tolist() == ["csv:e1", "csv:e2"]
    before = _state(store)
    messages = _bad_inputs(tmp_path)
    for name, message in messages.items():
        run = geo(tmp_path / "bad" / name)
        assert run.returncode == 1, name
        errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and f"{tmp_path / 'bad' / name}: " in errors[0] and message in errors[0], run.stderr
        assert "Traceback" not in run.stderr and "stored:" not in run.stdout, name
        assert _state(store) == before, name
    after_events = EventStore(store).read().sort_values("id").reset_index(drop=True)
    assert after_events.equals(before_events)


# --- found by the fuzzer ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "1e300", "9.223372036854776e+18"])
def test_counts_no_integer_holds_are_left_empty_with_a_note(tmp_path: Path, value: str) -> None:
    path = tmp_path / "n.csv"
    path.write_text(f"date,lat,lon,fatalities\n2024-08-06,50.45,30.52,{value}\n2024-08-06,50.45,30.52,3\n")
    result = read_events(path)
    assert result.frame["fatalities"].tolist() == [pd.NA, 3]
    (issue,) = result.issues
    assert (issue.kind, issue.row, issue.field, issue.reason) == (
        "flag", 1, "fatalities", f"expected a whole number, got {value!r}; left empty"
    )


def test_an_area_day_past_year_9999_in_utc_is_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "a.kml"
    path.write_bytes(KML_HEAD + b"<Placemark><TimeStamp><when>9999-12-31T23:59:59-12:00</when></TimeStamp>"
                     b"<Polygon><outerBoundaryIs><LinearRing><coordinates>30,50 31,50 31,51 30,50</coordinates>"
                     b"</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>")
    areas, issues = read_areas(path)
    assert len(areas) == 0
    assert [(i.row, i.field, i.reason) for i in issues] == [(1, "TimeStamp/when", "expected a date between 1900-01-01 "
                                                             "and 2100-12-31, got '9999-12-31T23:59:59-12:00'")]
