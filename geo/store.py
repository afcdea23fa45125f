"""The event store: an embedded GeoPackage (default ``data/events.gpkg``, override with ``GEO_STORE``).

Layout (store schema 2; GDAL, QGIS and any SQLite client read it):

* ``events``, the point layer (EPSG:4326, geometry ``geom``, no spatial index): one row per event with its
  own columns (:data:`geo.schema.EVENT_DTYPES`), the per-event join results (``join_method``,
  ``join_distance_km``, ``border_distance_km``, ``border_pair``, ``admin_mismatch``: NULL where the source's
  admin names agree with the join) and two integer keys into small lookup tables:
  ``admin_key`` → ``admin_units`` (the units the event was joined to: ``adm0_iso`` … ``adm2_local``,
  ``adm0_disputed``, ``border_district``; a few hundred rows for a million events) and
  ``import_key`` → ``import_sources`` (``import_file``, ``import_sha256``, ``import_time``: one row per
  imported file). Keeping these once instead of on every row is what makes a 1M-event import fast; so does
  the table having only the event columns some import has filled: it starts with ``id``, ``date_start``,
  ``lon``, ``lat`` and gains a column (ALTER TABLE) the first time an import has values for it.
* ``events_full``, a view registered as a point layer: every event with every column the product documents,
  by name, exactly what :meth:`EventStore.read` returns. This is the layer to open in QGIS.
* ``imports``, the import log: one row per committed import (file, sha256, imported_at, offered, added).

Guarantees:

* **An import is one SQLite transaction on one connection** (SQLite's rollback journal): the new columns,
  lookup rows, events, the import log row and the GeoPackage bookkeeping (feature count, extent, last change)
  commit together or not at all. GDAL writes the new rows into a private scratch GeoPackage next to the store
  (it builds the GeoPackage geometry blobs); the transaction copies them in with ``INSERT … SELECT`` from the
  attached scratch. A process killed at any point (even ``kill -9``) leaves either the store as it was or the
  whole import; the next open rolls a half-written transaction back (SQLite's hot journal).
* **A new store appears whole**: it is built, first import included, under a unique scratch name in the
  store's directory and then hard-linked to its name, which fails if the name exists; so two imports creating
  the same store at once both succeed (the later one appends to the earlier one's store).
* **A store that cannot be read is an error**, never "empty": :func:`inspect` raises :class:`StoreError`
  naming the file and what is wrong for anything but a GeoPackage with an ``events`` table (or one holding
  only the ``areas`` layer of :class:`geo.areas.AreaStore`, whose events table the first import adds): an empty
  file, a file that is not SQLite, a truncated or damaged database, an SQLite file without the table, a file
  that may not be read.
* A unique index on the event id backs idempotence up (importing the same events twice adds nothing) and a
  CHECK constraint (``events_guard``) rejects rows without id or start date, or with lon/lat out of range,
  even from callers that skip validation; the transaction is then rolled back whole.
* Scratch files are named ``.<store name>.<pid>@<host>.<random>.<kind>.gpkg``; those of a process that no
  longer runs (killed during an import) are removed by the next write.

Stores written by the first layout (every column on every row) are rewritten in this one on first use
(other layers, e.g. areas, kept); the original file is kept next to it as ``<name>.v1.gpkg``. New stores use
32 KiB SQLite pages.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from secrets import token_hex
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely
from pyogrio.raw import write_arrow

from geo.errors import GeoError, StoreError
from geo.filter import EventFilter, apply
from geo.schema import CRS, EVENT_DTYPES, JOIN_DTYPES, conform

LAYER: Final = "events"
VIEW: Final = "events_full"
AREAS: Final = "areas"  # the layer of geo.areas.AreaStore: a GeoPackage holding only it is a store too
#: The layer of unit positions (geo.units.UnitStore), beside the events and the areas.
UNIT_POSITIONS: Final = "unit_positions"
SCHEMA_VERSION: Final = "2"
DEFAULT_PATH: Final = Path(__file__).resolve().parents[1] / "data" / "events.gpkg"
EXPECTED: Final = "expected a GeoPackage with an events table"
_COLUMNS: Final = {**EVENT_DTYPES, **JOIN_DTYPES}
_REQUIRED: Final = ("id", "date_start", "lon", "lat")

#: Columns kept once per distinct combination in ``admin_units`` (``admin_key`` on the events).
ADMIN_COLUMNS: Final = (
    "adm0_iso", "adm0_name", "adm1_id", "adm1_name", "adm1_local", "adm2_id", "adm2_name", "adm2_local",
    "adm0_disputed", "border_district",
)
#: Columns kept once per imported file in ``import_sources`` (``import_key`` on the events).
SOURCE_COLUMNS: Final = ("import_file", "import_sha256", "import_time")
#: Columns the ``events`` table can have besides ``fid`` and ``geom`` (it has those imports have used).
EVENT_FIELDS: Final = (
    *(c for c in EVENT_DTYPES if c not in SOURCE_COLUMNS and c != "import_row"),
    "import_key", "import_row", "admin_key",
    *(c for c in JOIN_DTYPES if c not in ADMIN_COLUMNS),
)
_GUARD: Final = (
    "id IS NOT NULL AND date_start IS NOT NULL AND (lat IS NULL OR lat BETWEEN -90 AND 90) "
    "AND (lon IS NULL OR lon BETWEEN -180 AND 180)"
)
_GUARD_HINT: Final = "an event without id or start date, or with lon/lat out of range"
#: Per-import codes of the lookup rows, carried by the scratch rows and mapped to keys in the transaction.
_CODES: Final = {"import_key": "source_code", "admin_key": "admin_code"}
_RETRIES: Final = 3  # an import retried when a concurrent one stored some of its ids first


def default_path() -> Path:
    """``$GEO_STORE`` or ``data/events.gpkg`` in the project (a StoreError when ``$GEO_STORE`` is a PostGIS
    URL: see :func:`geopackage_path`)."""
    return geopackage_path(None)


def geopackage_path(path: str | os.PathLike[str] | None) -> Path:
    """The GeoPackage of a file store: ``path``, else ``$GEO_STORE``, else ``data/events.gpkg``. A PostGIS URL
    is a :class:`StoreError`: the GeoPackage classes keep files (a store of either kind is opened by
    :func:`geo.stores.open_store`, :func:`~geo.stores.open_areas` and :func:`~geo.stores.open_units`)."""
    from geo.postgis import redacted
    from geo.stores import is_postgis

    spec = path if path is not None and str(path).strip() else os.environ.get("GEO_STORE") or None
    if is_postgis(spec):
        raise StoreError(f"expected a GeoPackage path, got the PostGIS URL {redacted(str(spec))}: this class keeps "
                         "files (geo.stores.open_areas and open_units open a PostGIS store's)")
    return Path(spec) if spec is not None else DEFAULT_PATH


def inspect(path: Path, timeout: float = 30.0) -> frozenset[str] | None:
    """The tables of the store file ``path``; None when there is no file. :class:`StoreError` naming the file
    and what is wrong when it is not a store (see the module docstring). Opening rolls back what a killed
    import left half-written."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _not_a_store(path, f"a path that cannot be examined ({exc.strerror or exc})") from exc
    if not path.is_file():
        raise _not_a_store(path, "a directory" if path.is_dir() else "something that is not a file")
    if info.st_size == 0:
        raise _not_a_store(path, "an empty file (0 bytes)")
    if not os.access(path, os.R_OK):
        raise _not_a_store(path, "a file this user may not read (permission denied)")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(16)
    except OSError as exc:
        raise _not_a_store(path, f"a file that cannot be read ({exc.strerror or exc})") from exc
    if magic != b"SQLite format 3\x00":
        raise _not_a_store(path, f"a file that is not an SQLite database (it starts with {magic[:8]!r})")
    try:
        with closing(_connect(path, timeout)) as con:  # SQLite checks the header's page count against the file
            tables = frozenset(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            raise StoreError(f"cannot open the event store {path}, nothing stored: {exc}") from exc
        short = _truncated(path)
        reason = f"a truncated database ({short})" if short else f"a damaged or unreadable SQLite database ({exc})"
        raise _not_a_store(path, reason) from exc
    if LAYER in tables and "gpkg_contents" in tables:
        return tables
    if "gpkg_contents" not in tables:
        listed = ", ".join(sorted(t for t in tables if not t.startswith("sqlite_"))) or "none"
        raise _not_a_store(path, f"an SQLite database that is not a GeoPackage (tables: {listed})")
    if AREAS in tables or UNIT_POSITIONS in tables:
        return tables  # areas or unit positions stored before any event
    layers = ", ".join(sorted(t for t in tables if not t.startswith(("gpkg_", "sqlite_", "rtree_")))) or "none"
    raise _not_a_store(path, f"a GeoPackage without one (tables: {layers})")


def _not_a_store(path: Path, reason: str) -> StoreError:
    return StoreError(f"cannot open the event store {path}: {EXPECTED}, got {reason}")


def _truncated(path: Path) -> str | None:
    """How much is missing when the file is shorter than the page count its header declares (where SQLite
    keeps that count valid), else None: the reason SQLite gives for such a file is only "malformed"."""
    with open(path, "rb") as fh:
        header = fh.read(100)
        size = fh.seek(0, os.SEEK_END)
    if len(header) < 100 or header[92:96] != header[24:28]:
        return None if len(header) == 100 else f"{size} bytes, shorter than its 100-byte header"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if size < page_size * pages:
        return f"{size} bytes of the {page_size * pages} its header declares"
    return None


@dataclass(frozen=True)
class AddResult:
    """What one import did to the store."""

    offered: int
    added: int

    @property
    def already_stored(self) -> int:
        return self.offered - self.added


class EventStore:
    """Events persisted in a GeoPackage; see the module docstring for the layout and the guarantees."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 30.0) -> None:
        self.path = geopackage_path(path)
        self.timeout = timeout

    @property
    def location(self) -> str:
        """Where the store is, as messages name it (its path)."""
        return str(self.path)

    def __str__(self) -> str:
        return self.location

    def version(self) -> str:
        """A token that changes whenever the store does (its file's time and size); "none" while there is no
        file. A cache key: cheap, reads nothing."""
        if not self.path.exists():
            return "none"
        stat = self.path.stat()
        return f"{self.path}:{stat.st_mtime_ns}:{stat.st_size}"

    # -- reading ---------------------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the store holds an events table; :class:`StoreError` when the file is not a store."""
        tables = inspect(self.path, self.timeout)
        return tables is not None and LAYER in tables

    def count(self) -> int:
        if not self.exists():
            return 0
        try:
            with closing(_connect(self.path, self.timeout)) as con:
                return int(con.execute(f'SELECT count(*) FROM "{LAYER}"').fetchone()[0])
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the event store {self.path}: {exc}") from exc

    def read(self) -> gpd.GeoDataFrame:
        """Every stored event as a GeoDataFrame (EPSG:4326) in the canonical + join columns."""
        tables = self._open()
        if tables is None or LAYER not in tables:
            return _empty_frame()
        try:
            raw = pyogrio.read_dataframe(
                self.path, layer=LAYER, use_arrow=True, read_geometry=False, fid_as_index=False
            )
            with closing(_connect(self.path, self.timeout)) as con:
                admin = pd.read_sql_query("SELECT * FROM admin_units", con)
                sources = pd.read_sql_query("SELECT * FROM import_sources", con)
        except Exception as exc:  # GDAL raises several types
            raise StoreError(f"cannot read the event store {self.path}: {exc}") from exc
        return _from_storage(raw, admin, sources)

    def query(self, *, start: Any = None, end: Any = None, bbox: tuple[float, float, float, float] | None = None,
              where: EventFilter | None = None, columns: Sequence[str] | None = None,
              ids: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """The events active in [start, end], inside ``bbox``, passing ``where`` and among ``ids`` (see
        :class:`geo.stores.Store`); the file is read whole and filtered (the embedded store's sizes allow it).
        ``columns`` is a hint for stores that can read fewer; every column is returned here."""
        events = self.read()
        if ids is not None:
            events = events.loc[events["id"].isin([str(i) for i in ids]).to_numpy(dtype=bool)]
        return window(events, start=start, end=end, bbox=bbox, where=where)

    def tally(self, *, where: EventFilter | None = None, bbox: tuple[float, float, float, float] | None = None) -> int:
        """How many events :meth:`query` returns for ``where`` and ``bbox``."""
        return len(self.query(where=where, bbox=bbox))

    def grid(self, size: float, *, where: EventFilter | None = None,
             bbox: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
        """Counts per cell of ``size`` degrees, category and precision of the events :meth:`query` selects
        (:func:`grid_counts`)."""
        return grid_counts(self.query(where=where, bbox=bbox), size)

    def catalog(self) -> pd.DataFrame:
        """The frame standing for the store's events where the app's filters read them
        (:func:`catalog_frame`)."""
        return catalog_frame(self.read())

    def imports(self) -> pd.DataFrame:
        """The import log: one row per committed import."""
        tables = self._open()
        if tables is None or LAYER not in tables:
            return pd.DataFrame(columns=["file", "sha256", "imported_at", "offered", "added"])
        try:
            with closing(_connect(self.path, self.timeout)) as con:
                return pd.read_sql_query(
                    "SELECT file, sha256, imported_at, offered, added FROM imports ORDER BY import_id", con
                )
        except (sqlite3.Error, pd.errors.DatabaseError) as exc:
            raise StoreError(f"cannot read the import log of {self.path}: {exc}") from exc

    # -- writing ---------------------------------------------------------------------------------------

    def add(self, events: pd.DataFrame, *, source: str = "", sha256: str = "") -> AddResult:
        """Add ``events`` in one transaction, with a row in the import log; events whose id is already stored
        are skipped. A missing store is created (atomically: see the module docstring)."""
        frame = events if set(EVENT_DTYPES) <= set(events.columns) else conform(events)
        frame = frame.reset_index(drop=True)
        log = [(source, sha256, len(frame))] if len(frame) else []
        for _ in range(_RETRIES):
            tables = self._open()
            try:
                if tables is None:
                    added = self._create(frame, log)
                    if added is not None:
                        return AddResult(len(frame), added)
                    continue  # another process created the store meanwhile: import into it
                if not len(frame) and LAYER in tables:
                    return AddResult(0, 0)
                return AddResult(len(frame), _write(self.path, frame, tables, log, self.timeout))
            except _IdTaken:
                continue  # a concurrent import stored some of these ids first: filter again
        raise StoreError(f"import into {self.path} kept colliding with concurrent imports of the same events; "
                         "nothing stored")

    def _create(self, frame: pd.DataFrame, log: list[tuple[str, str, int]]) -> int | None:
        """Build a new store with ``frame`` in it under a scratch name and give it the store's name; None when
        a store of that name appeared meanwhile."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _scratch(self.path, "new") as fresh:
            try:
                _build(fresh)
            except Exception as exc:  # GDAL raises several types
                raise StoreError(f"cannot create the event store {self.path}: {exc}") from exc
            added = _write(fresh, frame, frozenset({LAYER}), log, self.timeout, name=self.path)
            return added if _publish(fresh, self.path) else None

    def _open(self) -> frozenset[str] | None:
        """The store's tables after rewriting a store of the first layout (None: no store); StoreError when
        the file is not a store."""
        tables = inspect(self.path, self.timeout)
        if tables is not None and LAYER in tables and "store_meta" not in tables:
            try:
                _upgrade_v1(self.path, self.timeout)
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"cannot open the event store {self.path}, nothing stored: {exc}") from exc
            tables = inspect(self.path, self.timeout)
        return tables


class _IdTaken(Exception):
    """A concurrent import committed some of the ids being imported (the unique index said so)."""


def _write(
    path: Path, frame: pd.DataFrame, tables: frozenset[str], log: Sequence[tuple[str, str, int]], timeout: float,
    *, name: Path | None = None,
) -> int:
    """Append the events of ``frame`` whose id ``path`` does not hold yet, in one transaction that also writes
    ``log`` (rows of file, sha256, offered) to the import log and, when ``tables`` has no events table, the
    store's layout. How many were added. ``name`` is the store's name in messages (``path`` may be scratch)."""
    name = name or path
    rows = _unstored(path, frame, LAYER in tables, timeout)
    frame = frame.take(rows).reset_index(drop=True) if len(rows) < len(frame) else frame
    batch = _Batch.of(frame) if len(frame) else None
    with _scratch(name, "rows") as scratch, _scratch(name, "layout") as template:
        attach = {}
        if batch is not None:
            try:
                _write_rows(batch.table, scratch)
            except Exception as exc:  # GDAL raises several types
                hint = f" ({_GUARD_HINT})" if "events_guard" in str(exc) else ""
                raise StoreError(f"import into {name} failed, nothing stored: {exc}{hint}") from exc
            attach["rows"] = scratch
        if LAYER not in tables:
            _build(template)
            attach["layout"] = template
        try:
            with _transaction(path, timeout, attach) as con:
                if LAYER not in tables and not _has_table(con, LAYER):
                    _replicate(con, "layout", _OWN, rows=("store_meta",))
                added = _insert_events(con, batch) if batch is not None else 0
                now = pd.Timestamp.now(tz="UTC").isoformat()
                con.executemany(
                    "INSERT INTO imports (file, sha256, imported_at, offered, added) VALUES (?, ?, ?, ?, ?)",
                    [(file, digest, now, offered, added) for file, digest, offered in log],
                )
        except sqlite3.Error as exc:
            hint = f" ({_GUARD_HINT})" if "events_guard" in str(exc) else ""
            raise StoreError(f"import into {name} failed and was rolled back, nothing stored: {exc}{hint}") from exc
    return added


def _unstored(path: Path, frame: pd.DataFrame, has_events: bool, timeout: float) -> np.ndarray:
    """Positions of the rows to append: first of their id in ``frame``, id not stored yet (the unique index
    catches an id a concurrent import stores after this look)."""
    codes = pd.factorize(frame["id"])[0]
    first = np.empty(codes.max() + 2 if len(codes) else 1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # last write wins: the first row of each id
    keep = first[codes] == np.arange(len(codes))
    if not has_events or not len(frame):
        return np.flatnonzero(keep)
    try:
        stored = pyogrio.read_arrow(path, layer=LAYER, columns=["id"], read_geometry=False)[1].column("id")
    except Exception as exc:  # GDAL raises several types
        raise StoreError(f"cannot read the event store {path}, nothing stored: {exc}") from exc
    if len(stored):
        ids = _arrow(frame["id"], pa.large_string())
        known = pc.is_in(ids, value_set=stored.combine_chunks().cast(pa.large_string()))
        keep &= ~known.to_numpy(zero_copy_only=False)
    return np.flatnonzero(keep)


@dataclass(frozen=True)
class _Batch:
    """The rows of one import as the scratch layer holds them, and the lookup rows they refer to."""

    table: pa.Table  # event columns, per-import lookup codes, WKB geometry
    fields: list[str]  # the events table's columns the rows fill (lookup keys included)
    admin_rows: pd.DataFrame
    source_rows: pd.DataFrame
    bounds: tuple[float, float, float, float] | None

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Batch:
        table = _to_storage(frame)
        admin_codes, admin_rows = _combinations(frame, ADMIN_COLUMNS)
        source_codes, source_rows = _combinations(frame, SOURCE_COLUMNS)
        fields = [c for c in table.column_names if c != "geom"]
        for key, codes in (("import_key", source_codes), ("admin_key", admin_codes)):
            if (codes >= 0).any():
                fields.append(key)
                table = table.append_column(_CODES[key], pa.array(codes, mask=codes < 0, type=pa.int64()))
        lon = frame["lon"].to_numpy(dtype=float, na_value=np.nan)
        lat = frame["lat"].to_numpy(dtype=float, na_value=np.nan)
        located = np.isfinite(lon) & np.isfinite(lat)
        bounds = (
            (float(lon[located].min()), float(lat[located].min()), float(lon[located].max()), float(lat[located].max()))
            if located.any() else None
        )
        return cls(table, fields, admin_rows, source_rows, bounds)


def _write_rows(table: pa.Table, scratch: Path) -> None:
    """The rows into a new scratch GeoPackage, by GDAL (fast, and it writes the GeoPackage geometry blobs)."""
    write_arrow(
        table, scratch, layer=LAYER, driver="GPKG", geometry_name="geom", geometry_type="Point", crs=CRS,
        layer_options={"SPATIAL_INDEX": "NO"}, dataset_options={"METADATA_TABLES": "NO"},
    )


def _insert_events(con: sqlite3.Connection, batch: _Batch) -> int:
    """Inside the import's transaction: the columns and lookup rows the batch needs, then its rows (from the
    attached scratch ``rows``) with their lookup keys."""
    _add_fields(con, batch.fields)
    selects, joins = ["r.geom"], []
    columns = ["geom"]
    for field in batch.fields:
        columns.append(field)
        if field not in _CODES:
            selects.append(f'r."{field}"')
            continue
        table, key, combos = (
            ("import_sources", field, batch.source_rows) if field == "import_key"
            else ("admin_units", field, batch.admin_rows)
        )
        keys = _lookup_keys(con, table, key, combos)
        con.execute(f"CREATE TEMP TABLE {key}_map (code INTEGER PRIMARY KEY, key INTEGER NOT NULL)")
        con.executemany(f"INSERT INTO temp.{key}_map VALUES (?, ?)", enumerate(keys.tolist()))
        joins.append(f" LEFT JOIN temp.{key}_map m_{key} ON m_{key}.code = r.{_CODES[field]}")
        selects.append(f"m_{key}.key")
    targets = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO main."{LAYER}" ({targets}) SELECT {", ".join(selects)} FROM rows."{LAYER}" r{"".join(joins)} ORDER BY r.fid'
    # a batch at least as large as the table: the id index is built once after the insert (a sort) instead of
    # row by row, still inside the transaction
    deferred = con.execute(
        "SELECT sql FROM main.sqlite_master WHERE type = 'index' AND name = ? AND ? >= "
        f'(SELECT coalesce(max(fid), 0) FROM main."{LAYER}")',
        (f"{LAYER}_id", batch.table.num_rows),
    ).fetchone()
    try:
        if deferred:
            con.execute(f'DROP INDEX main."{LAYER}_id"')
        added = _insert_features(con, LAYER, sql, bounds=batch.bounds)
        if deferred:
            con.execute(deferred[0])
        return added
    except sqlite3.IntegrityError as exc:
        if f"UNIQUE constraint failed: {LAYER}.id" in str(exc):
            raise _IdTaken from exc
        raise


def append_layer(
    path: Path, frame: gpd.GeoDataFrame, layer: str, *, key: str, geometry_type: str, timeout: float = 30.0
) -> int:
    """Append the features of ``frame`` whose ``key`` the layer does not hold yet to ``layer`` of the store
    file ``path``, in one transaction (the layer and a unique index on ``key`` are made when missing; a missing
    file is created whole). How many were added. For layers other than the events (areas)."""
    tables = inspect(path, timeout)
    if not len(frame):
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    bounds = tuple(float(v) for v in frame.total_bounds)
    with _scratch(path, layer) as scratch:
        try:
            pyogrio.write_dataframe(
                frame, scratch, layer=layer, driver="GPKG", geometry_type=geometry_type, promote_to_multi=True,
                layer_options={"SPATIAL_INDEX": "NO", "GEOMETRY_NAME": "geom"},
            )
            with closing(_connect(scratch, timeout)) as con:
                con.execute(f'CREATE UNIQUE INDEX "{layer}_{key}" ON "{layer}"("{key}")')
        except Exception as exc:  # GDAL raises several types
            raise StoreError(f"adding {layer} to {path} failed, nothing stored: {exc}") from exc
        if tables is None and _publish(scratch, path):
            return len(frame)
        try:
            with _transaction(path, timeout, {"rows": scratch}) as con:
                if not _has_table(con, layer):
                    _replicate(con, "rows", (layer,))
                con.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{layer}_{key}" ON "{layer}"("{key}")')
                columns = ", ".join(f'"{c}"' for c in _table_columns(con, "rows", layer) if c != "fid")
                return _insert_features(
                    con, layer,
                    f'INSERT INTO main."{layer}" ({columns}) SELECT {columns} FROM rows."{layer}" '
                    f'WHERE "{key}" NOT IN (SELECT "{key}" FROM main."{layer}" WHERE "{key}" IS NOT NULL) '
                    "ORDER BY fid",
                    bounds=bounds,
                )
        except sqlite3.Error as exc:
            raise StoreError(f"adding {layer} to {path} failed and was rolled back, nothing stored: {exc}") from exc


# --- layout -------------------------------------------------------------------------------------------


def _arrow_type(col: str) -> pa.DataType:
    if col in ("import_key", "admin_key"):
        return pa.int64()
    dtype = _COLUMNS[col]
    if dtype.startswith("datetime"):
        return pa.timestamp("ms")
    return {"float64": pa.float64(), "Int64": pa.int64(), "boolean": pa.bool_()}.get(dtype, pa.string())


def _build(path: Path) -> None:
    """A new GeoPackage with the store's layout: GDAL creates the file and the layer, SQL does the rest."""
    empty = pa.table({c: pa.array([], type=_arrow_type(c)) for c in _REQUIRED} | {"geom": pa.array([], pa.binary())})
    write_arrow(
        empty, path, layer=LAYER, driver="GPKG", geometry_name="geom", geometry_type="Point", crs=CRS,
        layer_options={"SPATIAL_INDEX": "NO", "GEOMETRY_NAME": "geom"},
    )
    with closing(_connect(path, 30.0)) as con:  # a file of our own: no one else sees it half made
        # 32 KiB pages instead of 4: a 1M-event append spends 10 % less in SQLite's B-trees
        con.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
        con.execute("VACUUM")
        sql = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (LAYER,)).fetchone()[0]
        triggers = [r[0] for r in con.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql IS NOT NULL", (LAYER,)
        )]
        sql = sql.rstrip()
        admin_cols = ", ".join(f"{c} {'BOOLEAN' if c == 'border_district' else 'TEXT'}" for c in ADMIN_COLUMNS)
        con.execute("BEGIN")
        con.execute(f'DROP TABLE "{LAYER}"')
        con.execute(sql[: sql.rindex(")")] + f", CONSTRAINT events_guard CHECK ({_GUARD}))")
        for trigger in triggers:
            con.execute(trigger)
        for statement in (
            f'CREATE UNIQUE INDEX "{LAYER}_id" ON "{LAYER}"(id)',
            f"CREATE TABLE admin_units (admin_key INTEGER PRIMARY KEY AUTOINCREMENT, {admin_cols})",
            "CREATE TABLE import_sources (import_key INTEGER PRIMARY KEY AUTOINCREMENT, import_file TEXT, "
            "import_sha256 TEXT, import_time DATETIME)",
            "CREATE TABLE imports (import_id INTEGER PRIMARY KEY AUTOINCREMENT, file TEXT, sha256 TEXT, "
            "imported_at TEXT, offered INTEGER, added INTEGER)",
            "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT)",
            f"INSERT INTO store_meta VALUES ('schema', '{SCHEMA_VERSION}')",
            _view_sql(_REQUIRED),
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
            f"VALUES ('{VIEW}', 'features', '{VIEW}', 'every event with every column, by name', 4326)",
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
            f"VALUES ('{VIEW}', 'geom', 'POINT', 4326, 0, 0)",
        ):
            con.execute(statement)
        for table, text in (
            ("admin_units", "admin units the events were joined to"),
            ("import_sources", "the file each event was imported from"),
            ("imports", "import log"),
        ):
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                "VALUES (?, 'attributes', ?, ?)",
                (table, table, text),
            )
        con.execute("COMMIT")


