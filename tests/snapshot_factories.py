"""The fixed small snapshot fixture shared by tests/test_snapshot.py and scripts/make_golden.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from factories import grid_boundaries, make_events

from geo.filter import EventFilter
from geo.join import enrich, prepare
from geo.snapshot import View

GOLDEN = Path(__file__).resolve().parent / "golden" / "snapshot.png"
GENERATED = dt.datetime(2024, 8, 16, 12, 0, tzinfo=dt.UTC)
GOLDEN_DPI = 60


def snapshot_inputs() -> tuple[Any, Any, Any, View]:
    """(events, boundaries, index, view): 24 events of every category and verification on the grid."""
    boundaries = grid_boundaries()
    index = prepare(boundaries)
    n = 24
    events = make_events(
        n,
        seed=7,
        category=["ground_combat", "strike", "deployment", "airspace_incident", "statement", "territorial_change"] * 4,
        verification=["confirmed", "reported", "claimed", "disputed"] * 6,
        equipment=["", "", "Iskander-M", "", "", "", "", "", "Polonez", "", "", "", "", "", "S-400", "", "", "",
                    "", "", "motorised brigade", "", "", ""],
        source_name=["ISW", "Reuters", "Belta", "Kyiv Independent"] * 6,
        title=[f"Event <{i}> & \"quoted\"" for i in range(n)],
    )
    events.loc[1, "geo_precision"] = "admin2"
    events = enrich(events, index)
    view = View(
        title="Grid snapshot",
        filter=EventFilter(start="2024-08-06", end="2024-08-15"),
        marking="UNCLASSIFIED // FOR TRAINING",
        labels=True,
        dpi=GOLDEN_DPI,
    )
    return events, boundaries, index, view
