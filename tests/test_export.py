"""Outputs can't attack their reader: every CSV the tool writes neutralises formula cells, KML balloons are
plain text, opsec rounding covers the derived distances, provenance leaves only when asked."""

from __future__ import annotations

import csv
import html
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo import snapshot
from geo.boundaries import Boundaries
from geo.export import PROVENANCE, csv_bytes, safe_cells, to_csv_bytes, write_events
from geo.join import enrich, prepare
from geo.snapshot import KML_BALLOON, View, opsec_warnings
from tests.boundary_factories import write_gbopen_mirror
from tests.factories import make_events

ROOT = Path(__file__).resolve().parents[1]
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}

#: Cells a spreadsheet would run (OWASP CSV injection), one per way a formula can start.
HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://x","y")']
#: The free-text fields of an event, where a source's text lands.
TEXT_FIELDS = ("title", "description", "actors", "location_name", "source_url")
PRIVATE = {
    "import_file": "/home/analyst/cases/secret-source.csv",
    "import_sha256": "ab" * 32,
    "import_time": pd.Timestamp("2024-08-20 09:30"),
    "import_row": 7,
}


def _rows(data: bytes) -> list[dict[str, str]]:
    """A CSV the tool wrote, read back the way a spreadsheet's importer splits it (RFC 4180)."""
    assert data.startswith(b"\xef\xbb\xbf"), "expected a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _hostile_events() -> pd.DataFrame:
    """One event per hostile cell (in every text field and in a categorical column), then one whose title
    and description are the text "-12.5"; every event at lon -0.5 with 3 fatalities."""
    n = len(HOSTILE) + 1
    texts = [*HOSTILE, "-12.5"]
    frame = make_events(n, seed=3, id=[f"h{i}" for i in range(n)], lon=[-0.5] * n, fatalities=[3] * n,
                        **{f: texts for f in TEXT_FIELDS})
    frame["lat"] = np.round(frame["lat"], 4)
    frame["adm1_name"] = pd.Categorical(texts)  # joined names are categorical
    return frame


def _assert_neutralised(rows: list[dict[str, str]], fields: tuple[str, ...], frame: pd.DataFrame) -> None:
    by_id = {r["id"]: r for r in rows}
    assert sorted(by_id) == sorted(frame["id"])
    for i, hostile in enumerate(HOSTILE):
        row = by_id[f"h{i}"]
        for field in fields:
            assert row[field] == "'" + hostile, (field, row[field])
        assert row["lon"] == "-0.5" and float(row["lon"]) == -0.5  # a real number: no quote, still numeric
        assert float(row["lat"]) == frame.loc[i, "lat"]
        assert row["fatalities"] == "3"
    plain = by_id[f"h{len(HOSTILE)}"]
    assert plain["title"] == plain["description"] == "-12.5"  # a text that is a number stays that number


# --- the one rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [*HOSTILE, "-٣", "-1-1", "+", "-", "@", "=", "-12.5e", "--1", "-inf"])
def test_a_cell_that_starts_like_a_formula_gets_a_quote(cell):
    out = safe_cells(pd.Series(["ok", cell], dtype="string"))
    assert out.tolist() == ["ok", "'" + cell]


@pytest.mark.parametrize("cell", ["-12.5", "+7", "-1e3", "-.5", "+0.25E-2", "12", "plain text", " =1", "", "a=b"])
def test_a_plain_number_or_ordinary_text_is_left_as_is(cell):
    out = safe_cells(pd.Series([cell, None], dtype="string"))
    assert out.iloc[0] == cell and pd.isna(out.iloc[1])


@pytest.mark.parametrize("dtype", ["float64", "Int64", "int64"])
def test_numeric_columns_are_never_touched(dtype):
    values = pd.Series([-1, -2, 3], dtype=dtype)
    assert safe_cells(values) is values


def test_categorical_and_object_columns_and_the_header_are_neutralised():
    table = pd.DataFrame({
        "=header": ["a", "b", "c"],
        "cat": pd.Categorical(["=x", "y", "=x"]),
        "clash": pd.Categorical(["=x", "'=x", "y"]),  # "=x" fixed would equal "'=x": falls back to text cells
        "mixed": pd.Series([-1.5, "@x", None], dtype=object),
    })
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=header", "cat", "clash", "mixed"]
    assert [r[1] for r in rows[1:]] == ["'=x", "y", "'=x"]
    assert [r[2] for r in rows[1:]] == ["'=x", "'=x", "y"]
    assert [r[3] for r in rows[1:]] == ["-1.5", "'@x", ""]


