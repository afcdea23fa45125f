"""The PostGIS store's own operations beyond the store contract (tests/test_store_contract.py), on a real server:
the re-join of a whole store to the boundaries (:meth:`geo.postgis.PostgisStore.rejoin`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import join
from geo.postgis import PostgisStore
from geo.schema import JOIN_COLUMNS
from tests.boundary_factories import small_ukraine
from tests.factories import make_events
from tests.postgis_support import fresh_schema


@pytest.fixture
def postgis_url():
    with fresh_schema() as url:
        yield url


@pytest.fixture(scope="module")
def ukraine_index() -> join.AdminIndex:
    return join.prepare(small_ukraine())


def _events(n: int, seed: int) -> pd.DataFrame:
    """Events over the small Ukraine and around it: inside (each vintage), just outside (the nearest unit within
    2 km), far outside (no unit), in the land both claim, without coordinates, with the source's places right and
    wrong."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(35.9, 42.1, n)
    lat = rng.uniform(45.9, 49.1, n)
    lon[:4], lat[:4] = [35.99, 40.01, 37.95, 39.5], [48.5, 48.6, 48.5, 46.5]  # 1 km out; 1 km out; Perevalsk; RUS
    events = make_events(n, seed=seed, lon=lon, lat=lat)
    events.loc[4, ["lon", "lat"]] = np.nan
    events["country_iso"] = pd.array(rng.choice(["UKR", "RUS", None], n), dtype="string")
    events["src_adm1"] = pd.array(rng.choice(["Donetsk", "Luhansk", "Kursk", None], n), dtype="string")
    events["src_adm2"] = pd.array(rng.choice(["Bakhmut", "Kramatorskyi", "Perevalsk", "Nowhere", None], n),
                                  dtype="string")
    return events


def _joined(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame)[["id", *JOIN_COLUMNS]].sort_values("id").reset_index(drop=True)
    for col in JOIN_COLUMNS:  # as stored: the category columns read back as strings
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("string")
    return out


