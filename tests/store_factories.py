"""Files at the store's path that are not a store, built in code, with the reason the store gives for each."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo.store import EventStore
from tests.factories import make_events


def random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(8).bytes(64 * 1024))


def truncated_store(path: Path) -> None:
    """A real store of 3,000 events cut to half its length (a copy that stopped half way)."""
    EventStore(path).add(make_events(3_000, seed=8, description="a description long enough to fill pages"))
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


def sqlite_without_events(path: Path) -> None:
    with closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE notes (body TEXT)")
        con.execute("INSERT INTO notes VALUES ('not events')")
        con.commit()


def geopackage_without_events(path: Path) -> None:
    """Another GeoPackage (e.g. a boundary file someone pointed GEO_STORE at)."""
    roads = gpd.GeoDataFrame({"name": ["M1"]}, geometry=[shapely.LineString([(30, 50), (31, 51)])], crs=4326)
    pyogrio.write_dataframe(roads, path, layer="roads", driver="GPKG")


def zero_length(path: Path) -> None:
    path.write_bytes(b"")


def directory(path: Path) -> None:
    path.mkdir()


def unreadable_store(path: Path) -> None:
    EventStore(path).add(make_events(2, seed=8))
    os.chmod(path, 0)


#: name -> (how to make it at a path, the reason in "expected a GeoPackage with an events table, got <reason>")
BROKEN: dict[str, tuple[Callable[[Path], None], str]] = {
    "random bytes": (random_bytes, r"a file that is not an SQLite database \(it starts with b'"),
    "truncated GeoPackage": (truncated_store, r"a truncated database \(\d+ bytes of the \d+ its header declares\)"),
    "SQLite without events": (sqlite_without_events, r"an SQLite database that is not a GeoPackage \(tables: notes\)"),
    "GeoPackage without events": (geopackage_without_events, r"a GeoPackage without one \(tables: roads\)"),
    "zero-length file": (zero_length, r"an empty file \(0 bytes\)"),
    "directory": (directory, r"a directory"),
    "unreadable file": (unreadable_store, r"a file this user may not read \(permission denied\)"),
}
AS_ROOT = "running as root, which reads any file whatever its permissions: an unreadable store cannot be made"


def broken_params(names: tuple[str, ...] | None = None) -> list[object]:
    """pytest parameters over :data:`BROKEN` (the unreadable case skipped when running as root)."""
    out = []
    for name in names or tuple(BROKEN):
        marks = [pytest.mark.skipif(os.geteuid() == 0, reason=AS_ROOT)] if name == "unreadable file" else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def fingerprint(path: Path) -> tuple[object, ...]:
    """What is at ``path`` (mode, size, modification time, and the bytes or the names in it), to show it was
    left alone."""
    info = path.stat()
    if path.is_dir():
        inside: object = sorted(os.listdir(path))
    else:
        inside = path.read_bytes() if os.access(path, os.R_OK) else None
    return info.st_mode, info.st_size, info.st_mtime_ns, inside