def test_a_cell_cannot_become_a_formula_where_the_list_separator_is_a_semicolon():
    # Excel in a locale whose list separator is ";" (German, French...) splits a .csv on ";": an unquoted
    # "a;=1+1" would give a second cell "=1+1". Text cells are quoted, and quotes hold under any separator.
    data = csv_bytes(pd.DataFrame({"actors": ["a;=1+1", "b; -2+3"], "n": [-0.5, 1.0]}))
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"):
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "@", "\t", "\r")) and not cell.startswith("-2"), row
    assert [r["actors"] for r in _rows(data)] == ["a;=1+1", "b; -2+3"]


def test_a_carriage_return_inside_a_cell_cannot_start_a_row():
    data = csv_bytes(pd.DataFrame({"title": ["x\r=1+1", "y\n@z"], "n": [1, 2]}))
    rows = _rows(data)
    assert [r["title"] for r in rows] == ["x\r=1+1", "y\n@z"] and [r["n"] for r in rows] == ["1", "2"]
    assert data.decode("utf-8-sig").count("\r\n") == 3  # header and two rows, CRLF


# --- every CSV writer -----------------------------------------------------------------------------------


def _to_csv_bytes(frame: pd.DataFrame, tmp: Path) -> bytes:
    return to_csv_bytes(frame)


def _write_events(frame: pd.DataFrame, tmp: Path) -> bytes:
    return write_events(frame, tmp / "events.csv").read_bytes()


def _snapshot_csv(frame: pd.DataFrame, tmp: Path) -> bytes:
    return snapshot.export("csv", frame, None, View())


def _snapshot_csv_opsec(frame: pd.DataFrame, tmp: Path) -> bytes:
    return snapshot.export("csv", frame, None, View(opsec_decimals=4))


@pytest.mark.parametrize("writer", [_to_csv_bytes, _write_events, _snapshot_csv, _snapshot_csv_opsec],
                         ids=lambda w: w.__name__.strip("_"))
def test_every_event_csv_writer_neutralises_formula_cells(writer: Callable[[pd.DataFrame, Path], bytes],
                                                          tmp_path):
    frame = _hostile_events()
    _assert_neutralised(_rows(writer(frame, tmp_path)), (*TEXT_FIELDS, "adm1_name"), frame)


def _write_input(path: Path) -> None:
    """A CSV of the kind an analyst brings: the hostile cells in every text field of one event each,
    the text "-12.5" as a title, and rows rejected for a hostile latitude (the value lands in the rejects)."""
    header = ["id", "date", "latitude", "longitude", "category", *TEXT_FIELDS, "verification", "fatalities"]
    rows = [[f"h{i}", "2024-08-06", f"{0.5 + i / 10:.1f}", "-0.5", "strike", *[cell] * len(TEXT_FIELDS), "reported",
             "3"] for i, cell in enumerate(HOSTILE)]
    rows.append([f"h{len(HOSTILE)}", "2024-08-07", "1.5", "-0.5", "strike", "-12.5", "-12.5", "", "", "", "reported",
                 "3"])
    rows += [[f"r{i}", "2024-08-08", cell, "0.5", "strike", "x", "", "", "", "", "reported", ""]
             for i, cell in enumerate([*HOSTILE, "-912.5"])]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])


