"""Snapshot export time (one command: ``python bench/snapshot.py``).

For 1k and 10k synthetic events (every category, verification and precision, deployments of every kind,
over 30-36 E, 50-53 N) on synthetic 0.5° boundaries (two countries, oblasts, raions; or the real mirror
with ``--real`` when ``../shared/geodata/gbOpen`` is present) it times an A4 landscape PNG at 300 dpi and
a PPTX (figure drawn once, picture at 150 dpi), with labels off. Target: the PNG at 10k under 3 s.
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
from geo.snapshot import View, export  # noqa: E402

TARGET_PNG_10K_S = 3.0
X0, X1, Y0, Y1, STEP = 30.0, 36.0, 50.0, 53.0, 0.5
EQUIPMENT = ["Iskander-M", "Polonez", "S-400", "Su-34 fighter jets", "motorised brigade", ""]
GENERATED = dt.datetime(2024, 8, 16, 12, 0, tzinfo=dt.timezone.utc)


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
    ok = True
    for n in (1_000, 10_000):
        events = enrich(synthetic_events(n), index)
        png_s = _time(lambda ev=events: export("png", ev, boundaries, view, index=index, generated=GENERATED), args.repeat)
        size = len(export("png", events, boundaries, view, index=index, generated=GENERATED))
        pptx_s = _time(lambda ev=events: export("pptx", ev, boundaries, view, index=index, generated=GENERATED), args.repeat)
        line = f"{n:>6,} events: A4 PNG 300 dpi {png_s:5.2f} s ({size / 1e6:.1f} MB); PPTX {pptx_s:5.2f} s"
        if n == 10_000:
            passed = png_s < TARGET_PNG_10K_S
            ok &= passed
            line += f"  [target PNG < {TARGET_PNG_10K_S:g} s: {'met' if passed else 'MISSED'}]"
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
