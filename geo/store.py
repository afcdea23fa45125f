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
  the table having only the event columns some import has filled (GDAL binds every column of the table on
  every row): it starts with ``id``, ``date_start``, ``lon``, ``lat`` and gains a column (ALTER TABLE) the
  first time an import has values for it.
* ``events_full``, a view registered as a point layer: every event with every column the product documents,
  by name, exactly what :meth:`EventStore.read` returns. This is the layer to open in QGIS.
* ``imports``, the import log: one row per committed import (file, sha256, imported_at, offered, added).

An import is one transaction: the events whose id is not stored yet are appended by GDAL (pyogrio, Arrow)
inside a single SQLite transaction that is rolled back when any row fails. The few lookup rows it needs
(new admin units, its import source, new columns) are committed just before the append and removed again if
the append fails, so a failed import leaves the store exactly as before. A unique index on the event id backs
idempotence up (importing the same events twice adds nothing) and a CHECK constraint (``events_guard``)
rejects rows without id or start date, or with lon/lat out of range, even from callers that skip validation.

Stores written by the first layout (every column on every row) are rewritten in this one on first use
(other layers, e.g. areas, kept); the original file is kept next to it as ``<name>.v1.gpkg``. New stores use
32 KiB SQLite pages.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
from pyogrio.raw import write_arrow

from geo.errors import StoreError
from geo.schema import CRS, EVENT_DTYPES, JOIN_DTYPES, conform

LAYER: Final = "events"
VIEW: Final = "events_full"
SCHEMA_VERSION: Final = "2"
DEFAULT_PATH: Final = Path(__file__).resolve().parents[1] / "data" / "events.gpkg"
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


def default_path() -> Path:
    """``$GEO_STORE`` or ``data/events.gpkg`` in the project."""
    return Path(os.environ.get("GEO_STORE") or DEFAULT_PATH)


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
        self.path = Path(path) if path is not None else default_path()
        self.timeout = timeout

    # -- reading ---------------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists() and LAYER in _layers(self.path)

    def count(self) -> int:
        if not self.exists():
            return 0
        with closing(_connect(self.path, self.timeout)) as con:
            return int(con.execute(f'SELECT count(*) FROM "{LAYER}"').fetchone()[0])

    def read(self) -> gpd.GeoDataFrame:
        """Every stored event as a GeoDataFrame (EPSG:4326) in the canonical + join columns."""
        if not self.exists():
            return _empty_frame()
        self._upgrade()
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

    def imports(self) -> pd.DataFrame:
        """The import log: one row per committed import."""
        if not self.exists():
            return pd.DataFrame(columns=["file", "sha256", "imported_at", "offered", "added"])
        self._upgrade()
        with closing(_connect(self.path, self.timeout)) as con:
            return pd.read_sql_query(
                "SELECT file, sha256, imported_at, offered, added FROM imports ORDER BY import_id", con
            )

    # -- writing ---------------------------------------------------------------------------------------

    def add(self, events: pd.DataFrame, *, source: str = "", sha256: str = "") -> AddResult:
        """Add ``events`` in one transaction; events whose id is already stored are skipped."""
        frame = events if set(EVENT_DTYPES) <= set(events.columns) else conform(events)
        frame = frame.reset_index(drop=True)
        self._ensure()
        offered = len(frame)
        if offered == 0:
            return AddResult(0, 0)
        rows = self._new_rows(frame)
        if len(rows) < offered:
            frame = frame.take(rows).reset_index(drop=True)
        if len(frame):
            table = _to_storage(frame)
            admin_codes, admin_rows = _combinations(frame, ADMIN_COLUMNS)
            source_codes, source_rows = _combinations(frame, SOURCE_COLUMNS)
            fields = [c for c in table.column_names if c != "geom"]
            fields += [key for key, codes in (("import_key", source_codes), ("admin_key", admin_codes)) if (codes >= 0).any()]
            try:
                with closing(_connect(self.path, self.timeout)) as con:
                    con.execute("BEGIN IMMEDIATE")
                    new_fields = _add_fields(con, fields)
                    admin_keys, new_admin = _lookup_keys(con, "admin_units", "admin_key", admin_rows)
                    source_keys, new_sources = _lookup_keys(con, "import_sources", "import_key", source_rows)
                    con.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write to the event store {self.path}, nothing stored: {exc}") from exc
            if "import_key" in fields:
                table = table.append_column("import_key", _keys(source_codes, source_keys))
            if "admin_key" in fields:
                table = table.append_column("admin_key", _keys(admin_codes, admin_keys))
            try:
                _append(table, self.path)
            except Exception as exc:  # GDAL raises several types; its transaction was rolled back
                self._forget(new_admin, new_sources, new_fields)
                hint = f" ({_GUARD_HINT})" if "events_guard" in str(exc) else ""
                raise StoreError(
                    f"import into {self.path} failed and was rolled back, nothing stored: {exc}{hint}"
                ) from exc
        with closing(_connect(self.path, self.timeout)) as con:
            con.execute(
                "INSERT INTO imports (file, sha256, imported_at, offered, added) VALUES (?, ?, ?, ?, ?)",
                (source, sha256, pd.Timestamp.now(tz="UTC").isoformat(), offered, len(frame)),
            )
        return AddResult(offered, len(frame))

    def _new_rows(self, frame: pd.DataFrame) -> np.ndarray:
        """Positions of the rows to append: first of their id in ``frame``, id not stored yet."""
        codes = pd.factorize(frame["id"])[0]
        first = np.empty(codes.max() + 2 if len(codes) else 1, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # last write wins: the first row of each id
        keep = first[codes] == np.arange(len(codes))
        try:
            stored = (
                pyogrio.read_arrow(self.path, layer=LAYER, columns=["id"], read_geometry=False)[1].column("id")
                if self.count()
                else None
            )
        except Exception as exc:  # GDAL and sqlite3 raise several types
            raise StoreError(f"cannot read the event store {self.path}, nothing stored: {exc}") from exc
        if stored is not None:
            ids = _arrow(frame["id"], pa.large_string())
            known = pc.is_in(ids, value_set=stored.combine_chunks().cast(pa.large_string()))
            keep &= ~known.to_numpy(zero_copy_only=False)
        return np.flatnonzero(keep)

    def _forget(self, admin_keys: list[int], source_keys: list[int], fields: list[str]) -> None:
        """Undo what an import that then failed added around the events: lookup rows (unless another
        import uses them) and the columns it added to the events table."""
        if not admin_keys and not source_keys and not fields:
            return
        try:
            with closing(_connect(self.path, self.timeout)) as con:
                con.execute("BEGIN IMMEDIATE")
                for table, key, keys in (
                    ("admin_units", "admin_key", admin_keys), ("import_sources", "import_key", source_keys)
                ):
                    if keys and key in _fields(con):
                        marks = ",".join("?" * len(keys))
                        used = {r[0] for r in con.execute(
                            f'SELECT DISTINCT {key} FROM "{LAYER}" WHERE {key} IN ({marks})', keys
                        )}
                        keys = [k for k in keys if k not in used]
                    con.executemany(f"DELETE FROM {table} WHERE {key} = ?", [(k,) for k in keys])
                    con.execute(  # AUTOINCREMENT's counter back where it was
                        f"UPDATE sqlite_sequence SET seq = (SELECT coalesce(max({key}), 0) FROM {table}) "
                        "WHERE name = ?",
                        (table,),
                    )
                if fields:
                    con.execute(f'DROP VIEW IF EXISTS "{VIEW}"')
                    for field in fields:
                        con.execute(f'ALTER TABLE "{LAYER}" DROP COLUMN "{field}"')
                    con.execute(_view_sql(_fields(con)))
                con.execute("COMMIT")
        except sqlite3.Error:
            pass  # an unreferenced lookup row or an empty column changes nothing that read() returns

    def _ensure(self) -> None:
        if self.exists():
            self._upgrade()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _create(self.path)
        except Exception as exc:
            raise StoreError(f"cannot create the event store {self.path}: {exc}") from exc

    def _upgrade(self) -> None:
        """Rewrite a store of the first layout (every column on every event row) in the current one."""
        try:
            with closing(_connect(self.path, self.timeout)) as con:
                first_layout = con.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'"
                ).fetchone()[0] == 0
            if first_layout:
                _upgrade_v1(self.path, self.timeout)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the event store {self.path}, nothing stored: {exc}") from exc


