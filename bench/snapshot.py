"""Snapshot export time (one command: ``python bench/snapshot.py``).

For 1k and 10k synthetic events (every category, verification and precision, deployments of every kind,
over 30-36 E, 50-53 N) on synthetic 0.5° boundaries (two countries, oblasts, raions; or the real mirror
with ``--real`` when ``../shared/geodata/gbOpen`` is present) it times an A4 landscape PNG at 300 dpi and
a PPTX (figure drawn once, picture at 150 dpi), with labels off; then the PNG with every overlay on
(heatmap, choropleth, range rings, areas). The ratio is against the naive way: GeoDataFrame.plot of the
whole boundary layers (reprojected, neither clipped nor simplified) and of the events per category, saved
at 300 dpi. Target: the PNG at 10k under 3 s.

With ``--real``, also ``python -m geo snapshot`` end to end (a new process: imports, boundaries from the
cache, the admin index and unit geometry kept on disk, the store's 10k events read, the PNG written) on a
GeoPackage store of the 10k events, after one run that fills the caches. Target: 2.5 s wall.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from geo.boundaries import Boundaries  # noqa: E402
from geo.filter import EventFilter  # noqa: E402
from geo.join import enrich, prepare  # noqa: E402
from geo.schema import CATEGORIES, GEO_PRECISION, VERIFICATION, empty_events  # noqa: E402
from geo.snapshot import ALL_LAYERS, View, export  # noqa: E402

TARGET_PNG_10K_S = 3.0
TARGET_CLI_10K_S = 2.5
X0, X1, Y0, Y1, STEP = 30.0, 36.0, 50.0, 53.0, 0.5
EQUIPMENT = ["Iskander-M", "Polonez", "S-400", "Su-34 fighter jets", "motorised brigade", ""]
GENERATED = dt.datetime(2024, 8, 16, 12, 0, tzinfo=dt.UTC)


def _layer(rows: list[tuple[str, str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"iso3": [r[0] for r in rows], "unit_id": [r[1] for r in rows], "name": [r[2] for r in rows],
         "name_local": ["" for _ in rows], "iso_code": ["" for _ in rows]},
        geometry=[r[3] for r in rows], crs="EPSG:4326",
    )


def synthetic_boundaries() -> Boundaries:
    mid = (X0 + X1) / 2
    adm0 = [("AAA", "A", "Aland", shapely.box(X0, Y0, mid, Y1)), ("BBB", "B", "Bland", shapely.box(mid, Y0, X1, Y1))]
    adm1, adm2 = [], []
    for x in np.arange(X0, X1, 1.5):
        for y in np.arange(Y0, Y1, 1.5):
            iso = "AAA" if x < mid else "BBB"
            adm1.append((iso, f"{iso}-{x}-{y}", f"oblast {x} {y}", shapely.box(x, y, x + 1.5, y + 1.5)))
    for x in np.arange(X0, X1, STEP):
        for y in np.arange(Y0, Y1, STEP):
            iso = "AAA" if x < mid else "BBB"
            adm2.append((iso, f"{iso}-r{x}-{y}", f"raion {x} {y}", shapely.box(x, y, x + STEP, y + STEP)))
    return Boundaries(_layer(adm0), _layer(adm1), _layer(adm2), countries=("AAA", "BBB"))


def synthetic_events(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = empty_events(n)
    frame["id"] = pd.array([f"b-{i}" for i in range(n)], dtype="string")
    frame["title"] = pd.array([f"event {i}" for i in range(n)], dtype="string")
    frame["category"] = pd.array(rng.choice(CATEGORIES, n), dtype="string")
    frame["verification"] = pd.array(rng.choice(VERIFICATION, n), dtype="string")
    frame["geo_precision"] = pd.array(rng.choice(GEO_PRECISION[:5], n, p=[0.6, 0.25, 0.08, 0.05, 0.02]), dtype="string")
    frame["equipment"] = pd.array(rng.choice(EQUIPMENT, n), dtype="string")
    frame["source_name"] = pd.array(rng.choice([f"source {k}" for k in range(40)], n), dtype="string")
    frame["date_start"] = pd.Timestamp("2024-08-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D")
    frame["lon"] = rng.uniform(X0 + 0.05, X1 - 0.05, n)
    frame["lat"] = rng.uniform(Y0 + 0.05, Y1 - 0.05, n)
    return frame


def _real_boundaries() -> Boundaries | None:
    from geo.boundaries import load_boundaries

    mirror = ROOT.parent / "shared" / "geodata" / "gbOpen"
    if not mirror.is_dir():
        return None
    return load_boundaries(source=str(mirror), missing="skip")


def naive_png(events: pd.DataFrame, boundaries: Boundaries, bbox: tuple[float, float, float, float]) -> bytes:
    """What one writes first: geopandas plots (reprojected whole layers, one scatter per category)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    crs = "+proj=laea +lat_0=51.5 +lon_0=33 +datum=WGS84 +units=m"
    fig = Figure(figsize=(11.69, 8.27), dpi=300)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.1, 0.7, 0.8))
    for layer, lw in ((boundaries.adm2, 0.3), (boundaries.adm1, 0.8), (boundaries.adm0, 1.8)):
        layer.to_crs(crs).boundary.plot(ax=ax, linewidth=lw, color="#555555")
    points = gpd.GeoDataFrame(events, geometry=gpd.points_from_xy(events["lon"], events["lat"]), crs=4326).to_crs(crs)
    for cat, group in points.groupby("category"):
        group.plot(ax=ax, markersize=20, label=str(cat))
    box = gpd.GeoSeries([shapely.box(*bbox)], crs=4326).to_crs(crs).total_bounds
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=6)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=300)
    return buf.getvalue()


