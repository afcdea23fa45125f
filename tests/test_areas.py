"""Area layers: reading dated polygons (GeoJSON, KML, KMZ, GeoPackage), snapshots as of a day, the store."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.areas import AREA_COLUMNS, NO_DATE, AreaStore, as_of, date_from_name, parse_day, read_areas
from geo.errors import InputFormatError, StoreError
from geo.store import EventStore
from tests.factories import make_events

D = dt.date
SQUARE = [[30.0, 50.0], [31.0, 50.0], [31.0, 51.0], [30.0, 51.0], [30.0, 50.0]]
HOLE = [[30.25, 50.25], [30.75, 50.25], [30.75, 50.75], [30.25, 50.75], [30.25, 50.25]]


def _feature(props: dict, geometry: dict | None = None) -> dict:
    geometry = {"type": "Polygon", "coordinates": [SQUARE]} if geometry is None else geometry
    return {"type": "Feature", "properties": props, "geometry": geometry or None}


def _geojson(path: Path, *features: dict) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}), encoding="utf-8")
    return path


def _ring(coords: list[list[float]]) -> str:
    return " ".join(f"{x},{y},0" for x, y in coords)


def _placemark(name: str, geometry: str, extra: str = "") -> str:
    return f"<Placemark><name>{name}</name>{extra}{geometry}</Placemark>"


def _polygon(outer: list[list[float]], *holes: list[list[float]]) -> str:
    inner = "".join(
        f"<innerBoundaryIs><LinearRing><coordinates>{_ring(h)}</coordinates></LinearRing></innerBoundaryIs>"
        for h in holes
    )
    return (
        f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_ring(outer)}</coordinates></LinearRing>"
        f"</outerBoundaryIs>{inner}</Polygon>"
    )


def _kml(*placemarks: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + "".join(placemarks)
        + "</Document></kml>"
    )


def _shift(coords: list[list[float]], dx: float) -> list[list[float]]:
    return [[x + dx, y] for x, y in coords]


# --- dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("2024-08-12.geojson", D(2024, 8, 12)),
        ("control_20240812.kml", D(2024, 8, 12)),
        ("ISW_2024_08_12_v2.kmz", D(2024, 8, 12)),
        ("advances 12-08-2024.geojson", D(2024, 8, 12)),
        ("control_2024-08-12_exported_2024-09-01.geojson", D(2024, 8, 12)),  # the first date wins
        ("control_20241399.kml", None),  # not a date
        ("layer_123456789.geojson", None),
        ("areas.geojson", None),
    ],
)
def test_date_from_file_name(name, day):
    assert date_from_name(name) == day


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2024-08-12", D(2024, 8, 12)),
        ("2024-08-12T23:30:00-05:00", D(2024, 8, 13)),  # the UTC day
        ("20240812", D(2024, 8, 12)),
        (20240812, D(2024, 8, 12)),
        ("12.08.2024", D(2024, 8, 12)),
        ("12/08/2024", D(2024, 8, 12)),  # day first
        ("08/13/2024", D(2024, 8, 13)),  # month first only when the day cannot be the month
        ("12 August 2024", D(2024, 8, 12)),
        (1723420800000, D(2024, 8, 12)),  # ArcGIS milliseconds
        (1723420800, D(2024, 8, 12)),
        (pd.Timestamp("2024-08-12"), D(2024, 8, 12)),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_day(value, day):
    assert parse_day(value) == day


@pytest.mark.parametrize("value", ["August 2024", "soon", "2024-13-45", True])
def test_parse_day_rejects_non_dates(value):
    with pytest.raises(ValueError, match="expected a date"):
        parse_day(value)


# --- GeoJSON ------------------------------------------------------------------------------------------


def test_geojson_date_in_file_name(tmp_path):
    path = _geojson(
        tmp_path / "2024-08-12.geojson",
        _feature({"name": "Sudzha pocket", "status": "Assessed_Control", "source": "ISW", "url": "https://isw"}),
    )
    areas, issues = read_areas(path)
    assert issues == []
    assert list(areas.columns) == [*AREA_COLUMNS, "geometry"]
    row = areas.iloc[0]
    assert (row["name"], row["kind"], row["source_name"], row["source_url"]) == (
        "Sudzha pocket", "assessed control", "ISW", "https://isw"
    )
    assert row["date_start"] == pd.Timestamp("2024-08-12") and pd.isna(row["date_end"])
    assert row["import_file"] == str(path) and row["area_id"].startswith("area-")
    assert areas.crs.to_epsg() == 4326 and areas.geometry.iloc[0].equals(shapely.Polygon(SQUARE))
    assert areas["date_start"].dtype == "datetime64[ns]"


@pytest.mark.parametrize(
    ("props", "start", "end"),
    [
        ({"date": "2024-08-10"}, "2024-08-10", None),
        ({"valid_from": "2024-08-10", "valid_to": "2024-08-20"}, "2024-08-10", "2024-08-20"),
        ({"start": "10.08.2024", "end": "20.08.2024"}, "2024-08-10", "2024-08-20"),
        ({"timestamp": 1723248000000}, "2024-08-10", None),
        ({"Date": "2024-08-10T00:00:00Z"}, "2024-08-10", None),  # keys: case-insensitive
    ],
)
def test_geojson_date_properties(tmp_path, props, start, end):
    areas, issues = read_areas(_geojson(tmp_path / "advances.geojson", _feature(props)), kind="claimed advance")
    assert issues == []
    assert areas["date_start"].iloc[0] == pd.Timestamp(start)
    assert (pd.isna(areas["date_end"].iloc[0]) if end is None else areas["date_end"].iloc[0] == pd.Timestamp(end))
    assert areas["kind"].iloc[0] == "claimed advance"


def test_property_date_wins_over_file_name_and_argument_wins_over_both(tmp_path):
    path = _geojson(tmp_path / "2024-08-12.geojson", _feature({"date": "2024-08-01"}), _feature({"name": "b"}))
    areas, _ = read_areas(path)
    assert list(areas.date_start.dt.day) == [1, 12]
    areas, _ = read_areas(path, date="2024-08-15", kind="Assessed Control")
    assert list(areas.date_start.dt.day) == [15, 15] and set(areas.kind) == {"assessed control"}


def test_non_polygons_are_skipped_with_issues(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]]}
    mixed = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Polygon", "coordinates": [SQUARE]}, {"type": "Point", "coordinates": [30, 50]}],
    }
    path = _geojson(
        tmp_path / "2024-08-12.geojson",
        _feature({"name": "ok"}),
        _feature({"name": "point"}, {"type": "Point", "coordinates": [30.5, 50.5]}),
        _feature({"name": "line"}, {"type": "LineString", "coordinates": [[30, 50], [31, 51]]}),
        _feature({"name": "none"}, {}),
        _feature({"name": "bowtie"}, bowtie),
        _feature({"name": "mixed"}, mixed),
        _feature({"name": "bad date", "date": "soon"}),
    )
    areas, issues = read_areas(path)
    assert list(areas.name) == ["ok", "bowtie", "mixed"]
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in areas.geometry)
    assert areas.geometry.iloc[1].area == pytest.approx(0.5)  # the bow-tie made valid: two triangles
    by_row = {i.row: i for i in issues}
    assert sorted(by_row) == [2, 3, 4, 6, 7]
    assert (by_row[2].file, by_row[2].field, by_row[2].value) == (str(path), "geometry", "Point")
    assert by_row[2].reason == "expected Polygon or MultiPolygon, got Point"
    assert by_row[3].value == "LineString" and by_row[4].reason.endswith("got no geometry")
    assert by_row[6].kind == "flag" and "dropped the Point" in by_row[6].reason
    assert (by_row[7].field, by_row[7].value, by_row[7].kind) == ("date", "soon", "reject")


@pytest.mark.parametrize("name", ["areas.geojson", "control.kml"])
def test_missing_date_is_an_error_naming_the_file(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".kml"):
        path.write_text(_kml(_placemark("x", _polygon(SQUARE))), encoding="utf-8")
    else:
        _geojson(path, _feature({"name": "x"}))
    expected = "expected a date in the file name \\(e.g. 2024-08-12\\) or a date property, got none"
    with pytest.raises(InputFormatError, match=expected) as info:
        read_areas(path)
    assert str(path) in str(info.value) and NO_DATE in str(info.value)


def test_features_without_a_date_among_dated_ones_are_reported(tmp_path):
    path = _geojson(tmp_path / "areas.geojson", _feature({"date": "2024-08-12"}), _feature({"name": "undated"}))
    areas, issues = read_areas(path)
    assert len(areas) == 1 and [(i.row, i.field, i.reason) for i in issues] == [(2, "date", NO_DATE)]


def test_unreadable_files(tmp_path):
    bad = tmp_path / "2024-08-12.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFormatError, match="expected a readable"):
        read_areas(bad)
    with pytest.raises(InputFormatError, match="does not exist"):
        read_areas(tmp_path / "missing_2024-08-12.geojson")
    kml = tmp_path / "2024-08-12.kml"
    kml.write_text("<kml><Placemark>", encoding="utf-8")
    with pytest.raises(InputFormatError, match="expected KML"):
        read_areas(kml)


# --- KML, KMZ, GeoPackage -----------------------------------------------------------------------------


def test_kml_timespan_inner_rings_and_extended_data(tmp_path):
    span = "<TimeSpan><begin>2024-08-10</begin><end>2024-08-14T12:00:00Z</end></TimeSpan>"
    stamp = "<TimeStamp><when>2024-08-11</when></TimeStamp>"
    data = (
        '<ExtendedData><Data name="Kind"><value>Claimed advance</value></Data>'
        '<Data name="source"><value>Telegram</value></Data></ExtendedData>'
        "<description><![CDATA[<b>Claimed</b> by &quot;milbloggers&quot;]]></description>"
    )
    multi = f"<MultiGeometry>{_polygon(_shift(SQUARE, 2))}{_polygon(_shift(SQUARE, 4))}</MultiGeometry>"
    path = tmp_path / "advances.kml"
    path.write_text(
        _kml(
            _placemark("With hole", _polygon(SQUARE, HOLE), span + data),
            _placemark("Two parts", multi, stamp),
            _placemark("A pin", "<Point><coordinates>30.5,50.5,0</coordinates></Point>", stamp),
        ),
        encoding="utf-8",
    )
    areas, issues = read_areas(path)
    first = areas.iloc[0]
    assert (first["name"], first["kind"], first["source_name"]) == ("With hole", "claimed advance", "Telegram")
    assert first["description"] == 'Claimed by "milbloggers"'
    assert (first["date_start"], first["date_end"]) == (pd.Timestamp("2024-08-10"), pd.Timestamp("2024-08-14"))
    assert first.geometry.area == pytest.approx(1 - 0.25) and len(first.geometry.interiors) == 1
    second = areas.iloc[1]
    assert second.geometry.geom_type == "MultiPolygon" and second["date_start"] == pd.Timestamp("2024-08-11")
    assert second["kind"] == "area" and pd.isna(second["date_end"])
    assert [(i.row, i.value) for i in issues] == [(3, "Point")]


def test_kml_date_in_file_name_and_kmz(tmp_path):
    doc = _kml(_placemark("Control", _polygon(SQUARE)))
    kml = tmp_path / "control_20240812.kml"
    kml.write_text(doc, encoding="utf-8")
    kmz = tmp_path / "control_20240812.kmz"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.writestr("doc.kml", doc)
        archive.writestr("files/icon.png", b"\x89PNG")
    from_kml, _ = read_areas(kml, kind="assessed control")
    from_kmz, _ = read_areas(kmz, kind="assessed control")
    assert from_kml.date_start.iloc[0] == pd.Timestamp("2024-08-12")
    assert list(from_kml.area_id) == list(from_kmz.area_id)  # same content, same id
    assert from_kmz.geometry.iloc[0].equals(from_kml.geometry.iloc[0])


def test_kml_bad_time_and_ring_are_reported(tmp_path):
    path = tmp_path / "2024-08-12.kml"
    short_ring = "<Polygon><outerBoundaryIs><LinearRing><coordinates>30,50 31,50</coordinates></LinearRing>" \
        "</outerBoundaryIs></Polygon>"
    path.write_text(
        _kml(
            _placemark("bad when", _polygon(SQUARE), "<TimeStamp><when>someday</when></TimeStamp>"),
            _placemark("short ring", short_ring),
            _placemark("end before start", _polygon(SQUARE),
                       "<TimeSpan><begin>2024-08-12</begin><end>2024-08-01</end></TimeSpan>"),
        ),
        encoding="utf-8",
    )
    areas, issues = read_areas(path)
    assert areas.empty
    assert [(i.row, i.field) for i in issues] == [(1, "TimeStamp/when"), (2, "geometry"), (3, "TimeSpan/end")]
    assert "expected an end on or after the start 2024-08-12" in issues[2].reason


def test_geopackage_in_another_crs(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": ["zone"], "valid_from": ["2024-08-12"], "category": ["assessed control"]},
        geometry=[shapely.Polygon(SQUARE)],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    path = tmp_path / "zones.gpkg"
    gdf.to_file(path, layer="zones", driver="GPKG")
    areas, issues = read_areas(path)
    assert issues == [] and areas.kind.iloc[0] == "assessed control"
    assert areas.crs.to_epsg() == 4326
    assert areas.geometry.iloc[0].bounds == pytest.approx((30, 50, 31, 51))


def test_duplicate_features_in_one_file(tmp_path):
    path = _geojson(tmp_path / "2024-08-12.geojson", _feature({"name": "a"}), _feature({"name": "a"}))
    areas, issues = read_areas(path)
    assert len(areas) == 1 and [(i.row, i.kind) for i in issues] == [(2, "duplicate")]


# --- snapshots ----------------------------------------------------------------------------------------


def _areas(rows: list[tuple[str, str, str, str | None]]) -> gpd.GeoDataFrame:
    """(name, kind, date_start, date_end) rows with unit squares."""
    return gpd.GeoDataFrame(
        {
            "name": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "date_start": pd.to_datetime([r[2] for r in rows]),
            "date_end": pd.to_datetime([r[3] for r in rows]),
        },
        geometry=[shapely.Polygon(_shift(SQUARE, i)) for i in range(len(rows))],
        crs="EPSG:4326",
    )


SNAPSHOTS = [
    ("c1-a", "control", "2024-08-06", None),
    ("c1-b", "control", "2024-08-06", None),
    ("c2", "control", "2024-08-10", None),
    ("c3", "control", "2024-08-20", None),
    ("adv1", "claimed advance", "2024-08-08", None),
    ("adv2-a", "claimed advance", "2024-08-12", "2024-08-13"),
    ("adv2-b", "claimed advance", "2024-08-12", None),
]


@pytest.mark.parametrize(
    ("day", "shown"),
    [
        ("2024-08-05", []),
        ("2024-08-06", ["c1-a", "c1-b"]),
        ("2024-08-09", ["adv1", "c1-a", "c1-b"]),
        ("2024-08-12", ["adv2-a", "adv2-b", "c2"]),  # the latest snapshot per kind, not earlier ones
        ("2024-08-13", ["adv2-a", "adv2-b", "c2"]),  # date_end is inclusive
        ("2024-08-14", ["adv2-b", "c2"]),  # adv2-a ended the day before
        ("2024-09-01", ["adv2-b", "c3"]),
    ],
)
def test_as_of_picks_the_latest_snapshot_per_kind(day, shown):
    areas = _areas(SNAPSHOTS)
    out = as_of(areas, day)
    assert sorted(out.name) == shown
    assert isinstance(out, gpd.GeoDataFrame)
    assert as_of(areas, D.fromisoformat(day)).equals(out)


def test_as_of_on_empty_frames():
    assert as_of(_areas([]), D(2024, 8, 1)).empty


# --- the store ----------------------------------------------------------------------------------------


def test_store_is_idempotent(tmp_path):
    path = _geojson(tmp_path / "2024-08-12.geojson", _feature({"name": "a", "kind": "control"}),
                    _feature({"name": "b", "kind": "control"}, {"type": "Polygon", "coordinates": [_shift(SQUARE, 1)]}))
    store = AreaStore(tmp_path / "events.gpkg")
    assert store.read().empty and store.count() == 0 and not store.exists()
    areas, _ = read_areas(path)
    assert store.add(areas) == 2
    again, _ = read_areas(path)  # the same file imported twice adds nothing
    assert store.add(again) == 0
    assert store.count() == 2
    back = store.read()
    assert list(back.columns) == [*AREA_COLUMNS, "geometry"] and back.crs.to_epsg() == 4326
    assert sorted(back.area_id) == sorted(areas.area_id)
    assert back.date_start.dtype == "datetime64[ns]" and back.date_start.iloc[0] == pd.Timestamp("2024-08-12")
    assert back.date_end.isna().all() and set(back.geometry.geom_type) == {"MultiPolygon"}
    assert as_of(back, "2024-08-12").shape[0] == 2
    assert pyogrio.list_layers(store.path).tolist() == [["areas", "MultiPolygon"]]  # no events layer made
    # re-reading the stored layer as a file keeps the ids: still nothing new
    assert store.add(read_areas(store.path)[0]) == 0
    with closing(sqlite3.connect(store.path)) as con, pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO areas (area_id) VALUES (?)", (areas.area_id.iloc[0],))  # unique index


def test_store_shares_the_events_geopackage(tmp_path):
    path = tmp_path / "events.gpkg"
    events = EventStore(path)
    events.add(make_events(3))
    before = events.read()
    areas = AreaStore(path)
    assert areas.add(_areas(SNAPSHOTS[:2])) == 2
    pd.testing.assert_frame_equal(events.read(), before)
    assert events.add(make_events(2, seed=5)).added == 2 and events.count() == 5
    assert areas.count() == 2 and areas.read().area_id.notna().all()  # ids computed for frames built in code


def test_events_store_after_areas(tmp_path):
    path = tmp_path / "events.gpkg"
    AreaStore(path).add(_areas(SNAPSHOTS[:1]))
    assert EventStore(path).add(make_events(2)).added == 2
    assert AreaStore(path).count() == 1 and EventStore(path).count() == 2


def test_store_rejects_incomplete_rows_and_keeps_the_layer(tmp_path):
    store = AreaStore(tmp_path / "events.gpkg")
    store.add(_areas(SNAPSHOTS[:1]))
    bad = _areas(SNAPSHOTS[1:3])
    bad.loc[1, "geometry"] = shapely.Point(30, 50)
    with pytest.raises(StoreError, match="nothing stored"):
        store.add(bad)
    assert store.count() == 1
    assert store.add(_areas([])) == 0


def test_default_path_follows_geo_store(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "custom.gpkg"))
    assert AreaStore().path == tmp_path / "custom.gpkg"
