"""Bytes to a table of text: encoding and delimiter detection, CSV parsing (pyarrow, csv-module fallback).

Encodings: UTF-8 (with or without BOM) is tried strictly first, then UTF-16 if it has a BOM; otherwise
the file is Windows-1251 (Cyrillic) or Windows-1252 (Western), decided by how high bytes cluster:
Cyrillic words are runs of high bytes, Western text has isolated accented letters between ASCII ones.
charset-normalizer breaks near-ties (it is unreliable on short Cyrillic text, so it only breaks ties).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.errors import InputFormatError
from geo.io._limits import MAX_LINE, check_columns, check_lines
from geo.schema import RowIssue

DELIMITERS: Final = (",", ";", "\t", "|")
_SAMPLE: Final = 1 << 16
_NULLS: Final = ["", "NULL", "null", "NaN", "nan", "N/A", "n/a", "#N/A", "None"]
_HIGH_RUN: Final = re.compile(rb"[\x80-\xff]+")

# The csv module refuses fields over 128 KiB; lines are bounded by MAX_LINE (checked before parsing), so a
# field may be as long as a line. Only ever raised, never lowered.
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE))


@dataclass(frozen=True)
class Table:
    """A table of text cells (missing = NA) with 1-based data row numbers (the header is row 0)."""

    frame: pd.DataFrame
    rows: np.ndarray
    encoding: str | None = None
    delimiter: str | None = None
    issues: tuple[RowIssue, ...] = field(default=())


def check_file(path: str | Path, file: str) -> Path:
    """``path`` as a Path if it is an existing regular file, else InputFormatError."""
    p = Path(path)
    if not p.exists():
        raise InputFormatError("expected an existing file, got no such file", file=file)
    if not p.is_file():
        raise InputFormatError("expected a file, got a directory or special file", file=file)
    return p


def read_bytes(path: str | Path, file: str) -> bytes:
    """The file's bytes, or InputFormatError naming what was found instead."""
    p = check_file(path, file)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputFormatError(f"expected a readable file, got {exc.strerror or exc}", file=file) from exc