_PAGE_SIZE: Final = 32768
_OWN: Final = (LAYER, VIEW, "admin_units", "import_sources", "imports", "store_meta")
_META: Final = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents")


def _replicate(con: sqlite3.Connection, schema: str, tables: Sequence[str], rows: Sequence[str] = ()) -> None:
    """Inside a transaction on ``con``: the tables, indexes, triggers and views of ``tables`` in the attached
    database ``schema``, their GeoPackage metadata rows (feature count 0), and the rows of the tables in
    ``rows``, made in the main database."""
    marks = ", ".join("?" * len(tables))
    objects = con.execute(
        f"SELECT sql FROM {schema}.sqlite_master WHERE tbl_name IN ({marks}) AND sql IS NOT NULL "
        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, rowid",
        tuple(tables),
    ).fetchall()
    have = {r[0] for r in con.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    for (sql,) in objects:
        if "gpkg_ogr_contents" in sql and "gpkg_ogr_contents" not in have:
            continue  # feature-count triggers of a GeoPackage made without that table
        con.execute(sql)
    for table in _META:
        if table not in have:
            continue
        shared = [c for c in _table_columns(con, schema, table) if c in set(_table_columns(con, "main", table))]
        picked = ", ".join("0" if c == "feature_count" else c for c in shared)
        con.execute(
            f"INSERT INTO main.{table} ({', '.join(shared)}) SELECT {picked} FROM {schema}.{table} "
            f"WHERE table_name IN ({marks})",
            tuple(tables),
        )
    for table in rows:
        con.execute(f'INSERT INTO main."{table}" SELECT * FROM {schema}."{table}"')


def _view_sql(fields: tuple[str, ...] | list[str] | set[str]) -> str:
    """The events_full view over an events table with ``fields`` (columns not added yet read as NULL)."""
    names = {c: (f"e.{c}" if c in fields else f"NULL AS {c}") for c in EVENT_FIELDS}
    admin = "admin_key" in fields
    source = "import_key" in fields
    names |= {c: (f"a.{c}" if admin else f"NULL AS {c}") for c in ADMIN_COLUMNS}
    names |= {c: (f"s.{c}" if source else f"NULL AS {c}") for c in SOURCE_COLUMNS}
    if "admin_mismatch" in fields and "join_method" in fields:
        names["admin_mismatch"] = (
            "CASE WHEN e.admin_mismatch IS NULL AND e.join_method IS NOT NULL THEN '' "
            "ELSE e.admin_mismatch END AS admin_mismatch"
        )
    elif "join_method" in fields:
        names["admin_mismatch"] = "CASE WHEN e.join_method IS NOT NULL THEN '' END AS admin_mismatch"
    columns = ", ".join(["e.fid AS fid", "e.geom AS geom", *(names[c] for c in _COLUMNS)])
    joins = (" LEFT JOIN admin_units a ON a.admin_key = e.admin_key" if admin else "") + (
        " LEFT JOIN import_sources s ON s.import_key = e.import_key" if source else ""
    )
    return f'CREATE VIEW "{VIEW}" AS SELECT {columns} FROM "{LAYER}" e{joins}'


def _fields(con: sqlite3.Connection) -> list[str]:
    return _table_columns(con, "main", LAYER)


def _table_columns(con: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in con.execute(f'PRAGMA {schema}.table_info("{table}")')]


def _has_table(con: sqlite3.Connection, table: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()[0] > 0


_SQL_TYPES: Final = {
    "string": "TEXT", "double": "REAL", "int64": "INTEGER", "timestamp[ms]": "DATETIME", "bool": "BOOLEAN",
}


def _add_fields(con: sqlite3.Connection, fields: list[str]) -> list[str]:
    """Add the event columns in ``fields`` that the events table lacks (it grows to what imports use, so
    that no import copies dozens of always-empty columns); the view follows."""
    have = set(_fields(con))
    new = [f for f in fields if f not in have]
    if new:
        con.execute(f'DROP VIEW IF EXISTS "{VIEW}"')
        for field in new:
            con.execute(f'ALTER TABLE "{LAYER}" ADD COLUMN "{field}" {_SQL_TYPES[str(_arrow_type(field))]}')
        con.execute(_view_sql(_fields(con)))
    return new


def _upgrade_v1(path: Path, timeout: float) -> None:
    """Rewrite a first-layout store: on a copy (other layers kept), swapped in at the end; the original is
    kept as ``<name>.v1.gpkg``."""
    raw = pyogrio.read_dataframe(path, layer=LAYER, use_arrow=True, read_geometry=False, fid_as_index=False)
    with closing(_connect(path, timeout)) as con:
        log = pd.read_sql_query("SELECT file, sha256, imported_at, offered, added FROM imports", con)
    frame = _from_storage(raw, pd.DataFrame(), pd.DataFrame())
    with _scratch(path, "upgrade") as work:
        shutil.copyfile(path, work)
        with _transaction(work, timeout) as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            con.execute(f'DROP VIEW IF EXISTS "{VIEW}"')
            con.execute(f'DROP TABLE "{LAYER}"')
            con.execute("DROP TABLE IF EXISTS imports")
            for table in _META:
                if table in tables:
                    con.execute(f"DELETE FROM {table} WHERE table_name IN (?, ?)", (LAYER, VIEW))
        _write(work, frame, frozenset(tables - {LAYER}), [], timeout, name=path)
        with _transaction(work, timeout) as con:
            con.execute("DELETE FROM imports")
            con.executemany(
                "INSERT INTO imports (file, sha256, imported_at, offered, added) VALUES (?, ?, ?, ?, ?)",
                log.itertuples(index=False, name=None),
            )
        shutil.copyfile(path, path.with_name(f"{path.stem}.v1{path.suffix}"))
        os.replace(work, path)


# --- files and transactions ---------------------------------------------------------------------------

_HOST: Final = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname()) or "host"
_CACHE_KIB: Final = 65536  # SQLite page cache of an import's connection (64 MiB)


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection to an existing database file (never creates one; read-only when the file is)."""
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout, isolation_level=None
    )


@contextmanager
def _transaction(path: Path, timeout: float, attach: dict[str, Path] | None = None) -> Iterator[sqlite3.Connection]:
    """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on any exception) on a connection to
    ``path`` that has the databases in ``attach`` attached read-only under their keys."""
    con = _connect(path, timeout)
    try:
        _spatial_functions(con)
        con.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        for schema, file in (attach or {}).items():
            con.execute(f"ATTACH DATABASE ? AS {schema}", (f"{file.resolve().as_uri()}?mode=ro",))
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    finally:
        con.close()


def _insert_features(
    con: sqlite3.Connection, layer: str, sql: str, *, bounds: Sequence[float] | None = None
) -> int:
    """Run the INSERT ``sql`` into feature table ``layer`` and keep the GeoPackage bookkeeping right: GDAL's
    feature count (its per-row trigger set aside for the bulk insert, as GDAL does), the extent and the last
    change in ``gpkg_contents``. How many rows were inserted."""
    counters = con.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name = ?",
        (layer, f"trigger_insert_feature_count_{layer}"),
    ).fetchall()
    for name, _ in counters:
        con.execute(f'DROP TRIGGER main."{name}"')
    added = con.execute(sql).rowcount
    for _, trigger in counters:
        con.execute(trigger)
    if counters and added:
        con.execute(
            "UPDATE main.gpkg_ogr_contents SET feature_count = feature_count + ? WHERE lower(table_name) = lower(?)",
            (added, layer),
        )
    if added:
        con.execute(
            "UPDATE main.gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE lower(table_name) = lower(?)",
            (layer,),
        )
    if added and bounds is not None and all(np.isfinite(bounds)):
        con.execute(
            "UPDATE main.gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), min_y = min(coalesce(min_y, ?2), ?2), "
            "max_x = max(coalesce(max_x, ?3), ?3), max_y = max(coalesce(max_y, ?4), ?4) "
            "WHERE lower(table_name) = lower(?5)",
            (*bounds, layer),
        )
    return added


@contextmanager
def _scratch(path: Path, kind: str) -> Iterator[Path]:
    """A unique scratch file name next to ``path`` (removed afterwards, with its journal); first removes the
    scratch files of processes that no longer run (killed mid-import)."""
    _sweep(path)
    scratch = path.with_name(f".{path.name}.{os.getpid()}@{_HOST}.{token_hex(6)}.{kind}.gpkg")
    try:
        yield scratch
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)


_SCRATCH: Final = re.compile(
    r"^\.(?P<store>.+)\.(?P<pid>\d+)@(?P<host>[A-Za-z0-9_-]+)\.[0-9a-f]+\.[^.]+\.gpkg(-journal|-wal|-shm)?$"
)


def _sweep(path: Path) -> None:
    if os.name != "posix":  # telling a live process from a dead one below needs POSIX signals
        return
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for entry in names:
        m = _SCRATCH.match(entry)
        if m and m["store"] == path.name and m["host"] == _HOST and not _alive(int(m["pid"])):
            (path.parent / entry).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. a process of another user
        return True
    return True


def _publish(fresh: Path, path: Path) -> bool:
    """Give the finished file ``fresh`` the name ``path`` unless that name exists (then False)."""
    try:
        os.link(fresh, path)  # atomic, and never replaces an existing store
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if path.exists():
            return False
        os.replace(fresh, path)
    if os.name == "posix":
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # the new name survives a power cut, too
        finally:
            os.close(fd)
    return True


def _spatial_functions(con: sqlite3.Connection) -> None:
    """The SQL functions the GeoPackage R-tree triggers call (``ST_IsEmpty``, ``ST_MinX`` …), for a layer
    someone indexed (QGIS, ogr2ogr): inserts then keep the index right."""
    con.create_function("ST_IsEmpty", 1, lambda blob: None if blob is None else int(_envelope(blob) is None),
                        deterministic=True)
    for name, i in (("ST_MinX", 0), ("ST_MaxX", 1), ("ST_MinY", 2), ("ST_MaxY", 3)):
        con.create_function(name, 1, lambda blob, i=i: None if (env := _envelope(blob)) is None else env[i],
                            deterministic=True)


_ENVELOPE_DOUBLES: Final = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage geometry blob; None when empty or not a geometry."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0x10:
        return None
    doubles = _ENVELOPE_DOUBLES.get((flags >> 1) & 0x07, 0)
    if doubles:
        values = struct.unpack_from(("<" if flags & 1 else ">") + "4d", blob, 8)
        return (values[0], values[1], values[2], values[3])
    geom = shapely.from_wkb(bytes(blob[8 + 8 * doubles:]))
    if geom is None or geom.is_empty:
        return None
    minx, miny, maxx, maxy = geom.bounds
    return (minx, maxx, miny, maxy)


# --- helpers ------------------------------------------------------------------------------------------


def _empty_frame() -> gpd.GeoDataFrame:
    data = {c: pd.Series([], dtype=d) for c, d in _COLUMNS.items()}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a column (-1 where missing) and how many distinct values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), len(values.cat.categories)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


def _combinations(frame: pd.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Per row, the number of its distinct combination of ``columns`` (-1 where all are missing), and the
    combinations (one row each, in that numbering)."""
    n = len(frame)
    present = [c for c in columns if c in frame.columns]
    key = np.zeros(n, dtype=np.int64)
    given = np.zeros(n, dtype=bool)
    bound = 1
    for col in present:
        codes, k = _codes(frame[col])
        given |= codes >= 0
        if bound * (k + 1) >= 2**62:  # keep the mixed-radix key in int64
            key, uniques = pd.factorize(key)
            bound = len(uniques)
        key = key * (k + 1) + (codes + 1)
        bound *= k + 1
    if not given.any():
        return np.full(n, -1, dtype=np.int64), pd.DataFrame(columns=list(columns))
    key = np.where(given, key, -1)
    codes, uniques = pd.factorize(key, use_na_sentinel=False)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # last write wins: the first row of each
    combos = frame.loc[first, present].reset_index(drop=True) if present else pd.DataFrame(index=range(len(first)))
    for col in columns:
        if col not in combos.columns:
            combos[col] = None
    codes = codes.astype(np.int64)
    if (uniques == -1).any():  # the all-missing combination is no combination: NULL key
        none = int(np.flatnonzero(uniques == -1)[0])
        combos = combos.drop(index=none).reset_index(drop=True)
        codes = np.where(codes == none, -1, np.where(codes > none, codes - 1, codes))
    return codes, combos[list(columns)]


