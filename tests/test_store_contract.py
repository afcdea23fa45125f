"""The store contract (geo.stores.Store), run against both implementations: the GeoPackage file and a real
PostGIS database (scripts/postgis.sh; ``GEO_TEST_POSTGIS`` names its URL, set by scripts/test.sh).

Each PostGIS test works in a schema of its own, dropped afterwards. The GeoPackage store is the reference: the
same imports must read back as the same frame from both."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import StoreError
from geo.postgis import PostgisStore, redacted
from geo.store import EventStore
from geo.stores import Store, is_postgis, open_store
from tests.factories import make_events
from tests.postgis_support import POSTGIS_URL, fresh_schema

ROOT = Path(__file__).resolve().parents[1]
@pytest.fixture(params=["gpkg", "postgis"])
def make_store(request, tmp_path) -> Iterator[Callable[[], Store]]:
    """A factory of handles on one empty store of the parametrized kind (several handles: several analysts)."""
    if request.param == "gpkg":
        path = tmp_path / "store.gpkg"
        yield lambda: EventStore(path)
        return
    with fresh_schema() as url:
        yield lambda: PostgisStore(url)


def _reference(events: pd.DataFrame, tmp_path: Path, *batches: tuple[pd.DataFrame, str]) -> pd.DataFrame:
    ref = EventStore(tmp_path / f"ref-{secrets.token_hex(3)}.gpkg")
    for frame, source in batches or ((events, "a.csv"),):
        ref.add(frame, source=source)
    return pd.DataFrame(ref.read().drop(columns="geometry"))


def _frame(store: Store) -> pd.DataFrame:
    return pd.DataFrame(store.read().drop(columns="geometry"))


def test_an_empty_store_holds_nothing_and_reads_the_canonical_columns(make_store, tmp_path) -> None:
    store = make_store()
    assert isinstance(store, Store)
    assert not store.exists() and store.count() == 0
    empty = store.read()
    reference = EventStore(tmp_path / "none.gpkg").read()
    assert len(empty) == 0 and list(empty.columns) == list(reference.columns)
    assert empty.crs == reference.crs
    assert list(store.imports().columns)[:5] == ["file", "sha256", "imported_at", "offered", "added"]


@pytest.mark.parametrize("seed", [1, 2])
def test_events_read_back_as_the_geopackage_reads_them(make_store, tmp_path, seed) -> None:
    events = make_events(40, seed=seed)
    events.loc[3, "title"] = ""  # an empty text stays empty, a missing one missing
    events.loc[4, "title"] = pd.NA
    events.loc[5, "description"] = 'quotes " and, commas\nand a newline'
    events.loc[6, "fatalities"] = 7
    store = make_store()
    result = store.add(events, source="a.csv", sha256="abc")
    assert (result.offered, result.added) == (40, 40)
    assert store.exists() and store.count() == 40
    pd.testing.assert_frame_equal(_frame(store), _reference(events, tmp_path))
    log = store.imports()
    assert log[["file", "sha256", "offered", "added"]].values.tolist() == [["a.csv", "abc", 40, 40]]


def test_an_import_is_idempotent_and_adds_only_new_ids(make_store, tmp_path) -> None:
    events = make_events(30, seed=3)
    store = make_store()
    store.add(events.iloc[:20], source="first.csv")
    again = store.add(events, source="second.csv")
    assert (again.offered, again.added, again.already_stored) == (30, 10, 20)
    assert store.add(events, source="third.csv").added == 0
    assert store.count() == 30
    pd.testing.assert_frame_equal(_frame(store), _reference(events, tmp_path, (events.iloc[:20], "first.csv"),
                                                            (events, "second.csv")))
    assert store.imports()["added"].tolist() == [20, 10, 0]


def test_a_repeated_id_in_one_import_is_stored_once_the_first_row_winning(make_store) -> None:
    events = make_events(5, seed=4)
    twice = pd.concat([events, events.iloc[[1]].assign(title="the second copy")], ignore_index=True)
    store = make_store()
    assert store.add(twice).added == 5
    stored = _frame(store)
    assert stored["id"].tolist() == events["id"].tolist()
    assert stored.loc[1, "title"] == events.loc[1, "title"]


@pytest.mark.parametrize(("column", "value"), [("lat", 95.0), ("lon", -181.0), ("date_start", pd.NaT)])
def test_a_bad_row_stores_nothing_and_says_why(make_store, column, value) -> None:
    store = make_store()
    store.add(make_events(3, seed=5), source="good.csv")
    bad = make_events(4, seed=6)
    bad.loc[2, column] = value  # as a caller that skips validation would send it
    with pytest.raises(StoreError, match="(?i)nothing stored|without id or start date|out of range"):
        store.add(bad, source="bad.csv")
    assert store.count() == 3
    assert store.imports()["file"].tolist() == ["good.csv"]


IMPORTER = """
import sys
import pandas as pd
from geo.stores import open_store
from tests.factories import make_events
seed, overlap = int(sys.argv[2]), int(sys.argv[3])
events = make_events(400, seed=seed)
shared = make_events(overlap, seed=999)  # the same events in every file
print(open_store(sys.argv[1]).add(pd.concat([shared, events], ignore_index=True), source=f"analyst-{seed}.csv").added)
"""


def test_four_analysts_importing_at_once_all_land_none_twice(make_store) -> None:
    store = make_store()
    spec = store.location if isinstance(store, EventStore) else store.url  # type: ignore[attr-defined]
    # four processes of their own (not a multiprocessing pool: it re-imports the test run's __main__)
    importers = [subprocess.Popen([sys.executable, "-c", IMPORTER, spec, str(seed), "50"], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for seed in (11, 12, 13, 14)]
    results = [p.communicate(timeout=300) for p in importers]
    assert all(p.returncode == 0 for p in importers), [err for _out, err in results]
    added = [int(out.strip().splitlines()[-1]) for out, _err in results]
    assert sum(added) == 4 * 400 + 50  # each file's own events once, the shared ones once among them
    stored = _frame(store)
    assert len(stored) == store.count() == 1650 and stored["id"].is_unique
    assert sorted(store.imports()["added"].tolist()) == sorted(added)
    from geo.store import grid_counts  # the counts kept ahead of the imports at once: each row once there too

    assert store.tally() == 1650
    pd.testing.assert_frame_equal(store.grid(0.2), grid_counts(stored, 0.2))


def test_open_store_picks_the_backend_by_the_setting(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "env.gpkg"))
    assert isinstance(open_store(), EventStore) and open_store().location == str(tmp_path / "env.gpkg")
    url = "postgresql://analyst:s3cret@db.example:5432/events"
    assert isinstance(open_store(url), PostgisStore) and is_postgis("POSTGRES://x/y")
    assert open_store(url).location == "postgresql://analyst:***@db.example:5432/events" == redacted(url)
    monkeypatch.setenv("GEO_STORE", url)
    assert isinstance(open_store(), PostgisStore)
    assert isinstance(open_store(tmp_path / "explicit.gpkg"), EventStore)


def test_an_unreachable_database_is_an_error_naming_it_without_its_password() -> None:
    store = PostgisStore("postgresql://analyst:s3cret@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError, match=r"cannot reach the PostGIS store postgresql://analyst:\*\*\*@127\.0\.0\.1:1") as err:
        store.count()
    assert "s3cret" not in str(err.value)


KILLED_IMPORT = """
import sys
import numpy as np
from geo.postgis import PostgisStore
from tests.factories import make_events
events = make_events(300_000, seed=8)
print("importing", flush=True)
PostgisStore(sys.argv[1]).add(events, source="killed.csv")
print("done", flush=True)
"""


@pytest.mark.slow
def test_an_import_killed_mid_copy_leaves_nothing_behind(make_store) -> None:
    store = make_store()
    if not isinstance(store, PostgisStore):
        pytest.skip("the GeoPackage's kill -9 test is tests/test_store_crash.py")
    import psycopg

    store.add(make_events(2, seed=9), source="before.csv")
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, store.url], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "importing"
        deadline = time.monotonic() + 120
        with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
            while time.monotonic() < deadline:  # the condition: its COPY is running on the server
                running = con.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY geo_events%%' "
                                      "AND state = 'active'").fetchone()[0]
                if running or child.poll() is not None:
                    break
            assert child.poll() is None, "the import finished before it could be killed"
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
            while time.monotonic() < deadline:  # the server notices the lost client and rolls back
                if not con.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY geo_events%%'"
                                   ).fetchone()[0]:
                    break
    finally:
        if child.poll() is None:
            child.kill()
    assert store.count() == 2
    assert store.imports()["file"].tolist() == ["before.csv"]
    assert np.array_equal(_frame(store)["id"].to_numpy(), make_events(2, seed=9)["id"].to_numpy())


@pytest.mark.parametrize("direction", ["gpkg-to-other", "other-to-gpkg"])
def test_store_copy_is_lossless_both_ways(make_store, tmp_path, direction, capsys) -> None:
    from geo.cli import main

    events = make_events(60, seed=21)
    events.loc[7, "title"] = ""
    other = make_store()
    gpkg = EventStore(tmp_path / "side.gpkg")
    source, target = (gpkg, other) if direction == "gpkg-to-other" else (other, gpkg)
    source.add(events.iloc[:40], source="one.csv", sha256="s1")
    source.add(events, source="two.csv", sha256="s2")
    spec = lambda s: s.url if isinstance(s, PostgisStore) else str(s.location)  # noqa: E731
    assert main(["store", "copy", "--from", spec(source), "--to", spec(target)]) == 0
    assert "copied 60 events" in capsys.readouterr().out and target.count() == 60
    pd.testing.assert_frame_equal(_frame(target), _frame(source))  # provenance columns included
    assert main(["store", "copy", "--from", spec(source), "--to", spec(target)]) == 0  # again: nothing new
    assert "0 new, 60 already there" in capsys.readouterr().out


def test_store_copy_from_nothing_is_an_error(tmp_path, capsys) -> None:
    from geo.cli import main

    assert main(["store", "copy", "--from", str(tmp_path / "none.gpkg"), "--to", str(tmp_path / "t.gpkg")]) == 1
    assert "expected a store with events to copy from, got none at" in capsys.readouterr().err
    assert not (tmp_path / "t.gpkg").exists()


def test_the_cli_imports_into_and_snapshots_from_the_store_it_is_given(make_store, tmp_path, monkeypatch, capsys) -> None:
    from geo.cli import main
    from tests.boundary_factories import write_gbopen_mirror
    from tests.test_cli import CSV

    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(write_gbopen_mirror(tmp_path / "mirror")))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_COUNTRIES", "AAA,BBB")
    store = make_store()
    spec = store.url if isinstance(store, PostgisStore) else store.location
    monkeypatch.setenv("GEO_STORE", spec)  # the app's and the CLI's setting
    src = tmp_path / "events.csv"
    src.write_text(CSV, encoding="utf-8")
    assert main(["import", str(src)]) == 0
    said = capsys.readouterr().out
    assert f"already in {store.location}" in said and store.count() > 0
    out = tmp_path / "snap.csv"
    assert main(["snapshot", "--format", "csv", "--out", str(out)]) == 0
    assert f"from store {store.location}" in capsys.readouterr().out
    assert len(pd.read_csv(out)) == store.count()


def test_the_geopackage_area_and_unit_classes_refuse_a_postgis_url_and_open_picks_postgis(monkeypatch) -> None:
    from geo.areas import AreaStore
    from geo.units import UnitStore

    url = "postgresql://analyst:s3cret@db.example/events"
    for make in (AreaStore, UnitStore):
        with pytest.raises(StoreError, match=r"expected a GeoPackage path, got the PostGIS URL postgresql://analyst:\*\*\*@"):
            make(url)
    monkeypatch.setenv("GEO_STORE", url)
    with pytest.raises(StoreError, match="this class keeps files"):
        UnitStore()
    from geo.postgis import PostgisAreaStore, PostgisUnitStore
    from geo.stores import open_areas, open_units

    assert isinstance(open_areas(), PostgisAreaStore) and isinstance(open_units(), PostgisUnitStore)


def test_a_window_and_bbox_query_gives_what_the_in_memory_rule_gives(make_store) -> None:
    from geo.filter import EventFilter, apply

    rng = np.random.default_rng(31)
    events = make_events(300, seed=31)
    starts = pd.Timestamp("2024-08-01") + pd.to_timedelta(rng.integers(0, 30, 300), unit="D")
    events["date_start"] = starts
    events["date_end"] = (starts + pd.to_timedelta(rng.integers(0, 8, 300), unit="D")).where(rng.random(300) < 0.5)
    events["lon"], events["lat"] = rng.uniform(30.0, 32.0, 300), rng.uniform(50.0, 51.0, 300)
    store = make_store()
    store.add(events)
    everything = _frame(store)
    for start, end, bbox in [("2024-08-10", "2024-08-12", None), (None, "2024-08-03", None),
                             ("2024-08-25", None, None), ("2024-08-05", "2024-08-20", (30.5, 50.2, 31.2, 50.7)),
                             (None, None, (31.0, 50.5, 32.0, 51.0)), ("2024-09-30", "2024-10-02", None)]:
        got = pd.DataFrame(store.query(start=start, end=end, bbox=bbox).drop(columns="geometry"))
        want = apply(everything, EventFilter(start=start, end=end))
        if bbox is not None:
            want = want[want["lon"].between(bbox[0], bbox[2]) & want["lat"].between(bbox[1], bbox[3])]
        assert got["id"].tolist() == want["id"].tolist(), (start, end, bbox)
        pd.testing.assert_frame_equal(got, want.reset_index(drop=True))
    with pytest.raises(Exception, match="expected start on or before end"):
        store.query(start="2024-08-20", end="2024-08-10")


def test_the_reader_role_reads_and_cannot_import_the_editor_role_imports(make_store, capsys, tmp_path) -> None:
    store = make_store()
    if not isinstance(store, PostgisStore):
        pytest.skip("roles are PostGIS's (a GeoPackage is a file: its permissions are the file system's)")
    import psycopg
    from psycopg.conninfo import make_conninfo

    from geo.cli import main

    store.add(make_events(3, seed=41), source="owner.csv")
    editor, reader = f"ed_{secrets.token_hex(4)}", f"rd_{secrets.token_hex(4)}"
    try:
        assert main(["store", "roles", "--store", store.url, "--editor", editor, "--reader", reader]) == 0
        assert f"roles ready in {store.location}: {editor}" in capsys.readouterr().out
        with psycopg.connect(POSTGIS_URL, autocommit=True) as con:  # logins, as the operator gives them
            for role in (editor, reader):
                con.execute(f"ALTER ROLE {role} LOGIN")
        as_reader = PostgisStore(make_conninfo(store.url, user=reader))
        as_editor = PostgisStore(make_conninfo(store.url, user=editor))
        assert as_reader.count() == 3 and len(as_reader.query(start="2024-08-01")) == 3
        with pytest.raises(StoreError, match="(?i)nothing stored in .*permission denied"):
            as_reader.add(make_events(2, seed=42), source="reader.csv")
        assert as_editor.add(make_events(2, seed=43), source="editor.csv").added == 2
        assert as_editor.add(make_events(2, seed=43), source="editor-again.csv").added == 0  # the temp-table path
        log = store.imports()
        assert log["file"].tolist() == ["owner.csv", "editor.csv", "editor-again.csv"]
        assert log["imported_by"].tolist()[1:] == [editor, editor]
        from geo.io.units import read_positions
        from geo.postgis import PostgisUnitStore
        from tests.unit_factories import tracker_table

        tracker_table(2, 3, seed=4).to_csv(tmp_path / "tracker.csv", index=False)
        positions = read_positions(tmp_path / "tracker.csv").frame
        assert PostgisUnitStore(make_conninfo(store.url, user=editor)).add(positions) == 6  # tables made by roles
        with pytest.raises(StoreError, match="(?i)nothing stored in .*permission denied"):
            PostgisUnitStore(make_conninfo(store.url, user=reader)).add(positions.assign(source="other"))
        assert len(PostgisUnitStore(make_conninfo(store.url, user=reader)).read()) == 6
        assert main(["store", "roles", "--store", str(Path("x.gpkg"))]) == 1
        assert "expected a postgresql:// store" in capsys.readouterr().err
    finally:
        with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
            for role in (editor, reader):
                con.execute(f"DROP OWNED BY {role}")
                con.execute(f"DROP ROLE {role}")


def test_the_version_changes_with_each_committed_import_and_not_otherwise(make_store) -> None:
    store = make_store()
    assert store.version() == "none"
    store.add(make_events(3, seed=61), source="a.csv")
    first = store.version()
    assert first != "none" and store.version() == first  # asking again changes nothing
    store.add(make_events(3, seed=62), source="b.csv")
    assert store.version() != first


def _joined_events(seed: int, n: int = 400) -> pd.DataFrame:
    """Seeded events over three weeks and the grid boundaries' two countries, joined, with every facet varied."""
    from geo import join
    from tests.factories import grid_boundaries

    rng = np.random.default_rng(seed)
    events = make_events(n, seed=seed)
    starts = pd.Timestamp("2024-08-01") + pd.to_timedelta(rng.integers(0, 21, n), unit="D")
    events["date_start"] = starts
    events["date_end"] = (starts + pd.to_timedelta(rng.integers(0, 5, n), unit="D")).where(rng.random(n) < 0.3)
    events["lon"], events["lat"] = rng.uniform(29.9, 32.1, n), rng.uniform(49.95, 51.05, n)
    events["category"] = pd.array(rng.choice(["ground_combat", "deployment", "airspace_incident", "statement"], n),
                                   dtype="string")
    events["verification"] = pd.array(rng.choice(["confirmed", "reported", "claimed"], n), dtype="string")
    events["geo_precision"] = pd.array(rng.choice(["exact", "near", "admin2", "admin1", "country"], n),
                                       dtype="string")
    events["actors"] = pd.array(rng.choice(["Armed Forces of A", "Armed Forces of B; Militia C", "militia c"], n),
                                dtype="string")
    events["title"] = pd.array([f"event {i} {'near Hill 203' if i % 7 == 0 else ''}" for i in range(n)],
                               dtype="string")
    events.loc[5, "date_start"], events.loc[5, "date_end"] = pd.Timestamp("2024-05-20"), pd.Timestamp("2024-08-07")
    events.loc[6, "date_start"], events.loc[6, "date_end"] = pd.Timestamp("2024-08-20"), pd.Timestamp("2024-08-02")
    return join.enrich(events, join.prepare(grid_boundaries()))  # (a long event; one ending before its start)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: "string" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


