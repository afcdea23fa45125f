"""Unit positions "as of" a day (one command: ``python bench/units.py``).

A tracker table of 5,000 units x 50 dated reports (250,000 rows, seeded) is written as CSV and read with
``geo.io.units.read_positions``; then ``geo.units.as_of`` is timed on three days against the naive way (a
pandas groupby taking, per unit, the row of the latest date on or before the day). Target: as_of <= 0.2 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import pandas as pd  # noqa: E402
from snapshot import _time  # noqa: E402  (bench/snapshot.py: the best of repeated runs)
from unit_factories import tracker_table  # noqa: E402

from geo import units  # noqa: E402
from geo.io.units import read_positions  # noqa: E402

DAYS = ("2024-08-01", "2024-08-20", "2024-10-15")


def naive(positions: pd.DataFrame, day: str) -> pd.DataFrame:
    """The straightforward pandas way: filter, then each unit's row of its latest date (idxmax per group)."""
    earlier = positions.loc[positions["date"] <= pd.Timestamp(day)]
    return earlier.loc[earlier.groupby("unit_key")["date"].idxmax()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--units", type=int, default=5000)
    p.add_argument("--dates", type=int, default=50)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    table = tracker_table(args.units, args.dates, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.csv"
        table.to_csv(path, index=False)
        t = time.perf_counter()
        result = read_positions(path)
        read_s = time.perf_counter() - t
    positions = result.frame
    print(f"{len(positions):,} reports of {positions['unit_key'].nunique():,} units: read {read_s:.2f} s")
    worst = 0.0
    for day in DAYS:
        ours = _time(lambda d=day: units.as_of(positions, d), args.repeat)
        plain = _time(lambda d=day: naive(positions, d), args.repeat)
        count = len(units.as_of(positions, day))
        assert count == len(naive(positions, day)), "as_of and the naive way disagree on the units reported"
        worst = max(worst, ours)
        print(f"  as of {day}: {count:,} units in {ours * 1000:.0f} ms; naive groupby idxmax {plain * 1000:.0f} ms "
              f"(ours takes {ours / plain:.1f}x its time, and adds the tie-breaks, ages and report counts)")
    print(f"worst as_of {worst:.3f} s [target <= 0.2 s: {'met' if worst <= 0.2 else 'MISSED'}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
