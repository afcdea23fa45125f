"""The service layer: what the CLI and the app both do with a store, written once.

The app (``ui/``) and the CLI (:mod:`geo.cli`) open their store with :func:`geo.stores.open_store` and call
these; they differ only in how they show the result (and the app in what it caches).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from geo.filter import EventFilter, apply
from geo.schema import EVENT_DTYPES, JOIN_DTYPES
from geo.store import canonical
from geo.stores import Store, is_postgis

if TYPE_CHECKING:
    from geo.ingest import ImportReport
    from geo.render import StoreGrid
    from geo.store import AddResult

@dataclass(frozen=True)
class Context:
    """What events are joined to and drawn over: the boundaries, their join index (None when there are no
    boundaries at all) and why some could not be had."""

    boundaries: Any
    index: Any
    errors: tuple[str, ...]


def load_context(countries: Sequence[str] | None, *, levels: Sequence[int] | None = None, source: str | None = None,
                 cache_dir: str | os.PathLike[str] | None = None, progress: Any = None, maps: bool = False,
                 labels: bool = False) -> Context:
    """The boundaries of ``countries`` (None: the default ones; ``levels`` likewise) (fetched once, then from the disk cache; those that cannot be had are
    skipped and named in ``errors``) and their join index, kept on disk (:func:`geo.join.prepare_kept`). With
    ``maps``, the simplified display geometry is kept on disk too, and with ``labels`` the place names' table:
    what the app and ``python -m geo snapshot`` draw from."""
    from geo.boundaries import load_boundaries
    from geo.join import prepare_kept

    chosen = {"levels": tuple(levels)} if levels is not None else {}
    b = load_boundaries(countries=None if countries is None else tuple(countries), source=source,
                        cache_dir=cache_dir, progress=progress, missing="skip", **chosen)
    has_any = any(len(b.layer(n)) for n in (0, 1, 2))
    index = prepare_kept(b, cache_dir=cache_dir) if has_any else None
    if has_any and (maps or labels):
        from geo.render import keep_display_layers, keep_label_table

        if maps:
            keep_display_layers(b, cache_dir=cache_dir)
        if labels:
            keep_label_table(b, cache_dir=cache_dir)
    return Context(b, index, tuple(str(e) for e in b.errors))


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


def commit(store: Store, report: ImportReport) -> AddResult:
    """Store an import's accepted events (``geo.ingest.prepare_import``'s report) in one transaction, logged with
    its file name and sha256: what the CLI's ``import`` and the app's *Commit* both do."""
    return store.add(report.frame, source=report.file, sha256=report.sha256)


def copy_store(source: Store, target: Store) -> tuple[int, int]:
    """Copy every event of ``source`` into ``target`` (GeoPackage ↔ PostGIS, either way) in one import of the
    target: every column, provenance included, so the copy reads back as the same frame. Events already in the
    target are skipped. Returns (events read, events added)."""
    frame = source.read()
    if not len(frame):
        return 0, 0
    result = target.add(pd.DataFrame(frame.drop(columns="geometry")), source=f"copy of {source.location}")
    return len(frame), result.added


#: Events a view reads at most; above, the map shows the store's aggregate (the map's own points limit).
VIEW_MAX: Final = 200_000
#: The columns only the details of the events chosen (:func:`rows`) and the exports (:func:`complete`) read, which
#: nothing on the map, timeline or tables shows: the long free text (``description``: most of an event's bytes),
#: the import's provenance, Ukraine's second vintage (2020 raions, hromadas), local-script names, and the join's
#: method, distances and checks against the source.
DETAIL_COLUMNS: Final = ("description", "import_file", "import_sha256", "import_row", "import_time", "src_adm1",
                         "src_adm2", "adm1_local", "adm2_local", "adm2_2020_id", "adm2_2020_name", "adm3_id",
                         "adm3_name", "adm0_disputed", "join_method", "join_distance_km", "border_distance_km",
                         "border_pair", "admin_mismatch", "src_adm2_vintage", "admin_hierarchy")
#: The columns a store's view reads: all but :data:`DETAIL_COLUMNS`.
VIEW_COLUMNS: Final = tuple(c for c in (*EVENT_DTYPES, *JOIN_DTYPES) if c not in DETAIL_COLUMNS)
#: Cells a store's aggregate holds at most over the store's extent (0.2° over the three countries): coarser than the
#: map's own (200,000), as each cell is counted by category and precision in the database and sent here.
STORE_GRID_CELLS: Final = 20_000


@dataclass(frozen=True)
class Source:
    """Where the app's events come from: every event in memory (``events``: a GeoPackage store or the
    sample), or a store queried per view (``store``; ``events`` None). ``catalog`` stands for every event where
    the filters read it (:func:`geo.filter.options`, :func:`geo.filter.presets`): the events themselves, or the
    store's :meth:`~geo.stores.Store.catalog`."""

    label: str
    total: int
    catalog: pd.DataFrame
    events: pd.DataFrame | None = None
    store: Store | None = None


