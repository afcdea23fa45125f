"""One import, stage by stage: read → geocode → validate → join. Nothing is stored here.

:func:`prepare_import` returns an :class:`ImportReport` (accepted rows enriched with admin units, every
issue, counts) that the CLI prints and the app shows *before* anything is committed to the store.

Nothing is lost on the way: every row read is accepted, rejected (with its reasons) or a true duplicate
(same id and content as an earlier row, or a possible duplicate the analyst left out with
:meth:`ImportReport.without`); ``read = accepted + rejected + duplicates`` is checked on every report.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.errors import GeoError
from geo.schema import RowIssue, take_rows

#: Issue kinds that remove a row from the import.
DROPPING = ("reject", "duplicate")
#: Fields shown for a possible duplicate and the event it points at, side by side.
PAIR_FIELDS = ("import_row", "id", "date_start", "category", "title", "location_name", "lon", "lat",
               "geo_precision", "source_name")
#: Formats read as a table under one header line: data row N is line N + 1 in a spreadsheet or editor.
HEADED_FORMATS: Final = frozenset({"csv", "xlsx", "acled", "ucdp", "viina"})
#: The columns of :meth:`ImportReport.issues_frame`, reason first.
ISSUE_COLUMNS: Final = ("reason", "file", "line", "field", "value", "kind", "row")


@dataclass(frozen=True)
class ImportReport:
    """What an import would add, and everything found on the way.

    ``read_rows`` is the reader's own count; constructing a report whose rows do not add up
    (read = accepted + rejected + duplicates) raises GeoError rather than show counts that lie.
    """

    file: str
    format: str
    sha256: str
    read_rows: int
    frame: pd.DataFrame  # accepted rows, canonical + join columns
    issues: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None

    def __post_init__(self) -> None:
        counted = self.accepted + self.rejected + self.duplicates
        if counted != self.read_rows:
            raise GeoError(
                f"{self.file}: expected rows read = accepted + rejected + duplicates, got {self.read_rows} read "
                f"but {self.accepted} + {self.rejected} + {self.duplicates} = {counted}; nothing imported"
            )

    @property
    def accepted(self) -> int:
        """Rows that a commit would offer to the store."""
        return len(self.frame)

    def count(self, kind: str) -> int:
        """Issues of ``kind`` (a rejected row can have several)."""
        return sum(1 for i in self.issues if i.kind == kind)

    def _rows(self, kind: str) -> int:
        return len({(i.file, i.row) for i in self.issues if i.kind == kind})

    @property
    def rejected(self) -> int:
        """Rows rejected (each with one or more reasons)."""
        return self._rows("reject")

    @property
    def duplicates(self) -> int:
        """Rows dropped as true duplicates (or left out by the analyst as duplicates)."""
        return self._rows("duplicate")

    @property
    def possible_duplicates(self) -> int:
        """Accepted rows flagged as possibly repeating an earlier event (kept: the analyst decides)."""
        col = self.frame.get("possible_duplicate_of")
        return 0 if col is None else int(col.notna().sum())

    @property
    def mismatches(self) -> int:
        col = self.frame.get("admin_mismatch")
        return 0 if col is None else int((col.fillna("").astype(str) != "").sum())

    @property
    def headed(self) -> bool:
        """True when the rows came from a table under a header line (CSV, XLSX and their exports)."""
        return self.format in HEADED_FORMATS

    def issues_frame(self) -> pd.DataFrame:
        """Every issue as a table (:data:`ISSUE_COLUMNS`, reason first): the rejects report.

        ``line`` is where the analyst finds the row: the spreadsheet line (``row`` + 1, after the header)
        for a :attr:`headed` table, the feature number otherwise; ``row`` is ``import_row`` as stored.
        """
        table = pd.DataFrame([i.as_dict() for i in self.issues], columns=[c for c in ISSUE_COLUMNS if c != "line"])
        table["line"] = self.lines(table["row"])
        return pd.DataFrame(table[list(ISSUE_COLUMNS)])

    def lines(self, rows: pd.Series) -> pd.Series:
        """Where the analyst finds data rows ``rows`` (``import_row``) in their file: the spreadsheet line
        (after the header) for a :attr:`headed` table, the feature number otherwise."""
        return pd.to_numeric(rows, errors="coerce").astype("Int64") + (1 if self.headed else 0)

    def named(self, name: str) -> ImportReport:
        """This report with the file called ``name`` everywhere (issues, ``import_file``): the name the
        analyst chose for an upload, not the server's temporary copy."""
        frame = self.frame.assign(import_file=pd.array([name] * len(self.frame), dtype="string"))
        issues = [replace(i, file=name) for i in self.issues]
        return replace(self, file=name, frame=frame, issues=issues)

    def write_rejects(self, path: str | os.PathLike[str]) -> Path:
        """Write the rejected and dropped rows with their reasons as CSV (formula cells neutralised)."""
        from geo.export import csv_bytes

        out = Path(path)
        table = self.issues_frame()
        out.write_bytes(csv_bytes(table.loc[table["kind"].isin(DROPPING)]))
        return out

    def flagged(self) -> dict[str, int]:
        """Accepted rows carrying each kind of flag (a row can carry several)."""
        kinds = Counter(i.kind for i in self.issues)
        return {
            "possible duplicates": self.possible_duplicates,
            "admin mismatches": self.mismatches,
            "boundary hierarchy conflicts": kinds["hierarchy"],
            "lat/lon swaps fixed": kinds["swap"],
            "geocoded": kinds["geocoded"],
        }

    def summary(self) -> str:
        flagged = ", ".join(f"{n} {label}" for label, n in self.flagged().items())
        return (
            f"{self.file} ({self.format}): {self.read_rows} rows read = {self.accepted} accepted + "
            f"{self.rejected} rejected + {self.duplicates} duplicates dropped; flagged: {flagged}"
        )

    def possible_duplicate_pairs(self) -> pd.DataFrame:
        """Each possible duplicate beside the event it points at: ``line`` (:meth:`lines`) and the
        :data:`PAIR_FIELDS` of the flagged row, then the same of the earlier event as ``earlier <field>``;
        one row per flagged row."""
        frame = self.frame
        of = frame["possible_duplicate_of"] if "possible_duplicate_of" in frame else pd.Series(dtype="string")
        flagged = np.flatnonzero(of.notna().to_numpy(dtype=bool))
        earlier = pd.Index(frame["id"].astype("string")).get_indexer(of.iloc[flagged].astype("string"))
        fields = [c for c in PAIR_FIELDS if c in frame.columns]
        this = take_rows(pd.DataFrame(frame[fields]), flagged)
        other = take_rows(pd.DataFrame(frame[fields]), np.maximum(earlier, 0))
        other.loc[earlier < 0] = None  # the earlier event was itself left out (see without)
        if "import_row" in fields:
            this.insert(0, "line", self.lines(this["import_row"]))
            other.insert(0, "line", self.lines(other["import_row"]))
        return pd.concat([this, other.add_prefix("earlier ")], axis=1)

    def without(self, ids: Iterable[str]) -> ImportReport:
        """This report with the possible duplicates ``ids`` left out by the analyst: they are no longer
        accepted and are counted as duplicates (an issue of kind "duplicate" naming the earlier event).
        Raises GeoError for an id that is not a possible duplicate of this import."""
        wanted = list(dict.fromkeys(str(i) for i in ids))
        if not wanted:
            return self
        frame = self.frame
        ident = frame["id"].astype("string")
        of = frame["possible_duplicate_of"].astype("string")
        flagged = set(ident[of.notna()])
        unknown = [i for i in wanted if i not in flagged]
        if unknown:
            raise GeoError(
                f"{self.file}: expected ids of possible duplicates to leave out, got "
                f"{', '.join(repr(i) for i in unknown[:5])}" + (" ..." if len(unknown) > 5 else "")
            )
        drop = ident.isin(wanted).to_numpy(dtype=bool)
        positions = np.flatnonzero(drop)
        earlier = pd.Index(ident).get_indexer(of.iloc[positions])
        rows = frame["import_row"].to_numpy(dtype=object)
        dismissed = []
        for pos, other in zip(positions.tolist(), earlier.tolist(), strict=True):
            where = f"row {rows[other]} " if other >= 0 else ""
            dismissed.append(
                RowIssue(
                    str(frame["import_file"].iat[pos]), int(rows[pos]), "id", str(ident.iat[pos]),
                    f"left out by the analyst as a duplicate of {where}(id {of.iat[pos]})",
                    "duplicate",
                )
            )
        gone = {(d.file, d.row) for d in dismissed}
        kept = [i for i in self.issues if not (i.kind == "possible_duplicate" and (i.file, i.row) in gone)]
        return replace(
            self,
            frame=take_rows(frame, np.flatnonzero(~drop)),
            issues=sorted([*kept, *dismissed], key=lambda i: (i.row, i.field)),
        )


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
        read_rows=read.read_rows,
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


#: Join columns that note a disagreement, the issue kind each becomes and how its reason starts.
_ADMIN_NOTES: Final = (
    ("admin_mismatch", "mismatch", "source admin names disagree with the boundaries"),
    ("admin_hierarchy", "hierarchy", "the boundary layers disagree with each other"),
)


def _mismatch_issues(frame: pd.DataFrame) -> list[RowIssue]:
    """One issue per row and kind of admin disagreement the join noted (the rows are kept)."""
    out = []
    for column, kind, lead in _ADMIN_NOTES:
        if column not in frame.columns:
            continue
        col = frame[column].fillna("").astype(str)
        for pos in (col != "").to_numpy().nonzero()[0]:
            row = frame["import_row"].iat[pos]
            out.append(
                RowIssue(
                    file=str(frame["import_file"].iat[pos]),
                    row=int(row) if pd.notna(row) else pos + 1,
                    field="admin",
                    value=str(frame["id"].iat[pos]),
                    reason=f"{lead}: {col.iat[pos]}",
                    kind=kind,
                )
            )
    return out
