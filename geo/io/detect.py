"""Which reader a file needs: by extension, then by content and (for tables) by header columns."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

from geo.errors import InputFormatError
from geo.io._columns import normalise_name
from geo.io._text import check_file, csv_lines, decode, sniff_delimiter
from geo.io.tabular import check_workbook

FORMATS: Final = ("acled", "ucdp", "viina", "csv", "xlsx", "geojson", "kml", "gpkg")

#: format -> header columns (normalised names) that identify it
SIGNATURES: Final = (
    ("acled", frozenset({"event_id_cnty", "event_date", "latitude", "longitude"})),
    ("ucdp", frozenset({"where_prec", "date_prec", "best"})),
    ("viina", frozenset({"event_id", "report_id", "geo_precision"})),
)
_BY_SUFFIX: Final = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".kml": "kml",
    ".kmz": "kml",
    ".gpkg": "gpkg",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xlsx",
}
_TEXT_SUFFIXES: Final = (".csv", ".tsv", ".tab", ".psv", ".txt", "")


def detect_format(path: str | Path) -> str:
    """One of FORMATS for the file at ``path``; InputFormatError if it does not exist."""
    file = str(path)
    p = check_file(path, file)
    suffix = p.suffix.lower()
    with p.open("rb") as fh:
        head = fh.read(1 << 16)
    fmt = _BY_SUFFIX.get(suffix) or _by_content(head)
    if fmt == "xlsx":
        return _table_format(_xlsx_header(p), "xlsx") if suffix != ".xls" else "xlsx"
    if fmt is not None:
        return fmt
    return _table_format(_text_header(head, file, suffix), "csv")


def _by_content(head: bytes) -> str | None:
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if b"xl/" in head or b"[Content_Types].xml" in head else "kml"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512]
    if start.startswith((b"{", b"[")):
        return "geojson"
    if start.startswith(b"<") and b"<kml" in head[:4096]:
        return "kml"
    return None


def _table_format(columns: list[str], default: str) -> str:
    names = {normalise_name(c) for c in columns}
    for fmt, needed in SIGNATURES:
        if needed <= names:
            return fmt
    return default


def _text_header(head: bytes, file: str, suffix: str) -> list[str]:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head[: len(head) // 2 * 2]
    elif b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]  # whole lines: no UTF-8 sequence cut in two
    try:
        text, _ = decode(head, file)
    except InputFormatError:
        return []
    delimiter = sniff_delimiter(text, "\t" if suffix in (".tsv", ".tab") else None)
    return next(csv.reader(csv_lines(text), delimiter=delimiter), [])


def _xlsx_header(path: Path) -> list[str]:
    try:
        import openpyxl

        check_workbook(path, str(path))  # a zip bomb is refused before openpyxl opens it
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    if any(v is not None for v in row):
                        return [str(v) for v in row if v is not None]
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - an unreadable workbook is reported by the reader
        return []
    return []
