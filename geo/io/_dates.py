"""Vectorised date parsing for one column of text.

Every distinct value is parsed once (a column of a million rows usually holds a few thousand distinct
dates), by regular-expression families applied to all distinct values at once:

* ``YYYY-MM-DD`` (also ``/`` or ``.``), ``YYYYMMDD``;
* ``DD/MM/YYYY`` or ``MM/DD/YYYY`` (``/`` or ``-``), ``DD.MM.YYYY`` (a dot is always day-first);
* ``16 May 2025``, ``16-May-2025``, ``May 16, 2025`` (English month names, full or abbreviated);
* ISO 8601 with a time zone offset (converted to the UTC day).

A time of day after the date (``14:30``, ``14:30:00.000``, ``2:30 PM``, ``T10:00Z``) is accepted and
dropped: canonical dates are days. Partial dates (``2024-08``, ``August 2024``) are not accepted.

Day/month order of slash dates is decided per column: a first field > 12 proves day-first, a second
field > 12 proves month-first. If both occur, the rows contradicting the majority are rejected; if
neither occurs the column is ambiguous and is read day-first (ACLED and European convention) unless
``dayfirst`` says otherwise, with one file-level warning naming the column.

Range: a day outside :func:`date_range` (1900-01-01..2100-12-31 unless ``$GEO_DATE_RANGE`` or the
``bounds`` argument says otherwise) is rejected ("expected a date between 1900-01-01 and 2100-12-31,
got '2999-01-01'"), never converted: days are computed at second resolution and checked before they
become the schema's nanosecond timestamps, which end in 2262 (a year like 2999 used to wrap to 1829).
The area readers (``geo.areas``) check their days with the same rule (:func:`check_day`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from geo.errors import GeoError
from geo.io._values import arrow_text

EXPECTED: Final = "expected a date like 2024-08-06, 06/08/2024, 6 August 2024 or 20240806, got {value!r}"

#: The days every reader accepts by default (inclusive). Events of the past century and the next are
#: plausible; anything else is a typo or a wrapped timestamp and is rejected with :data:`OUT_OF_RANGE`.
DATE_MIN: Final = dt.date(1900, 1, 1)
DATE_MAX: Final = dt.date(2100, 12, 31)
#: Environment variable overriding the range: "FIRST..LAST", days as YYYY-MM-DD.
DATE_RANGE_ENV: Final = "GEO_DATE_RANGE"
#: What a configured range may span: the days a datetime64[ns] holds (1677-09-21..2262-04-11), whole years.
_NS_MIN: Final = dt.date(1678, 1, 1)
_NS_MAX: Final = dt.date(2261, 12, 31)
OUT_OF_RANGE: Final = "expected a date between {first} and {last}, got {value!r}"
_RANGE_TEXT: Final = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")

Bounds = tuple[dt.date, dt.date]

_TIME_SUFFIX: Final = (
    r"^(.*?\d)[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT)?$"
)
_YMD: Final = r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"
_COMPACT: Final = r"^(\d{4})(\d{2})(\d{2})$"
_NUMERIC: Final = r"^(\d{1,2})([/.\-])(\d{1,2})[/.\-](\d{4})$"
_DAY_NAME: Final = r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]{3,9})\.?,?[\s\-]+(\d{4})$"
_NAME_DAY: Final = r"^([A-Za-z]{3,9})\.?[\s\-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-]+(\d{4})$"
_ISO_TZ: Final = r"^\d{4}-\d{2}-\d{2}[T ]"

_MONTHS: Final = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}

_NAT: Final = np.datetime64("NaT", "s")  # days are computed in seconds: no overflow


@dataclass(frozen=True)
class ParsedDates:
    """Dates of one column, aligned with its rows."""

    values: np.ndarray  # datetime64[ns] at midnight; NaT where empty, unreadable or out of range
    bad: np.ndarray  # bool: a value was given but could not be read (the row should be rejected)
    reasons: np.ndarray  # object: the rejection reason where ``bad``, else None
    ambiguous: np.ndarray  # bool: read under an assumed day/month order (and day != month)
    warnings: tuple[str, ...]


def date_range(text: str | None = None) -> Bounds:
    """The accepted days (first, last): ``text`` or ``$GEO_DATE_RANGE`` ("1900-01-01..2100-12-31"),
    else :data:`DATE_MIN`..:data:`DATE_MAX`. GeoError when the text is not such a range."""
    if text is None:
        text = os.environ.get(DATE_RANGE_ENV) or None
    if text is None:
        return DATE_MIN, DATE_MAX
    expected = (
        f"expected {DATE_RANGE_ENV} as FIRST..LAST days between {_NS_MIN} and {_NS_MAX} "
        f"(e.g. {DATE_MIN}..{DATE_MAX}), got {text!r}"
    )
    m = _RANGE_TEXT.match(text)
    try:
        first, last = (dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])) if m else (None, None)
    except ValueError:
        first = last = None
    if first is None or last is None or not _NS_MIN <= first <= last <= _NS_MAX:
        raise GeoError(expected)
    return first, last


def check_day(day: dt.date, value: object, bounds: Bounds | None = None) -> dt.date:
    """``day`` if it lies in the accepted range, else ValueError(:data:`OUT_OF_RANGE` with ``value``)."""
    first, last = bounds or date_range()
    if not first <= day <= last:
        raise ValueError(OUT_OF_RANGE.format(first=first, last=last, value=value))
    return day


def parse_dates(
    raw: pd.Series, column: str, dayfirst: bool | None = None, bounds: Bounds | None = None
) -> ParsedDates:
    """Parse a column of date text (stripped, missing = NA) to days; see the module docstring.

    ``bounds``: the accepted days (default :func:`date_range`); other days are rejected, not converted.
    """
    first, last = bounds or date_range()
    text = _strip_times(raw)
    codes, uniques = pd.factorize(text)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    u_values, u_reasons, u_ambiguous, warnings = _parse_uniques(
        np.asarray(uniques, dtype=object), counts, column, dayfirst
    )
    outside = ~np.isnat(u_values) & (
        (u_values < np.datetime64(first, "s")) | (u_values > np.datetime64(last, "s"))
    )
    for i in np.flatnonzero(outside):
        u_reasons[i] = OUT_OF_RANGE.format(first=first, last=last, value=uniques[i])
    u_values[outside] = _NAT
    u_values = u_values.astype("datetime64[ns]")  # safe: every remaining day lies in the range
    taken = codes >= 0
    values = np.full(len(codes), np.datetime64("NaT", "ns"))
    values[taken] = u_values[codes[taken]]
    bad = taken & np.isnat(values)
    reasons = np.full(len(codes), None, dtype=object)
    reasons[bad] = u_reasons[codes[bad]]
    ambiguous = np.zeros(len(codes), dtype=bool)
    ambiguous[taken] = u_ambiguous[codes[taken]]
    return ParsedDates(values, bad, reasons, ambiguous, warnings)


def _strip_times(raw: pd.Series) -> pd.Series:
    """Drop a trailing time of day (without a zone offset) from every value, vectorised."""
    arr = arrow_text(raw)
    if not pc.any(pc.match_substring(arr, ":")).as_py():
        return raw.astype("str")
    stripped = pc.replace_substring_regex(arr, pattern=_TIME_SUFFIX, replacement=r"\1")
    return pd.Series(pd.array(stripped, dtype="str"), index=raw.index)


def _to_days(year: pd.Series, month: pd.Series, day: pd.Series) -> np.ndarray:
    parts = pd.DataFrame({"year": year, "month": month, "day": day}).apply(pd.to_numeric, errors="coerce")
    ok = parts.notna().all(axis=1).to_numpy()
    out = np.full(len(parts), _NAT)
    if ok.any():
        sub = parts[ok].astype("int64")
        out[ok] = pd.to_datetime(sub, errors="coerce").to_numpy(dtype="datetime64[s]")
    return out


def _parse_uniques(
    uniques: np.ndarray, counts: np.ndarray, column: str, dayfirst: bool | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Parse the distinct values: (dates, rejection reasons, ambiguous mask, warnings)."""
    n = len(uniques)
    values = np.full(n, _NAT)
    reasons = np.array([EXPECTED.format(value=v) for v in uniques], dtype=object)
    ambiguous = np.zeros(n, dtype=bool)
    if n == 0:
        return values, reasons, ambiguous, ()
    s = pd.Series(uniques, dtype=object).astype(str)
    done = np.zeros(n, dtype=bool)

    for pattern in (_YMD, _COMPACT):
        parts = s.str.extract(pattern)
        hit = parts[0].notna().to_numpy() & ~done
        if hit.any():
            values[hit] = _to_days(parts[0][hit], parts[1][hit], parts[2][hit])
            done |= hit

    for pattern, day_idx, month_idx, year_idx in ((_DAY_NAME, 0, 1, 2), (_NAME_DAY, 1, 0, 2)):
        parts = s.str.extract(pattern)
        hit = parts[0].notna().to_numpy() & ~done
        if hit.any():
            months = parts[month_idx][hit].str.lower().map(_MONTHS)
            values[hit] = _to_days(parts[year_idx][hit], months, parts[day_idx][hit])
            done |= hit

    warnings = _numeric_dates(s, counts, done, values, reasons, ambiguous, column, dayfirst)
    done |= s.str.match(_NUMERIC).to_numpy()

    rest = ~done & s.str.match(_ISO_TZ).to_numpy()
    if rest.any():
        parsed = pd.to_datetime(s[rest], format="ISO8601", utc=True, errors="coerce")
        values[rest] = parsed.dt.tz_localize(None).dt.floor("D").to_numpy(dtype="datetime64[s]")
    return values, reasons, ambiguous, warnings


