"""Benchmarks (one command: ``python bench/run.py``); prints figures and ratios against the naive way.

* join: full enrichment (ADM0-2, nearest fallback, border distance) of 1M synthetic events spread over
  BLR/UKR/RUS against the real ADM2 layers, next to a plain ``geopandas.sjoin(predicate="within")`` to
  ADM2 in the same run; checks the results agree for points strictly inside.
* import: a 1M-row plain CSV through the whole import (read, validate, join, store) into a new
  GeoPackage: rows per second end to end.

Each case runs in its own process so its peak memory (max RSS) is its own. Needs the boundary mirror:
``$GEO_BOUNDARIES_SOURCE`` or ``../shared/geodata/gbOpen``. ``--n`` changes the event count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"join_ratio": 3.0, "import_rows_per_s": 100_000, "peak_gb": 3.0}


def _source() -> str:
    env = os.environ.get("GEO_BOUNDARIES_SOURCE")
    if env:
        return env
    mirror = ROOT.parent / "shared" / "geodata" / "gbOpen"
    if not mirror.is_dir():
        sys.exit("no boundaries: set GEO_BOUNDARIES_SOURCE or put the mirror at ../shared/geodata/gbOpen")
    return str(mirror)


def _boundaries(cache: str):
    from geo.boundaries import load_boundaries

    return load_boundaries(countries=("BLR", "UKR", "RUS"), source=_source(), cache_dir=cache)


def synthetic_points(boundaries, n: int, seed: int = 42):
    """90 % of points inside the three countries' ADM1 units (uniform by area), 10 % anywhere around."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    area = shapely.union_all(boundaries.adm1.geometry.to_numpy())
    shapely.prepare(area)
    minx, miny, maxx, maxy = 22.0, 44.0, 41.0, 57.0
    inside_n = int(n * 0.9)
    lon, lat = [], []
    have = 0
    while have < inside_n:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        ok = shapely.contains_xy(area, x, y)
        lon.append(x[ok])
        lat.append(y[ok])
        have += int(ok.sum())
    lon_in, lat_in = np.concatenate(lon)[:inside_n], np.concatenate(lat)[:inside_n]
    rest = n - inside_n
    lon_all = np.concatenate([lon_in, rng.uniform(minx, maxx, rest)])
    lat_all = np.concatenate([lat_in, rng.uniform(miny, maxy, rest)])
    order = rng.permutation(n)
    return lon_all[order], lat_all[order]


def case_join(n: int, cache: str) -> dict:
    import geopandas as gpd
    import numpy as np

    from geo import join

    b = _boundaries(cache)
    t = time.perf_counter()
    index = join.prepare(b)
    prepare_s = time.perf_counter() - t
    lon, lat = synthetic_points(b, n)
    events = gpd.GeoDataFrame({"lon": lon, "lat": lat}, geometry=gpd.points_from_xy(lon, lat), crs=4326)

    # best of two runs each, alternating, so a busy moment on the machine does not decide the ratio
    sjoin_s = enrich_s = float("inf")
    for _ in range(2):
        t = time.perf_counter()
        plain = gpd.sjoin(events, b.adm2, predicate="within", how="left")
        sjoin_s = min(sjoin_s, time.perf_counter() - t)
        t = time.perf_counter()
        ours = join.enrich(events, index)
        enrich_s = min(enrich_s, time.perf_counter() - t)

    inside = plain.dropna(subset=["index_right"])
    expected = inside.groupby(level=0)["unit_id"].agg(set)
    got = ours.loc[expected.index, "adm2_id"].astype(object).to_numpy()
    agree = int(sum(g in e for g, e in zip(got, expected, strict=True)))
    return {
        "events": n,
        "prepare_s": round(prepare_s, 2),
        "sjoin_s": round(sjoin_s, 2),
        "enrich_s": round(enrich_s, 2),
        "ratio": round(enrich_s / sjoin_s, 2),
        "enrich_events_per_s": int(n / enrich_s),
        "inside_points": len(expected),
        "agree_with_sjoin": agree,
        "methods": {str(k): int(v) for k, v in ours["join_method"].value_counts().items()},
        "border_districts_hit": int(ours["border_district"].sum()),
        "median_border_km": float(np.nanmedian(ours["border_distance_km"])),
    }