FILTERS = {
    "window": dict(start="2024-08-05", end="2024-08-09"),
    "categories": dict(categories=("deployment", "statement")),
    "verification and precision": dict(verification=("confirmed",), precision=("exact", "near")),
    "country": dict(countries=("BBB",)),
    "oblast": dict(adm1=("AAA-N",)),
    "raion": dict(adm2=("AAA-NW", "BBB-SE")),
    "border districts": dict(border_only=True),
    "actors (in memory)": dict(actors=("Militia C",)),
    "search (in memory)": dict(search="hill 203"),
    "everything at once": dict(start="2024-08-03", end="2024-08-15", categories=("deployment", "ground_combat"),
                               countries=("AAA", "BBB"), actors=("armed forces of a",)),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_a_filtered_query_tally_and_grid_give_what_the_in_memory_rule_gives(make_store, name) -> None:
    from geo.filter import EventFilter, apply
    from geo.store import grid_counts

    store = make_store()
    store.add(_joined_events(41))
    everything = _frame(store)
    flt = EventFilter(**FILTERS[name])
    want = apply(everything, flt).reset_index(drop=True)
    assert 0 < len(want) < len(everything), "the filter must select some events, not all"
    got = pd.DataFrame(store.query(where=flt).drop(columns="geometry"))
    pd.testing.assert_frame_equal(_plain(got), _plain(want))  # (a category's levels are those it read)
    assert store.tally(where=flt) >= len(want)  # exact unless actors/search are set (then an upper bound)
    if not (flt.actors or flt.search):
        assert store.tally(where=flt) == len(want)
    pd.testing.assert_frame_equal(store.grid(0.25, where=flt), grid_counts(want, 0.25))
    box = (30.5, 50.2, 31.6, 50.8)
    inside = want[want["lon"].between(box[0], box[2]) & want["lat"].between(box[1], box[3])]
    pd.testing.assert_frame_equal(store.grid(0.1, where=flt, bbox=box), grid_counts(inside, 0.1))


def test_a_query_of_some_columns_reads_those_and_the_same_rows(make_store) -> None:
    store = make_store()
    store.add(_joined_events(42))
    full = pd.DataFrame(store.query(start="2024-08-04", end="2024-08-06").drop(columns="geometry"))
    some = store.query(start="2024-08-04", end="2024-08-06", columns=("category", "adm2_id"))
    assert some["id"].tolist() == full["id"].tolist()
    for col in ("category", "adm2_id", "date_start", "lon", "lat"):
        pd.testing.assert_series_equal(some[col], full[col], check_names=False)
    assert list(some.columns) == list(full.columns) + ["geometry"]  # the canonical frame, others empty or kept


def test_the_catalog_offers_the_choices_and_windows_the_events_offer(make_store) -> None:
    from datetime import date

    from geo.filter import options, presets
    from geo.service import catalog_extent

    store = make_store()
    assert not len(store.catalog()) and presets(store.catalog()) == {}
    store.add(_joined_events(43))
    everything = _frame(store)
    catalog = store.catalog()
    assert len(catalog) < len(everything) / 4
    assert options(catalog) == options(everything)
    for today in (date(2024, 8, 22), date(2025, 1, 1)):
        assert presets(catalog, today=today) == presets(everything, today=today)
    lon, lat = everything["lon"], everything["lat"]
    assert catalog_extent(catalog) == pytest.approx((lon.min(), lat.min(), lon.max(), lat.max()))


def test_a_grid_of_no_cell_size_is_refused(make_store) -> None:
    from geo.filter import EventFilter

    store = make_store()
    store.add(make_events(3, seed=1))
    with pytest.raises(Exception, match="expected a cell size of at least 0.000001 degrees, got 0"):
        store.grid(0)
    empty = store.grid(0.5, where=EventFilter(start="2030-01-01", end="2030-01-02"))  # no event: no cell
    assert list(empty.columns) == ["cx", "cy", "category", "geo_precision", "n"] and not len(empty)


def test_a_store_made_before_the_catalog_tables_gets_them_from_its_events(make_store) -> None:
    from geo.filter import options, presets
    from geo.service import catalog_extent

    store = make_store()
    if not isinstance(store, PostgisStore):
        pytest.skip("the catalog tables are PostGIS's (a GeoPackage's catalog is read from its events)")
    import psycopg

    store.add(_joined_events(44), source="first.csv")
    store.add(_joined_events(45), source="second.csv")
    want = store.catalog()
    with psycopg.connect(store.url, autocommit=True) as con:  # as a store of the version before them
        con.execute("DROP TABLE geo_facets")
        con.execute("ALTER TABLE geo_imports DROP COLUMN first_start, DROP COLUMN latest_start, DROP COLUMN last_end, "
                    "DROP COLUMN min_lon, DROP COLUMN min_lat, DROP COLUMN max_lon, DROP COLUMN max_lat")
    got = store.catalog()
    assert options(got) == options(want) == options(_frame(store))
    assert presets(got) == presets(want) == presets(_frame(store))
    assert catalog_extent(got) == pytest.approx(catalog_extent(want))
    store.add(_joined_events(46), source="third.csv")  # and the next import keeps them
    assert options(store.catalog()) == options(_frame(store))


def test_a_query_by_ids_reads_those_events_with_every_column(make_store) -> None:
    store = make_store()
    store.add(_joined_events(47))
    everything = _frame(store)
    wanted = everything["id"].iloc[[3, 50, 9]].tolist() + ["no-such-id"]
    got = pd.DataFrame(store.query(ids=wanted).drop(columns="geometry"))
    assert got["id"].tolist() == sorted(wanted[:3], key=lambda i: everything["id"].tolist().index(i))  # stored order
    pd.testing.assert_frame_equal(_plain(got), _plain(everything[everything["id"].isin(wanted)].reset_index(drop=True)))
    assert not len(store.query(ids=[]))


def test_store_copy_round_trips_the_sample_through_the_other_store(make_store, tmp_path, capsys) -> None:
    from geo import io
    from geo.cli import main
    from geo.service import SAMPLE

    sample = io.read_events(SAMPLE).frame
    first, back = EventStore(tmp_path / "first.gpkg"), EventStore(tmp_path / "back.gpkg")
    first.add(sample, source=SAMPLE.name)
    other = make_store()
    if isinstance(other, EventStore):
        other = EventStore(tmp_path / "middle.gpkg")
    spec = lambda s: s.url if isinstance(s, PostgisStore) else str(s.location)  # noqa: E731
    assert main(["store", "copy", "--from", spec(first), "--to", spec(other)]) == 0
    assert main(["store", "copy", "--from", spec(other), "--to", spec(back)]) == 0
    assert f"copied {len(sample)} events" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_frame(back), _frame(first))  # every column, through the other store and back


