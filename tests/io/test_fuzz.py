"""Property-based fuzzing of every reader: any bytes in -> an event table (or an area table) or a GeoError,
never another exception.

Each reader is fed raw bytes (behind the magic numbers that route them deep: zip, SQLite, JSON, XML, BOMs)
and structured documents that are valid-ish: CSV with random cells, GeoJSON with random property and
geometry types, KML with random text and geometry nesting, zips with random members (KMZ, XLSX), GeoPackages
with random column types. Whatever comes back must be a well-formed result: the schema's columns, every row
accounted for once, dates inside the accepted range (never wrapped), each issue naming the file.

Profiles: the default ("fuzz": ~100 examples per test, derandomized, no example database) keeps the suite
quick; ``HYPOTHESIS_PROFILE=long`` runs thousands of random examples per test (by hand, see README).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, Phase, find, given, settings, strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from geo import schema
from geo.areas import AREA_COLUMNS, read_areas
from geo.errors import GeoError
from geo.io import FORMATS, ReadResult, read_events
from geo.io._dates import DATE_MAX, DATE_MIN
from geo.io.acled import REQUIRED as ACLED_REQUIRED
from geo.io.ucdp import REQUIRED as UCDP_REQUIRED
from geo.io.viina import REQUIRED as VIINA_REQUIRED

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.large_base_example]
settings.register_profile(
    "fuzz", max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH,
    print_blob=True,
)
settings.register_profile(
    "long", max_examples=3000, deadline=None, database=None, suppress_health_check=_HEALTH, print_blob=True
)
FUZZ = settings(settings.get_profile("long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz"))

FIRST, LAST = np.datetime64(DATE_MIN, "ns"), np.datetime64(DATE_MAX, "ns")


# --- checks -------------------------------------------------------------------------------------------


def _in_file(data: bytes, suffix: str, run: Callable[[Path], object]) -> object:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        return run(path)


def events_or_geo_error(data: bytes, suffix: str, fmt: str = "auto") -> ReadResult | None:
    """read_events on ``data`` saved as ``input<suffix>``; None when it raised a GeoError. Checks the result."""

    def run(path: Path) -> ReadResult | None:
        try:
            result = read_events(path, format=fmt)
        except GeoError:
            return None
        check_events(result, path)
        return result

    return _in_file(data, suffix, run)  # type: ignore[return-value]


def check_events(result: ReadResult, path: Path) -> None:
    frame = result.frame
    assert isinstance(result, ReadResult)
    assert list(frame.columns) == list(schema.EVENT_COLUMNS)
    assert {c: str(frame[c].dtype) for c in frame.columns} == {
        c: str(schema.conform(frame.iloc[0:0])[c].dtype) for c in frame.columns
    }
    kept = frame["import_row"].to_numpy(dtype="int64")
    rejected = [i.row for i in result.issues if i.kind == "reject"]
    assert len(set(kept)) == len(kept), "a row kept twice"
    assert len(set(rejected)) == len(rejected), "a row rejected twice"
    assert not set(kept) & set(rejected), "a row both kept and rejected"
    assert all(i.file == str(path) for i in result.issues)
    for column in ("date_start", "date_end", "source_date"):
        days = frame[column].dropna().to_numpy(dtype="datetime64[ns]")
        assert ((days >= FIRST) & (days <= LAST)).all(), f"{column} outside the accepted range: {days}"
    assert frame["date_start"].notna().all()


def areas_or_geo_error(data: bytes, suffix: str, date: str | None = None) -> gpd.GeoDataFrame | None:
    def run(path: Path) -> gpd.GeoDataFrame | None:
        try:
            areas, issues = read_areas(path, date=date)
        except GeoError:
            return None
        assert list(areas.columns) == [*AREA_COLUMNS, "geometry"]
        assert all(i.file == str(path) for i in issues)
        assert areas.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
        days = areas["date_start"].to_numpy(dtype="datetime64[ns]")
        assert ((days >= FIRST) & (days <= LAST)).all()
        assert areas["area_id"].is_unique
        return areas

    return _in_file(data, suffix, run)  # type: ignore[return-value]


# --- strategies: cells, text, JSON --------------------------------------------------------------------

DATES = [
    "2024-08-06", "06/08/2024", "08/13/2024", "13/08/2024", "6 August 2024", "Aug 6, 2024", "20240806", 20240806,
    "2024-08-06T10:00:00+03:00", "2024-08-06 14:30", "06.08.2024", "2999-01-01", "29990101", 29990101,
    "1899-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00", "2024-02-30", "2024-13-01", "1723420800",
    1723420800000, "45510", 45510, 1e20, "yesterday", "", "  ",
]
NUMBERS = ["50.45", "30.52", "-91", "181", "50,45", "1e308", "-0", "nan", "inf", "NULL", "N/A", "0x10", "٣",
           "9.223372036854776e+18", "-1e300"]
WORDS = [
    "strike", "Air/drone strike", "ground_combat", "confirmed", "alleged", "reported", "exact", "admin2", "CITY",
    "UKR", "Belarus", "112", "643", "Kyiv", "Київ", "POINT (30.52 50.45)", "POLYGON ((30 50, 31 50, 31 51, 30 50))",
    "POINT EMPTY", "MULTIPOINT ((30 50))", "=HYPERLINK(\"x\")", "\ufeff", "a;b", "1", "2", "3", "x" * 300,
]
CELLS = st.one_of(
    st.sampled_from([str(v) for v in DATES] + NUMBERS + WORDS),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
COLUMNS = [
    "date", "event_date", "date_start", "date_end", "source_date", "Date", "lat", "latitude", "Latitude (WGS84)",
    "lon", "longitude", "lng", "x", "y", "wkt", "geometry", "id", "event_id", "event_id_cnty", "report_id",
    "title", "name", "description", "notes", "category", "event_type", "sub_event_type", "verification",
    "geo_precision", "GEO_PRECISION", "precision", "time_precision", "date_prec", "where_prec", "best", "low",
    "high", "country", "iso", "country_id", "fatalities", "location", "Name of place", "admin1", "adm_1",
    "adm_2", "source", "url", "flags", "type_of_violence", "t_airstrike_b", "a_rus", "", " ",
]
HEADER = st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=8)), min_size=1, max_size=12)
GOOD_DATES = st.sampled_from(["2024-08-06", "06/08/2024", "6 August 2024", "20240806", "2024-08-06T10:00:00Z",
                              "Aug 6, 2024", "06.08.2024", "2024-08-06 00:00:00.000"])
LATS = st.one_of(st.floats(-95, 95).map(lambda v: f"{v:.5f}"), st.sampled_from(NUMBERS))
LONS = st.one_of(st.floats(-185, 185).map(lambda v: f"{v:.5f}"), st.sampled_from(NUMBERS))
#: cells that fit a column by its name (most of the time), so rows get past the first check
FITTING = (
    (("date", "day", "when", "begin", "start", "end", "valid"),
     st.one_of(GOOD_DATES, GOOD_DATES, st.sampled_from([str(v) for v in DATES]))),
    (("lat", "y"), LATS),
    (("lon", "lng", "long", "x"), LONS),
    (("wkt", "geom"), st.sampled_from([w for w in WORDS if w.isupper() or "(" in w])),
    (("prec", "best", "low", "high", "fatal", "violence", "_b", "a_"), st.sampled_from(["1", "2", "3", "0", "", "x"])),
)


def fitting_cell(column: str) -> st.SearchStrategy[str]:
    name = column.strip().lower()
    for keys, strategy in FITTING:
        if any(name == k or name.startswith(k) or name.endswith(k) for k in keys):
            return st.one_of(strategy, strategy, strategy, strategy, strategy, CELLS)
    return st.one_of(CELLS, st.just(""), st.sampled_from(WORDS))
#: a header that usually names what a reader needs (date and position, or an export's required columns)
TABLE_HEADER = st.tuples(
    st.sampled_from([(), ("date", "lat", "lon"), ("event_date", "location"), ("date", "wkt"), ("Date", "y", "x"),
                     ACLED_REQUIRED, UCDP_REQUIRED, VIINA_REQUIRED]),
    st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=8)), max_size=8),
).flatmap(lambda parts: st.permutations([*parts[0], *parts[1]])).filter(bool)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
    | st.sampled_from([v for v in DATES if v != ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
COORD = st.one_of(st.floats(-200, 200), st.sampled_from([30.52, 50.45, 0.0]), st.floats(), st.text(max_size=3))
POSITION = st.lists(COORD, min_size=0, max_size=4)
RING = st.lists(st.tuples(st.floats(29, 32), st.floats(49, 52)).map(list), min_size=0, max_size=6).map(
    lambda ring: ring + ring[:1] if ring else ring
)
GEOMETRY = st.one_of(
    st.none(),
    st.builds(lambda p: {"type": "Point", "coordinates": p}, POSITION),
    st.builds(lambda rings: {"type": "Polygon", "coordinates": rings}, st.lists(RING, max_size=2)),
    st.builds(lambda ps: {"type": "MultiPoint", "coordinates": ps}, st.lists(POSITION, max_size=3)),
    st.builds(lambda t, c: {"type": t, "coordinates": c},
              st.sampled_from(["Point", "LineString", "Polygon", "MultiPolygon", "GeometryCollection", "Circle"]), JSON),
    JSON,
)
PROPERTY_KEYS = st.one_of(st.sampled_from(COLUMNS + ["kind", "status", "valid_from", "valid_to", "area_id"]),
                          st.text(max_size=6))
PROPERTIES = st.one_of(
    st.dictionaries(PROPERTY_KEYS, st.one_of(JSON, st.sampled_from(DATES), CELLS), max_size=8),
    st.fixed_dictionaries({"date": st.sampled_from(DATES)},
                          optional={k: st.one_of(JSON, CELLS) for k in ("title", "category", "id", "precision")}),
    JSON,
)
POINT = st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, st.floats(20, 40), st.floats(40, 60))
FEATURE = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("Feature"), "properties": PROPERTIES, "geometry": st.one_of(POINT, POINT, GEOMETRY)},
        optional={"id": JSON},
    ),
    JSON,
)
CRS = st.one_of(
    JSON,
    st.sampled_from(["EPSG:4326", "EPSG:3857", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:999999", "nonsense"]).map(
        lambda name: {"type": "name", "properties": {"name": name}}
    ),
)
GEOJSON = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("FeatureCollection"), "features": st.one_of(st.lists(FEATURE, max_size=6), JSON)},
        optional={"crs": CRS},
    ),
    FEATURE,
)
PREFIXES = [
    b"", b"PK\x03\x04", b"SQLite format 3\x00", b"{", b"[", b"<?xml version='1.0'?><kml>", b"\xef\xbb\xbf",
    b"\xff\xfe", b"date,lat,lon\n", b"event_id_cnty,event_date,latitude,longitude\n",
]
RAW = st.tuples(st.sampled_from(PREFIXES), st.binary(max_size=1500)).map(lambda t: t[0] + t[1])


@st.composite
def csv_documents(draw: st.DrawFn) -> bytes:
    """Delimited text with a header of usual names, random cells, ragged rows, any delimiter, quoting,
    line end and encoding."""
    header = draw(TABLE_HEADER)
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    row = st.tuples(*(fitting_cell(c) for c in header)).map(list)
    ragged = st.lists(CELLS, min_size=0, max_size=len(header) + 2)
    rows = draw(st.lists(st.one_of(row, row, row, ragged), max_size=8))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=end)
        for row in [header, *rows]:
            writer.writerow(row)
        text = out.getvalue()
    else:  # no quoting at all: stray quotes and delimiters inside cells stay
        text = end.join(delimiter.join(row) for row in [header, *rows]) + draw(st.sampled_from(["", end]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1251", "cp1252"]))
    return text.encode(encoding, errors="replace")


@st.composite
def kml_geometry(draw: st.DrawFn, depth: int = 0) -> ET.Element:
    kinds = ["Point", "LineString", "LinearRing", "Polygon"] + (["MultiGeometry"] if depth < 3 else [])
    kind = draw(st.sampled_from(kinds))
    el = ET.Element(kind)
    coordinates = st.one_of(
        st.sampled_from(["30.52,50.45", "30.52,50.45,0", "30,50 31,50 31,51 30,50"] * 3 + ["a,b", "1", "", "30.5,50.4 ,"]),
        st.lists(st.tuples(st.floats(-200, 200), st.floats(-100, 100)), max_size=5).map(
            lambda ps: " ".join(f"{x},{y}" for x, y in ps)
        ),
        XML_TEXT,
    )
    if kind == "Polygon":
        for boundary in draw(st.lists(st.sampled_from(["outerBoundaryIs", "innerBoundaryIs", "other"]), max_size=3)):
            ring = ET.SubElement(ET.SubElement(el, boundary), "LinearRing")
            ET.SubElement(ring, "coordinates").text = draw(coordinates)
    elif kind == "MultiGeometry":
        for _ in range(draw(st.integers(0, 3))):
            el.append(draw(kml_geometry(depth + 1)))
    else:
        ET.SubElement(el, "coordinates").text = draw(coordinates)
    return el


#: text XML 1.0 can carry (control characters and lone surrogates make ElementTree write invalid XML)
XML_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"), max_size=20)
KML_TEXT = st.one_of(
    XML_TEXT,
    st.sampled_from([str(v) for v in DATES] + WORDS + ["<b>bold</b><br>line", "<script>x</script>", "&amp;"]),
)


@st.composite
def kml_documents(draw: st.DrawFn) -> bytes:
    """A KML document of random Placemarks (text, times, ExtendedData, geometries), maybe cut short."""
    root = ET.Element("kml", xmlns="http://www.opengis.net/kml/2.2")
    folder = ET.SubElement(root, draw(st.sampled_from(["Document", "Folder"])))
    for _ in range(draw(st.integers(0, 5))):
        pm = ET.SubElement(folder, "Placemark")
        if draw(st.booleans()):
            pm.set("id", draw(KML_TEXT))
        for tag in draw(st.lists(st.sampled_from(["name", "description", "address"]), max_size=3, unique=True)):
            ET.SubElement(pm, tag).text = draw(KML_TEXT)
        time = draw(st.sampled_from(["", "TimeStamp", "TimeStamp", "TimeSpan"]))
        when = st.one_of(GOOD_DATES, GOOD_DATES, KML_TEXT)
        if time == "TimeStamp":
            ET.SubElement(ET.SubElement(pm, time), "when").text = draw(when)
        elif time == "TimeSpan":
            span = ET.SubElement(pm, time)
            for part in draw(st.lists(st.sampled_from(["begin", "end"]), max_size=2, unique=True)):
                ET.SubElement(span, part).text = draw(when)
        fields = draw(st.dictionaries(st.one_of(st.sampled_from(COLUMNS), XML_TEXT), KML_TEXT, max_size=4))
        if fields:
            data = ET.SubElement(pm, "ExtendedData")
            for name, value in fields.items():
                if draw(st.booleans()):
                    ET.SubElement(ET.SubElement(data, "Data", name=name), "value").text = value
                else:
                    ET.SubElement(ET.SubElement(data, "SchemaData"), "SimpleData", name=name).text = value
        if draw(st.booleans()):
            pm.append(draw(kml_geometry()))
    raw = ET.tostring(root, encoding="utf-8", xml_declaration=draw(st.booleans()))
    cut = draw(st.one_of(st.none(), st.none(), st.none(), st.integers(0, len(raw))))
    return raw if cut is None else raw[:cut]


COMPRESSION = st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])


@st.composite
def kmz_documents(draw: st.DrawFn) -> bytes:
    """A zip of random members: KML documents or bytes, under KMZ-like names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        names = draw(st.lists(st.sampled_from(["doc.kml", "a.kml", "B.KML", "files/icon.png", "x.txt", "dir/"]),
                              max_size=3, unique=True))
        for name in names:
            content = draw(st.one_of(kml_documents(), st.binary(max_size=200)))
            archive.writestr(name, content, compress_type=draw(COMPRESSION))
    return _damaged(draw, buffer.getvalue())