@dataclass(frozen=True)
class View:
    """What one filter selects: its ``events`` (every column), or, when there are more than the view reads,
    none and the store's counts per cell (``grid``, of ``cell`` degrees). ``total``: events in the window."""

    events: pd.DataFrame
    total: int
    grid: pd.DataFrame | None = None
    cell: float = 0.0

    @property
    def aggregated(self) -> bool:
        return self.grid is not None

    def grid_counts(self) -> StoreGrid | None:
        """The aggregate as the map draws it (:class:`geo.render.StoreGrid`), or None."""
        from geo.render import StoreGrid

        return None if self.grid is None else StoreGrid(self.grid, self.cell, self.total)


def open_source(store: Store, index: Any = None, *, in_memory_max: int | None = None) -> Source:
    """The app's source for ``store``: a PostGIS store (or, when ``in_memory_max`` is given, any store of more
    events) is queried per view, its catalog read once; a GeoPackage is read whole (its own query reads the
    file whole: nothing to gain); an empty store stands aside for the sample (:func:`events_or_sample`)."""
    count = store.count()
    large = in_memory_max is not None and count > in_memory_max
    if count and (is_postgis(getattr(store, "url", None)) or large):
        return Source(f"store {store.location} (queried per view)", count, store.catalog(), None, store)
    events, label = events_or_sample(store, index)
    return Source(label, len(events), events, events, None)


def events_for(store: Store, flt: EventFilter, index: Any = None) -> tuple[pd.DataFrame, str]:
    """The events a snapshot of ``flt`` draws from, and a label: a PostGIS store's selected by the server (every
    column; never the whole store); else every event (the store's, or the sample), which the snapshot selects
    from (:func:`geo.snapshot.select`)."""
    source = open_source(store, index)
    if source.events is not None:
        return source.events, source.label
    assert source.store is not None
    return source.store.query(where=flt), f"{source.label}, the view's filter applied by the store"


def view(source: Source, flt: EventFilter, *, limit: int = VIEW_MAX, extent: tuple[float, float, float, float]
         | None = None) -> View:
    """The events ``flt`` selects from ``source``: filtered in memory, or queried from the store (the window,
    facets and indexes in the database) when at most ``limit``; above it, the store's counts per cell for the
    map (the cell size by :func:`geo.render.grid_cell` over ``extent``, else the catalog's, for at most
    :data:`STORE_GRID_CELLS`)."""
    if source.events is not None:
        shown = apply(source.events, flt)
        return View(shown, len(shown))
    assert source.store is not None
    total = source.store.tally(where=flt)
    if total <= limit:
        shown = source.store.query(where=flt, columns=VIEW_COLUMNS)
        return View(shown, len(shown))
    from geo.render import grid_cell

    x0, y0, x1, y1 = extent if extent is not None else catalog_extent(source.catalog)
    size = grid_cell(x0, y0, x1, y1, STORE_GRID_CELLS)
    return View(canonical(pd.DataFrame()), total, source.store.grid(size, where=flt), size)


def rows(source: Source, events: pd.DataFrame) -> pd.DataFrame:
    """``events`` (rows of a view) with every column: read again from the store by id when the view was
    queried without some (:data:`VIEW_COLUMNS`), in their order; as they are otherwise."""
    if source.store is None or not len(events) or "id" not in events.columns:
        return events
    ids = [str(i) for i in events["id"]]
    full = pd.DataFrame(source.store.query(ids=ids).drop(columns="geometry"))
    full.index = pd.Index(full["id"].astype(str))
    return full.loc[[i for i in ids if i in full.index]].reset_index(drop=True)


def complete(source: Source, flt: EventFilter, shown: pd.DataFrame) -> pd.DataFrame:
    """The events ``flt`` selects with every column, for an export: ``shown`` when it has them all, else read
    again from the store (a view of a queried store left out :data:`VIEW_COLUMNS`' others)."""
    if source.store is None:
        return shown
    return source.store.query(where=flt)


def catalog_extent(catalog: pd.DataFrame) -> tuple[float, float, float, float]:
    """The extent (min lon, min lat, max lon, max lat) a catalog's bound rows carry (the whole world if none)."""
    lon = pd.to_numeric(catalog.get("lon", pd.Series(dtype=float)), errors="coerce").dropna()
    lat = pd.to_numeric(catalog.get("lat", pd.Series(dtype=float)), errors="coerce").dropna()
    if not len(lon) or not len(lat):
        return -180.0, -90.0, 180.0, 90.0
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())
