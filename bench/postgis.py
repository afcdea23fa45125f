"""Imports into the PostGIS store (one command: ``python bench/postgis.py``).

Starts a throwaway PostGIS with ``scripts/postgis.sh`` (or uses ``GEO_BENCH_POSTGIS=URL``), then times, end to
end (the canonical frame in memory to committed rows), :meth:`geo.postgis.PostgisStore.add` of N synthetic
events (default 1,000,000, the shape of ``bench/map.py``'s) into an empty store, against the naive way (one
``INSERT`` per row through ``executemany``, timed on 20,000 rows and given as rows/s) and beside the
GeoPackage store's import of the same frame. Then four processes import four different files of N/4 events
at once (plus 1,000 events every file shares) and the bench checks that every row is there once.
Target: >= 100,000 rows/s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import pandas as pd  # noqa: E402
from map import X0, X1, Y0, Y1, synthetic_events  # noqa: E402  (bench/map.py)

from geo.postgis import COLUMNS, PostgisStore  # noqa: E402
from geo.store import EventStore  # noqa: E402

SHARED = 1000


def _server(tmp: Path) -> tuple[str, Path | None]:
    url = os.environ.get("GEO_BENCH_POSTGIS")
    if url:
        return url, None
    out = subprocess.run(["bash", str(ROOT / "scripts" / "postgis.sh"), "start", str(tmp / "pg")], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()
    return out[-1], tmp / "pg"


def _fresh(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        con.execute(f"CREATE SCHEMA {name}")
    return f"{url}?options=-csearch_path%3D{name}%2Cpublic"


def _naive_rate(url: str, frame: pd.DataFrame) -> float:
    """One INSERT per row (executemany), the way a first version would write it: rows per second."""
    import psycopg

    PostgisStore(url).add(frame.iloc[:1])  # the schema
    cols = [c for c in COLUMNS if c in frame.columns]
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in frame[cols].iloc[1:].itertuples(index=False)]
    names = ", ".join(f'"{c}"' for c in cols)
    marks = ", ".join(["%s"] * len(cols))
    t = time.perf_counter()
    with psycopg.connect(url) as con, con.cursor() as cur:
        cur.executemany(f"INSERT INTO geo_events ({names}) VALUES ({marks})", rows)
    return len(rows) / (time.perf_counter() - t)


def _worker(url: str, n: int, seed: int) -> int:
    frame = synthetic_events(n, seed=seed)
    frame["id"] = frame["id"].str.replace("syn-", f"s{seed}-", regex=False)
    shared = synthetic_events(SHARED, seed=999)
    shared["id"] = shared["id"].str.replace("syn-", "shared-", regex=False)
    return PostgisStore(url).add(pd.concat([shared, frame], ignore_index=True), source=f"analyst-{seed}").added


def join_bench(url: str, n: int, tmp: Path) -> None:
    """The join of a whole store of N unjoined events on the real boundaries (geo.postgis.PostgisStore.rejoin:
    read in chunks, joined by the one rule, written back), beside the in-memory join (geo.join.enrich) of the
    same events, and checked to give its answers."""
    from run import _boundaries, synthetic_points  # bench/run.py

    from geo import join
    from geo.schema import JOIN_COLUMNS

    boundaries = _boundaries(str(tmp / "cache"))
    frame = synthetic_events(n, seed=5)
    frame["lon"], frame["lat"] = synthetic_points(boundaries, n, seed=5)
    store = PostgisStore(_fresh(url, "bench_join"))
    store.add(frame, source="bench-join")
    index = join.prepare(boundaries)
    t = time.perf_counter()
    memory = join.enrich(frame, index)
    in_memory = time.perf_counter() - t
    t = time.perf_counter()
    done, within = store.rejoin(index)
    in_store = time.perf_counter() - t
    cols = ["id", *JOIN_COLUMNS]
    got = pd.DataFrame(store.read())[cols].astype("string").sort_values("id").reset_index(drop=True)
    want = memory[cols].astype("string").sort_values("id").reset_index(drop=True)
    same = got.equals(want)
    print(f"join of a store of {n:,} events on the real boundaries: {in_store:.1f} s ({within:,} within a unit; "
          f"{n / in_store:,.0f} events/s); the in-memory join of the same frame {in_memory:.1f} s: "
          f"{'the same answers, every join column' if same else 'DIFFERENT ANSWERS'}")


BIG_START, BIG_DAYS = pd.Timestamp("2021-01-01"), 5 * 365  # a team's store: five years of events
BIG_CHUNK = 1_000_000


def big_events(n: int, seed: int, boundaries) -> pd.DataFrame:  # noqa: ANN001
    """N synthetic events of five years (about 5,500 a day at 10M), located on the real boundaries."""
    import numpy as np
    from run import synthetic_points  # bench/run.py

    frame = synthetic_events(n, seed=seed)
    frame["id"] = frame["id"].str.replace("syn-", f"big{seed}-", regex=False)
    rng = np.random.default_rng(seed)
    frame["date_start"] = BIG_START + pd.to_timedelta(rng.integers(0, BIG_DAYS, n), unit="D")
    lasting = rng.random(n) < 0.2  # a fifth last a few days
    frame["date_end"] = (frame["date_start"] + pd.to_timedelta(rng.integers(1, 8, n), unit="D")).where(lasting)
    frame["lon"], frame["lat"] = synthetic_points(boundaries, n, seed=seed)
    frame["adm2_id"] = pd.NA
    return frame


def big_store(url: str, n: int, tmp: Path) -> str:
    """Schema ``bench_big`` with N events (made once, in imports of 1M, then joined in the database to the real
    boundaries, both timed; kept for the next run and for the app: ``GEO_STORE=<url printed>``)."""
    from run import _boundaries  # bench/run.py

    store_url = f"{url}?options=-csearch_path%3Dbench_big%2Cpublic"
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS bench_big")
    store = PostgisStore(store_url)
    have = store.count()
    if have >= n:
        return store_url
    boundaries = _boundaries(str(tmp / "cache"))
    t = time.perf_counter()
    for i, start in enumerate(range(have, n, BIG_CHUNK)):
        frame = big_events(min(BIG_CHUNK, n - start), 100 + start // BIG_CHUNK, boundaries)
        t1 = time.perf_counter()
        store.add(frame, source=f"big-{start // BIG_CHUNK}")
        print(f"  import {i + 1}: {len(frame):,} events in {time.perf_counter() - t1:.1f} s", flush=True)
    print(f"built {n:,} events in {time.perf_counter() - t:.0f} s", flush=True)
    rejoin_big(store_url, boundaries)
    return store_url


def rejoin_big(store_url: str, boundaries) -> None:  # noqa: ANN001
    """The join of the whole big store on the real boundaries (``python -m geo store join``), then the operator's
    VACUUM ANALYZE (the join rewrote every row), both timed."""
    import psycopg

    from geo import join

    store = PostgisStore(store_url)
    t = time.perf_counter()
    done, within = store.rejoin(join.prepare(boundaries), progress=lambda d, n: print(
        f"  joined {d:,} of {n:,} in {time.perf_counter() - t:.0f} s", flush=True) if d % 1_000_000 == 0 else None)
    print(f"join of the store's {done:,} events: {time.perf_counter() - t:.0f} s ({within:,} within a unit)",
          flush=True)
    t = time.perf_counter()
    with psycopg.connect(store_url, autocommit=True) as con:
        con.execute("VACUUM ANALYZE geo_events")
    print(f"VACUUM ANALYZE after the join: {time.perf_counter() - t:.0f} s", flush=True)


def _timed(fn):  # noqa: ANN001, ANN202
    t = time.perf_counter()
    out = fn()
    took = time.perf_counter() - t
    return out, took


def big_bench(n: int) -> int:
    """The app's queries of a store of N events (see :func:`big_store`), through the service layer the app calls
    (:func:`geo.service.view`: the count, then the window's events or the store's aggregate), each timed warm
    (run twice, the second timed: the server's cache holds what a watch floor reads all day)."""
    from geo.filter import EventFilter, presets
    from geo.service import VIEW_MAX, open_source, view
    from geo.store import grid_counts

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url, cluster = _server(tmp)
        try:
            store = PostgisStore(big_store(url, n, tmp))
            source, catalog_s = _timed(lambda: open_source(store))
            last30 = presets(source.catalog)["Last 30 days"]
            rows: list[tuple[str, str]] = []
            for label, days in (("30 days", 30), ("90 days", 90), ("one year", 365), ("five years", 0)):
                flt = (EventFilter(start=last30[1] - pd.Timedelta(days=days - 1), end=last30[1]) if days
                       else EventFilter())
                for _ in range(2):
                    shown, took = _timed(lambda f=flt: view(source, f))
                if not shown.aggregated:
                    _full, full_s = _timed(lambda f=flt: store.query(where=f))
                    rows.append((label, f"{shown.total:,} events read in {took:.2f} s (every column but the "
                                        f"description, as the app reads a view; every column {full_s:.2f} s)"))
                    continue
                line = (f"{shown.total:,} events (above {VIEW_MAX:,}): the store's aggregate, {len(shown.grid):,} "
                        f"rows of {shown.cell:g}° cells by category and precision, in {took:.2f} s")
                if days == 90:  # the naive way: read the events, count them here
                    naive, naive_s = _timed(lambda f=flt, c=shown.cell: grid_counts(store.query(where=f, columns=(
                        "category", "geo_precision")), c))
                    assert int(naive["n"].sum()) == int(shown.grid["n"].sum())
                    line += f"; naive (read the events, count in Python) {naive_s:.2f} s = {naive_s / took:.0f}x"
                rows.append((label, line))
        finally:
            if cluster is not None:
                subprocess.run(["bash", str(ROOT / "scripts" / "postgis.sh"), "stop", str(cluster)], check=False)
    print(f"store of {n:,} events over five years: its catalog (the sidebar's choices and windows) in "
          f"{catalog_s:.2f} s")
    for label, line in rows:
        print(f"  window of {label}: {line}")
    print("targets at 10M: a 30-day window with its payload <= 1 s; a zoomed-out aggregate <= 1 s")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--join", type=int, default=0, metavar="N",
                   help="also time the join of a store of N events on the real boundaries (the mirror)")
    p.add_argument("--rejoin-big", action="store_true",
                   help="time the join of the whole bench_big store again (GEO_BENCH_POSTGIS: the server keeping it)")
    p.add_argument("--big", type=int, default=0, metavar="N",
                   help="build (once) a store of N events over five years in schema bench_big and time its "
                        "window and aggregate queries (GEO_BENCH_POSTGIS: a server that keeps it)")
    args = p.parse_args(argv)
    if args.rejoin_big:
        from run import _boundaries  # bench/run.py

        with tempfile.TemporaryDirectory() as tmp_name:
            rejoin_big(f"{_server(Path(tmp_name))[0]}?options=-csearch_path%3Dbench_big%2Cpublic",
                       _boundaries(str(Path(tmp_name) / "cache")))
        return 0
    if args.big:
        return big_bench(args.big)
    n = args.events
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url, cluster = _server(tmp)
        try:
            frame = synthetic_events(n, seed=1)
            store = PostgisStore(_fresh(url, "bench_import"))
            t = time.perf_counter()
            result = store.add(frame, source="bench")
            took = time.perf_counter() - t
            assert result.added == n == store.count()
            gpkg = EventStore(tmp / "bench.gpkg")
            t = time.perf_counter()
            gpkg.add(frame, source="bench")
            gpkg_took = time.perf_counter() - t
            # a 30-day window (of the 60 the events span), and a week over a quarter of the area, with payload
            window = dict(start="2024-08-15", end="2024-09-13")
            t = time.perf_counter()
            got = store.query(**window)
            query_took = time.perf_counter() - t
            box = dict(start="2024-08-15", end="2024-08-21", bbox=(X0, Y0, (X0 + X1) / 2, (Y0 + Y1) / 2))
            t = time.perf_counter()
            small = store.query(**box)
            box_took = time.perf_counter() - t
            t = time.perf_counter()
            naive_window = gpkg.query(**window)  # the file read whole, then filtered
            gpkg_query_took = time.perf_counter() - t
            assert len(naive_window) == len(got)
            from geo.service import copy_store  # `python -m geo store copy`, both ways, of the whole store

            copied = PostgisStore(_fresh(url, "bench_copy"))
            back = EventStore(tmp / "back.gpkg")
            t = time.perf_counter()
            copy_store(gpkg, copied)
            to_pg = time.perf_counter() - t
            t = time.perf_counter()
            copy_store(copied, back)
            to_gpkg = time.perf_counter() - t
            a, b = gpkg.read(), back.read()
            lossless = len(a) == len(b) == n and a.drop(columns="geometry").equals(b.drop(columns="geometry"))
            naive = _naive_rate(_fresh(url, "bench_naive"), frame.iloc[:20_001])
            quarter = n // 4
            concurrent = _fresh(url, "bench_concurrent")
            t = time.perf_counter()
            with multiprocessing.get_context("spawn").Pool(4) as pool:
                added = pool.starmap(_worker, [(concurrent, quarter, seed) for seed in (11, 12, 13, 14)])
            four_took = time.perf_counter() - t
            stored = PostgisStore(concurrent).count()
            ok = sum(added) == stored == 4 * quarter + SHARED
            if args.join:
                join_bench(url, args.join, tmp)
        finally:
            if cluster is not None:
                subprocess.run(["bash", str(ROOT / "scripts" / "postgis.sh"), "stop", str(cluster)], check=False)
    rate = n / took
    print(f"PostGIS import of {n:,} events: {took:.1f} s = {rate:,.0f} rows/s end to end "
          f"[target >= 100,000 rows/s: {'met' if rate >= 100_000 else 'MISSED'}]; naive INSERT per row "
          f"(executemany) {naive:,.0f} rows/s (the store's import {rate / naive:.1f}x that); GeoPackage store {gpkg_took:.1f} s "
          f"({n / gpkg_took:,.0f} rows/s)")
    print(f"a window of 30 of the events' 60 days: {len(got):,} events with every column in {query_took:.2f} s; a week "
          f"in a quarter of the area: {len(small):,} in {box_took:.2f} s; the GeoPackage (read whole, then filtered) "
          f"{gpkg_query_took:.2f} s (the targets at 10M: --big 10000000)")
    print(f"store copy of {n:,} events: GeoPackage to PostGIS {to_pg:.1f} s, back to a new GeoPackage {to_gpkg:.1f} s: "
          f"{'the same frame (every column)' if lossless else 'NOT THE SAME FRAME'}")
    print(f"four importers at once ({quarter:,} events each + {SHARED:,} shared): {four_took:.1f} s, "
          f"added {added}, stored {stored:,}: {'every row once' if ok else 'ROWS LOST OR DOUBLED'}")
    return 0 if ok and lossless else 1


if __name__ == "__main__":
    raise SystemExit(main())
