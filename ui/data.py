"""Loading and caching for the app: boundaries, the admin index, events (store or sample), assets.

The sample data stands in only while there is no store or it is empty: a store file that cannot be read
(:class:`~geo.errors.StoreError`) is shown as an error and the app stops there.

Everything expensive is cached here (``st.cache_resource`` for large objects used read-only, so that a
rerun never copies or rebuilds them). The domain work itself is in ``geo``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import streamlit as st

from geo import service
from geo.errors import StoreError
from geo.filter import EventFilter
from geo.postgis import PostgisRecords
from geo.service import SAMPLE, Context, Source, View, load_context, open_source
from geo.stores import Store, open_areas, open_store, open_units

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"


#: Boundaries and their join index, or why there are none (``geo.service.Context``).
Loaded = Context


def _countries() -> tuple[str, ...]:
    raw = os.environ.get("GEO_COUNTRIES", "BLR,UKR,RUS")
    return tuple(c.strip().upper() for c in raw.split(",") if c.strip())


@st.cache_resource(show_spinner=False)
def boundaries(countries: tuple[str, ...], source: str | None) -> Loaded:
    """Boundaries (fetched once with a progress bar, then from the disk cache) and the admin index."""
    bar = st.progress(0.0, text="Loading boundaries…")

    def progress(p: Any) -> None:
        frac = getattr(p, "fraction", None)
        label = getattr(p, "label", "")
        done = (p.step - 1 + (frac if frac is not None else 0.0)) / max(p.steps, 1)
        bar.progress(min(max(done, 0.0), 1.0), text=f"Boundaries: {label}")

    try:
        # the index is kept on disk next to the boundary cache: a new server process reads it (about 0.3 s)
        # instead of preparing it again (several seconds); the simplified display geometry of every level
        # likewise (about 0.4 s at a cold start), and the map's place labels (about 0.7 s: the whole place index)
        return load_context(countries, source=source, progress=progress, maps=True, labels=True)
    finally:
        bar.empty()


def current_boundaries() -> Loaded:
    return boundaries(_countries(), os.environ.get("GEO_BOUNDARIES_SOURCE") or None)


def store() -> Store:
    """The app's store: ``$GEO_STORE`` (a GeoPackage path or a postgresql:// URL), else the default file."""
    return open_store()


def _store_version() -> str:
    try:
        return store().version()
    except StoreError as exc:
        _stop(exc)


@st.cache_resource(show_spinner="Loading events…", max_entries=2)
def _source(version: str, sample_mtime: float, _index: Any, index_key: int) -> Source:
    return open_source(store(), _index)  # StoreError when the store cannot be read: never the sample


def _events_key(loaded: Loaded) -> tuple[str, float, int]:
    return _store_version(), SAMPLE.stat().st_mtime, id(loaded.index)


def source(loaded: Loaded) -> Source:
    """Where the events come from (``geo.service.Source``): every event in memory (a GeoPackage store, or the
    sample while there is no store or it is empty), or a PostGIS store queried per view. A store that cannot be read stops the app with the
    error."""
    version, sample_mtime, index_key = _events_key(loaded)
    try:
        return _source(version, sample_mtime, loaded.index, index_key)
    except StoreError as exc:
        _stop(exc)


def events(loaded: Loaded) -> tuple[pd.DataFrame, str]:
    """Every event held in memory (see :func:`source`; a queried store's are not: its catalog stands in) and the
    source's label."""
    src = source(loaded)
    return (src.events if src.events is not None else src.catalog), src.label


@st.cache_resource(show_spinner="Querying the store…", max_entries=1)
def _view(version: str, filter_key: str, _source: Source, _flt: EventFilter) -> View:
    return service.view(_source, _flt)


def view(src: Source, flt: EventFilter, version: str) -> View:
    """What ``flt`` selects from ``src`` (``geo.service.view``): filtered in memory, or queried from the store
    (cached per store version and filter; one view kept: the memory follows the window, whatever the store's
    size)."""
    if src.events is not None:
        return service.view(src, flt)
    try:
        return _view(version, json.dumps(flt.to_dict(), sort_keys=True, default=str), src, flt)
    except StoreError as exc:
        _stop(exc)


def full_rows(loaded: Loaded, events: pd.DataFrame) -> pd.DataFrame:
    """Rows of the current view with every column (``geo.service.rows``: a queried store's view leaves the long
    text out; the few rows chosen are read again by id)."""
    try:
        return service.rows(source(loaded), events)
    except StoreError as exc:
        _stop(exc)


def complete(loaded: Loaded, flt: EventFilter, shown: pd.DataFrame) -> pd.DataFrame:
    """The view's events with every column, for an export (``geo.service.complete``)."""
    try:
        return service.complete(source(loaded), flt, shown)
    except StoreError as exc:
        _stop(exc)


def events_version(loaded: Loaded) -> str:
    """Names the event set :func:`source` gives (changes when the store or the sample does): a cache key
    for what is derived from it, stable across reruns unlike ``id()`` of a filtered frame."""
    return repr(_events_key(loaded))


@st.cache_resource(show_spinner=False, max_entries=2)
def _areas(version: str) -> Any:
    store = open_areas()
    return store.read() if store.exists() else None


def areas() -> tuple[Any, str]:
    """The dated area table of the store (every snapshot; None when there is none) and its version."""
    return _read_versioned(open_areas(), _areas)


def _read_versioned(store: Any, read: Any) -> tuple[Any, str]:
    """``read(version)`` of a store of areas or unit positions (None when it holds nothing), and the version, a
    cache key that changes when the store does: a GeoPackage file's path, time and size; a PostGIS table's
    count (records are only added). A store that cannot be read stops."""
    try:
        if isinstance(store, PostgisRecords):
            version = store.version()
        else:
            path = store.path
            if not path.exists():
                return None, "none"
            stat = path.stat()
            version = repr((str(path), stat.st_mtime, stat.st_size))
        table = read(version)
    except StoreError as exc:
        _stop(exc)
    return (table if table is not None and len(table) else None), version


@st.cache_resource(show_spinner=False, max_entries=2)
def _units(version: str) -> Any:
    store = open_units()
    return store.read() if store.exists() else None


def units() -> tuple[Any, str]:
    """The store's unit positions (``python -m geo import --units``; None when there are none) and their
    version (a cache key)."""
    return _read_versioned(open_units(), _units)


def _stop(exc: StoreError) -> NoReturn:
    st.error(f"The event store cannot be read, so nothing is shown (the sample data is no stand-in for it). "
             f"Fix or move the file, or point GEO_STORE elsewhere. {exc}")
    st.stop()


@st.cache_resource(show_spinner=False, max_entries=4)
def _presets(_loaded: Loaded, key: int) -> dict[str, tuple[float, float, float, float]]:
    from geo.snapshot import extent_presets

    return extent_presets(_loaded.boundaries, _loaded.index)


def extent_presets(loaded: Loaded) -> dict[str, tuple[float, float, float, float]]:
    """Named extents from the loaded boundaries (border lines, border districts, each oblast)."""
    return _presets(loaded, id(loaded))


def reload_events() -> None:
    _source.clear()
    _view.clear()