def _spec(store: Store) -> str:
    return store.url if isinstance(store, PostgisStore) else str(store.location)  # type: ignore[attr-defined]


def test_areas_are_kept_once_each_beside_the_events_in_either_store(make_store) -> None:
    import geopandas as gpd
    import shapely

    from geo.areas import AREA_COLUMNS, as_of
    from geo.stores import open_areas

    spec = _spec(make_store())
    squares = [shapely.box(30 + i, 50, 30.8 + i, 50.8) for i in range(3)]
    areas = gpd.GeoDataFrame({"name": ["north", "centre", "south"], "kind": ["control", "control", "claimed advance"],
                              "date_start": pd.to_datetime(["2024-08-06", "2024-08-06", "2024-08-10"]),
                              "date_end": pd.to_datetime([None, "2024-08-09", None]),
                              "description": ["<b>held</b>", "=1+1", None]},
                             geometry=[squares[0], shapely.MultiPolygon([squares[1]]), squares[2]], crs="EPSG:4326")
    store = open_areas(spec)
    assert not store.exists() and store.read().empty
    assert store.add(areas) == 3
    assert open_areas(spec).add(areas) == 0  # the same areas again: nothing
    back = open_areas(spec).read()
    assert list(back.columns) == [*AREA_COLUMNS, "geometry"] and back.crs.to_epsg() == 4326 and store.count() == 3
    assert back["name"].tolist() == ["north", "centre", "south"]
    assert back["description"].tolist()[:2] == ["<b>held</b>", "=1+1"]
    assert all(g.geom_type == "MultiPolygon" for g in back.geometry)
    assert [g.equals(s) for g, s in zip(back.geometry, squares)] == [True, True, True]
    assert sorted(as_of(back, "2024-08-11")["name"]) == ["north", "south"]  # the centre ended on the 9th


