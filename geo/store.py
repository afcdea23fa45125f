"""The event store: an embedded GeoPackage (default ``data/events.gpkg``, override with ``GEO_STORE``).

An import is one SQLite transaction: the new events are first written (fast, with pyogrio and Arrow) to a
staging GeoPackage beside the store, then merged with ``INSERT OR IGNORE`` on the unique event id and
committed together with a line in the ``imports`` log. Any failure rolls back: the store is exactly as
before. Importing the same events twice adds nothing.

The ``events`` table carries no R-tree (its triggers need GDAL's SQL functions, which plain SQLite
lacks); guard triggers reject impossible coordinates even from callers that skip validation.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.errors import StoreError
from geo.schema import CRS, EVENT_DTYPES, JOIN_DTYPES, conform

LAYER: Final = "events"
DEFAULT_PATH: Final = Path(__file__).resolve().parents[1] / "data" / "events.gpkg"
_COLUMNS: Final = {**EVENT_DTYPES, **JOIN_DTYPES}


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
    """Events persisted in a GeoPackage; see the module docstring for the guarantees."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 30.0) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.timeout = timeout

    # -- reading ---------------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists() and LAYER in _layers(self.path)

    def count(self) -> int:
        if not self.exists():
            return 0
        with _connect(self.path, self.timeout) as con:
            return int(con.execute(f'SELECT count(*) FROM "{LAYER}"').fetchone()[0])

    def read(self) -> gpd.GeoDataFrame:
        """Every stored event as a GeoDataFrame (EPSG:4326) in the canonical + join columns."""
        if not self.exists():
            return _empty_frame()
        try:
            raw = pyogrio.read_dataframe(self.path, layer=LAYER, use_arrow=True, fid_as_index=False)
        except Exception as exc:  # GDAL raises several types
            raise StoreError(f"cannot read the event store {self.path}: {exc}") from exc
        return _from_storage(raw)

    def imports(self) -> pd.DataFrame:
        """The import log: one row per committed import."""
        if not self.exists():
            return pd.DataFrame(columns=["file", "sha256", "imported_at", "offered", "added"])
        with _connect(self.path, self.timeout) as con:
            return pd.read_sql_query("SELECT file, sha256, imported_at, offered, added FROM imports", con)

    # -- writing ---------------------------------------------------------------------------------------

    def add(self, events: pd.DataFrame, *, source: str = "", sha256: str = "") -> AddResult:
        """Add ``events`` in one transaction; events whose id is already stored are skipped."""
        frame = _to_storage(events)
        self._ensure()
        if len(frame) == 0:
            return AddResult(0, 0)
        stage_dir = tempfile.mkdtemp(prefix=".stage-", dir=self.path.parent)
        stage = Path(stage_dir) / "stage.gpkg"
        try:
            _write(frame, stage, "stage")
            cols = ", ".join(f'"{c}"' for c in ["geom", *frame.columns.drop("geometry")])
            con = _connect(self.path, self.timeout)
            try:
                con.execute("ATTACH DATABASE ? AS stage", (str(stage),))
                con.execute("BEGIN IMMEDIATE")
                cur = con.execute(
                    f'INSERT OR IGNORE INTO main."{LAYER}" ({cols}) SELECT {cols} FROM stage."stage"'
                )
                added = cur.rowcount
                con.execute(
                    "INSERT INTO imports (file, sha256, imported_at, offered, added) VALUES (?, ?, ?, ?, ?)",
                    (source, sha256, pd.Timestamp.now(tz="UTC").isoformat(), len(frame), added),
                )
                _update_extent(con)
                con.execute("COMMIT")
            except sqlite3.Error as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise StoreError(f"import into {self.path} failed and was rolled back, nothing stored: {exc}") from exc
            finally:
                con.close()
        finally:
            for f in Path(stage_dir).iterdir():
                f.unlink()
            os.rmdir(stage_dir)
        return AddResult(len(frame), added)

    def _ensure(self) -> None:
        if self.exists():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _write(_to_storage(_empty_frame()), self.path, LAYER)
        except Exception as exc:
            raise StoreError(f"cannot create the event store {self.path}: {exc}") from exc
        with _connect(self.path, self.timeout) as con:
            con.executescript(
                f"""
                CREATE UNIQUE INDEX IF NOT EXISTS "{LAYER}_id" ON "{LAYER}"(id);
                CREATE INDEX IF NOT EXISTS "{LAYER}_dates" ON "{LAYER}"(date_start, date_end);
                CREATE TABLE IF NOT EXISTS imports (
                    file TEXT, sha256 TEXT, imported_at TEXT, offered INTEGER, added INTEGER);
                CREATE TRIGGER IF NOT EXISTS "{LAYER}_guard" BEFORE INSERT ON "{LAYER}"
                WHEN NEW.id IS NULL OR NEW.date_start IS NULL
                  OR (NEW.lat IS NOT NULL AND (NEW.lat < -90 OR NEW.lat > 90))
                  OR (NEW.lon IS NOT NULL AND (NEW.lon < -180 OR NEW.lon > 180))
                BEGIN SELECT RAISE(ABORT, 'expected an id, a start date and lon/lat in range'); END;
                """
            )


# --- helpers ------------------------------------------------------------------------------------------


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    return con


def _layers(path: Path) -> set[str]:
    try:
        return {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception:
        return set()


def _empty_frame() -> gpd.GeoDataFrame:
    data = {c: pd.Series([], dtype=d) for c, d in _COLUMNS.items()}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def _to_storage(events: pd.DataFrame) -> gpd.GeoDataFrame:
    """Canonical + join columns in types GeoPackage stores (text, real, integer, datetime), with points."""
    base = conform(events)
    out: dict[str, object] = {}
    for col, dtype in _COLUMNS.items():
        values = base[col] if col in base.columns else events.get(col)
        if values is None:
            if dtype == "float64":
                values = pd.Series(np.full(len(base), np.nan))
            else:
                values = pd.Series([pd.NA] * len(base), dtype="string" if dtype == "category" else dtype)
        values = pd.Series(values).reset_index(drop=True)
        if dtype in ("string", "category"):
            out[col] = values.astype("string")
        elif dtype == "boolean":
            out[col] = values.astype("boolean")
        else:
            out[col] = values
    frame = pd.DataFrame(out)
    lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    geom = gpd.points_from_xy(lon, lat, crs=CRS)
    missing = ~(np.isfinite(lon) & np.isfinite(lat))
    if missing.any():
        arr = np.asarray(geom, dtype=object)
        arr[missing] = None
        geom = gpd.array.from_shapely(arr, crs=CRS)
    return gpd.GeoDataFrame(frame, geometry=geom, crs=CRS)


def _write(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    pyogrio.write_dataframe(
        frame,
        path,
        layer=layer,
        driver="GPKG",
        geometry_type="Point",
        use_arrow=True,
        layer_options={"SPATIAL_INDEX": "NO", "GEOMETRY_NAME": "geom"},
    )


def _update_extent(con: sqlite3.Connection) -> None:
    con.execute(
        f"""UPDATE gpkg_contents SET
              min_x = (SELECT min(lon) FROM "{LAYER}"), max_x = (SELECT max(lon) FROM "{LAYER}"),
              min_y = (SELECT min(lat) FROM "{LAYER}"), max_y = (SELECT max(lat) FROM "{LAYER}"),
              last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            WHERE table_name = '{LAYER}'"""
    )


def _from_storage(raw: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = conform(raw)
    for col, dtype in JOIN_DTYPES.items():
        values = raw[col] if col in raw.columns else pd.Series([pd.NA] * len(raw))
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
