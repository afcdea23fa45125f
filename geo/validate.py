"""Validation of canonical event frames: bad rows out, swaps fixed only when the geometry proves them, and
duplicates told apart from events that merely look alike.

:func:`validate` never mutates its input. It returns the rows kept and one :class:`geo.schema.RowIssue`
per problem, each naming file, row, field and value. A row leaves the import only as a rejection (kind
"reject", with its reason) or as a true duplicate (kind "duplicate": same id and same content as an earlier
row); events that are merely alike (same day, category and place) are kept and flagged
``possible_duplicate``, with ``possible_duplicate_of`` naming the earlier event, for the analyst to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

from geo.schema import EVENT_COLUMNS, RowIssue, take_rows

#: Two events of the same day and category closer than this (km) may be one event reported twice.
DUPLICATE_KM: Final = 1.0
_COARSE: Final = ("admin2", "admin1", "country")


@dataclass(frozen=True)
class Validated:
    """Rows kept (a canonical frame) and every issue found."""

    frame: pd.DataFrame
    issues: list[RowIssue] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for i in self.issues if i.kind == kind)


def validate(frame: pd.DataFrame, *, adm0: Any = None, duplicate_km: float = DUPLICATE_KM) -> Validated:
    """Check coordinates and dates, fix proven lat/lon swaps, drop true duplicates, flag possible ones.

    ``adm0`` is an optional GeoDataFrame of countries (columns ``iso3``, ``geometry``, EPSG:4326): with it, a
    row whose point lies outside its declared ``country_iso`` but whose swapped point lies inside is
    fixed and flagged ``latlon_swapped``; without it, swaps are only reported.
    """
    out = frame.copy(deep=False)  # copy-on-write: columns changed below are copied, the rest shared
    issues: list[RowIssue] = []
    keep = np.ones(len(out), dtype=bool)

    keep &= _check_dates(out, issues)
    keep &= _check_coordinates(out, issues, adm0)
    if not keep.all():
        out = take_rows(out, np.flatnonzero(keep))
    out, id_issues = _same_ids(out)
    issues.extend(id_issues)
    issues.extend(_flag_possible_duplicates(out, duplicate_km))
    return Validated(out, issues)


def _issue(frame: pd.DataFrame, pos: int, fld: str, value: object, reason: str, kind: str) -> RowIssue:
    file = frame["import_file"].iat[pos] if "import_file" in frame else None
    row = frame["import_row"].iat[pos] if "import_row" in frame else None
    return RowIssue(
        file=str(file) if file is not None and file is not pd.NA else "<input>",
        row=int(row) if row is not None and row is not pd.NA else pos + 1,
        field=fld,
        value="" if value is None or value is pd.NA else str(value),
        reason=reason,
        kind=kind,
    )


def _add_flag(frame: pd.DataFrame, positions: np.ndarray, flag: str) -> None:
    """Append ``flag`` to the ``flags`` of the rows at ``positions`` that lack it (the other rows keep theirs,
    even none)."""
    if len(positions) == 0:
        return
    flags = frame["flags"].astype("string")
    mask = np.zeros(len(frame), dtype=bool)
    mask[positions] = True
    has = flags.fillna("").str.contains(f"(?:^|;){re.escape(flag)}(?:;|$)", regex=True).to_numpy(dtype=bool)
    mask &= ~has
    if not mask.any():
        return
    current = flags[mask]
    flags[mask] = (current + ";" + flag).where(current.notna() & (current != ""), flag)
    frame["flags"] = flags


def _check_dates(frame: pd.DataFrame, issues: list[RowIssue]) -> np.ndarray:
    ok = np.ones(len(frame), dtype=bool)
    start = frame["date_start"]
    end = frame["date_end"]
    missing = start.isna().to_numpy()
    for pos in np.flatnonzero(missing):
        issues.append(_issue(frame, pos, "date_start", "", "expected a start date, got none", "reject"))
    backwards = (end.notna() & start.notna() & (end < start)).to_numpy()
    for pos in np.flatnonzero(backwards):
        issues.append(
            _issue(
                frame, pos, "date_end", end.iat[pos].date(),
                f"expected an end date on or after the start date {start.iat[pos].date()}, got an earlier one",
                "reject",
            )
        )
    ok &= ~missing & ~backwards
    return ok


def _check_coordinates(frame: pd.DataFrame, issues: list[RowIssue], adm0: Any) -> np.ndarray:
    lon = frame["lon"].to_numpy(dtype=float).copy()
    lat = frame["lat"].to_numpy(dtype=float).copy()
    ok = np.ones(len(frame), dtype=bool)

    half = np.isnan(lon) ^ np.isnan(lat)
    for pos in np.flatnonzero(half):
        fld = "lat" if np.isnan(lat[pos]) else "lon"
        issues.append(_issue(frame, pos, fld, "", "expected both latitude and longitude, got only one", "reject"))
    ok &= ~half

    has = ~np.isnan(lon) & ~np.isnan(lat)
    lat_bad = has & (np.abs(lat) > 90)
    lon_bad = has & (np.abs(lon) > 180)
    swappable = lat_bad & ~lon_bad & (np.abs(lon) <= 90)
    declared = frame["country_iso"].notna().to_numpy()  # only a declared country can prove a swap
    iso = (
        frame["country_iso"].astype("string").fillna("").str.upper().to_numpy(dtype=object)
        if declared.any()
        else np.full(len(frame), "", dtype=object)
    )

    # a point outside [-90, 90] latitude: swapped when the swapped point is in the declared country
    fixed = np.zeros(len(frame), dtype=bool)
    candidates = np.flatnonzero(has & declared & ~lon_bad & (np.abs(lon) <= 90) & (np.abs(lat) <= 180))
    if adm0 is not None and len(adm0) and len(candidates):
        fixed[candidates] = _swap_proven(lon[candidates], lat[candidates], iso[candidates], adm0)
    for pos in np.flatnonzero(fixed):
        issues.append(
            _issue(
                frame, pos, "lat/lon", f"{lat[pos]}, {lon[pos]}",
                f"latitude and longitude swapped: ({lat[pos]}, {lon[pos]}) lies outside {iso[pos]}, "
                f"({lon[pos]}, {lat[pos]}) inside; fixed",
                "swap",
            )
        )
    if fixed.any():
        lon[fixed], lat[fixed] = lat[fixed], lon[fixed].copy()
        frame["lon"] = lon
        frame["lat"] = lat
        _add_flag(frame, np.flatnonzero(fixed), "latlon_swapped")

    lat_bad &= ~fixed
    lon_bad &= ~fixed
    swappable &= ~fixed
    for pos in np.flatnonzero(lat_bad | lon_bad):
        fld = "lat" if lat_bad[pos] else "lon"
        value = lat[pos] if lat_bad[pos] else lon[pos]
        limit = 90 if lat_bad[pos] else 180
        hint = "; latitude and longitude look swapped" if swappable[pos] else ""
        issues.append(
            _issue(frame, pos, fld, value, f"expected a value in [-{limit}, {limit}], got {value}{hint}", "reject")
        )
    ok &= ~(lat_bad | lon_bad)
    return ok


def _swap_proven(lon: np.ndarray, lat: np.ndarray, iso: np.ndarray, adm0: Any) -> np.ndarray:
    """True where the point is outside its declared country and the swapped point inside it."""
    result = np.zeros(len(lon), dtype=bool)
    countries = dict(zip(adm0["iso3"].astype(str), adm0["geometry"].to_numpy()))
    for code in set(iso) & set(countries):
        sel = np.flatnonzero(iso == code)
        geom = countries[code]
        shapely.prepare(geom)
        here = shapely.covers(geom, shapely.points(lon[sel], lat[sel])) & (np.abs(lat[sel]) <= 90)
        swapped = shapely.covers(geom, shapely.points(lat[sel], lon[sel]))
        result[sel] = ~here & swapped
    return result


def _same_ids(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[RowIssue]]:
    """A source's id names one event: of the rows sharing an id the first is kept; a later one is a true
    duplicate (dropped, kind "duplicate") when its content equals the first's, else it is rejected with a
    reason naming both rows (the id says one event, the content two: not provably the same record)."""
    n = len(frame)
    ids = frame["id"].astype("string")
    codes = pd.factorize(ids, use_na_sentinel=True)[0]
    later = pd.Series(codes).duplicated(keep="first").to_numpy() & (codes >= 0)
    if not later.any():
        return frame, []
    first_pos = pd.Series(np.arange(n)).groupby(codes).transform("first").to_numpy()
    pos = np.flatnonzero(later)
    first = first_pos[pos]
    differs = _differences(frame, pos, first)  # (rows, columns): True where the content differs
    same = ~differs.any(axis=1)
    rows, files = _rows(frame), _files(frame)
    issues = []
    for k, (j, f) in enumerate(zip(pos.tolist(), first.tolist(), strict=True)):
        ident = str(ids.iat[j])
        if same[k]:
            reason = f"duplicate of row {rows[f]} (id {ident}): same id and same content"
            issues.append(RowIssue(str(files.iat[j]), int(rows[j]), "id", ident, reason, "duplicate"))
        else:
            fields = ", ".join(c for c, d in zip(_CONTENT, differs[k], strict=True) if d)
            reason = (
                f"expected a unique id or a repeat of row {rows[f]}, got id {ident} on row {rows[f]} and here "
                f"with different {fields}: not provably the same event; give one of them another id"
            )
            issues.append(RowIssue(str(files.iat[j]), int(rows[j]), "id", ident, reason, "reject"))
    return take_rows(frame, np.flatnonzero(~later)), issues


#: What a row says about its event (every canonical column but its id and provenance): equal content under
#: one id is the same record.
_CONTENT: Final = tuple(
    c for c in EVENT_COLUMNS
    if c not in ("id", "possible_duplicate_of", "import_file", "import_sha256", "import_row", "import_time")
)


def _differences(frame: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(_CONTENT)) booleans: row a[k] and row b[k] differ in that column (missing = missing)."""
    out = np.zeros((len(a), len(_CONTENT)), dtype=bool)
    for c, col in enumerate(_CONTENT):
        if col not in frame.columns:
            continue
        values = frame[col]
        left, right = values.take(a).reset_index(drop=True), values.take(b).reset_index(drop=True)
        na_l, na_r = left.isna().to_numpy(), right.isna().to_numpy()
        equal = (left == right).fillna(False).to_numpy(dtype=bool)
        out[:, c] = ~((na_l & na_r) | (~na_l & ~na_r & equal))
    return out