def _numeric_dates(
    s: pd.Series,
    counts: np.ndarray,
    done: np.ndarray,
    values: np.ndarray,
    reasons: np.ndarray,
    ambiguous: np.ndarray,
    column: str,
    dayfirst: bool | None,
) -> tuple[str, ...]:
    """Fill ``values`` for DD/MM/YYYY-like values (in place), deciding the day/month order."""
    parts = s.str.extract(_NUMERIC)
    hit = parts[0].notna().to_numpy() & ~done
    if not hit.any():
        return ()
    first = pd.to_numeric(parts[0], errors="coerce").to_numpy()
    second = pd.to_numeric(parts[2], errors="coerce").to_numpy()
    dot = (parts[1] == ".").to_numpy() & hit
    slash = hit & ~dot
    values[dot] = _to_days(parts[3][dot], parts[2][dot], parts[0][dot])

    proves_dm = slash & (first > 12)
    proves_md = slash & (second > 12)
    n_dm, n_md = int(counts[proves_dm].sum()), int(counts[proves_md].sum())
    unsure = slash & (first <= 12) & (second <= 12) & (first != second)
    warnings: tuple[str, ...] = ()
    if dayfirst is not None:
        use_dayfirst = dayfirst
        wrong = proves_md if dayfirst else proves_dm
        want = "DD/MM/YYYY (dayfirst=True)" if dayfirst else "MM/DD/YYYY (dayfirst=False)"
        for i in np.flatnonzero(wrong):
            reasons[i] = f"expected {want}, got {s.iat[i]!r}"
    elif n_dm and n_md:
        use_dayfirst = n_dm >= n_md
        wrong = proves_md if use_dayfirst else proves_dm
        order = "DD/MM/YYYY" if use_dayfirst else "MM/DD/YYYY"
        minority = "MM/DD/YYYY" if use_dayfirst else "DD/MM/YYYY"
        for i in np.flatnonzero(wrong):
            reasons[i] = (
                f"expected {order} like most of column {column!r} ({n_dm} rows day-first, "
                f"{n_md} rows month-first), got {minority}-only value {s.iat[i]!r}"
            )
        warnings = (
            f"column {column!r}: mixed day/month order ({n_dm} rows prove DD/MM/YYYY, {n_md} prove "
            f"MM/DD/YYYY); read as {order}, rows only valid as {minority} rejected",
        )
        ambiguous[unsure] = True
    elif n_dm or n_md:
        use_dayfirst = bool(n_dm)
    else:
        use_dayfirst = True
        if unsure.any():
            warnings = (
                f"column {column!r}: day/month order ambiguous (all values have day<=12); read as "
                "DD/MM/YYYY, pass --dayfirst/--monthfirst to override",
            )
            ambiguous[unsure] = True
    day, month = (parts[0], parts[2]) if use_dayfirst else (parts[2], parts[0])
    values[slash] = _to_days(parts[3][slash], month[slash], day[slash])
    return warnings