def _sql_value(value: object) -> object:
    """A lookup cell as SQLite stores it (NA -> None, bool -> 0/1, timestamps as GeoPackage text)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).round("ms").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]  # as GDAL writes
    if isinstance(value, np.integer):
        return int(value)
    return str(value)


def _lookup_keys(con: sqlite3.Connection, table: str, key: str, combos: pd.DataFrame) -> np.ndarray:
    """Keys of ``combos`` in lookup ``table``, inserting the new ones (inside the import's transaction)."""
    if len(combos) == 0:
        return np.empty(0, dtype=np.int64)
    cols = list(combos.columns)
    known = {tuple(r[1:]): int(r[0]) for r in con.execute(f"SELECT {key}, {', '.join(cols)} FROM {table}")}
    nxt = int(con.execute(f"SELECT coalesce(max({key}), 0) FROM {table}").fetchone()[0]) + 1
    keys, new = np.empty(len(combos), dtype=np.int64), []
    for i, row in enumerate(combos.itertuples(index=False, name=None)):
        values = tuple(_sql_value(v) for v in row)
        if values not in known:
            known[values] = nxt
            new.append((nxt, *values))
            nxt += 1
        keys[i] = known[values]
    marks = ", ".join("?" * (len(cols) + 1))
    con.executemany(f"INSERT INTO {table} ({key}, {', '.join(cols)}) VALUES ({marks})", new)
    return keys


def _arrow(values: pd.Series, kind: pa.DataType) -> pa.Array:
    """One column as an Arrow array of ``kind`` (categoricals stay dictionaries: no per-row conversion)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and pa.types.is_string(kind):
        codes = values.cat.codes.to_numpy()
        categories = pa.array(values.cat.categories.astype(str).to_numpy(dtype=object), type=pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), categories)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if not isinstance(values.dtype, pd.StringDtype):
            values = values.astype("string")
        arr = pa.array(values.array)
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if pa.types.is_timestamp(kind):
        stamps = pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[ns]")
        return pa.array(stamps, mask=np.isnat(stamps)).cast(kind, safe=False)
    if pa.types.is_floating(kind):
        return pa.array(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan), from_pandas=True)
    numbers = pd.to_numeric(values, errors="coerce").astype("Int64")
    return pa.array(numbers.array)


def _points_wkb(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """ISO WKB points built in one go (null where lon or lat is missing)."""
    n = len(lon)
    buf = np.empty((n, 21), dtype=np.uint8)
    buf[:, 0] = 1  # little endian
    buf[:, 1:5] = np.frombuffer(np.uint32(1).astype("<u4").tobytes(), dtype=np.uint8)  # Point
    xy = np.empty((n, 2), dtype="<f8")
    xy[:, 0], xy[:, 1] = lon, lat
    buf[:, 5:] = xy.view(np.uint8).reshape(n, 16)
    missing = ~(np.isfinite(lon) & np.isfinite(lat))
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(21), n, [None, pa.py_buffer(buf)])
    out = fixed.cast(pa.binary())
    if missing.any():
        out = pc.if_else(pa.array(missing), pa.scalar(None, pa.binary()), out)
    return out


def _to_storage(frame: pd.DataFrame) -> pa.Table:
    """The rows of the ``events`` table as Arrow (without the lookup keys), with WKB points; columns missing
    throughout are left out (GDAL leaves them NULL)."""
    data: dict[str, pa.Array] = {}
    for col in EVENT_FIELDS:
        if col not in frame.columns:
            continue
        values = _arrow(frame[col], _arrow_type(col))
        if col == "admin_mismatch":  # "" (no disagreement) is stored as NULL
            values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
        if values.null_count == len(values) and col not in _REQUIRED:
            continue
        data[col] = values
    for col in _REQUIRED:
        if col not in data:
            data[col] = pa.nulls(len(frame), _arrow_type(col))
    lon = frame["lon"].to_numpy(dtype=float, na_value=np.nan) if "lon" in frame else np.full(len(frame), np.nan)
    lat = frame["lat"].to_numpy(dtype=float, na_value=np.nan) if "lat" in frame else np.full(len(frame), np.nan)
    data["geom"] = _points_wkb(lon, lat)
    return pa.table(data)


def _lookup(keys: pd.Series, table: pd.DataFrame, key: str, columns: tuple[str, ...]) -> dict[str, Any]:
    """Columns of lookup ``table`` for each row's key (missing where the key is NULL or unknown)."""
    n = len(keys)
    if key not in table.columns or not len(table):
        return {c: pd.array([pd.NA] * n, dtype=_lookup_dtype(c)) for c in columns}
    pos = pd.Index(table[key]).get_indexer(pd.to_numeric(keys, errors="coerce").to_numpy(dtype=float))
    out = {}
    for col in columns:
        values = table[col].astype(object).where(table[col].notna(), None)
        if col == "border_district":
            values = values.map(lambda v: None if v is None else bool(v))
        if col == "import_time":
            values = pd.to_datetime(values, format="ISO8601", errors="coerce")
        values = pd.array(values, dtype=_lookup_dtype(col))
        out[col] = pd.api.extensions.take(values, pos, allow_fill=True)
    return out


def _lookup_dtype(col: str) -> str:
    return {"border_district": "boolean", "import_time": "datetime64[ns]"}.get(col, "string")


def _from_storage(raw: pd.DataFrame, admin: pd.DataFrame, sources: pd.DataFrame) -> gpd.GeoDataFrame:
    raw = raw.reset_index(drop=True)
    data: dict[str, Any] = {c: raw[c] for c in raw.columns if c in _COLUMNS}
    if "import_key" in raw.columns:
        data |= _lookup(raw["import_key"], sources, "import_key", SOURCE_COLUMNS)
    if "admin_key" in raw.columns:
        data |= _lookup(raw["admin_key"], admin, "admin_key", ADMIN_COLUMNS)
        if "join_method" in raw.columns:  # a joined event without disagreement: ''
            stored = raw["admin_mismatch"] if "admin_mismatch" in raw.columns else pd.Series(pd.NA, index=raw.index)
            data["admin_mismatch"] = stored.astype("string").mask(raw["join_method"].notna() & stored.isna(), "")
    return canonical(pd.DataFrame(data, index=raw.index))


def window(events: gpd.GeoDataFrame, *, start: Any = None, end: Any = None,
           bbox: tuple[float, float, float, float] | None = None, where: EventFilter | None = None) -> gpd.GeoDataFrame:
    """The events of ``events`` active in [start, end] and passing ``where`` (:func:`geo.filter.apply`'s rule;
    ``start``/``end`` stand for the filter's when given) and inside ``bbox`` (edges included; events without a
    location are left out when a bbox is given), in their order."""
    flt = merged_filter(where, start, end)
    out = apply(events, flt) if not flt.is_empty else events
    if bbox is not None:
        lon, lat = out["lon"].to_numpy(dtype=float), out["lat"].to_numpy(dtype=float)
        out = out.loc[(lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])]
    return out.reset_index(drop=True)


