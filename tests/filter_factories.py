"""Seeded enriched event frames (canonical + join columns) for the filter tests, built in code."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.schema import JOIN_DTYPES
from tests.factories import make_events

#: adm2_id -> (adm0_iso, adm0_name, adm1_id, adm1_name, adm2_name, border_district)
UNITS: dict[str, tuple[str, str, str, str, str, bool]] = {
    "AAA-NW": ("AAA", "Aland", "AAA-N", "AAA N Oblast", "AAA NW raion", False),
    "AAA-NE": ("AAA", "Aland", "AAA-N", "AAA N Oblast", "AAA NE raion", True),
    "BBB-SW": ("BBB", "Bland", "BBB-S", "BBB S Oblast", "BBB SW raion", True),
    "BBB-SE": ("BBB", "Bland", "BBB-S", "BBB S Oblast", "BBB SE raion", False),
}


def make_enriched(n: int = 8, seed: int = 0, adm2: list[str | None] | None = None, **columns: Any) -> pd.DataFrame:
    """``n`` events (tests.factories.make_events, same keyword overrides) with join columns as the join
    writes them (categoricals); ``adm2`` gives each row's raion (None: not located), default cycling."""
    columns = {k: pd.Series(v) if isinstance(v, pd.Index) else v for k, v in columns.items()}
    events = make_events(n, seed=seed, **{k: v for k, v in columns.items() if k not in JOIN_DTYPES})
    units = list(UNITS)
    adm2 = adm2 if adm2 is not None else [units[i % len(units)] for i in range(n)]
    rows = [UNITS.get(a) if a is not None else None for a in adm2]

    def col(i: int) -> list[Any]:
        return [r[i] if r is not None else None for r in rows]

    join: dict[str, Any] = {
        "adm0_iso": col(0),
        "adm0_name": col(1),
        "adm1_id": col(2),
        "adm1_name": col(3),
        "adm2_id": adm2,
        "adm2_name": col(4),
        "border_district": col(5),
        "join_method": ["within" if r is not None else "none" for r in rows],
    }
    for name, dtype in JOIN_DTYPES.items():
        values = columns.get(name, join.get(name))
        if values is None or not isinstance(values, list | tuple | np.ndarray | pd.Series):
            values = [values] * n
        series = pd.Series(list(values), dtype="object")
        events[name] = series.astype("string").astype("category") if dtype == "category" else series.astype(dtype)
    return events


def big_enriched(n: int, seed: int = 0) -> pd.DataFrame:
    """A large varied frame for timing: multi-day deployments, several actors, categories and raions."""
    rng = np.random.default_rng(seed)
    cats = np.array(["deployment", "strike", "ground_combat", "airspace_incident", "statement"])
    actors = np.array([f"Unit {i}; Armed Forces of Ukraine" for i in range(200)] + ["Armed Forces of Russia"])
    precision = np.array(["exact", "near", "admin2", "admin1", "country"])
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    length = np.where(rng.random(n) < 0.2, rng.integers(1, 30, n), 0)
    end = pd.Series(start + pd.to_timedelta(length, unit="D")).where(length > 0)
    return make_enriched(
        n,
        seed=seed,
        adm2=[list(UNITS)[i] for i in rng.integers(0, len(UNITS), n)],
        title=pd.Series([f"event {i} near somewhere" for i in range(n)]),
        description=pd.Series(np.where(rng.random(n) < 0.5, "Reported shelling of the border area", None)),
        category=cats[rng.integers(0, len(cats), n)],
        actors=actors[rng.integers(0, len(actors), n)],
        geo_precision=precision[rng.integers(0, len(precision), n)],
        location_name=np.array([f"Place {i}" for i in range(2000)])[rng.integers(0, 2000, n)],
        source_name=np.array(["ISW", "ACLED", "Reuters", "TASS"])[rng.integers(0, 4, n)],
        date_start=start,
        date_end=end,
    )
