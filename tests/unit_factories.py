"""Seeded unit-position tables in the shape of public unit trackers: many units of both sides, dozens of dated
reports each, a parent, an echelon, a symbol code and sources; names in Latin and Cyrillic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: (name, side, echelon, parent, 2525C code) of the tracker's named units: both sides, Latin and Cyrillic.
NAMED_UNITS: tuple[tuple[str, str, str, str, str], ...] = (
    ("3rd Motor Rifle Brigade", "RUS", "brigade", "20th Combined Arms Army", "SHGPUCII---H---"),
    ("448-я ракетная бригада", "RUS", "brigade", "20th Combined Arms Army", "SHGPUCFM---H---"),
    ("465th Missile Brigade", "BLR", "brigade", "Western Operational Command", "SHGPUCFM---H---"),
    ("336-я реактивная артиллерийская бригада", "BLR", "brigade", "Western Operational Command", "SHGPUCFR---H---"),
    ("22nd Mechanized Brigade", "UKR", "brigade", "Operational Command North", "SFGPUCIZ---H---"),
    ("80th Air Assault Brigade", "UKR", "brigade", "Air Assault Forces", "SFGPUCIA---H---"),
)


def tracker_table(n_units: int = 40, n_dates: int = 30, *, seed: int = 0, start: str = "2024-07-20",
                  columns: dict[str, str] | None = None) -> pd.DataFrame:
    """``n_units`` units (the :data:`NAMED_UNITS` first) reported on up to ``n_dates`` days each, drifting from
    a base point near the Belarus-Ukraine-Russia borders; ``columns`` renames the tracker's own headers."""
    rng = np.random.default_rng(seed)
    first = dt.date.fromisoformat(start)
    rows = []
    for k in range(n_units):
        if k < len(NAMED_UNITS):
            name, side, echelon, parent, sidc = NAMED_UNITS[k]
        else:
            side = ("RUS", "UKR", "BLR")[k % 3]
            name = f"{_ordinal(k)} {'Motor Rifle' if side != 'UKR' else 'Mechanized'} Battalion"
            echelon, parent = "battalion", NAMED_UNITS[k % len(NAMED_UNITS)][0]
            sidc = ("SFGPUCI----F---" if side == "UKR" else "SHGPUCI----F---")
        lat, lon = 50.5 + rng.random() * 3.0, 30.0 + rng.random() * 6.0
        days = np.sort(rng.choice(np.arange(n_dates * 2), size=n_dates, replace=False))
        for d in days:
            lat += rng.normal(0, 0.05)
            lon += rng.normal(0, 0.05)
            rows.append({"Unit": name, "Date": (first + dt.timedelta(days=int(d))).isoformat(),
                         "Latitude": round(lat, 5), "Longitude": round(lon, 5), "SIDC": sidc, "Echelon": echelon,
                         "Parent": parent, "Side": side, "Source": f"https://example.org/tracker/{k}/{int(d)}"})
    frame = pd.DataFrame(rows)
    return frame.rename(columns=columns) if columns else frame


def _ordinal(k: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st, 22nd."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