def test_cli_join_output_and_rejects_neutralise_formula_cells(tmp_path):
    src, out, rejects = tmp_path / "in.csv", tmp_path / "joined.csv", tmp_path / "rejects.csv"
    _write_input(src)
    env = {**os.environ, "GEO_BOUNDARIES_SOURCE": str(write_gbopen_mirror(tmp_path / "mirror")),
           "GEO_CACHE_DIR": str(tmp_path / "cache"), "GEO_COUNTRIES": "AAA,BBB",
           "GEO_STORE": str(tmp_path / "store.gpkg")}
    done = subprocess.run([sys.executable, "-m", "geo", "join", str(src), "--out", str(out), "--rejects",
                           str(rejects)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    rows = {r["id"]: r for r in _rows(out.read_bytes())}
    assert len(rows) == len(HOSTILE) + 1
    for i, hostile in enumerate(HOSTILE):
        row = rows[f"csv:h{i}"]
        for field in TEXT_FIELDS:
            # the reader trims the tab or CR around a cell; what is left still starts like a formula
            assert row[field].startswith("'") and row[field][1:] == hostile.strip(), (field, row[field])
        assert row["lon"] == "-0.5" and row["fatalities"] == "3"
        assert float(row["lat"]) == pytest.approx(0.5 + i / 10)
    assert rows[f"csv:h{len(HOSTILE)}"]["title"] == "-12.5"

    rejected = sorted(_rows(rejects.read_bytes()), key=lambda r: int(r["row"]))  # row numbers stay numbers
    assert [r["value"] for r in rejected] == ["'" + h.strip() for h in HOSTILE] + ["-912.5"]  # a number stays
    assert all(r["reason"].startswith("expected") for r in rejected)


# --- KML ------------------------------------------------------------------------------------------------


class _Html(HTMLParser):
    """What a browser engine would build from a balloon: its tags and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


KML_HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "&lt;b&gt;already escaped&lt;/b&gt;",
    "<![CDATA[<b>x</b>]]>",
    "$[id] $[description]",
    "Fish & chips \"quoted\" 'single'",
]


@pytest.mark.parametrize("text", KML_HOSTILE)
def test_kml_balloons_show_titles_and_descriptions_as_text(text):
    # What Google Earth does with a Placemark: it undoes the XML layer (entities, CDATA), then treats the
    # <description> as HTML: entity replacement fills in $[field] from the Placemark's data, and the balloon
    # is the BalloonStyle text with $[name] and $[description] put in, rendered by a browser engine. So an
    # XML-escaped "<img onerror=...>" would run. Here the same steps are taken and the balloon must hold no
    # markup but the style's own <b> and <br/> and a <br/> per line break, and show the text exactly.
    events = make_events(2, seed=5, id=["<b>id</b>", "e2"], title=[text, "ok"], description=[text, ""],
                         source_url=["javascript:alert(1)", ""])
    root = ET.fromstring(snapshot.export("kml", events, None, View(title=text)))
    balloon = root.find("k:Document/k:Style/k:BalloonStyle/k:text", KML_NS).text
    assert balloon == KML_BALLOON
    assert sorted(set(_placeholders(balloon))) == ["description", "name"]  # no ExtendedData in the balloon
    assert "<" not in root.find("k:Document/k:name", KML_NS).text
    placemark = root.find("k:Document/k:Placemark", KML_NS)
    assert placemark.find("k:styleUrl", KML_NS).text == "#event"
    name = placemark.find("k:name", KML_NS).text
    description = placemark.find("k:description", KML_NS).text
    assert "$[" not in name and "$[" not in description  # entity replacement finds nothing to fill in
    page = _Html()
    page.feed(balloon.replace("$[name]", name).replace("$[description]", description))
    page.close()
    assert page.tags[:3] == ["b", "br", "br"] and set(page.tags) == {"b", "br"}  # a line break per line
    assert page.tags.count("br") == 2 + description.count("\n")
    shown = "".join(page.text)
    assert shown.split("\n")[0].endswith(text)  # the description, character for character
    assert "Source: javascript:alert(1)" in shown  # a URL is text too, not a link


def _placeholders(text: str) -> list[str]:
    return [part.split("]")[0] for part in text.split("$[")[1:]]


def test_kml_name_keeps_its_text_readable():
    events = make_events(1, seed=5, title=["Strike on <Depot> & $[id]"])
    name = ET.fromstring(snapshot.to_kml(events)).find("k:Document/k:Placemark/k:name", KML_NS).text
    assert name == "Strike on \u2039Depot\u203a & $\u2060[id]"
    assert html.unescape(name) == name  # no entity left for HTML to turn into a character


# --- opsec: derived distances, provenance, countries ------------------------------------------------------

#: join/border distances and what they become at 2, 1 and 0 decimals (steps of 1, 10 and 100 km, as a
#: coordinate step of 0.01°, 0.1° and 1° is about 1.1, 11 and 111 km).
DISTANCES = [0.4, 1.6, 12.3, 149.0, np.nan]
ROUNDED = {2: [0.0, 2.0, 12.0, 149.0, np.nan], 1: [0.0, 0.0, 10.0, 150.0, np.nan], 0: [0.0, 0.0, 0.0, 100.0, np.nan]}


def _private_events() -> pd.DataFrame:
    n = len(DISTANCES)
    frame = make_events(n, seed=11, **PRIVATE)
    frame["join_distance_km"], frame["border_distance_km"] = DISTANCES, DISTANCES[::-1]
    frame["lon"] = [30.123456, 30.987654, 31.55555, 30.04444, 31.0101]
    frame["lat"] = [50.123456, 50.987654, 50.55555, 50.44444, 50.0101]
    frame["geometry"] = shapely.points(frame["lon"], frame["lat"])  # precise points: must not leave
    return frame


def _read(fmt: str, data: bytes, tmp: Path) -> pd.DataFrame:
    """An exported data file as a table (geometry as lon/lat for GeoJSON and GPKG; ExtendedData for KML)."""
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    if fmt == "kml":
        root = ET.fromstring(data)
        rows = []
        for pm in root.iterfind(".//k:Placemark", KML_NS):
            row = {d.get("name"): d.find("k:value", KML_NS).text for d in pm.iterfind(".//k:Data", KML_NS)}
            lon, lat = (float(v) for v in pm.find(".//k:coordinates", KML_NS).text.split(","))
            rows.append({**row, "lon": lon, "lat": lat})
        return pd.DataFrame(rows)
    path = tmp / f"events.{fmt}"
    path.write_bytes(data)
    frame = pyogrio.read_dataframe(path)
    return pd.DataFrame(frame.drop(columns="geometry").assign(lon=frame.geometry.x, lat=frame.geometry.y))


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
@pytest.mark.parametrize("decimals", [2, 1, 0])
def test_opsec_rounds_the_distances_to_the_coordinate_step(fmt, decimals, tmp_path):
    events = _private_events()
    got = _read(fmt, snapshot.export(fmt, events, None, View(opsec_decimals=decimals)), tmp_path).set_index("id")
    got = got.loc[events["id"]]
    step = 10.0 ** (2 - decimals)
    for col, true in (("join_distance_km", DISTANCES), ("border_distance_km", DISTANCES[::-1])):
        values = got[col].to_numpy(dtype=float)
        want = ROUNDED[decimals] if col == "join_distance_km" else ROUNDED[decimals][::-1]
        np.testing.assert_allclose(values, want, equal_nan=True)
        known = np.isfinite(values)
        assert (np.abs(values[known] - np.asarray(true)[known]) <= step / 2).all()
    for col in ("lon", "lat"):  # the point itself, from lon/lat or the geometry, is rounded the same way
        np.testing.assert_allclose(got[col].to_numpy(dtype=float), np.round(events[col].to_numpy(), decimals))
    assert (got["coord_precision"] == View(opsec_decimals=decimals).opsec_note).all()
    assert "geometry" not in snapshot.opsec(events, View(opsec_decimals=decimals)).columns  # no precise point left


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg", "kml"])
@pytest.mark.parametrize("opsec", [None, 2])
def test_provenance_leaves_only_when_asked(fmt, opsec, tmp_path):
    events = _private_events()
    hidden = _read(fmt, snapshot.export(fmt, events, None, View(opsec_decimals=opsec)), tmp_path)
    assert len(hidden) == len(events)
    assert not set(PROVENANCE) & set(hidden.columns), hidden.columns
    assert PRIVATE["import_file"] not in snapshot.export(fmt, events, None, View()).decode("utf-8", "replace")
    shown = _read(fmt, snapshot.export(fmt, events, None, View(opsec_decimals=opsec, provenance=True)), tmp_path)
    assert set(PROVENANCE) <= set(shown.columns)
    assert (shown["import_file"] == PRIVATE["import_file"]).all()
    assert (shown["import_sha256"] == PRIVATE["import_sha256"]).all()
    assert (shown["import_row"].astype(int) == PRIVATE["import_row"]).all()


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_write_events_drops_provenance_unless_asked(fmt, tmp_path):
    events = _private_events().drop(columns="geometry")
    for provenance in (False, True):
        out = write_events(events, tmp_path / f"e-{provenance}.{fmt}", provenance=provenance)
        columns = set(_read(fmt, out.read_bytes(), tmp_path).columns)
        assert set(PROVENANCE) <= columns if provenance else not set(PROVENANCE) & columns, columns


def test_cli_join_and_snapshot_keep_provenance_only_with_the_flag(tmp_path, monkeypatch):
    from geo.cli import main
    from geo.store import EventStore

    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(write_gbopen_mirror(tmp_path / "mirror")))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_COUNTRIES", "AAA,BBB")
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "store.gpkg"))
    src = tmp_path / "in.csv"
    _write_input(src)
    for flag in ([], ["--provenance"]):
        out = tmp_path / f"join{len(flag)}.csv"
        assert main(["join", str(src), "--out", str(out), *flag]) == 0
        columns = set(pd.read_csv(out, encoding="utf-8-sig").columns)
        assert set(PROVENANCE) <= columns if flag else not set(PROVENANCE) & columns, columns
        if flag:
            table = pd.read_csv(out, encoding="utf-8-sig")
            assert (table["import_file"] == str(src)).all() and (table["import_row"] >= 1).all()

    EventStore().add(_private_events().drop(columns="geometry"), source=PRIVATE["import_file"],
                     sha256=PRIVATE["import_sha256"])
    for flag in ([], ["--provenance"]):
        out, saved = tmp_path / f"snap{len(flag)}.kml", tmp_path / f"snap{len(flag)}.view.json"
        assert main(["snapshot", "--out", str(out), "--opsec-decimals", "2", "--save-view", str(saved), *flag]) == 0
        keys = {d.get("name") for d in ET.parse(out).getroot().iterfind(".//k:Data", KML_NS)}
        assert set(PROVENANCE) <= keys if flag else not set(PROVENANCE) & keys, keys
        assert View.from_json(saved.read_text(encoding="utf-8")).provenance is bool(flag)  # the view says so


def _two_countries() -> Boundaries:
    """AAA west of 30.97°E, BBB east of it (between 50 and 51°N); AAA's west edge at 30.04°E."""
    def layer(level: int) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"iso3": ["AAA", "BBB"], "unit_id": [f"A{level}", f"B{level}"], "name": ["Aland", "Bland"],
             "name_local": ["", ""], "iso_code": ["", ""]},
            geometry=[shapely.box(30.04, 50.0, 30.97, 51.0), shapely.box(30.97, 50.0, 32.0, 51.0)], crs="EPSG:4326")

    return Boundaries(layer(0), layer(1), layer(2), countries=("AAA", "BBB"))