def merged_filter(where: EventFilter | None, start: Any = None, end: Any = None) -> EventFilter:
    """``where`` (or no filter) with its window's first and last day set to ``start``/``end`` when given."""
    flt = where if where is not None else EventFilter()
    if start is not None or end is not None:  # (replace runs the filter's checks of its dates again)
        flt = replace(flt, start=start if start is not None else flt.start, end=end if end is not None else flt.end)
    return flt


#: The columns a grid of counts reads (:func:`grid_counts`).
GRID_COLUMNS: Final = ("lon", "lat", "category", "geo_precision")


#: Grid cells are counted in micro-degrees, whole numbers: a cell of ``k`` times another's size is then exactly
#: ``k`` × ``k`` of those cells, whatever the floating point of the degrees (a store's counts kept ahead at one
#: size answer for its multiples).
MICRO: Final = 1_000_000


def cell_of(values: np.ndarray, size: float) -> np.ndarray:
    """The cell index of each coordinate (degrees) in a grid of ``size`` degrees: ``floor(round(value × 10⁶) /
    round(size × 10⁶))``, the micro-degrees rule every store's grid follows."""
    return np.floor(np.round(np.asarray(values, dtype=float) * MICRO) / round(cell_size(size) * MICRO)).astype(
        np.int64)