@pytest.mark.parametrize(("n", "chunk"), [(300, 64), (50, 1_000)])
def test_rejoin_gives_the_in_memory_join_s_answers(postgis_url, ukraine_index, n, chunk) -> None:
    events = _events(n, seed=n)
    store = PostgisStore(postgis_url)
    store.add(events, source="unjoined.csv")  # stored without any join
    assert store.read()["adm0_iso"].isna().all()
    calls: list[tuple[int, int]] = []
    done, within = store.rejoin(ukraine_index, chunk=chunk, progress=lambda d, t: calls.append((d, t)))
    expected = join.enrich(events, ukraine_index)
    assert done == n and within == int((expected["join_method"] == "within").sum())
    assert calls[-1] == (n, n) and len(calls) == -(-n // chunk)
    got = _joined(store.read())
    want = _joined(expected)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    # what the rules decided is there: nearest, none, the second vintage, disputed land, source checks
    assert {"within", "nearest", "none"} <= set(got["join_method"].dropna())
    assert got["adm2_2020_id"].notna().any() and got["adm3_id"].notna().any()
    assert got["admin_mismatch"].fillna("").str.len().gt(0).any()


def test_rejoin_replaces_the_catalog_s_places_and_logs_itself(postgis_url, ukraine_index) -> None:
    events = join.enrich(_events(120, seed=5), join.prepare(small_ukraine(vintages=False)))
    events["adm1_id"] = pd.array(["OLD-1"] * len(events), dtype="string")  # a join to boundaries since replaced
    store = PostgisStore(postgis_url)
    store.add(events, source="old-join.csv")
    assert "OLD-1" in set(store.catalog()["adm1_id"].dropna())
    before = store.version()
    store.rejoin(ukraine_index, note="re-join: small Ukraine")
    adm1 = set(store.catalog()["adm1_id"].dropna())
    assert "OLD-1" not in adm1 and adm1 == set(join.enrich(events, ukraine_index)["adm1_id"].dropna().astype(str))
    assert store.version() != before
    log = store.imports()
    assert log["file"].tolist() == ["old-join.csv", "re-join: small Ukraine"]
    assert log["offered"].tolist()[-1] == 120 and log["added"].tolist()[-1] == 0
    assert store.count() == 120


def test_a_rejoin_stopped_midway_changes_nothing(postgis_url, ukraine_index) -> None:
    events = _events(200, seed=9)
    store = PostgisStore(postgis_url)
    store.add(events, source="unjoined.csv")
    before = store.read()

    def stop(done: int, total: int) -> None:
        if done < total:
            raise KeyboardInterrupt  # the analyst's Ctrl-C after the first chunk was written

    with pytest.raises(KeyboardInterrupt):
        store.rejoin(ukraine_index, chunk=50, progress=stop)
    after = store.read()
    pd.testing.assert_frame_equal(pd.DataFrame(after), pd.DataFrame(before))
    assert store.imports()["file"].tolist() == ["unjoined.csv"]


def test_the_cli_joins_a_store_again_to_the_boundaries_it_is_given(postgis_url, tmp_path, monkeypatch, capsys) -> None:
    from geo.boundaries import load_boundaries
    from geo.cli import main
    from tests.boundary_factories import write_gbopen_mirror

    mirror = write_gbopen_mirror(tmp_path / "mirror")
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    events = make_events(40, seed=4)  # around 30-32 E, 50-51 N: the fake countries AAA and BBB
    store = PostgisStore(postgis_url)
    store.add(events, source="unjoined.csv")
    args = ["store", "join", "--store", postgis_url, "--countries", "AAA", "BBB", "--source", str(mirror),
            "--chunk", "16"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert f"joined 40 events of {store.location} again" in out and "joined 16 of 40 events" in err
    index = join.prepare(load_boundaries(countries=("AAA", "BBB"), source=str(mirror), cache_dir=tmp_path / "c2"))
    pd.testing.assert_frame_equal(_joined(store.read()), _joined(join.enrich(events, index)), check_dtype=False)
    assert store.imports()["file"].tolist()[-1] == "(join to the boundaries of AAA BBB)"


def test_the_cli_join_refuses_a_geopackage(tmp_path, capsys) -> None:
    from geo.cli import main

    assert main(["store", "join", "--store", str(tmp_path / "x.gpkg")]) == 1
    assert "expected a postgresql:// store" in capsys.readouterr().err


def _rollup_sums(store: PostgisStore) -> dict[str, int]:
    from geo.postgis import ROLLUP

    with store._connect() as con:
        return {span: int(n) for span, n in con.execute(f"SELECT span, sum(n) FROM {ROLLUP} GROUP BY span")}


def test_the_counts_kept_ahead_follow_every_import_and_are_made_for_an_older_store(postgis_url) -> None:
    from geo.filter import EventFilter, apply
    from geo.postgis import ROLLUP
    from geo.store import grid_counts

    rng = np.random.default_rng(12)
    events = make_events(600, seed=12)
    events["date_start"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, 600), unit="D")
    events.loc[:4, ["lon", "lat"]] = np.nan  # counted, in no cell
    store = PostgisStore(postgis_url)
    store.add(events.iloc[:300], source="a.csv")  # straight in (the first load)
    store.add(events.iloc[200:], source="b.csv")  # through the temporary table: 100 already there
    store.add(events.iloc[550:], source="c.csv")  # nothing new
    assert _rollup_sums(store) == {"month": 600, "year": 600}
    with store._connect() as con:  # a store made before the counts kept ahead
        con.execute(f"DROP TABLE {ROLLUP}")
        con.commit()
    flt = EventFilter(start="2023-02-15", end="2024-10-31")
    store.catalog()  # the app's first read makes them, from the events
    assert _rollup_sums(store) == {"month": 600, "year": 600}
    want = apply(pd.DataFrame(store.read()), flt)
    assert store.tally(where=flt) == len(want)
    pd.testing.assert_frame_equal(store.grid(0.4, where=flt), grid_counts(want, 0.4))


def test_a_view_reads_no_detail_column_and_the_chosen_rows_read_them_again(postgis_url) -> None:
    from geo.filter import EventFilter
    from geo.service import DETAIL_COLUMNS, open_source, rows, view

    events = make_events(300, seed=6, description="a long account", import_sha256="ab" * 32)
    store = PostgisStore(postgis_url)
    store.add(events, source="described.csv")
    shown = view(open_source(store, in_memory_max=10), EventFilter(), limit=1000).events
    assert len(shown) == 300 and shown["title"].notna().all()
    assert all(shown[c].isna().all() for c in DETAIL_COLUMNS)  # left in the database
    full = rows(open_source(store, in_memory_max=10), shown.iloc[[4, 1]])
    assert full["description"].tolist() == ["a long account"] * 2 and full["import_sha256"].str.len().eq(64).all()


def test_bulk_loads_keep_the_counts_ahead_once_per_key(postgis_url) -> None:
    from geo.filter import EventFilter, apply
    from geo.postgis import ROLLUP
    from geo.store import grid_counts

    rng = np.random.default_rng(21)
    events = make_events(30_000, seed=21)
    events["date_start"] = pd.Timestamp("2023-06-01") + pd.to_timedelta(rng.integers(0, 500, 30_000), unit="D")
    events.loc[:9, ["lon", "lat"]] = np.nan
    store = PostgisStore(postgis_url)
    store.add(events.iloc[:12_000], source="first.csv")  # a bulk load into the empty table
    store.add(events.iloc[12_000:27_000], source="second.csv")  # larger than the table: a bulk load again
    store.add(events.iloc[26_000:], source="third.csv")  # 1,000 already there: row by row
    assert store.count() == 30_000 and _rollup_sums(store) == {"month": 30_000, "year": 30_000}
    with store._connect() as con:
        rows, keys = con.execute(f"SELECT count(*), count(DISTINCT (span, period, cx, cy, category, geo_precision)) "
                                 f"FROM {ROLLUP}").fetchone()
    assert rows == keys  # each key once, whichever way its counts came
    everything = pd.DataFrame(store.read())
    for flt in (EventFilter(), EventFilter(start="2023-07-12", end="2024-09-03")):
        want = apply(everything, flt)
        assert store.tally(where=flt) == len(want)
        pd.testing.assert_frame_equal(store.grid(0.2, where=flt), grid_counts(want, 0.2))


def test_an_editor_cannot_import_into_an_older_store_until_its_owner_runs_store_roles(postgis_url, capsys) -> None:
    import secrets

    import psycopg
    from psycopg.conninfo import make_conninfo

    from geo.cli import main
    from geo.errors import StoreError
    from geo.postgis import ROLLUP
    from tests.postgis_support import POSTGIS_URL

    store = PostgisStore(postgis_url)
    store.add(make_events(30, seed=71), source="owner.csv")
    editor, reader = f"ed_{secrets.token_hex(4)}", f"rd_{secrets.token_hex(4)}"
    try:
        assert main(["store", "roles", "--store", postgis_url, "--editor", editor, "--reader", reader]) == 0
        with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
            for role in (editor, reader):
                con.execute(f"ALTER ROLE {role} LOGIN")
        with store._connect() as con:  # as a store made by the version before the counts kept ahead
            con.execute(f"DROP TABLE {ROLLUP}")
            con.commit()
        as_editor, as_reader = (PostgisStore(make_conninfo(postgis_url, user=role)) for role in (editor, reader))
        with pytest.raises(StoreError, match=f"made by an earlier version and lacks {ROLLUP}.*geo store roles"):
            as_editor.add(make_events(5, seed=72), source="editor.csv")
        assert len(as_reader.catalog()) and as_reader.tally() == 30  # a reader counts from the events
        assert main(["store", "roles", "--store", postgis_url, "--editor", editor, "--reader", reader]) == 0
        assert as_editor.add(make_events(5, seed=72), source="editor.csv").added == 5
        assert _rollup_sums(store) == {"month": 35, "year": 35} and as_reader.tally() == 35
        capsys.readouterr()
    finally:
        with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
            for role in (editor, reader):
                con.execute(f"DROP OWNED BY {role}")
                con.execute(f"DROP ROLE {role}")
