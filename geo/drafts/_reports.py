"""Reports to draft from: a text file (one report, its date given), or a CSV or JSONL of reports (text, date, and
optionally id and url, a report a row), in whatever encoding the import readers accept. Bad input is a GeoError
naming the file, row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Final

from geo.errors import GeoError
from geo.io import read_text

#: The largest input read (bytes): a day of reports, not a corpus.
MAX_BYTES: Final = 50 * 2**20


def _date(value: object, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise GeoError(f"{where}: expected a date YYYY-MM-DD, got {str(value)[:40]!r}") from None


def read_reports(path: str | Path, *, date: str | None = None) -> list[object]:
    """The reports in ``path`` (:class:`geo.drafts.Report`): a .csv or .jsonl file's rows, else the whole file as
    one report dated ``date``."""
    from geo.drafts import Report

    file = Path(path)
    if not file.is_file():
        raise GeoError(f"expected a report file, got none at {file}")
    if file.stat().st_size > MAX_BYTES:
        raise GeoError(f"{file.name}: expected a file of at most {MAX_BYTES // 2**20} MB, got "
                       f"{file.stat().st_size / 2**20:.0f} MB")
    text, _encoding = read_text(file)  # (UTF-8, or the single-byte encoding it fits: a cp1251 report reads too)
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        if not date:
            raise GeoError(f"{file.name}: expected --date YYYY-MM-DD for a text report (its publication date), "
                           "got none")
        return [Report(text, _date(date, "--date"), id=file.stem)]
    rows: list[tuple[int, dict[str, object]]] = []
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = {"text", "date"} - set(reader.fieldnames or ())
        if missing:
            raise GeoError(f"{file.name}: expected columns text and date, got {', '.join(reader.fieldnames or [])}")
        rows = [(n, dict(r)) for n, r in enumerate(reader, start=2)]
    else:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GeoError(f"{file.name}, line {n}: expected a JSON object, got invalid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise GeoError(f"{file.name}, line {n}: expected a JSON object, got {type(record).__name__}")
            rows.append((n, record))
    reports = []
    unit = "row" if suffix == ".csv" else "line"
    for n, row in rows:
        body = row.get("text")
        if not isinstance(body, str) or not body.strip():
            raise GeoError(f"{file.name}, {unit} {n}, column text: expected the report's text, got {body!r:.40}")
        when = _date(row.get("date"), f"{file.name}, {unit} {n}, column date")
        reports.append(Report(body, when, id=str(row.get("id") or f"{file.stem}-{n}"), url=str(row.get("url") or "")))
    return reports