def grid_counts(events: pd.DataFrame, size: float) -> pd.DataFrame:
    """Counts of ``events`` per cell of ``size`` degrees (``cx``, ``cy``: :func:`cell_of` the lon and lat),
    category and precision: columns cx, cy, category, geo_precision, n, sorted by them (missing values last).
    Events without a location are not counted. The rule :meth:`Store.grid` follows in every store."""
    size = cell_size(size)
    lon = pd.to_numeric(events["lon"], errors="coerce").to_numpy(dtype=float) if len(events) else np.zeros(0)
    lat = pd.to_numeric(events["lat"], errors="coerce").to_numpy(dtype=float) if len(events) else np.zeros(0)
    located = ~(np.isnan(lon) | np.isnan(lat))
    frame = pd.DataFrame({
        "cx": cell_of(lon[located], size), "cy": cell_of(lat[located], size),
        "category": pd.array(events["category"], dtype="string")[located] if len(events) else pd.array([], "string"),
        "geo_precision": (pd.array(events["geo_precision"], dtype="string")[located] if len(events)
                          else pd.array([], "string")),
    })
    counts = frame.groupby(list(frame.columns), dropna=False, sort=False).size().rename("n").reset_index()
    return sorted_grid(counts)


def cell_size(size: float) -> float:
    """``size`` as a grid's cell size in degrees (a GeoError unless it is a number > 0)."""
    try:
        value = float(size)
    except (TypeError, ValueError):
        value = float("nan")
    if not value >= 1 / MICRO or value == float("inf"):
        raise GeoError(f"expected a cell size of at least 0.000001 degrees, got {size!r}")
    return value


