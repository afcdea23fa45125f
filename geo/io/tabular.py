"""Plain tables: CSV/TSV (any of , ; TAB |) and XLSX, with the usual column names (see ``_columns``).

Row numbers: the header is row 0, the first data row is row 1 (in a spreadsheet: Excel row 2 is row 1).
Blank lines of a CSV are not counted; empty rows of a worksheet are counted but produce no event.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputFormatError
from geo.io._columns import map_generic
from geo.io._core import Context, ReadResult
from geo.io._limits import ZIP_ERRORS, check_zip
from geo.io._text import Table, header_names, read_delimited

_DELIMITER_HINTS = {".tsv": "\t", ".tab": "\t", ".psv": "|"}
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def read_csv(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from a delimited text file with the usual column names."""
    table = load_table(path, raw, ctx.file)
    b = map_generic(table, ctx, "csv", decimal_comma=table.delimiter != ",")
    return b.result("csv", encoding=table.encoding, delimiter=table.delimiter, issues=table.issues)


def read_xlsx(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from the first non-empty worksheet of an .xlsx workbook."""
    table = load_xlsx(path, ctx.file)
    b = map_generic(table, ctx, "xlsx")
    return b.result("xlsx", issues=table.issues)


def load_table(path: str | Path, raw: bytes, file: str) -> Table:
    """A Table of text from a delimited file or (by extension) an .xlsx workbook."""
    suffix = Path(path).suffix.lower()
    if suffix in XLSX_SUFFIXES or raw.startswith(b"PK\x03\x04"):
        return load_xlsx(path, file)
    return read_delimited(raw, file, prefer=_DELIMITER_HINTS.get(suffix))


def load_xlsx(path: str | Path, file: str) -> Table:
    """The first worksheet with content, as text cells; its first non-empty row is the header."""
    if Path(path).suffix.lower() == ".xls":
        raise InputFormatError(
            "expected an .xlsx workbook, got a legacy .xls file (save it as .xlsx)", file=file
        )
    check_workbook(path, file)
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on a malformed workbook
        raise InputFormatError(
            f"expected an .xlsx workbook, got {type(exc).__name__}: {exc}", file=file
        ) from exc
    with book:
        for name in book.sheet_names:
            try:
                sheet = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
            except Exception as exc:  # noqa: BLE001 - as above
                raise InputFormatError(
                    f"expected a readable worksheet {name!r}, got {type(exc).__name__}: {exc}", file=file
                ) from exc
            filled = sheet.notna().any(axis=1).to_numpy()
            if not filled.any():
                continue
            head = int(np.flatnonzero(filled)[0])
            names = header_names([text_cell(v) or "" for v in sheet.iloc[head].tolist()], file)
            body = sheet.iloc[head + 1 :].reset_index(drop=True)
            body.columns = names
            frame = pd.DataFrame({n: text_column(body[n]) for n in names})
            return Table(frame, np.arange(1, len(frame) + 1, dtype="int64"))
    raise InputFormatError("expected a worksheet with a header row, got an empty workbook", file=file)


def check_workbook(path: str | Path, file: str) -> None:
    """Refuse a workbook that is not a zip, or whose parts expand past ``_limits.max_unzipped()`` bytes.

    openpyxl reads parts through ``zipfile``, which never yields more than the size a part states: so
    checking the stated sizes bounds what is decompressed.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, file)
    except ZIP_ERRORS as exc:
        raise InputFormatError(
            f"expected an .xlsx workbook, got {type(exc).__name__}: {exc}", file=file
        ) from exc


def text_cell(value: object) -> str | None:
    """One spreadsheet/JSON/attribute value as the text a CSV would hold (None if empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, np.floating):
        return text_cell(float(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else text_cell(pd.Timestamp(value).to_pydatetime())
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text.strip() else None


def text_column(values: pd.Series) -> pd.Series:
    """A column of any dtype as text cells."""
    if values.dtype == "str" or isinstance(values.dtype, pd.StringDtype):
        return values.astype("str")
    return pd.Series([text_cell(v) for v in values.tolist()], dtype="str")
