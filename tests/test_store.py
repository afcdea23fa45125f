"""The GeoPackage store: one transaction per import, idempotent, unchanged after any failure."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo import join
from geo.areas import AreaStore
from geo.errors import StoreError
from geo.store import _HOST, AddResult, EventStore
from tests.factories import grid_boundaries, make_events
from tests.store_factories import BROKEN, broken_params, fingerprint


@pytest.fixture
def store(tmp_path) -> EventStore:
    return EventStore(tmp_path / "events.gpkg")


def test_roundtrip_keeps_values_and_is_a_real_geopackage(store):
    events = make_events(
        3, title=["Костюковичи", "<img src=x onerror=alert(1)>", "Sudzha"], fatalities=[1, None, 3]
    )
    enriched = join.enrich(events, join.prepare(grid_boundaries()))
    assert store.add(enriched, source="events.csv").added == 3
    back = store.read().set_index("id").loc[list(events.id)]
    assert list(back.title) == ["Костюковичи", "<img src=x onerror=alert(1)>", "Sudzha"]
    assert list(back.fatalities.astype("Float64").fillna(-1)) == [1, -1, 3]
    assert list(back.adm2_id.astype(str)) == list(enriched.adm2_id.astype(str))
    assert back.crs.to_epsg() == 4326
    np.testing.assert_allclose(back.geometry.x, events.lon)
    # GDAL sees a valid GeoPackage point layer
    info = pyogrio.read_info(store.path, layer="events")
    assert info["geometry_type"] == "Point" and info["features"] == 3


def test_same_events_twice_add_nothing(store):
    events = make_events(4)
    first, second = store.add(events), store.add(events)
    assert (first.added, second.added, second.already_stored) == (4, 0, 4)
    assert store.count() == 4
    assert list(store.imports().added) == [4, 0]


def _tables(store: EventStore) -> dict[str, list[tuple]]:
    """The lookup tables, the log and the schema of the events table and its view."""
    with sqlite3.connect(store.path) as con:
        tables = ("admin_units", "import_sources", "imports", "sqlite_sequence")
        out = {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        out["schema"] = con.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        return out


def test_failure_midway_leaves_store_exactly_as_before(store):
    index = join.prepare(grid_boundaries())
    store.add(join.enrich(make_events(2, seed=1), index))
    before, tables = store.read().sort_values("id").reset_index(drop=True), _tables(store)
    # row 3 bypassed validation; the import also brings a new source file, new admin units and a column
    # no event had before
    bad = make_events(5, seed=2, lat=[50.1, 50.2, 95.0, 50.3, 50.8], lon=[30.2, 31.2, 30.3, 31.7, 30.6],
                      import_file="other.csv", description="seen from the road")
    with pytest.raises(StoreError, match="rolled back, nothing stored"):
        store.add(join.enrich(bad, index))
    after = store.read().sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    assert _tables(store) == tables
    assert len(store.imports()) == 1


def test_gis_users_get_every_column_by_name(store):
    enriched = join.enrich(make_events(3, src_adm1=["AAA S Oblast", "Wrong", None]), join.prepare(grid_boundaries()))
    store.add(enriched, source="events.csv")
    ours = store.read().set_index("id")
    # the events_full view is a GeoPackage point layer with exactly read()'s columns
    assert pyogrio.read_info(store.path, layer="events_full")["geometry_type"] == "Point"
    view = pyogrio.read_dataframe(store.path, layer="events_full").set_index("id")
    assert list(view.columns) == list(ours.columns)
    for col in ("title", "adm0_iso", "adm1_name", "adm2_name", "join_method", "admin_mismatch", "import_file"):
        assert list(view[col].fillna("-").astype(str)) == list(ours[col].astype(object).fillna("-").astype(str))
    assert list(view.border_district) == list(ours.border_district)


def test_store_of_the_first_layout_is_upgraded(tmp_path):
    path = tmp_path / "events.gpkg"
    events = make_events(3, title=["Костюковичи", "b", "c"])
    old = events.assign(adm2_name=["Gamma", "Gamma", None], admin_mismatch="", import_sha256="abc")
    geometry = gpd.points_from_xy(old.lon, old.lat, crs=4326)
    pyogrio.write_dataframe(gpd.GeoDataFrame(old, geometry=geometry), path, layer="events", driver="GPKG")
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE imports (file TEXT, sha256 TEXT, imported_at TEXT, offered INTEGER, added INTEGER)")
        con.execute("INSERT INTO imports VALUES ('events.csv', 'abc', '2026-01-01T00:00:00+00:00', 3, 3)")
    store = EventStore(path)
    back = store.read().set_index("id").loc[list(events.id)]
    assert list(back.title) == ["Костюковичи", "b", "c"]
    assert list(back.adm2_name.astype(object).fillna("-")) == ["Gamma", "Gamma", "-"]
    assert set(back.import_sha256) == {"abc"}
    assert list(store.imports().added) == [3]
    assert (tmp_path / "events.v1.gpkg").exists()
    assert store.add(events).added == 0


def test_locked_store_fails_cleanly_and_changes_nothing(tmp_path):
    store = EventStore(tmp_path / "events.gpkg", timeout=0.2)
    store.add(make_events(2, seed=1))
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="database is locked"):
            store.add(make_events(3, seed=3))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.count() == 2


def test_store_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "elsewhere.gpkg"))
    store = EventStore()
    store.add(make_events(1))
    assert (tmp_path / "elsewhere.gpkg").exists() and store.count() == 1


def test_empty_store_reads_empty(store):
    assert store.count() == 0
    assert len(store.read()) == 0


def _square_areas() -> gpd.GeoDataFrame:
    square = shapely.box(30.0, 50.0, 30.5, 50.5)
    return gpd.GeoDataFrame(
        {"name": ["held"], "kind": ["assessed control"], "date_start": [pd.Timestamp("2024-08-12")]},
        geometry=[square], crs=4326,
    )


# --- a store that cannot be read is an error, never "empty" -------------------------------------------


def _broken(tmp_path, name: str) -> tuple[Path, str]:
    path = tmp_path / "events.gpkg"
    make, reason = BROKEN[name]
    make(path)
    return path, rf"cannot open the event store {re.escape(str(path))}: expected a GeoPackage with an events table, got {reason}"


@pytest.mark.parametrize("name", broken_params())
def test_broken_store_is_an_error_for_every_operation(tmp_path, name):
    path, message = _broken(tmp_path, name)
    before = fingerprint(path)
    store, areas = EventStore(path), AreaStore(path)
    operations = {
        "exists": store.exists, "count": store.count, "read": store.read, "imports": store.imports,
        "add": lambda: store.add(make_events(2)), "areas exists": areas.exists, "areas count": areas.count,
        "areas read": areas.read, "areas add": lambda: areas.add(_square_areas()),
    }
    for label, operation in operations.items():
        with pytest.raises(StoreError, match=message):
            operation()
        assert fingerprint(path) == before, f"{label} changed the file"
    assert [p.name for p in tmp_path.iterdir()] == ["events.gpkg"]  # no scratch file, no replacement


@pytest.mark.parametrize("setup", ["no file", "empty store", "areas only"])
def test_no_store_or_an_empty_one_reads_empty(tmp_path, setup):
    path = tmp_path / "events.gpkg"
    if setup == "empty store":
        assert EventStore(path).add(make_events(0)) == AddResult(0, 0)
    elif setup == "areas only":
        assert AreaStore(path).add(_square_areas()) == 1
    store = EventStore(path)
    assert (store.exists(), store.count(), len(store.read()), len(store.imports())) == (
        setup == "empty store", 0, 0, 0
    )
    assert path.exists() == (setup != "no file")


def test_locked_store_is_busy_not_broken(tmp_path):
    store = EventStore(tmp_path / "events.gpkg", timeout=0.1)
    store.add(make_events(2))
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="database is locked") as caught:
            store.count()
        assert "expected a GeoPackage" not in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# --- one transaction per import -----------------------------------------------------------------------


def test_log_row_is_written_in_the_events_transaction(store):
    store.add(make_events(2, seed=1), source="first.csv")
    before = _tables(store)
    with closing(sqlite3.connect(store.path)) as con:  # a log that refuses rows: the import must fail whole
        con.execute("CREATE TRIGGER no_log BEFORE INSERT ON imports BEGIN SELECT RAISE(ABORT, 'log refused'); END")
        con.commit()
    with pytest.raises(StoreError, match="rolled back, nothing stored: log refused"):
        store.add(make_events(3, seed=2, description="new column", import_file="second.csv"), source="second.csv")
    assert store.count() == 2
    after = _tables(store)
    assert {k: v for k, v in after.items() if k != "schema"} == {k: v for k, v in before.items() if k != "schema"}
    assert [s for s in after["schema"] if s[0] != "no_log"] == before["schema"]  # no column added


def test_geopackage_bookkeeping_follows_the_import(store):
    first = make_events(50, seed=1)
    second = make_events(30, seed=2, lon=np.linspace(20, 40, 30), lat=np.linspace(44, 56, 30))
    store.add(first)
    store.add(second)
    info = pyogrio.read_info(store.path, layer="events")
    assert info["features"] == 80  # GDAL's count (gpkg_ogr_contents), kept by the bulk insert
    both = pd.concat([first, second])
    np.testing.assert_allclose(info["total_bounds"], [both.lon.min(), both.lat.min(), both.lon.max(), both.lat.max()])
    with closing(sqlite3.connect(store.path)) as con:
        assert con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'events'").fetchone() == (80,)
        triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "trigger_insert_feature_count_events" in triggers  # put back after the bulk insert
    with closing(sqlite3.connect(store.path)) as con:
        con.execute("INSERT INTO events (id, date_start) VALUES ('by-hand', '2024-08-01')")
        con.commit()
    assert pyogrio.read_info(store.path, layer="events")["features"] == 81


def test_spatial_index_added_in_a_gis_is_kept_up_to_date(store):
    store.add(make_events(20, seed=1))
    with closing(sqlite3.connect(store.path)) as con:  # what QGIS/GDAL do when asked for a spatial index
        con.executescript(_RTREE_SQL)
        con.commit()
    added = make_events(40, seed=2, lon=np.linspace(20, 40, 40), lat=np.linspace(44, 56, 40))
    store.add(added)
    with closing(sqlite3.connect(store.path)) as con:
        boxes = con.execute("SELECT minx, maxx, miny, maxy FROM rtree_events_geom ORDER BY id").fetchall()
    assert len(boxes) == 60
    np.testing.assert_allclose(np.array(boxes[20:])[:, [0, 2]], added[["lon", "lat"]].to_numpy(), rtol=1e-6)
    # GDAL answers a bounding-box query from the index: the events of the second import are found
    found = pyogrio.read_dataframe(store.path, layer="events", bbox=(19.5, 43.5, 25.5, 48.5), columns=["id"])
    assert set(found.id) == set(added.id[(added.lon <= 25.5) & (added.lat <= 48.5)])


_RTREE_SQL = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE VIRTUAL TABLE rtree_events_geom USING rtree(id, minx, maxx, miny, maxy);
INSERT INTO rtree_events_geom SELECT fid, lon, lon, lat, lat FROM events WHERE geom IS NOT NULL;
INSERT INTO gpkg_extensions VALUES ('events', 'geom', 'gpkg_rtree_index',
  'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE TRIGGER "rtree_events_geom_insert" AFTER INSERT ON "events" WHEN (new."geom" NOT NULL AND NOT
  ST_IsEmpty(NEW."geom")) BEGIN INSERT OR REPLACE INTO "rtree_events_geom" VALUES (NEW."fid",ST_MinX(NEW."geom"),
  ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
"""


def test_scratch_files_of_dead_processes_are_swept(store):
    store.add(make_events(2, seed=1))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = _HOST
    orphans = [store.path.with_name(f".events.gpkg.{dead.stdout.strip()}@{host}.abc123.rows.gpkg{s}") for s in ("", "-journal")]
    live = store.path.with_name(f".events.gpkg.{os.getpid()}@{host}.def456.rows.gpkg")
    other = store.path.with_name(f".other.gpkg.{dead.stdout.strip()}@{host}.abc123.rows.gpkg")
    for p in (*orphans, live, other):
        p.write_bytes(b"partial")
    store.add(make_events(2, seed=2))
    assert [p.exists() for p in (*orphans, live, other)] == [False, False, True, True]
