"""One import, stage by stage: read → geocode → validate → join. Nothing is stored here.

:func:`prepare_import` returns an :class:`ImportReport` (accepted rows enriched with admin units, every
issue, counts) that the CLI prints and the app shows *before* anything is committed to the store.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo.schema import RowIssue

#: Issue kinds that remove a row from the import.
DROPPING = ("reject", "duplicate")


@dataclass(frozen=True)
class ImportReport:
    """What an import would add, and everything found on the way."""

    file: str
    format: str
    sha256: str
    read_rows: int
    frame: pd.DataFrame  # accepted rows, canonical + join columns
    issues: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def accepted(self) -> int:
        return len(self.frame)

    def count(self, kind: str) -> int:
        return sum(1 for i in self.issues if i.kind == kind)

    @property
    def rejected(self) -> int:
        return self.count("reject")

    @property
    def mismatches(self) -> int:
        col = self.frame.get("admin_mismatch")
        return 0 if col is None else int((col.fillna("").astype(str) != "").sum())

    def issues_frame(self) -> pd.DataFrame:
        """Every issue as a table (file, row, field, value, reason, kind): the rejects report."""
        cols = ["file", "row", "field", "value", "reason", "kind"]
        return pd.DataFrame([i.as_dict() for i in self.issues], columns=cols)

    def write_rejects(self, path: str | os.PathLike[str]) -> Path:
        """Write the rejected and dropped rows with their reasons as CSV (formula cells neutralised)."""
        from geo.export import csv_bytes

        out = Path(path)
        table = self.issues_frame()
        out.write_bytes(csv_bytes(table.loc[table["kind"].isin(DROPPING)]))
        return out

    def summary(self) -> str:
        kinds = Counter(i.kind for i in self.issues)
        parts = [
            f"{self.file} ({self.format}): {self.read_rows} rows read",
            f"{self.accepted} accepted",
            f"{kinds['reject']} rejected",
            f"{kinds['duplicate']} duplicates dropped",
            f"{kinds['swap']} lat/lon swaps fixed",
            f"{kinds['geocoded']} geocoded",
            f"{self.mismatches} admin mismatches",
        ]
        return ", ".join(parts)


def prepare_import(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",  # noqa: A002 - the CLI's word
    index: Any = None,
    adm0: Any = None,
    gazetteer: Any = None,
    geocode: bool = True,
    dayfirst: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Read ``path`` and return the rows an import would add, with admin units when ``index`` is given.

    ``progress`` is called with the name of each stage as it starts (for a progress bar).
    ``index`` is a :class:`geo.join.AdminIndex` (or None to skip the join); ``adm0`` the countries used to
    prove lat/lon swaps (defaults to the index's ADM0 layer).
    """
    from geo import io, join, validate

    step = progress or (lambda _stage: None)
    read = io.read_events(path, format=format, dayfirst=dayfirst)
    step("geocoding and validating")
    issues: list[RowIssue] = list(read.issues)
    frame = read.frame
    if geocode and _needs_geocoding(frame):
        from geo.geocode import geocode_events

        frame, geo_issues = geocode_events(frame, gazetteer)
        issues.extend(geo_issues)
    if adm0 is None and index is not None and not index.levels[0].empty:
        adm0 = _adm0_frame(index)
    checked = validate.validate(frame, adm0=adm0)
    issues.extend(checked.issues)
    frame = checked.frame
    if index is not None:
        step("joining to the boundaries")
        frame = join.enrich(frame, index)
    issues.extend(_mismatch_issues(frame))
    return ImportReport(
        file=str(read.file),
        format=read.format,
        sha256=read.sha256,
        read_rows=len(read.frame) + sum(1 for i in read.issues if i.kind == "reject"),
        frame=frame,
        issues=sorted(issues, key=lambda i: (i.row, i.field)),
        warnings=list(read.warnings),
        encoding=read.encoding,
        delimiter=read.delimiter,
    )


def _needs_geocoding(frame: pd.DataFrame) -> bool:
    missing = frame["lon"].isna() | frame["lat"].isna()
    named = frame["location_name"].fillna("").astype(str).str.strip() != ""
    return bool((missing & named).any())


def _adm0_frame(index: Any) -> pd.DataFrame:
    level = index.levels[0]
    return pd.DataFrame({"iso3": level.attrs["adm0_iso"].astype(str).to_numpy(), "geometry": level.geoms})


def _mismatch_issues(frame: pd.DataFrame) -> list[RowIssue]:
    if "admin_mismatch" not in frame.columns:
        return []
    col = frame["admin_mismatch"].fillna("").astype(str)
    out = []
    for pos in (col != "").to_numpy().nonzero()[0]:
        row = frame["import_row"].iat[pos]
        out.append(
            RowIssue(
                file=str(frame["import_file"].iat[pos]),
                row=int(row) if pd.notna(row) else pos + 1,
                field="admin",
                value=str(frame["id"].iat[pos]),
                reason=f"source admin names disagree with the boundaries: {col.iat[pos]}",
                kind="mismatch",
            )
        )
    return out
