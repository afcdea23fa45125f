"""Map payload and build time (one command: ``python bench/map.py``), next to the naive folium way.

For 10k, 100k and 1M synthetic events (over 22-41 E, 44-57 N, with every category, verification and
precision, raion ids as after the join, synthetic 0.5° raions) it times :func:`geo.render.event_layers`
(build) and rendering the groups to the page (render), and measures the embedded data per event and the
whole rendered page per event. The naive way, one ``folium.CircleMarker`` with a popup per event, is
measured at 10k only and extrapolated linearly. The base map's payload over the real boundaries is
reported too when the mirror (``../shared/geodata/gbOpen`` or ``$GEO_BOUNDARIES_SOURCE``) is present.

Targets: at 100k at most 32 bytes and 15 µs per event; at 1M (aggregated) at most 10 MB in total.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from geo.boundaries import Boundaries  # noqa: E402
from geo.render import event_layers, payload_sizes  # noqa: E402
from geo.schema import CATEGORIES, VERIFICATION, empty_events  # noqa: E402

TARGETS = {"bytes_per_event_100k": 32.0, "us_per_event_100k": 15.0, "total_mb_1m": 10.0, "filter_s": 0.5}
X0, X1, Y0, Y1, STEP = 22.0, 41.0, 44.0, 57.0, 0.5
EQUIPMENT = ["Iskander-M", "Polonez", "S-400", "Tor-M2", "", "", "Su-34 fighter jets", "BM-30 Smerch"]


def synthetic_boundaries() -> Boundaries:
    """One country, 2° oblasts and 0.5° raions over the bench area."""
    def layer(step: float, prefix: str) -> gpd.GeoDataFrame:
        xs, ys = np.arange(X0, X1, step), np.arange(Y0, Y1, step)
        rows = [(f"{prefix}-{i}-{j}", shapely.box(x, y, x + step, y + step)) for i, x in enumerate(xs) for j, y in enumerate(ys)]
        return gpd.GeoDataFrame({"iso3": "SYN", "unit_id": [r[0] for r in rows], "name": [f"Raion {r[0]}" for r in rows],
                                 "name_local": "", "iso_code": ""}, geometry=[r[1] for r in rows], crs=4326)
    adm0 = gpd.GeoDataFrame({"iso3": ["SYN"], "unit_id": ["SYN"], "name": ["Synthland"], "name_local": [""],
                             "iso_code": [""]}, geometry=[shapely.box(X0, Y0, X1, Y1)], crs=4326)
    return Boundaries(adm0, layer(2.0, "O"), layer(STEP, "R"), countries=("SYN",))


def synthetic_events(n: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = empty_events(n)
    lon, lat = rng.uniform(X0, X1 - 1e-6, n), rng.uniform(Y0, Y1 - 1e-6, n)
    frame["id"] = pd.array([f"syn-{i}" for i in range(n)], dtype="string")
    frame["title"] = pd.array([f"Synthetic event {i} near a place with a plausible name" for i in range(n)], dtype="string")
    frame["description"] = pd.array(["A description of a few sentences, as sources give them: who, what, "
                                     "where and how it was reported. " * 4] * n, dtype="string")
    frame["category"] = pd.array(rng.choice(CATEGORIES, n), dtype="string")
    frame["verification"] = pd.array(rng.choice(VERIFICATION, n), dtype="string")
    frame["geo_precision"] = pd.array(rng.choice(["exact", "near", "admin2", "admin1", "country"], n,
                                                 p=[0.7, 0.15, 0.08, 0.04, 0.03]), dtype="string")
    frame["equipment"] = pd.array(rng.choice(EQUIPMENT, n), dtype="string")
    frame["actors"] = pd.array(["Armed Forces of A; Armed Forces of B"] * n, dtype="string")
    frame["source_name"] = pd.array(["A news agency"] * n, dtype="string")
    frame["source_url"] = pd.array(["https://example.org/report"] * n, dtype="string")
    frame["date_start"] = pd.Timestamp("2024-08-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    frame["lon"], frame["lat"] = lon, lat
    i, j = ((lon - X0) // STEP).astype(int), ((lat - Y0) // STEP).astype(int)
    frame["adm2_id"] = pd.Categorical([f"R-{a}-{b}" for a, b in zip(i, j)])
    return frame


def rendered(groups: list[folium.FeatureGroup]) -> str:
    m = folium.Map(tiles=None)
    for g in groups:
        g.add_to(m)
    return m.get_root().render()


def ours(events: pd.DataFrame, boundaries: Boundaries) -> dict[str, float]:
    n = len(events)
    t0 = time.perf_counter()
    groups = event_layers(events, boundaries)
    t1 = time.perf_counter()
    page = rendered(groups)
    t2 = time.perf_counter()
    sizes = payload_sizes(*groups)
    data = sum(sizes.values())
    mode = "cells" if n > 200_000 else "points"
    return {"n": n, "mode": mode, "data_b": data, "page_b": len(page), "build_s": t1 - t0, "render_s": t2 - t1,
            "events_b": sizes.get("events", 0)}


def naive_map(events: pd.DataFrame) -> folium.Map:
    """One CircleMarker with an escaped popup per event (the usual folium way)."""
    m = folium.Map(tiles=None)
    fg = folium.FeatureGroup(name="events").add_to(m)
    for row in events.itertuples(index=False):
        text = f"<b>{html.escape(str(row.title))}</b><br>{row.date_start:%Y-%m-%d} · {row.category} · {row.verification}<br>{html.escape(str(row.description))}"
        folium.CircleMarker([row.lat, row.lon], radius=5, color="#333", fill=True,
                            popup=folium.Popup(text, max_width=300)).add_to(fg)
    return m


def naive(events: pd.DataFrame) -> dict[str, float]:
    """The naive map's page: bytes and seconds to build and render it."""
    t0 = time.perf_counter()
    page = naive_map(events).get_root().render()
    return {"n": len(events), "page_b": len(page), "total_s": time.perf_counter() - t0}


