"""The service layer: what the CLI and the app both do with a store, written once.

The app (``ui/``) and the CLI (:mod:`geo.cli`) open their store with :func:`geo.stores.open_store` and call
these; they differ only in how they show the result (and the app in what it caches).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo.stores import Store

#: The events shown while the store holds none (the founding case's sample).
SAMPLE: Final = Path(__file__).resolve().parents[1] / "data" / "sample_events.csv"


def events_or_sample(store: Store, index: Any = None) -> tuple[pd.DataFrame, str]:
    """The store's events, or the sample (joined with ``index`` when given) while the store holds none, and a
    label saying which. A store that cannot be read raises :class:`~geo.errors.StoreError`: never the sample
    in its place."""
    from geo import io, join

    if store.count() > 0:
        return store.read(), f"store {store.location}"
    frame = io.read_events(SAMPLE).frame
    if index is not None:
        frame = join.enrich(frame, index)
    state = "holds no events" if store.version() != "none" else "does not exist yet"
    return frame, f"sample data ({SAMPLE.name}; the store {store.location} {state})"


def copy_store(source: Store, target: Store) -> tuple[int, int]:
    """Copy every event of ``source`` into ``target`` (GeoPackage ↔ PostGIS, either way) in one import of the
    target: every column, provenance included, so the copy reads back as the same frame. Events already in the
    target are skipped. Returns (events read, events added)."""
    frame = source.read()
    if not len(frame):
        return 0, 0
    result = target.add(pd.DataFrame(frame.drop(columns="geometry")), source=f"copy of {source.location}")
    return len(frame), result.added