# --- layout -------------------------------------------------------------------------------------------


def _arrow_type(col: str) -> pa.DataType:
    if col in ("import_key", "admin_key"):
        return pa.int64()
    dtype = _COLUMNS[col]
    if dtype.startswith("datetime"):
        return pa.timestamp("ms")
    return {"float64": pa.float64(), "Int64": pa.int64(), "boolean": pa.bool_()}.get(dtype, pa.string())


def _create(path: Path) -> None:
    """Add the store's layout to ``path``: a new GeoPackage, or one that already holds other layers (areas)."""
    scratch = path.with_name(f"{path.stem}.new{path.suffix}")
    for p in (scratch, Path(f"{scratch}-journal")):
        p.unlink(missing_ok=True)
    try:
        _build(scratch)
        if not path.exists():
            os.replace(scratch, path)
        else:
            _replicate(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


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
        con.execute(f'DROP TABLE "{LAYER}"')
        con.execute(sql[: sql.rindex(")")] + f", CONSTRAINT events_guard CHECK ({_GUARD}))")
        for trigger in triggers:
            con.execute(trigger)
        con.executescript(
            f"""
            CREATE UNIQUE INDEX "{LAYER}_id" ON "{LAYER}"(id);
            CREATE TABLE admin_units (admin_key INTEGER PRIMARY KEY AUTOINCREMENT, {admin_cols});
            CREATE TABLE import_sources (
                import_key INTEGER PRIMARY KEY AUTOINCREMENT, import_file TEXT, import_sha256 TEXT,
                import_time DATETIME);
            CREATE TABLE imports (
                import_id INTEGER PRIMARY KEY AUTOINCREMENT, file TEXT, sha256 TEXT, imported_at TEXT,
                offered INTEGER, added INTEGER);
            CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT);
            INSERT INTO store_meta VALUES ('schema', '{SCHEMA_VERSION}');
            {_view_sql(_REQUIRED)};
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
              VALUES ('{VIEW}', 'features', '{VIEW}', 'every event with every column, by name', 4326);
            INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
              VALUES ('{VIEW}', 'geom', 'POINT', 4326, 0, 0);
            """
        )
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


_PAGE_SIZE: Final = 32768
_OWN: Final = (LAYER, VIEW, "admin_units", "import_sources", "imports", "store_meta")
_META: Final = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents")


def _replicate(src: Path, dst: Path) -> None:
    """Copy the store's tables, indexes, triggers, view and GeoPackage metadata rows from ``src`` (made by
    :func:`_build`) into the existing GeoPackage ``dst``, in one transaction."""
    marks = ", ".join("?" * len(_OWN))
    with closing(_connect(src, 30.0)) as con:
        objects = con.execute(
            f"SELECT sql FROM sqlite_master WHERE tbl_name IN ({marks}) AND sql IS NOT NULL "
            "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, rowid",
            _OWN,
        ).fetchall()
        rows = {t: con.execute(f"SELECT * FROM {t} WHERE table_name IN ({marks})", _OWN).fetchall() for t in _META}
        meta = con.execute("SELECT * FROM store_meta").fetchall()
    with closing(_connect(dst, 30.0)) as con:
        have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        con.execute("BEGIN IMMEDIATE")
        try:
            for (sql,) in objects:
                if "gpkg_ogr_contents" in sql and "gpkg_ogr_contents" not in have:
                    continue  # feature-count triggers of a GeoPackage made without that table
                con.execute(sql)
            for table in _META:
                if table in have and rows[table]:
                    values = ", ".join("?" * len(rows[table][0]))
                    con.executemany(f"INSERT INTO {table} VALUES ({values})", rows[table])
            con.executemany("INSERT INTO store_meta VALUES (?, ?)", meta)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


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
    return [r[1] for r in con.execute(f'PRAGMA table_info("{LAYER}")')]


_SQL_TYPES: Final = {"string": "TEXT", "double": "REAL", "int64": "INTEGER", "timestamp[ms]": "DATETIME"}


def _add_fields(con: sqlite3.Connection, fields: list[str]) -> list[str]:
    """Add the event columns in ``fields`` that the events table lacks (it grows to what imports use, so
    that GDAL does not bind dozens of always-empty columns on every row); the view follows."""
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
    work = path.with_name(f"{path.stem}.upgrade{path.suffix}")
    shutil.copyfile(path, work)
    try:
        with closing(_connect(work, timeout)) as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            con.execute("BEGIN")
            con.execute(f'DROP TABLE "{LAYER}"')
            con.execute("DROP TABLE IF EXISTS imports")
            for table in _META:
                if table in tables:
                    con.execute(f"DELETE FROM {table} WHERE table_name = ?", (LAYER,))
            con.execute("COMMIT")
        _create(work)
        upgraded = EventStore(work, timeout=timeout)
        if len(frame):
            upgraded.add(frame)
        with closing(_connect(work, timeout)) as con:
            con.execute("DELETE FROM imports")
            con.executemany(
                "INSERT INTO imports (file, sha256, imported_at, offered, added) VALUES (?, ?, ?, ?, ?)",
                log.itertuples(index=False, name=None),
            )
        shutil.copyfile(path, path.with_name(f"{path.stem}.v1{path.suffix}"))
        os.replace(work, path)
    finally:
        work.unlink(missing_ok=True)


# --- helpers ------------------------------------------------------------------------------------------


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)