def _rows(frame: pd.DataFrame) -> np.ndarray:
    """The 1-based source row of every row (its position + 1 where the frame does not say)."""
    n = len(frame)
    if "import_row" not in frame:
        return np.arange(1, n + 1)
    rows = frame["import_row"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(rows), np.arange(1, n + 1), rows).astype(np.int64)


def _files(frame: pd.DataFrame) -> pd.Series:
    """The source file of every row ("<input>" where the frame does not say)."""
    if "import_file" not in frame:
        return pd.Series("<input>", index=frame.index, dtype="string")
    return frame["import_file"].astype("string").fillna("<input>")


def _flag_possible_duplicates(frame: pd.DataFrame, km: float) -> list[RowIssue]:
    """Flag (never drop) each event that may repeat an earlier one: same day and category and within ``km``
    (admin-unit or country centroids only with the same title), or, without coordinates, the same place
    name. The later row gets the flag "possible_duplicate" and ``possible_duplicate_of`` = the id of the
    earliest such event; one issue (kind "possible_duplicate") each. Sets the column on ``frame``."""
    n = len(frame)
    partner = np.full(n, -1, dtype=np.int64)  # earliest earlier event this one pairs with
    reason = np.zeros(n, dtype=np.int8)  # index into _PAIR_REASONS
    if n > 1:
        day = frame["date_start"].to_numpy(dtype="datetime64[D]").astype(np.int64)
        cat = pd.factorize(frame["category"].astype("string"), use_na_sentinel=False)[0]
        lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
        located = np.isfinite(lon) & np.isfinite(lat)
        _pair_by_place(frame, located, day, cat, lon, lat, km, partner, reason)
        _pair_by_name(frame, ~located, day, cat, partner, reason)
    flagged = np.flatnonzero(partner >= 0)
    ids = frame["id"].astype("string")
    of = pd.Series(pd.NA, index=frame.index, dtype="string")
    issues = []
    if len(flagged):
        of.iloc[flagged] = ids.take(partner[flagged]).to_numpy()
        rows, files = _rows(frame), _files(frame)
        for j in flagged.tolist():
            f = int(partner[j])
            why = _PAIR_REASONS[reason[j]].format(km=km)
            issues.append(
                RowIssue(
                    str(files.iat[j]), int(rows[j]), "id", str(ids.iat[j]),
                    f"possible duplicate of row {rows[f]} (id {ids.iat[f]}): {why}; kept, flagged",
                    "possible_duplicate",
                )
            )
    frame["possible_duplicate_of"] = of
    _add_flag(frame, flagged, "possible_duplicate")
    return issues