def base_sizes() -> dict[str, int] | None:
    source = os.environ.get("GEO_BOUNDARIES_SOURCE") or str(ROOT.parent / "shared" / "geodata" / "gbOpen")
    if not source.startswith("http") and not Path(source).is_dir():
        return None
    from geo import join
    from geo.boundaries import load_boundaries
    from geo.render import base_map

    with tempfile.TemporaryDirectory() as cache:
        b = load_boundaries(countries=("BLR", "UKR", "RUS"), source=source, cache_dir=cache)
        t = time.perf_counter()
        m = base_map(b, index=join.prepare(b))
        build = time.perf_counter() - t
        sizes = payload_sizes(m)
        sizes["page"] = len(m.get_root().render())
        sizes["build_ms"] = int(build * 1000)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--naive-n", type=int, default=10_000)
    args = parser.parse_args()
    boundaries = synthetic_boundaries()

    nv = naive(synthetic_events(args.naive_n))
    nv_bpe, nv_upe = nv["page_b"] / nv["n"], nv["total_s"] / nv["n"] * 1e6
    print(f"naive (one CircleMarker + popup per event), measured at {nv['n']:,}: "
          f"{nv_bpe:,.0f} B/event, {nv_upe:,.0f} µs/event\n")
    header = (f"{'events':>10} {'mode':>6} {'data B/ev':>10} {'page B/ev':>10} {'build µs/ev':>12} {'render µs/ev':>13} "
              f"{'total MB':>9} | {'naive MB':>9} {'naive s':>8}  (naive extrapolated beyond {nv['n']:,})")
    print(header)
    print("-" * len(header))
    results = {}
    for n in args.sizes:
        events = synthetic_events(n)
        r = ours(events, boundaries)
        results[n] = r
        print(f"{n:>10,} {r['mode']:>6} {r['data_b'] / n:>10.1f} {r['page_b'] / n:>10.1f} "
              f"{r['build_s'] / n * 1e6:>12.2f} {r['render_s'] / n * 1e6:>13.2f} {r['page_b'] / 1e6:>9.2f} | "
              f"{nv_bpe * n / 1e6:>9.1f} {nv_upe * n / 1e6:>8.1f}")
        del events

    ok = True
    if 100_000 in results:
        r = results[100_000]
        bpe, upe = r["page_b"] / 1e5, (r["build_s"] + r["render_s"]) / 1e5 * 1e6
        ok &= _check("100k: page bytes per event", bpe, TARGETS["bytes_per_event_100k"], "B")
        ok &= _check("100k: build + render per event", upe, TARGETS["us_per_event_100k"], "µs")
    if 1_000_000 in results:
        ok &= _check("1M (aggregated): whole page", results[1_000_000]["page_b"] / 1e6, TARGETS["total_mb_1m"], "MB")
    if 100_000 in args.sizes:
        ok &= _check("filter change with 100k events (server side)", filter_change(boundaries), TARGETS["filter_s"], "s")
    sizes = base_sizes()
    if sizes:
        print("\nbase map over the real boundaries (BLR, UKR, RUS), embedded bytes per layer:")
        for k, v in sizes.items():
            print(f"  {k:>18}: {v:>10,}")
    return 0 if ok else 1


def filter_change(boundaries: Boundaries, n: int = 100_000) -> float:
    """What the app does server-side when a filter changes, 100k events in the store: filter, the event
    layers rendered as st_folium sends them, the timeline and the counts. Median of 5 windows."""
    import statistics

    from geo import filter as evfilter

    events = synthetic_events(n, seed=5)
    times = []
    for days in (60, 30, 14, 7, 1):
        start = pd.Timestamp("2024-08-01").date()
        end = (pd.Timestamp("2024-08-01") + pd.Timedelta(days=days - 1)).date()
        f = evfilter.EventFilter(start=start, end=end, categories=("strike", "ground_combat", "deployment"))
        t = time.perf_counter()
        shown = evfilter.apply(events, f)
        from geo import render as georender

        rendered(georender.event_layers(shown, boundaries))
        evfilter.timeline(shown, start, end)
        evfilter.counts(shown)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(f"\nfilter change, {n:,} events in the store: median {med:.3f} s over windows of 60/30/14/7/1 days "
          f"(max {max(times):.3f} s)")
    return med


def _check(label: str, value: float, target: float, unit: str) -> bool:
    good = value <= target
    print(f"{'PASS' if good else 'FAIL'}  {label}: {value:.2f} {unit} (target <= {target:g} {unit})")
    return good


if __name__ == "__main__":
    raise SystemExit(main())