def _layers(path: Path) -> set[str]:
    try:
        return {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception:
        return set()


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


def _lookup_keys(
    con: sqlite3.Connection, table: str, key: str, combos: pd.DataFrame
) -> tuple[np.ndarray, list[int]]:
    """Keys of ``combos`` in lookup ``table`` (inserted where new), and the keys inserted."""
    if len(combos) == 0:
        return np.empty(0, dtype=np.int64), []
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
    return keys, [r[0] for r in new]


def _keys(codes: np.ndarray, keys: np.ndarray) -> pa.Array:
    """Per-row lookup keys (null where the code is -1)."""
    values = keys[np.maximum(codes, 0)] if len(keys) else np.zeros(len(codes), dtype=np.int64)
    return pa.array(values, mask=codes < 0, type=pa.int64())


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


def _append(table: pa.Table, path: Path) -> None:
    """Append with GDAL in one transaction (pyogrio rolls it back when any row fails)."""
    write_arrow(
        table, path, layer=LAYER, driver="GPKG", geometry_name="geom", geometry_type="Point", crs=CRS,
        append=True,
    )


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
    frame = conform(pd.DataFrame(data, index=raw.index))
    for col, dtype in JOIN_DTYPES.items():
        values = pd.Series(data[col]) if col in data else pd.Series([pd.NA] * len(raw))
        values = values.reset_index(drop=True)
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