def _pair_by_place(
    frame: pd.DataFrame, located: np.ndarray, day: np.ndarray, cat: np.ndarray, lon: np.ndarray,
    lat: np.ndarray, km: float, partner: np.ndarray, reason: np.ndarray,
) -> None:
    """Same day and category, within ``km``: the later event's ``partner`` is the earliest such one."""
    if located.sum() < 2:
        return
    pos = np.flatnonzero(located)
    # equirectangular metres (exact enough at 1 km); only same-day, same-category points can pair
    rad = np.radians
    x = 6371008.8 * rad(lon[pos]) * np.cos(rad(lat[pos]))
    y = 6371008.8 * rad(lat[pos])
    group = pd.factorize(day[pos] * (int(cat.max()) + 1) + cat[pos])[0]
    a, b = _near_pairs(x, y, group, km * 1000.0)
    if not len(a):
        return
    i, j = pos[a], pos[b]
    # an admin-unit or country centroid is not a place: there, only the same title is the same event
    coarse = frame["geo_precision"].astype("string").fillna("").isin(_COARSE).to_numpy()
    either = coarse[i] | coarse[j]
    if either.any():
        title = frame["title"].astype("string").fillna("").str.strip().str.casefold().to_numpy(dtype=object)
        same = ~either | (title[i] == title[j])
        i, j = i[same], j[same]
    if len(i):
        best = pd.Series(i).groupby(j).min()
        partner[best.index.to_numpy()] = best.to_numpy()
        reason[best.index.to_numpy()] = 1


