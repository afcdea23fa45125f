"""The store interface: what every event store does, and the one place that picks the store.

:class:`Store` is the protocol both implementations follow:

* :class:`geo.store.EventStore`, an embedded GeoPackage (the default: one analyst, offline);
* :class:`geo.postgis.PostgisStore`, a shared PostGIS database (a team).

:func:`open_store` chooses by the ``GEO_STORE`` setting (or an explicit one): a ``postgresql://`` (or
``postgres://``) URL is PostGIS, anything else a GeoPackage path. The CLI and the app open their store here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd

    from geo.areas import AreaStore
    from geo.filter import EventFilter
    from geo.postgis import PostgisAreaStore, PostgisUnitStore
    from geo.store import AddResult
    from geo.units import UnitStore

#: URL schemes that name a PostGIS store.
POSTGIS_SCHEMES = ("postgresql://", "postgres://")


@runtime_checkable
class Store(Protocol):
    """An event store: idempotent, transactional imports and reads of the canonical frame."""

    @property
    def location(self) -> str:
        """Where the store is, for messages (a path, or a URL without its password)."""
        ...

    def exists(self) -> bool:
        """Whether the store holds events (a store that cannot be read raises StoreError, never False)."""
        ...

    def version(self) -> str:
        """A cheap token that changes whenever the store does ("none" while there is no store at all)."""
        ...

    def count(self) -> int:
        """How many events are stored."""
        ...

    def read(self) -> gpd.GeoDataFrame:
        """Every stored event in the canonical and join columns (EPSG:4326), in the order stored."""
        ...

    def query(self, *, start: dt.date | None = None, end: dt.date | None = None,
              bbox: tuple[float, float, float, float] | None = None, where: EventFilter | None = None,
              columns: Sequence[str] | None = None, ids: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """The stored events active in the window [start, end] (their interval meets it, as
        :func:`geo.filter.apply` rules), passing ``where`` (an :class:`~geo.filter.EventFilter`; ``start`` and
        ``end`` stand for its window when given) and inside ``bbox`` (min lon, min lat, max lon, max lat; edges
        included), in the order stored: only what a view shows is read. ``columns``: the columns needed (id,
        dates and lon/lat always come; the others are empty), a hint a store may ignore. ``ids``: only those
        events (the details of a few chosen in a view read without some columns)."""
        ...

    def tally(self, *, where: EventFilter | None = None, bbox: tuple[float, float, float, float] | None = None) -> int:
        """How many events :meth:`query` returns for ``where`` and ``bbox`` (without reading them where the
        store can; an upper bound when ``where`` holds actors, a text search or drawn shapes)."""
        ...

    def grid(self, size: float, *, where: EventFilter | None = None,
             bbox: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
        """Counts of the events :meth:`query` selects per cell of ``size`` degrees, category and precision
        (:func:`geo.store.grid_counts` is the rule): a zoomed-out view's aggregate."""
        ...

    def catalog(self) -> pd.DataFrame:
        """A small frame standing for every stored event where the app's filters read it
        (:func:`geo.store.catalog_frame`)."""
        ...

    def imports(self) -> pd.DataFrame:
        """The import log: file, sha256, imported_at, offered, added (one row per committed import)."""
        ...

    def add(self, events: pd.DataFrame, *, source: str = "", sha256: str = "") -> AddResult:
        """Store ``events`` in one transaction, skipping ids already stored, with a row in the import log."""
        ...


def open_areas(spec: str | os.PathLike[str] | None = None) -> AreaStore | PostgisAreaStore:
    """The areas kept beside the events of the store named by ``spec`` (else ``$GEO_STORE``, else the default
    GeoPackage): the GeoPackage's "areas" layer, or a PostGIS store's ``geo_areas`` table."""
    chosen = _chosen(spec)
    if is_postgis(chosen):
        from geo.postgis import PostgisAreaStore

        return PostgisAreaStore(str(chosen).strip())
    from geo.areas import AreaStore

    return AreaStore(Path(chosen) if chosen is not None else None)


def open_units(spec: str | os.PathLike[str] | None = None) -> UnitStore | PostgisUnitStore:
    """The unit positions kept beside the events of the store named by ``spec`` (as :func:`open_areas`)."""
    chosen = _chosen(spec)
    if is_postgis(chosen):
        from geo.postgis import PostgisUnitStore

        return PostgisUnitStore(str(chosen).strip())
    from geo.units import UnitStore

    return UnitStore(Path(chosen) if chosen is not None else None)


def _chosen(spec: str | os.PathLike[str] | None) -> str | os.PathLike[str] | None:
    return spec if spec is not None and str(spec).strip() else os.environ.get("GEO_STORE") or None


def is_postgis(spec: str | os.PathLike[str] | None) -> bool:
    """Whether a store setting names a PostGIS database."""
    return spec is not None and str(spec).strip().lower().startswith(POSTGIS_SCHEMES)


def open_store(spec: str | os.PathLike[str] | None = None) -> Store:
    """The store named by ``spec``, else by ``$GEO_STORE``, else the default GeoPackage
    (:func:`geo.store.default_path`)."""
    from geo.store import EventStore

    chosen = _chosen(spec)
    if is_postgis(chosen):
        from geo.postgis import PostgisStore

        return PostgisStore(str(chosen).strip())
    return EventStore(Path(chosen) if chosen is not None else None)
