"""Readers: event files of many shapes -> one frame of canonical events (``geo.schema``).

    result = read_events("events.csv")          # format detected
    result.frame, result.issues, result.warnings

Formats (:data:`FORMATS`): ``acled``, ``ucdp`` (GED), ``viina``, ``csv`` (any delimiter, also TSV),
``xlsx``, ``geojson``, ``kml`` (also KMZ), ``gpkg``. See each module's docstring for its mapping.

Rows: ``import_row`` is the 1-based data row as a user counts it: in a CSV or a worksheet the header is
row 0 and the first data row is row 1 (blank CSV lines are not counted); in GeoJSON, KML and GeoPackage
row 1 is the first feature/Placemark. Rejected rows are left out of ``frame`` and reported in ``issues``
(kind "reject": exactly one per dropped row, its first problem); notes on kept rows have kind "flag".
File-level notes (e.g. an ambiguous day/month column read as DD/MM/YYYY) are in ``warnings``; the rows
concerned carry the machine flag ``date_ambiguous``.

Not done here (see ``geo.validate``): coordinate range checks and lat/lon swap detection.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from geo import schema
from geo.errors import InputFormatError
from geo.io._core import Context, ReadResult
from geo.io._text import decode, read_bytes
from geo.io.acled import read_acled
from geo.io.detect import FORMATS, detect_format
from geo.io.geojson import read_geojson
from geo.io.gpkg import read_gpkg
from geo.io.kml import read_kml
from geo.io.tabular import read_csv, read_xlsx
from geo.io.ucdp import read_ucdp
from geo.io.viina import read_viina


def read_text(path: str | Path) -> tuple[str, str]:
    """A text file's contents and the encoding they were read in (UTF-8 with or without BOM, UTF-16 with a BOM,
    else the single-byte encoding the bytes fit best: cp1251 for Cyrillic), as every reader decodes its input;
    an InputFormatError naming the file for binary data or a file that cannot be read."""
    file = Path(path).name
    return decode(read_bytes(path, file), file)


__all__ = ["FORMATS", "ReadResult", "detect_format", "read_events", "read_text"]

_READERS = {
    "acled": read_acled,
    "ucdp": read_ucdp,
    "viina": read_viina,
    "csv": read_csv,
    "xlsx": read_xlsx,
    "geojson": read_geojson,
    "kml": read_kml,
    "gpkg": read_gpkg,
}


def read_events(
    path: str | Path,
    format: str = "auto",  # noqa: A002 - the public keyword
    *,
    dayfirst: bool | None = None,
    default_verification: str = "reported",
) -> ReadResult:
    """Read the events of one file.

    ``format``: one of FORMATS or "auto" (:func:`detect_format`). ``dayfirst``: how to read slash dates
    whose day/month order the column does not settle (None: day-first, with a warning).
    ``default_verification``: for rows (or files) without a verification value.
    Raises InputFormatError ("expected X, got Y", naming the file) when the file cannot be read as events.
    """
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"expected format 'auto' or one of {', '.join(FORMATS)}, got {format!r}")
    if default_verification not in schema.VERIFICATION:
        raise ValueError(
            f"expected default_verification in {schema.VERIFICATION}, got {default_verification!r}"
        )
    file = str(path)
    raw = read_bytes(path, file)
    fmt = detect_format(path) if format == "auto" else format
    ctx = Context(
        file=file,
        sha256=hashlib.sha256(raw).hexdigest(),
        import_time=np.datetime64(pd.Timestamp.now(tz="UTC").tz_localize(None).as_unit("ns")),
        dayfirst=dayfirst,
        default_verification=default_verification,
    )
    try:
        return _READERS[fmt](path, raw, ctx)
    except InputFormatError:
        raise
    except UnicodeError as exc:
        raise InputFormatError(
            f"expected a readable {fmt} file, got {type(exc).__name__}: {exc}", file=file
        ) from exc
