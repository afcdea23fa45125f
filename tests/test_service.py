"""The service layer (geo.service): where the app's events come from, and what one filter shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.filter import EventFilter, apply
from geo.render import CELL_SIZES
from geo.service import STORE_GRID_CELLS, catalog_extent, open_source, view
from geo.store import EventStore, grid_counts
from tests.factories import make_events


def _events(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    events = make_events(n, seed=seed)
    events["date_start"] = pd.Timestamp("2024-08-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D")
    events["category"] = pd.array(rng.choice(["ground_combat", "deployment", "strike"], n), dtype="string")
    events["geo_precision"] = pd.array(rng.choice(["exact", "near", "admin2"], n), dtype="string")
    return events


@pytest.fixture
def store(tmp_path) -> EventStore:
    s = EventStore(tmp_path / "events.gpkg")
    s.add(_events(600, seed=3), source="a.csv")
    return s


def test_a_small_store_is_read_whole_and_filtered_in_memory(store) -> None:
    source = open_source(store)
    assert source.events is not None and source.store is None and source.total == 600
    flt = EventFilter(start="2024-08-05", end="2024-08-09", categories=("strike",))
    shown = view(source, flt)
    assert not shown.aggregated and shown.total == len(shown.events)
    assert shown.events["id"].tolist() == apply(source.events, flt)["id"].tolist()


def test_a_large_store_is_queried_per_view_and_aggregated_above_the_limit(store) -> None:
    source = open_source(store, in_memory_max=100)  # as a store too large to read whole
    assert source.events is None and source.store is store and source.total == 600
    assert len(source.catalog) < 50 and "queried per view" in source.label
    everything = store.read()
    narrow = EventFilter(start="2024-08-05", end="2024-08-06")
    small = view(source, narrow, limit=200)
    assert not small.aggregated
    assert small.events["id"].tolist() == apply(everything, narrow)["id"].tolist()
    wide = EventFilter(start="2024-08-01", end="2024-08-30", categories=("strike", "deployment"))
    want = apply(everything, wide)
    big = view(source, wide, limit=200)
    assert big.aggregated and big.total == len(want) > 200 and not len(big.events)
    assert big.cell > 0
    pd.testing.assert_frame_equal(big.grid, grid_counts(want, big.cell))
    assert int(big.grid["n"].sum()) == len(want)
    drawn = big.grid_counts()
    assert drawn is not None and drawn.total == len(want) and drawn.size == big.cell


def test_the_aggregate_cell_keeps_the_store_extent_within_its_cell_budget(store) -> None:
    x0, y0, x1, y1 = catalog_extent(store.catalog())
    source = open_source(store, in_memory_max=100)
    cell = view(source, EventFilter(), limit=10).cell
    assert ((x1 - x0) / cell) * ((y1 - y0) / cell) <= STORE_GRID_CELLS
    assert cell in CELL_SIZES


def test_an_empty_store_stands_aside_for_the_sample(tmp_path) -> None:
    source = open_source(EventStore(tmp_path / "none.gpkg"), in_memory_max=0)
    assert source.events is not None and source.store is None
    assert source.label.startswith("sample data") and "does not exist yet" in source.label


def test_the_chosen_rows_and_exports_of_a_queried_view_have_every_column(tmp_path) -> None:
    from geo.service import complete, rows

    store = EventStore(tmp_path / "described.gpkg")
    events = _events(300, seed=5)
    events["description"] = pd.array([f"a long account of event {i}" for i in range(300)], dtype="string")
    store.add(events)
    source = open_source(store, in_memory_max=10)
    flt = EventFilter(start="2024-08-03", end="2024-08-12")
    shown = view(source, flt, limit=1000).events
    want = apply(store.read(), flt)
    assert shown["id"].tolist() == want["id"].tolist()
    chosen = shown.iloc[[7, 2, 11]]
    full = rows(source, chosen)
    assert full["id"].tolist() == chosen["id"].tolist()  # in the order chosen
    assert full["description"].tolist() == want.set_index("id").loc[chosen["id"], "description"].tolist()
    exported = complete(source, flt, shown)
    assert exported["id"].tolist() == want["id"].tolist()
    assert exported["description"].tolist() == want["description"].tolist()
    assert full["import_file"].tolist() == ["events.csv"] * 3 and exported["import_file"].notna().all()