def test_unit_positions_are_kept_once_each_beside_the_events_in_either_store(make_store, tmp_path) -> None:
    from geo.io.units import read_positions
    from geo.stores import open_units
    from geo.units import UnitStore
    from tests.unit_factories import tracker_table

    spec = _spec(make_store())
    tracker_table(6, 5, seed=3).to_csv(tmp_path / "tracker.csv", index=False)
    positions = read_positions(tmp_path / "tracker.csv").frame
    store = open_units(spec)
    assert not store.exists()
    assert store.add(positions) == len(positions) == 30
    assert open_units(spec).add(positions) == 0
    reference = UnitStore(tmp_path / "reference.gpkg")
    reference.add(positions)
    pd.testing.assert_frame_equal(open_units(spec).read(), reference.read())  # as the GeoPackage reads it back


def _years_of_events(seed: int, n: int = 900) -> pd.DataFrame:
    """Seeded events over two and a half years (whole months and years in most windows), some lasting up to 80
    days, one ending before its start, some without a location, some exactly on cell edges."""
    rng = np.random.default_rng(seed)
    events = make_events(n, seed=seed)
    starts = pd.Timestamp("2022-11-01") + pd.to_timedelta(rng.integers(0, 880, n), unit="D") + pd.to_timedelta(
        rng.integers(0, 24, n), unit="h")
    events["date_start"] = starts
    events["date_end"] = (starts + pd.to_timedelta(rng.integers(0, 80, n), unit="D")).where(rng.random(n) < 0.3)
    events["lon"], events["lat"] = rng.uniform(29.3, 32.9, n), rng.uniform(49.1, 51.9, n)
    events.loc[:9, "lon"] = [30.2, 30.4, 31.0, 30.6, 29.8, 30.2, 31.4, 32.0, 30.0, 30.8]  # on the edges of cells
    events.loc[:9, "lat"] = [50.6, 50.2, 51.0, 49.4, 50.0, 51.8, 50.4, 49.6, 50.8, 51.2]
    events.loc[10:14, ["lon", "lat"]] = np.nan
    events["category"] = pd.array(rng.choice(["ground_combat", "deployment", "airspace_incident"], n), dtype="string")
    events["geo_precision"] = pd.array(rng.choice(["exact", "near", "admin1"], n), dtype="string")
    events.loc[20, "date_start"], events.loc[20, "date_end"] = pd.Timestamp("2024-03-10"), pd.Timestamp("2024-02-01")
    return events