def _damaged(draw: st.DrawFn, raw: bytes) -> bytes:
    """``raw`` as it is (half the time), cut short, or with a run of bytes overwritten (corrupt data, flags)."""
    damage = draw(st.sampled_from(["none", "none", "cut", "overwrite"]))
    if damage == "cut":
        return raw[: draw(st.integers(0, len(raw)))]
    if damage == "overwrite":
        start = draw(st.integers(0, len(raw)))
        return raw[:start] + draw(st.binary(min_size=1, max_size=16)) + raw[start + 16 :]
    return raw


XLSX_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from([str(v) for v in DATES] + NUMBERS + WORDS),
    st.text(max_size=15).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)),
)


def _fixed_bytes(book: openpyxl.Workbook) -> bytes:
    """The workbook's bytes without the save time (in docProps/core.xml and the zip entries), so that the
    same draws give the same bytes: hypothesis replays a failing example."""
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", b"2024-08-06T00:00:00Z", data)
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 8, 6, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@st.composite
def xlsx_documents(draw: st.DrawFn) -> bytes:
    """A workbook of random sheets and cells (some numbers date-formatted: Excel serials of any size), and
    sometimes one of its parts replaced by random bytes or the zip cut short."""
    book = openpyxl.Workbook()
    for i in range(draw(st.integers(1, 3))):
        sheet = book.active if i == 0 else book.create_sheet()
        header = draw(TABLE_HEADER)
        if draw(st.integers(0, 3)):
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", h) for h in header])
        fitting = st.tuples(*(st.one_of(*[fitting_cell(c)] * 5, XLSX_VALUES) for c in header)).map(list)
        for row in draw(st.lists(st.one_of(fitting, fitting, st.lists(XLSX_VALUES, max_size=len(header) + 1)), max_size=6)):
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in draw(st.lists(st.sampled_from(["A1", "A2", "A3", "B2", "C3"]), max_size=3)):
            sheet[cell].number_format = draw(st.sampled_from(["yyyy-mm-dd", "dd/mm/yyyy hh:mm", "0.00", "@"]))
    raw = _fixed_bytes(book)
    if draw(st.booleans()):
        return _damaged(draw, raw)
    if draw(st.booleans()):
        with zipfile.ZipFile(io.BytesIO(raw)) as source:
            names = source.namelist()
            target = draw(st.sampled_from(names))
            replacement = draw(st.one_of(st.binary(max_size=300), st.text(max_size=100).map(str.encode),
                                         st.just(source.read(target)[: len(source.read(target)) // 2])))
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for name in names:
                    archive.writestr(name, replacement if name == target else source.read(name))
        return out.getvalue()
    return raw


GPKG_TYPES = {
    "text": st.one_of(st.none(), st.sampled_from([str(v) for v in DATES] + NUMBERS + WORDS), st.text(max_size=10)),
    "int": st.integers(-(2**62), 2**62),
    "float": st.one_of(st.floats(allow_nan=True), st.sampled_from([20240806.0, 1723420800000.0])),
    "datetime": st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    "date": st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    "bool": st.booleans(),
}
GPKG_GEOMETRIES = st.one_of(
    st.none(),
    st.builds(shapely.Point, st.floats(-180, 180), st.floats(-90, 90)),
    st.builds(shapely.Point, st.floats(20, 40), st.floats(40, 60)),
    st.builds(lambda x, y, s: shapely.box(x, y, x + s, y + s), st.floats(-170, 170), st.floats(-80, 80), st.floats(0.01, 5)),
    st.builds(lambda x, y: shapely.LineString([(x, y), (x + 1, y + 1)]), st.floats(-170, 170), st.floats(-80, 80)),
)


@st.composite
def gpkg_documents(draw: st.DrawFn) -> bytes:
    """A GeoPackage layer with random columns (each of one random type) and geometries, in a random CRS;
    sometimes its bytes cut short or overwritten."""
    n = draw(st.integers(1, 5))
    extras = draw(st.lists(st.one_of(st.sampled_from(COLUMNS[:-2]), st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)),
                           max_size=4))
    names = list(dict.fromkeys(draw(st.permutations([*draw(st.sampled_from([(), ("date",), ("date", "title")])), *extras]))))
    names = [c for i, c in enumerate(names) if c.lower() not in {d.lower() for d in names[:i]}]
    columns = {}
    for name in names:
        kind = draw(st.sampled_from(sorted(GPKG_TYPES)))
        values = fitting_cell(name) if kind == "text" else GPKG_TYPES[kind]
        columns[name] = pd.Series(draw(st.lists(values, min_size=n, max_size=n)), dtype=object)
        if kind in ("int", "float", "bool"):
            columns[name] = columns[name].astype({"int": "int64", "float": "float64", "bool": "bool"}[kind])
    crs = draw(st.sampled_from(["EPSG:4326", "EPSG:3857", None]))
    frame = gpd.GeoDataFrame(columns, geometry=draw(st.lists(GPKG_GEOMETRIES, min_size=n, max_size=n)), crs=crs)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        try:
            frame.to_file(path, engine="pyogrio", layer=draw(st.sampled_from(["events", "areas", "layer 1"])))
        except Exception:  # noqa: BLE001 - a frame GDAL cannot write is not a test input
            return b""
        raw = path.read_bytes()
    return _damaged(draw, raw) if draw(st.integers(0, 3)) == 0 else raw


# --- read_events: every format, forced and detected ---------------------------------------------------

SUFFIX_OF = {"acled": ".csv", "ucdp": ".csv", "viina": ".csv", "csv": ".csv", "xlsx": ".xlsx",
             "geojson": ".geojson", "kml": ".kml", "gpkg": ".gpkg"}


@pytest.mark.parametrize("fmt", [*FORMATS, "auto"])
@FUZZ
@given(data=RAW, suffix=st.sampled_from([".csv", ".tsv", ".txt", ".geojson", ".json", ".kml", ".kmz", ".xlsx",
                                         ".gpkg", ""]))
def test_any_bytes_give_events_or_a_geo_error(fmt: str, data: bytes, suffix: str) -> None:
    events_or_geo_error(data, suffix, fmt)


@pytest.mark.parametrize("fmt", ["auto", "csv", "acled", "ucdp", "viina"])
@FUZZ
@given(data=csv_documents(), suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_delimited_text_gives_events_or_a_geo_error(fmt: str, data: bytes, suffix: str) -> None:
    events_or_geo_error(data, suffix, fmt)


@pytest.mark.parametrize("fmt", ["auto", "geojson"])
@FUZZ
@given(doc=GEOJSON, suffix=st.sampled_from([".geojson", ".json"]))
def test_geojson_gives_events_or_a_geo_error(fmt: str, doc: object, suffix: str) -> None:
    events_or_geo_error(json.dumps(doc).encode(), suffix, fmt)


@pytest.mark.parametrize("fmt", ["auto", "kml"])
@FUZZ
@given(data=st.one_of(kml_documents(), kmz_documents()))
def test_kml_and_kmz_give_events_or_a_geo_error(fmt: str, data: bytes) -> None:
    events_or_geo_error(data, ".kmz" if data.startswith(b"PK") else ".kml", fmt)


@pytest.mark.parametrize("fmt", ["auto", "xlsx", "acled"])
@FUZZ
@given(data=xlsx_documents())
def test_xlsx_gives_events_or_a_geo_error(fmt: str, data: bytes) -> None:
    events_or_geo_error(data, ".xlsx", fmt)


@pytest.mark.parametrize("fmt", ["auto", "gpkg"])
@FUZZ
@given(data=gpkg_documents())
def test_gpkg_gives_events_or_a_geo_error(fmt: str, data: bytes) -> None:
    events_or_geo_error(data, ".gpkg", fmt)


# --- read_areas ---------------------------------------------------------------------------------------

AREA_DATE = st.one_of(st.none(), st.none(), st.sampled_from(["2024-08-06", "2999-01-01"]))


@FUZZ
@given(data=RAW, suffix=st.sampled_from([".geojson", ".json", ".kml", ".kmz", ".gpkg"]), date=AREA_DATE)
def test_any_bytes_give_areas_or_a_geo_error(data: bytes, suffix: str, date: str | None) -> None:
    areas_or_geo_error(data, suffix, date)


@FUZZ
@given(doc=GEOJSON, date=AREA_DATE)
def test_area_geojson_gives_areas_or_a_geo_error(doc: object, date: str | None) -> None:
    areas_or_geo_error(json.dumps(doc).encode(), ".geojson", date)


@FUZZ
@given(data=st.one_of(kml_documents(), kmz_documents()), date=AREA_DATE)
def test_area_kml_and_kmz_give_areas_or_a_geo_error(data: bytes, date: str | None) -> None:
    areas_or_geo_error(data, ".kmz" if data.startswith(b"PK") else ".kml", date)


@FUZZ
@given(data=gpkg_documents(), date=AREA_DATE)
def test_area_gpkg_gives_areas_or_a_geo_error(data: bytes, date: str | None) -> None:
    areas_or_geo_error(data, ".gpkg", date)


# --- the fuzzers reach the deep code ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "suffix"),
    [(csv_documents(), ".csv"), (GEOJSON.map(lambda d: json.dumps(d).encode()), ".geojson"),
     (kml_documents(), ".kml"), (kmz_documents(), ".kmz"), (xlsx_documents(), ".xlsx"), (gpkg_documents(), ".gpkg")],
)
@pytest.mark.parametrize("outcome", ["kept events", "rejected rows"])
def test_structured_inputs_reach_the_mapping(strategy: st.SearchStrategy[bytes], suffix: str, outcome: str) -> None:
    """Guard against a fuzzer that only ever meets the first error: each structured strategy yields inputs
    that get through parsing to kept events, and inputs whose rows are rejected one by one."""

    def reached(data: bytes) -> bool:
        result = events_or_geo_error(data, suffix)
        return result is not None and bool(len(result.frame) if outcome == "kept events" else result.rejected)

    find(strategy, reached, settings=settings(max_examples=1000, deadline=None, derandomize=True, database=None,
                                              suppress_health_check=_HEALTH, phases=[Phase.generate]))
