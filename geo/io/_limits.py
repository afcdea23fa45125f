"""Limits that keep a broken or hostile file from exhausting time or memory, in one place.

Each is checked before the expensive step and refused with an :class:`~geo.errors.InputFormatError` that
names the file and where (line, column, zip member). The defaults are far above real event files:

* :data:`MAX_UNZIPPED` (200 MiB, ``$GEO_MAX_UNZIPPED_MB``): what the members of a KMZ or XLSX may expand
  to, all together. A 10 MB zip of repeated text can hold gigabytes ("zip bomb"); a real KMZ of a few
  thousand placemarks or an XLSX of 100,000 events expands to tens of MB. Checked twice: the sizes the zip
  directory states, then the bytes actually decompressed (a directory can lie).
* :data:`MAX_LINE` (4 MiB): one line of delimited text. The largest spreadsheet cell holds 32,767
  characters; a 200 MB line without a line break is not a table, and parsing one takes minutes and GBs.
* :data:`MAX_COLUMNS` (10,000): columns of a table, distinct GeoJSON properties or KML data fields. Event
  exports have under 100 (ACLED 31, UCDP GED 49); Excel stops at 16,384.
* :data:`MAX_NESTING` (32): KML MultiGeometry inside MultiGeometry. Real files nest one or two levels.
  (JSON nesting is bounded by Python's parser, which refuses about 1,000 levels: refused as well.)
"""

from __future__ import annotations

import io
import lzma
import os
import zipfile
import zlib
from typing import Final

import numpy as np

from geo.errors import InputFormatError

MAX_UNZIPPED: Final = 200 * 2**20
MAX_UNZIPPED_ENV: Final = "GEO_MAX_UNZIPPED_MB"
MAX_LINE: Final = 4 * 2**20
MAX_COLUMNS: Final = 10_000
MAX_NESTING: Final = 32

#: What reading a damaged zip raises: a bad directory, an encrypted or unknown-method member, corrupt
#: deflate/bzip2/LZMA data, a truncated file.
ZIP_ERRORS: Final = (
    zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError,
    zlib.error, lzma.LZMAError,
)
_CHUNK: Final = 8 * 2**20  # bytes scanned at once for line breaks (bounded memory on any file)
_LF, _CR = 10, 13


def max_unzipped() -> int:
    """Bytes a zip's members may expand to: ``$GEO_MAX_UNZIPPED_MB`` (MiB) or :data:`MAX_UNZIPPED`."""
    text = os.environ.get(MAX_UNZIPPED_ENV, "").strip()
    if not text:
        return MAX_UNZIPPED
    try:
        mib = float(text)
    except ValueError:
        mib = -1.0
    if not mib > 0:
        raise InputFormatError(f"expected {MAX_UNZIPPED_ENV} as a positive number of MiB, got {text!r}")
    return int(mib * 2**20)


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def check_zip(archive: zipfile.ZipFile, file: str, members: list[str] | None = None) -> None:
    """Refuse a zip whose ``members`` (default: all) state more than :func:`max_unzipped` bytes."""
    limit = max_unzipped()
    infos = archive.infolist() if members is None else [archive.getinfo(m) for m in members]
    total = sum(info.file_size for info in infos)
    if total > limit:
        biggest = max(infos, key=lambda i: i.file_size)
        raise InputFormatError(
            f"expected a zip expanding to at most {_mib(limit)} (${MAX_UNZIPPED_ENV}), got members stating "
            f"{_mib(total)} (largest {biggest.filename!r}: {_mib(biggest.file_size)}); refused unread",
            file=file,
        )


def read_member(archive: zipfile.ZipFile, name: str, file: str) -> bytes:
    """The bytes of member ``name``, decompressed in pieces and refused once they pass the limit."""
    check_zip(archive, file, [name])
    limit = max_unzipped()
    out = io.BytesIO()
    with archive.open(name) as member:
        while piece := member.read(1 << 20):
            out.write(piece)
            if out.tell() > limit:
                raise InputFormatError(
                    f"expected zip member {name!r} to expand to at most {_mib(limit)} "
                    f"(${MAX_UNZIPPED_ENV}), got more than it states; refused",
                    file=file,
                )
    return out.getvalue()


def check_lines(raw: bytes, file: str, limit: int = MAX_LINE) -> None:
    """Refuse text with a line longer than ``limit`` bytes, naming the line (1 = the header).

    Line breaks are LF, CRLF or a lone CR. Scanned in pieces with numpy: bounded memory, about 0.1 s per
    100 MB, and a line that grows past the limit stops the scan at once.
    """
    if len(raw) <= limit:
        return
    data = np.frombuffer(raw, dtype=np.uint8)
    previous = -1  # position of the last line break seen
    lines = 0  # line breaks before the current piece
    for start in range(0, len(data), _CHUNK):
        piece = data[start : start + _CHUNK + 1]  # one byte more: is a CR followed by LF?
        stop = min(_CHUNK, len(piece))
        lf = piece[:stop] == _LF
        lone_cr = (piece[:stop] == _CR) & np.append(piece[1:stop] != _LF, stop == len(piece) or piece[stop] != _LF)
        breaks = np.flatnonzero(lf | lone_cr) + start
        if len(breaks):
            lengths = np.diff(breaks, prepend=previous) - 1 - (data[np.maximum(breaks - 1, 0)] == _CR)
            over = np.flatnonzero(lengths > limit)
            if len(over):
                _too_long(file, limit, lines + int(over[0]) + 1)
            lines += len(breaks)
            previous = int(breaks[-1])
        if start + stop - previous - 1 > limit:
            _too_long(file, limit, lines + 1)


def _too_long(file: str, limit: int, line: int) -> None:
    where = "line 1 (the header)" if line == 1 else f"line {line:,} (row {line - 1:,})"
    raise InputFormatError(
        f"expected lines of at most {_mib(limit)} ({limit:,} bytes), got a longer one at {where}; refused unread",
        file=file,
    )


def check_columns(count: int, file: str, what: str = "columns in the header") -> None:
    """Refuse a table of more than :data:`MAX_COLUMNS` columns."""
    if count > MAX_COLUMNS:
        raise InputFormatError(f"expected at most {MAX_COLUMNS:,} {what}, got {count:,}", file=file)