def case_import(n: int, cache: str) -> dict:
    import numpy as np
    import pandas as pd

    from geo.ingest import prepare_import
    from geo.join import prepare
    from geo.store import EventStore

    b = _boundaries(cache)
    lon, lat = synthetic_points(b, n, seed=7)
    rng = np.random.default_rng(7)
    cats = np.array(["ground_combat", "strike", "airspace_incident", "deployment", "statement"])
    ver = np.array(["confirmed", "reported", "claimed", "disputed"])
    days = pd.Timestamp("2024-08-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    frame = pd.DataFrame(
        {
            "id": [f"syn-{i}" for i in range(n)],
            "date": days.strftime("%Y-%m-%d"),
            "latitude": np.round(lat, 5),
            "longitude": np.round(lon, 5),
            "category": cats[rng.integers(0, len(cats), n)],
            "title": [f"synthetic event {i}" for i in range(n)],
            "source": "bench",
            "verification": ver[rng.integers(0, len(ver), n)],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "events.csv"
        frame.to_csv(csv, index=False)
        size_mb = csv.stat().st_size / 1e6
        del frame
        store = EventStore(Path(tmp) / "events.gpkg")
        t0 = time.perf_counter()
        index = prepare(_boundaries(cache))
        t1 = time.perf_counter()
        report = prepare_import(csv, index=index)
        t2 = time.perf_counter()
        result = store.add(report.frame, source=str(csv), sha256=report.sha256)
        t3 = time.perf_counter()
    total = t3 - t0
    return {
        "rows": n,
        "csv_mb": round(size_mb, 1),
        "boundaries_s": round(t1 - t0, 2),
        "read_validate_join_s": round(t2 - t1, 2),
        "store_s": round(t3 - t2, 2),
        "total_s": round(total, 2),
        "rows_per_s": int(n / total),
        "accepted": report.accepted,
        "added": result.added,
    }


CASES = {"join": case_join, "import": case_import}


def _child(case: str, n: int, cache: str) -> None:
    result = CASES[case](n, cache)
    result["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2)
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="events per case (default 1,000,000)")
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.n, args.cache)
        return
    with tempfile.TemporaryDirectory() as cache:
        _boundaries(cache)  # fill the cache once, outside the timings
        results = {}
        for case in args.cases:
            out = subprocess.run(
                [sys.executable, __file__, "--child", case, "--n", str(args.n), "--cache", cache],
                check=True, capture_output=True, text=True,
            )
            results[case] = json.loads(out.stdout.strip().splitlines()[-1])
    _print(results)


def _print(results: dict) -> None:
    if "join" in results:
        r = results["join"]
        ok = r["ratio"] <= TARGETS["join_ratio"] and r["peak_rss_gb"] < TARGETS["peak_gb"]
        print(f"join of {r['events']:,} events (index built once in {r['prepare_s']} s)")
        print(f"  plain geopandas.sjoin(within) to ADM2 : {r['sjoin_s']:>6.2f} s")
        print(f"  full enrichment (ADM0-2, nearest, border): {r['enrich_s']:>6.2f} s "
              f"= {r['ratio']:.2f} x sjoin (target <= {TARGETS['join_ratio']} x), "
              f"{r['enrich_events_per_s']:,} events/s")
        print(f"  agrees with sjoin on {r['agree_with_sjoin']:,} / {r['inside_points']:,} points strictly inside")
        print(f"  join methods {r['methods']}; peak memory {r['peak_rss_gb']} GB "
              f"(target < {TARGETS['peak_gb']} GB) -> {'OK' if ok else 'MISSED'}")
    if "import" in results:
        r = results["import"]
        ok = r["rows_per_s"] >= TARGETS["import_rows_per_s"] and r["peak_rss_gb"] < TARGETS["peak_gb"]
        print(f"import of a {r['rows']:,}-row CSV ({r['csv_mb']} MB) end to end into a new GeoPackage")
        print(f"  boundaries {r['boundaries_s']} s + read/validate/join {r['read_validate_join_s']} s "
              f"+ store {r['store_s']} s = {r['total_s']} s")
        print(f"  {r['rows_per_s']:,} rows/s (target >= {TARGETS['import_rows_per_s']:,}); "
              f"{r['accepted']:,} accepted, {r['added']:,} stored; peak memory {r['peak_rss_gb']} GB "
              f"-> {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