def test_opsec_warns_when_rounding_moves_events_out_of_their_country():
    index = prepare(_two_countries())
    events = enrich(make_events(4, seed=2, id=["over-border", "stays", "off-map", "in-bland"],
                                lon=[30.96, 30.5, 30.041, 31.5], lat=[50.5, 50.5, 50.5, 50.5]), index)
    assert events["adm0_iso"].astype(str).tolist() == ["AAA", "AAA", "AAA", "BBB"]
    (warning,) = opsec_warnings(events, View(opsec_decimals=1), index)
    # 30.96 → 31.0 lies in BBB; 30.041 → 30.0 lies west of every loaded country
    assert "moves 2 of 4 events" in warning
    assert "AAA→BBB 1" in warning and "AAA→no loaded country 1" in warning
    assert "over-border" in warning and "off-map" in warning and "stays" not in warning
    assert opsec_warnings(events, View(opsec_decimals=2), index) == []  # 0.01°: every event stays at home
    assert opsec_warnings(events, View(), index) == []  # no rounding, nothing to say
    assert opsec_warnings(events, View(opsec_decimals=1), None) == []  # no boundaries, nothing to compare


def test_opsec_snap_keeps_rounded_points_in_their_country():
    index = prepare(_two_countries())
    events = enrich(make_events(4, seed=2, id=["over-border", "stays", "off-map", "in-bland"],
                                lon=[30.96, 30.5, 30.041, 31.5], lat=[50.5, 50.5, 50.5, 50.5]), index)
    view = View(opsec_decimals=1, opsec_snap=True)
    out = snapshot.opsec(events, view, index).set_index("id")
    # 30.96 rounds to 31.0, in BBB: the nearest grid point inside AAA is 30.9; 30.041 rounds to 30.0, west of
    # every country: the nearest grid point inside AAA is 30.1
    assert out.loc["over-border", "lon"] == pytest.approx(30.9) and out.loc["over-border", "lat"] == pytest.approx(50.5)
    assert out.loc["off-map", "lon"] == pytest.approx(30.1)
    assert out.loc["stays", "lon"] == pytest.approx(30.5) and out.loc["in-bland", "lon"] == pytest.approx(31.5)
    assert "moved to the nearest grid point inside AAA" in out.loc["over-border", "coord_precision"]
    assert out.loc["stays", "coord_precision"] == view.opsec_note
    for lon in out["lon"]:  # every point stays on the grid
        assert round(lon, 1) == pytest.approx(lon)
    assert opsec_warnings(events, view, index) == []  # every one kept at home
    plain = snapshot.opsec(events, View(opsec_decimals=1), index).set_index("id")
    assert plain.loc["over-border", "lon"] == pytest.approx(31.0)  # without snapping: rounded only
    csv = pd.read_csv(io.BytesIO(snapshot.export("csv", events, None, view, index=index)), encoding="utf-8-sig")
    assert csv.set_index("id").loc["over-border", "lon"] == pytest.approx(30.9)
