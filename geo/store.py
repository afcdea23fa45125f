"""The event store: an embedded GeoPackage (default ``data/events.gpkg``, override with ``GEO_STORE``).

An import is one transaction: the events whose id is not stored yet are appended by GDAL (pyogrio, Arrow)
inside a single SQLite transaction that is rolled back when any row fails, so the store is exactly as
before. A unique index on the event id backs this up: importing the same events twice adds nothing.
Each committed import then gets a line in the ``imports`` log.

The ``events`` table carries no R-tree (its triggers need GDAL's SQL functions, which plain SQLite
lacks); guard triggers reject impossible coordinates even from callers that skip validation.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
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
_REQUIRED: Final = ("id", "date_start", "lon", "lat")


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
        with closing(_connect(self.path, self.timeout)) as con:
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
        with closing(_connect(self.path, self.timeout)) as con:
            return pd.read_sql_query("SELECT file, sha256, imported_at, offered, added FROM imports", con)

    # -- writing ---------------------------------------------------------------------------------------

    def add(self, events: pd.DataFrame, *, source: str = "", sha256: str = "") -> AddResult:
        """Add ``events`` in one transaction; events whose id is already stored are skipped."""
        frame = _to_storage(events)
        self._ensure()
        offered = len(frame)
        if offered == 0:
            return AddResult(0, 0)
        try:
            with closing(_connect(self.path, self.timeout)) as con:
                stored = pd.Series([r[0] for r in con.execute(f'SELECT id FROM "{LAYER}"')], dtype="string")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the event store {self.path}, nothing stored: {exc}") from exc
        new = frame.loc[~frame["id"].isin(stored) & ~frame["id"].duplicated()]
        if len(new):
            try:
                _write(new, self.path, LAYER, append=True)
            except Exception as exc:  # GDAL raises several types; its transaction was rolled back
                raise StoreError(
                    f"import into {self.path} failed and was rolled back, nothing stored: {exc}"
                ) from exc
        with closing(_connect(self.path, self.timeout)) as con:
            con.execute(
                "INSERT INTO imports (file, sha256, imported_at, offered, added) VALUES (?, ?, ?, ?, ?)",
                (source, sha256, pd.Timestamp.now(tz="UTC").isoformat(), offered, len(new)),
            )
        return AddResult(offered, len(new))

    def _ensure(self) -> None:
        if self.exists():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _write(_schema_frame(), self.path, LAYER)
        except Exception as exc:
            raise StoreError(f"cannot create the event store {self.path}: {exc}") from exc
        with closing(_connect(self.path, self.timeout)) as con:
            con.executescript(
                f"""
                CREATE UNIQUE INDEX IF NOT EXISTS "{LAYER}_id" ON "{LAYER}"(id);
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


def _schema_frame() -> gpd.GeoDataFrame:
    """An empty frame with every stored column in its storage type: creates the table."""
    data: dict[str, pd.Series] = {}
    for col, dtype in _COLUMNS.items():
        data[col] = pd.Series([], dtype="string" if dtype == "category" else dtype)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def _empty_frame() -> gpd.GeoDataFrame:
    data = {c: pd.Series([], dtype=d) for c, d in _COLUMNS.items()}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def _to_storage(events: pd.DataFrame) -> gpd.GeoDataFrame:
    """The store's columns present in ``events`` (all-empty ones left out: they are NULL anyway), in types
    GeoPackage stores (text, real, integer, datetime), with points (NULL where no location)."""
    frame = events if set(EVENT_DTYPES) <= set(events.columns) else conform(events)
    out: dict[str, object] = {}
    for col, dtype in _COLUMNS.items():
        if col not in frame.columns:
            continue
        values = frame[col].reset_index(drop=True)
        if col not in _REQUIRED and values.isna().all():
            continue
        if dtype == "category" and isinstance(values.dtype, pd.CategoricalDtype):
            pass  # written as an Arrow dictionary: no per-row conversion
        elif dtype in ("string", "category"):
            values = values.astype("string")
        elif dtype == "boolean":
            values = values.astype("boolean")
        elif dtype.startswith("datetime"):
            values = pd.to_datetime(values, errors="coerce")
        out[col] = values
    table = pd.DataFrame(out)
    if len(table.columns) == 0:
        table = pd.DataFrame({c: pd.Series([], dtype="string") for c in _REQUIRED})
    lon = table["lon"].to_numpy(dtype=float) if "lon" in table else np.full(len(table), np.nan)
    lat = table["lat"].to_numpy(dtype=float) if "lat" in table else np.full(len(table), np.nan)
    geom = gpd.points_from_xy(lon, lat, crs=CRS)
    missing = ~(np.isfinite(lon) & np.isfinite(lat))
    if missing.any():
        arr = np.asarray(geom, dtype=object)
        arr[missing] = None
        geom = gpd.array.from_shapely(arr, crs=CRS)
    return gpd.GeoDataFrame(table, geometry=geom, crs=CRS)


def _write(frame: gpd.GeoDataFrame, path: Path, layer: str, *, append: bool = False) -> None:
    """Write with GDAL in one transaction (pyogrio rolls it back when any row fails)."""
    pyogrio.write_dataframe(
        frame,
        path,
        layer=layer,
        driver="GPKG",
        geometry_type="Point",
        use_arrow=True,
        append=append,
        layer_options=None if append else {"SPATIAL_INDEX": "NO", "GEOMETRY_NAME": "geom"},
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