LONG_WINDOWS = {
    "everything": {},
    "from a day on": dict(start="2023-03-15"),
    "up to a day": dict(end="2024-02-10"),
    "a whole year": dict(start="2024-01-01", end="2024-12-31"),
    "years, months and days": dict(start="2022-12-20", end="2025-01-05"),
    "whole months": dict(start="2023-04-01", end="2023-06-30"),
    "less than a month": dict(start="2023-05-03", end="2023-05-20"),
    "most of a year": dict(start="2024-01-05", end="2024-11-20"),
    "a year and a day either side": dict(start="2022-12-31", end="2024-01-01"),
    "a quarter but a day either side": dict(start="2023-10-02", end="2023-12-30"),
    "a year by category and precision": dict(start="2023-02-11", end="2024-02-27", categories=("deployment",),
                                              precision=("exact", "admin1")),
}


@pytest.mark.parametrize("name", list(LONG_WINDOWS))
def test_long_windows_are_counted_as_the_in_memory_rule_counts(make_store, name) -> None:
    from geo.filter import EventFilter, apply
    from geo.store import grid_counts

    store = make_store()
    events = _years_of_events(44)
    store.add(events.iloc[:500], source="a.csv")
    store.add(events.iloc[400:], source="b.csv")  # 100 already stored: not counted twice
    everything = _frame(store)
    flt = EventFilter(**LONG_WINDOWS[name])
    want = apply(everything, flt)
    assert 0 < len(want) <= len(everything) == 900
    assert store.tally(where=flt) == len(want)
    for size in (0.2, 0.4, 1.0, 0.1, 0.25):  # multiples of the counts kept ahead, and sizes that are not
        pd.testing.assert_frame_equal(store.grid(size, where=flt), grid_counts(want, size), obj=f"cells of {size}")
