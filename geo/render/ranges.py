"""Weapon ranges (``data/weapon_ranges.csv``): matching deployments to systems, geodesic range rings."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from pyproj import Geod

from geo.errors import InputFormatError

RANGES_CSV: Final = Path(__file__).resolve().parents[2] / "data" / "weapon_ranges.csv"
RANGE_COLUMNS: Final = (
    "system", "variant", "aliases", "kind", "range_km", "range_low_km", "range_high_km",
    "confidence", "note", "source", "source_url",
)
_GEOD: Final = Geod(ellps="WGS84")
_DASHES: Final = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})


def normalise_text(text: str) -> str:
    """Lower case, NFKC, every dash a hyphen-minus, hyphens and spaces between parts collapsed to "-"."""
    t = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    return re.sub(r"\s*-\s*|(?<=\w)\s+(?=\w\b)", "-", t)


def load_ranges(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The ranges table: one row per system (and missile variant), ``aliases`` split on ``|``."""
    return _load(str(Path(path) if path is not None else RANGES_CSV)).copy()


@cache
def _load(path: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise InputFormatError(f"cannot read weapon ranges: {exc}", file=path) from exc
    missing = [c for c in RANGE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputFormatError(f"expected columns {', '.join(RANGE_COLUMNS)}; missing {', '.join(missing)}", file=path)
    for col in ("range_km", "range_low_km", "range_high_km"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    bad = frame["range_km"].isna() | (frame["range_km"] <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise InputFormatError(f"row {row}: expected a positive range_km, got {frame['range_km'].iloc[row - 1]!r}", file=path)
    frame["aliases"] = [[a.strip() for a in (s or "").split("|") if a.strip()] for s in frame["aliases"]]
    return frame


def _matcher(ranges: pd.DataFrame) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One regex over every alias (longest first) and alias → system."""
    alias_system: dict[str, str] = {}
    for system, aliases in zip(ranges["system"], ranges["aliases"]):
        for alias in [system, *aliases]:
            alias_system.setdefault(normalise_text(alias), system)
    if not alias_system:
        return None, alias_system
    alternatives = sorted(alias_system, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w])")
    return pattern, alias_system


def match_systems(texts: pd.Series, ranges: pd.DataFrame) -> list[tuple[str, ...]]:
    """For each text, the systems it names (in order of appearance, each once)."""
    pattern, alias_system = _matcher(ranges)
    values = texts.fillna("").astype(str)
    uniques, codes = np.unique(values.to_numpy(dtype=object), return_inverse=True)
    found: list[tuple[str, ...]] = []
    for text in uniques:
        if pattern is None or not text:
            found.append(())
            continue
        systems = [alias_system[m.group(1)] for m in pattern.finditer(normalise_text(text))]
        found.append(tuple(dict.fromkeys(systems)))
    return [found[c] for c in codes]


def geodesic_ring(lat: float, lon: float, radius_km: float, n: int = 192) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points at ``radius_km`` from (lat, lon) on the WGS84 ellipsoid, longitudes kept continuous."""
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = _GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_km * 1000.0))
    lons = lon + (np.asarray(lons) - lon + 180.0) % 360.0 - 180.0
    return np.asarray(lats), lons