def _overlay_areas(bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    w, s, e, n = bbox
    cx, cy = (w + e) / 2, (s + n) / 2
    return gpd.GeoDataFrame(
        {"kind": ["control", "claimed"], "name": ["held", "claimed"],
         "date_start": pd.to_datetime(["2024-08-10", "2024-08-12"]), "date_end": pd.to_datetime([None, None])},
        geometry=[shapely.box(cx - 1, cy - 0.5, cx, cy + 0.5), shapely.box(cx, cy - 0.5, cx + 1, cy + 0.5)],
        crs="EPSG:4326",
    )


def cli_end_to_end(events: pd.DataFrame, repeat: int) -> float:
    """Best wall time of ``python -m geo snapshot`` (A4 PNG, 300 dpi) over a store of ``events``, in new
    processes on the real mirror, after one run that fills the boundary, index and geometry caches."""
    import os
    import subprocess
    import tempfile

    from geo.store import EventStore

    mirror = ROOT.parent / "shared" / "geodata" / "gbOpen"
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "events.gpkg"
        EventStore(store).add(events, source="bench")
        env = {**os.environ, "GEO_STORE": str(store), "GEO_CACHE_DIR": str(Path(tmp) / "cache"),
               "GEO_BOUNDARIES_SOURCE": str(mirror), "PYTHONDONTWRITEBYTECODE": ""}
        cmd = [sys.executable, "-m", "geo", "snapshot", "--start", "2024-08-01", "--end", "2024-08-31", "--bbox",
               "30,50,36,53", "--dpi", "300", "--out", str(Path(tmp) / "s.png")]

        def run() -> None:
            done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"python -m geo snapshot failed ({done.returncode}):\n{done.stderr[-3000:]}")

        run()
        return _time(run, repeat)


def _time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--real", action="store_true", help="use the real boundary mirror (../shared/geodata)")
    p.add_argument("--repeat", type=int, default=2, help="runs per measure (best is reported)")
    args = p.parse_args(argv)
    boundaries = _real_boundaries() if args.real else None
    where = "real mirror"
    if boundaries is None:
        boundaries, where = synthetic_boundaries(), "synthetic 0.5° grid"
    t = time.perf_counter()
    index = prepare(boundaries)
    print(f"boundaries: {where}; prepare {time.perf_counter() - t:.2f} s")
    view = View(title="Benchmark snapshot", filter=EventFilter(start="2024-08-01", end="2024-08-31"), dpi=300,
                bbox=(X0, Y0, X1, Y1) if where != "real mirror" else (30.0, 50.0, 36.0, 53.0))
    every = view.replace(layers=ALL_LAYERS)
    areas = _overlay_areas(view.bbox)
    ok = True
    for n in (1_000, 10_000):
        events = enrich(synthetic_events(n), index)
        png_s = _time(lambda ev=events: export("png", ev, boundaries, view, index=index, generated=GENERATED), args.repeat)
        size = len(export("png", events, boundaries, view, index=index, generated=GENERATED))
        pptx_s = _time(lambda ev=events: export("pptx", ev, boundaries, view, index=index, generated=GENERATED), args.repeat)
        all_s = _time(lambda ev=events: export("png", ev, boundaries, every, index=index, generated=GENERATED,
                                              areas=areas), args.repeat)
        naive_s = _time(lambda ev=events: naive_png(ev, boundaries, view.bbox), 1)
        line = (f"{n:>6,} events: A4 PNG 300 dpi {png_s:5.2f} s ({size / 1e6:.1f} MB); PPTX {pptx_s:5.2f} s; "
                f"PNG with every overlay {all_s:5.2f} s; naive GeoDataFrame.plot PNG {naive_s:5.2f} s "
                f"({naive_s / png_s:.1f}x ours, and without legend, scale, inset, footer)")
        if n == 10_000:
            passed = png_s < TARGET_PNG_10K_S
            ok &= passed
            line += f"  [target PNG < {TARGET_PNG_10K_S:g} s: {'met' if passed else 'MISSED'}]"
        print(line)
        if n == 10_000 and where == "real mirror":
            cli_s = cli_end_to_end(events, args.repeat)
            passed = cli_s <= TARGET_CLI_10K_S
            ok &= passed
            print(f"{n:>6,} events: python -m geo snapshot, end to end (new process, caches filled) {cli_s:5.2f} s "
                  f"(the naive plot's drawing alone: {naive_s:.2f} s)  "
                  f"[target <= {TARGET_CLI_10K_S:g} s: {'met' if passed else 'MISSED'}]")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