def decode(raw: bytes, file: str) -> tuple[str, str]:
    """Decode the whole file: (text, encoding name)."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputFormatError(
                f"expected UTF-16 text after a UTF-16 BOM, got {exc.reason}", file=file
            ) from exc
    if b"\x00" in raw[:8192]:
        raise InputFormatError("expected a text file, got binary data (NUL bytes)", file=file)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = guess_single_byte(raw)
    return raw.decode(encoding, errors="replace"), encoding


def guess_single_byte(raw: bytes) -> str:
    """'cp1251' or 'cp1252' for text that is not UTF-8.

    Cyrillic words are runs of high bytes; Western text has single accented letters inside ASCII words.
    """
    sample = raw[: _SAMPLE * 4]
    if any(b in sample for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
        return "cp1251"  # undefined in cp1252
    if b"\x98" in sample:
        return "cp1252"  # undefined in cp1251
    cyrillic = western = 0
    for m in _HIGH_RUN.finditer(sample):
        size = m.end() - m.start()
        if size >= 2:
            cyrillic += size
            continue
        before = sample[m.start() - 1 : m.start()]
        after = sample[m.end() : m.end() + 1]
        if before.isalpha() or after.isalpha():
            western += 1
    if cyrillic + western == 0:
        return "cp1252"
    score = cyrillic / (cyrillic + western)
    if 0.35 <= score <= 0.65:
        tie = _charset_normalizer_guess(sample)
        if tie:
            return tie
    return "cp1251" if score > 0.5 else "cp1252"


def _charset_normalizer_guess(sample: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a requirement
        return None
    best = from_bytes(sample, cp_isolation=["cp1251", "cp1252"]).best()
    if best is None or best.encoding not in ("cp1251", "cp1252"):
        return None
    return str(best.encoding)


def csv_lines(text: str) -> io.StringIO:
    """``text`` for the csv module, with \\r, \\r\\n and \\n line ends alike."""
    return io.StringIO(text, newline=None)


def sniff_delimiter(sample: str, prefer: str | None = None) -> str:
    """The delimiter among , ; TAB | giving the most columns consistently over the first lines."""
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # possibly cut in the middle
    text = "\n".join(lines)
    best, best_key = prefer or ",", (0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(csv_lines(text), delimiter=delim) if r]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0]) / len(counts)
        key = (int(consistent >= 0.8), counts[0] + (1 if delim == prefer else 0))
        if key > best_key:
            best, best_key = delim, key
    return best


def header_names(names: list[str], file: str) -> list[str]:
    """Stripped, unique, non-empty column names (duplicates get _2, _3 ...); at most MAX_COLUMNS.

    Linear: each name remembers the next suffix to try, so 30,000 equal names do not try 30,000² suffixes.
    """
    check_columns(len(names), file)
    out: list[str] = []
    seen: set[str] = set()
    next_suffix: dict[str, int] = {}
    for i, name in enumerate(names):
        base = (name or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        candidate, k = base, next_suffix.get(base, 2)
        while candidate in seen:
            candidate, k = f"{base}_{k}", k + 1
        next_suffix[base] = k
        seen.add(candidate)
        out.append(candidate)
    return out


def read_delimited(raw: bytes, file: str, *, prefer: str | None = None) -> Table:
    """Parse delimited text (any of , ; TAB |) to a Table of strings. Lines longer than MAX_LINE and
    headers of more than MAX_COLUMNS columns are refused before parsing (InputFormatError)."""
    if not raw or raw.isspace():
        raise InputFormatError("expected a header row, got an empty file", file=file)
    check_lines(raw, file)
    text, encoding = decode(raw, file)
    sample = text[:_SAMPLE]
    head = text[: MAX_LINE + 2]  # holds the whole header line (check_lines bounds it)
    utf8 = raw[3:] if encoding == "utf-8-sig" else raw if encoding == "utf-8" else text.encode("utf-8")
    del text  # the fast path needs only the bytes; the slow path decodes again
    delimiter = sniff_delimiter(sample, prefer)
    try:
        header = next(csv.reader(csv_lines(head), delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise InputFormatError(f"expected a header row, got {exc or 'nothing'}", file=file) from exc
    del head
    names = header_names(header, file)
    frame = _read_pyarrow(utf8, header, names, delimiter)
    if frame is not None:
        return Table(frame, np.arange(1, len(frame) + 1, dtype="int64"), encoding, delimiter)
    return _read_python(utf8.decode("utf-8"), names, delimiter, encoding, file)


def _read_pyarrow(data: bytes, header: list[str], names: list[str], delimiter: str) -> pd.DataFrame | None:
    """Fast path; None if some row has the wrong number of fields (the slow path then says which)."""
    bad: list[object] = []

    def on_invalid(row: object) -> str:
        bad.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=_NULLS,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if bad or table.num_columns != len(names):
        return None
    columns = {}
    for name, col in zip(names, table.columns, strict=True):
        if col.type != pa.string():
            col = col.cast(pa.string())
        # one chunk per column: later gathers (take) on a 6-chunk column of 1M strings are 10x slower
        columns[name] = pd.Series(pd.array(col.combine_chunks(), dtype="str"))
    return pd.DataFrame(columns)


def _read_python(text: str, names: list[str], delimiter: str, encoding: str, file: str) -> Table:
    """Slow path with exact row numbers: longer rows rejected (unless the extra cells are empty),
    shorter rows padded with empty cells."""
    reader = csv.reader(csv_lines(text), delimiter=delimiter)
    next(reader, None)
    width = len(names)
    records: list[list[str]] = []
    rows: list[int] = []
    issues: list[RowIssue] = []
    number = 0
    try:
        for rec in reader:
            if not rec:
                continue
            number += 1
            if len(rec) > width and not any(v.strip() for v in rec[width:]):
                rec = rec[:width]  # a trailing delimiter
            if len(rec) > width:
                value = delimiter.join(rec)
                reason = f"expected {width} fields like the header, got {len(rec)}"
                issues.append(RowIssue(file, number, "*", value[:200], reason))
                continue
            records.append(rec + [""] * (width - len(rec)))
            rows.append(number)
    except csv.Error as exc:
        raise InputFormatError(
            f"expected delimited text, got {exc} near data row {number + 1}", file=file
        ) from exc
    columns = list(zip(*records, strict=True)) if records else [() for _ in names]
    frame = pd.DataFrame({n: pd.Series(list(c), dtype="str") for n, c in zip(names, columns, strict=True)})
    frame = frame.replace({v: None for v in _NULLS})
    return Table(frame, np.asarray(rows, dtype="int64"), encoding, delimiter, tuple(issues))