def sorted_grid(counts: pd.DataFrame) -> pd.DataFrame:
    out = counts.astype({"cx": np.int64, "cy": np.int64, "category": "string", "geo_precision": "string",
                         "n": np.int64})
    return out.sort_values(["cx", "cy", "category", "geo_precision"], na_position="last").reset_index(drop=True)


#: The columns the app's filters offer choices from (:func:`catalog_frame`).
CATALOG_COLUMNS: Final = ("category", "verification", "geo_precision", "actors", "adm0_iso", "adm0_name", "adm1_id",
                          "adm1_name", "adm2_id", "adm2_name")


def catalog_frame(events: pd.DataFrame) -> pd.DataFrame:
    """A small frame standing for ``events`` where the sidebar reads it (:func:`geo.filter.options`,
    :func:`geo.filter.presets`): one row per distinct value of each facet (with its unit's name and parent),
    and two rows carrying the bounds: the first start with the south-west corner of the located events, the
    latest start with the latest end and the north-east corner. :meth:`Store.catalog` returns it, so the app
    offers a store's choices (and sizes its aggregate) without reading its events."""
    groups = (("category",), ("verification",), ("geo_precision",), ("actors",), ("adm0_iso", "adm0_name"),
              ("adm1_id", "adm1_name", "adm0_iso"), ("adm2_id", "adm2_name", "adm1_id"))
    parts = []
    for cols in groups:
        have = [c for c in cols if c in events.columns]
        if cols[0] in have:
            sub = pd.DataFrame({c: events[c].astype("string") for c in have})
            parts.append(sub.loc[sub[cols[0]].notna()].drop_duplicates(subset=[cols[0]]))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return bounded_catalog(frame, _bounds(events))