def _pair_by_name(
    frame: pd.DataFrame, unlocated: np.ndarray, day: np.ndarray, cat: np.ndarray, partner: np.ndarray,
    reason: np.ndarray,
) -> None:
    """Without coordinates: same day, category and place name; the later events point at the first."""
    if unlocated.sum() < 2:
        return
    place = frame["location_name"].astype("string").str.strip().str.casefold().to_numpy(dtype=object)
    pos = np.flatnonzero(unlocated)
    key = pd.DataFrame({"d": day[pos], "c": cat[pos], "p": place[pos]})
    later = key.duplicated(keep="first").to_numpy() & key["p"].notna().to_numpy()
    if later.any():
        first = key.assign(i=pos).groupby(["d", "c", "p"], dropna=False)["i"].transform("first").to_numpy()
        partner[pos[later]] = first[later]
        reason[pos[later]] = 2


def _near_pairs(x: np.ndarray, y: np.ndarray, group: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i < j) of the same ``group`` whose points (x, y) lie within ``r`` of each other.

    Points are binned in cells of side ``r`` (with their group in the same sorted integer key), so a pair
    lies in one cell or in two neighbouring ones. Each point looks at the later points of its own cell and
    the cell above (consecutive keys), and at the three cells to its right (consecutive keys too): two
    ranges of the sorted keys, found by binary search. The other neighbours look at it.
    """
    gx = np.floor(x / r).astype(np.int64)
    gy = np.floor(y / r).astype(np.int64)
    gx -= gx.min()
    gy -= gy.min()
    wx, wy = int(gx.max()) + 2, int(gy.max()) + 2  # a neighbour cell never wraps into the next column/group
    key = (group.astype(np.int64) * wx + gx) * wy + gy
    order = np.argsort(key)
    sk = key[order]
    rank = np.arange(len(sk))
    found_i, found_j = [], []
    for lo, hi in (
        (rank + 1, np.searchsorted(sk, sk + 1, "right")),
        (np.searchsorted(sk, sk + (wy - 1), "left"), np.searchsorted(sk, sk + (wy + 1), "right")),
    ):
        count = np.maximum(hi - lo, 0)
        total = int(count.sum())
        if total == 0:
            continue
        src = np.repeat(rank, count)
        dst = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(total)
        a, b = order[src], order[dst]
        near = (x[a] - x[b]) ** 2 + (y[a] - y[b]) ** 2 <= r * r
        found_i.append(np.minimum(a, b)[near])
        found_j.append(np.maximum(a, b)[near])
    if not found_i:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(found_i), np.concatenate(found_j)


_PAIR_REASONS: Final = ("", "same day, category and place within {km:g} km", "same day, category and place name")
