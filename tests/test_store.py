"""The GeoPackage store: one transaction per import, idempotent, unchanged after any failure."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo import join
from geo.errors import StoreError
from geo.store import EventStore
from tests.factories import grid_boundaries, make_events


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