#: A store's bounds: first start, latest start, latest end, min lon, min lat, max lon, max lat (None: no event).
Bounds = tuple[Any, Any, Any, Any, Any, Any, Any]


def _bounds(events: pd.DataFrame) -> Bounds | None:
    if not len(events):
        return None
    start = pd.to_datetime(events["date_start"])
    last = pd.to_datetime(events["date_end"]).fillna(start)
    lon, lat = pd.to_numeric(events["lon"], errors="coerce"), pd.to_numeric(events["lat"], errors="coerce")
    return start.min(), start.max(), last.max(), lon.min(), lat.min(), lon.max(), lat.max()


def bounded_catalog(facets: pd.DataFrame, bounds: Bounds | None) -> pd.DataFrame:
    """The catalog frame (:func:`catalog_frame`) of these facet rows and bounds."""
    frame = pd.DataFrame({c: pd.Series(facets[c] if c in facets.columns else pd.NA, index=facets.index,
                                       dtype="string") for c in CATALOG_COLUMNS})
    for col in ("date_start", "date_end", "lon", "lat"):
        frame[col] = np.nan
    if bounds is not None and not pd.isna(bounds[0]):
        first, latest, last, x0, y0, x1, y1 = bounds
        rows = pd.DataFrame({"date_start": [first, latest], "date_end": [pd.NaT, last], "lon": [x0, x1],
                             "lat": [y0, y1]})
        frame = pd.concat([frame, rows], ignore_index=True)
    frame["date_start"] = pd.to_datetime(frame["date_start"]).astype("datetime64[ns]")
    frame["date_end"] = pd.to_datetime(frame["date_end"]).astype("datetime64[ns]")
    frame["lon"], frame["lat"] = frame["lon"].astype(float), frame["lat"].astype(float)
    return frame.astype({c: "string" for c in CATALOG_COLUMNS})


def canonical(stored: pd.DataFrame) -> gpd.GeoDataFrame:
    """A store's events (canonical and join columns, any missing added empty) as every store's ``read``
    returns them: canonical dtypes, join columns as categories, a point geometry from lon/lat (EPSG:4326)."""
    stored = stored.reset_index(drop=True)
    frame = conform(stored)
    for col, dtype in JOIN_DTYPES.items():
        if col not in stored.columns:  # empty, made at once (a column not read: a view's, a store's older rows)
            empty = pd.Series(np.nan if dtype == "float64" else pd.NA, index=pd.RangeIndex(len(stored)),
                              dtype="string" if dtype == "category" else dtype)
            frame[col] = empty.astype("category") if dtype == "category" else empty
            continue
        values = stored[col].reset_index(drop=True)
        if dtype == "category":
            frame[col] = values.astype("string").astype("category")
        elif dtype == "boolean":
            frame[col] = values.astype("boolean")
        elif dtype == "float64":
            frame[col] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            frame[col] = values.astype("string")
    geom = gpd.points_from_xy(frame["lon"], frame["lat"], crs=CRS)
    return gpd.GeoDataFrame(frame, geometry=geom, crs=CRS)
