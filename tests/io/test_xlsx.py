"""XLSX workbooks: date cells, numbers, text, empty rows, row numbers (header = row 0)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from io_factories import ACLED_COLUMNS, acled_row

from geo.errors import InputFormatError
from geo.io import read_events


def workbook(path: Path, rows: list[list[object]], sheets_before: int = 0) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    for i in range(sheets_before):
        book.create_sheet(f"empty{i}", 0)
    for row in rows:
        first.append(row)
    book.save(path)
    return path


def test_xlsx_cells(tmp_path: Path) -> None:
    rows = [
        ["ID", "Date", "Latitude", "Longitude", "Title", "Verification", "Deaths"],
        [101, dt.datetime(2024, 8, 6), 53.35, 32.05, "Column", "verified", 2],
        [None, None, None, None, None, None, None],
        ["x-2", "07/08/2024", "52,43", "30,99", "Strike", None, None],
        [103, dt.date(2024, 8, 8), 50.45, 30.52, "Other", "maybe", None],
    ]
    result = read_events(workbook(tmp_path / "e.xlsx", rows, sheets_before=1))
    assert result.format == "xlsx" and result.encoding is None and result.delimiter is None
    frame = result.frame
    assert frame["id"].tolist() == ["xlsx:101", "xlsx:x-2"]
    assert frame["date_start"].tolist() == [pd.Timestamp("2024-08-06"), pd.Timestamp("2024-08-07")]
    assert frame[["lat", "lon"]].to_numpy().tolist() == [[53.35, 32.05], [52.43, 30.99]]
    assert frame["verification"].tolist() == ["confirmed", "reported"]
    assert frame["fatalities"].tolist()[0] == 2
    assert frame["import_row"].tolist() == [1, 3]  # the empty spreadsheet row 2 still counts
    (issue,) = result.issues
    assert (issue.row, issue.field, issue.value) == (4, "Verification", "maybe")


def test_acled_export_saved_as_xlsx_is_detected(tmp_path: Path) -> None:
    row = acled_row()
    path = workbook(tmp_path / "acled.xlsx", [list(ACLED_COLUMNS), [row[c] for c in ACLED_COLUMNS]])
    result = read_events(path)
    assert result.format == "acled" and result.frame.loc[0, "id"] == "acled:RUS9001"


def test_empty_workbook_raises(tmp_path: Path) -> None:
    with pytest.raises(
        InputFormatError, match="expected a worksheet with a header row, got an empty workbook"
    ):
        read_events(workbook(tmp_path / "e.xlsx", []))


def test_broken_xlsx_raises(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(InputFormatError, match=r"broken\.xlsx: expected an \.xlsx workbook, got "):
        read_events(path)
