"""Shared machinery of the readers: the result type, the read context and the row builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from geo import schema
from geo.io._values import join_text
from geo.schema import RowIssue


@dataclass(frozen=True)
class ReadResult:
    """Events read from one file, and what was rejected or noticed on the way."""

    frame: pd.DataFrame  # exactly schema.EVENT_COLUMNS in schema dtypes; rejected rows are not in it
    issues: list[RowIssue]  # rejected rows (kind="reject") and notes on kept rows (kind="flag")
    format: str
    file: str
    sha256: str
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)  # file-level notes
    read_rows: int = 0  # data rows the reader saw: kept + rejected (blank rows are not rows)

    @property
    def rejected(self) -> list[RowIssue]:
        """The issues that dropped a row."""
        return [i for i in self.issues if i.kind == "reject"]


@dataclass(frozen=True)
class Context:
    """What every reader needs besides the file's content."""

    file: str
    sha256: str
    import_time: np.datetime64
    dayfirst: bool | None = None
    default_verification: str = "reported"


def constant(n: int, value: str | None) -> pd.Series:
    """A string column of ``n`` copies of ``value`` (built in C, not from a Python list)."""
    if value is None:
        return pd.Series(pd.array(pa.nulls(n, pa.large_string()), dtype="string"))
    return pd.Series(pd.array(pa.repeat(pa.scalar(value, pa.large_string()), n), dtype="string"))


def as_series(values: object, n: int) -> pd.Series:
    """A positional (RangeIndex) Series from a Series or array of length ``n``."""
    series = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(values)
    if len(series) != n:
        raise ValueError(f"expected {n} values, got {len(series)}")
    return series


Reason = str | np.ndarray | Callable[[str], str]  # text; per-row texts; or made from the raw value


class Builder:
    """Canonical columns for the rows of one file, with rejections, notes, flags and warnings."""

    def __init__(self, ctx: Context, rows: np.ndarray) -> None:
        self.ctx = ctx
        self.rows = np.asarray(rows, dtype="int64")
        self.n = len(self.rows)
        self.columns: dict[str, pd.Series] = {}
        self.rejected = np.zeros(self.n, dtype=bool)
        self.issues: list[RowIssue] = []
        self.warnings: list[str] = []
        self._flags: list[tuple[np.ndarray, str]] = []

    def set(self, name: str, values: object) -> None:
        """Set canonical column ``name``."""
        if name not in schema.EVENT_DTYPES:
            raise KeyError(f"expected a canonical column, got {name!r}")
        self.columns[name] = as_series(values, self.n)

    def reject(self, mask: np.ndarray, field: str, raw: pd.Series, reason: Reason) -> None:
        """Drop the rows in ``mask``, each with an issue naming ``field`` and its raw value."""
        self._issues(mask, field, raw, reason, "reject")
        self.rejected |= np.asarray(mask, dtype=bool)

    def note(self, mask: np.ndarray, field: str, raw: pd.Series, reason: Reason) -> None:
        """Keep the rows in ``mask`` but report them (kind="flag")."""
        self._issues(mask, field, raw, reason, "flag")

    def flag(self, mask: np.ndarray, name: str) -> None:
        """Add machine flag ``name`` to the ``flags`` column of the rows in ``mask``."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self._flags.append((mask, name))

    def warn(self, message: str) -> None:
        """A file-level warning (once)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def _issues(self, mask: np.ndarray, field: str, raw: pd.Series, reason: Reason, kind: str) -> None:
        idx = np.flatnonzero(np.asarray(mask, dtype=bool) & ~self.rejected)  # one reject per row, the first
        if not len(idx):
            return
        values = as_series(raw, self.n).iloc[idx].tolist()
        texts = ["" if v is None or v is pd.NA or v != v else str(v) for v in values]
        if isinstance(reason, str):
            reasons = [reason] * len(idx)
        elif callable(reason):
            reasons = [reason(t) for t in texts]
        else:
            reasons = [str(r) for r in np.asarray(reason, dtype=object)[idx]]
        for i, text, why in zip(idx, texts, reasons, strict=True):
            self.issues.append(RowIssue(self.ctx.file, int(self.rows[i]), field, text, why, kind))

    def _flags_column(self) -> pd.Series | None:
        if not self._flags:
            return self.columns.get("flags")
        parts = [self.columns["flags"]] if "flags" in self.columns else []
        for mask, name in self._flags:
            parts.append(pd.Series(np.where(mask, name, None), dtype="str"))
        return join_text(parts, ";")

    def result(
        self,
        fmt: str,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        issues: tuple[RowIssue, ...] = (),
    ) -> ReadResult:
        """The ReadResult: kept rows conformed to the schema, import_* columns filled."""
        columns = dict(self.columns)
        flags = self._flags_column()
        if flags is not None:
            columns["flags"] = flags
        keep = ~self.rejected
        n_keep = int(keep.sum())
        data: dict[str, object] = {}
        for name, values in columns.items():
            data[name] = values if n_keep == self.n else values[keep].reset_index(drop=True)
        data["import_file"] = constant(n_keep, self.ctx.file)
        data["import_sha256"] = constant(n_keep, self.ctx.sha256)
        data["import_row"] = pd.array(self.rows[keep], dtype="Int64")
        data["import_time"] = np.full(n_keep, self.ctx.import_time, dtype="datetime64[ns]")
        frame = schema.conform(pd.DataFrame(data, index=pd.RangeIndex(n_keep)))
        all_issues = sorted([*issues, *self.issues], key=lambda i: (i.row, i.kind != "reject", i.field))
        return ReadResult(
            frame=frame,
            issues=all_issues,
            format=fmt,
            file=self.ctx.file,
            sha256=self.ctx.sha256,
            encoding=encoding,
            delimiter=delimiter,
            warnings=list(self.warnings),
            read_rows=self.n + len({i.row for i in issues if i.kind == "reject"}),  # + rows dropped before
        )
