"""Units and their dated positions: "where was everything as of this date".

A unit is known by its name (``unit``), matched across files and scripts by :func:`geo.names.name_key`
(``unit_key``: "3-я омсбр", "3rd OMSBr" and "3 omsbr" transliterate alike). Its positions come from
unit-position files (:func:`geo.io.units.read_positions`), each a report on a day, with its precision, source
and verification.

* :func:`as_of`: each unit at its latest report on or before a day (vectorised: one sort, one pass), with the
  report's age in days; units not yet reported that day are left out. Ties (two reports of one unit on its
  latest day) go to the more precise place, then the more certain verification, then the later row read.
* :func:`track`: a unit's reports up to a day, oldest first (its dated line with arrows on a map).
* :func:`link_events`: the unit each deployment event names (its ``unit`` column, else its title), matched by
  name key, so a deployment links to the unit table.
* :func:`to_csv_bytes` / :func:`to_geojson_bytes`: an as-of table as the CLI writes it
  (``python -m geo units FILE... --as-of DATE --out OUT.csv|OUT.geojson``).
* :func:`drawn`: the as-of table as every map draws it (the one rule of both renderers): each unit's symbol
  code (its own when valid, else derived from its type, equipment and name, with the reason), its affiliation
  as the analyst's side sees it (``$GEO_OWN_SIDE``, ``$GEO_ALLIES``, ``$GEO_HOSTILES``), its echelon rank for
  the level-of-detail rule (:func:`min_rank_at`) and its recent reports (the popup's history, the track).
* :class:`UnitStore`: the positions kept in the events' GeoPackage, in their own layer ``unit_positions``
  (``python -m geo import --units FILE...``), each report once (its ``report_id``: the hash of what makes two
  rows the same report).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo import names
from geo.errors import GeoError, StoreError
from geo.export import csv_bytes
from geo.io.units import POSITION_COLUMNS, SAME_REPORT
from geo.schema import CRS, stable_id
from geo.store import UNIT_POSITIONS, append_layer, geopackage_path, inspect

#: The columns of an as-of table, in order (what the CLI writes).
AS_OF_COLUMNS: Final = ("unit", "sidc", "echelon", "parent", "side", "lat", "lon", "date", "age_days", "source",
                        "type", "equipment", "geo_precision", "verification", "reports_that_day", "unit_key")
#: Tie-breaks on a unit's latest day: more precise places, then more certain verifications, first.
PRECISION_RANK: Final = {"exact": 0, "near": 1, "admin2": 2, "admin1": 3, "country": 4, "none": 5}
VERIFICATION_RANK: Final = {"confirmed": 0, "reported": 1, "claimed": 2, "disputed": 3}


def as_of(positions: pd.DataFrame, day: dt.date | str, *, sides: Iterable[str] = (), echelons: Iterable[str] = (),
          parents: Iterable[str] = ()) -> pd.DataFrame:
    """Each unit of ``positions`` at its latest report on or before ``day`` (:data:`AS_OF_COLUMNS`), most
    recently reported first; ``sides``/``echelons``/``parents`` keep only those (case-insensitive; a parent
    matches by name key)."""
    when = _day(day)
    keep = positions["date"].to_numpy(dtype="datetime64[ns]") <= np.datetime64(when, "ns")
    keep &= _filter_mask(positions, sides, echelons, parents)
    rows = np.flatnonzero(keep)
    if not len(rows):
        return pd.DataFrame({c: pd.Series(dtype=_AS_OF_DTYPES.get(c, "string")) for c in AS_OF_COLUMNS})
    prec = _ranks(positions["geo_precision"], PRECISION_RANK)[rows]
    ver = _ranks(positions["verification"], VERIFICATION_RANK)[rows]
    keys = positions["unit_key"].factorize()[0][rows]  # (arrow strings factorize natively: no object copy)
    days = positions["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)[rows]
    order = np.lexsort((rows, -ver, -prec, days, keys))  # the best of each unit's last day last
    okeys, odays = keys[order], days[order]
    last = np.r_[okeys[1:] != okeys[:-1], True]
    run = np.cumsum(np.r_[True, (okeys[1:] != okeys[:-1]) | (odays[1:] != odays[:-1])]) - 1  # one per unit and day
    out = positions.iloc[rows[order[last]]].copy()  # one take, of the rows kept
    out["reports_that_day"] = np.bincount(run)[run[last]].astype(np.int64)
    out["age_days"] = ((np.datetime64(when, "ns") - out["date"].to_numpy(dtype="datetime64[ns]"))
                       // np.timedelta64(1, "D")).astype(np.int64)
    out = out.sort_values(["date", "unit_key"], ascending=[False, True], kind="stable")
    return out[list(AS_OF_COLUMNS)].reset_index(drop=True)


_AS_OF_DTYPES: Final = {"lat": "float64", "lon": "float64", "date": "datetime64[ns]", "age_days": "int64",
                        "reports_that_day": "int64"}


def track(positions: pd.DataFrame, unit: str, day: dt.date | str | None = None) -> pd.DataFrame:
    """The reports of ``unit`` (matched by name key) up to ``day`` (all when None), oldest first."""
    key = names.name_key(unit)
    mine = positions.loc[positions["unit_key"].astype("string") == key]
    if day is not None:
        mine = mine.loc[mine["date"].to_numpy() <= np.datetime64(_day(day), "ns")]
    return mine.sort_values(["date", "import_row"], kind="stable").reset_index(drop=True)


def link_events(events: pd.DataFrame, positions: pd.DataFrame) -> pd.Series:
    """The ``unit_key`` of the unit each deployment of ``events`` names (its ``unit`` column, else a unit name
    found in its title), "" where none: matched by name key, so transliterations and spellings meet."""
    out = pd.Series("", index=events.index, dtype="string")
    if not len(events) or not len(positions):
        return out
    known = dict(zip(positions["unit_key"].astype("string"), positions["unit"].astype("string")))
    deployment = events.get("category", pd.Series("", index=events.index)).astype("string") == "deployment"
    if "unit" in events.columns:
        named = events["unit"].astype("string").fillna("")
        keys = pd.Series(names.name_keys(named.tolist()), index=events.index, dtype="string")
        out = out.where(~(deployment & keys.isin(set(known))), keys)
    titles = events.get("title", pd.Series("", index=events.index)).astype("string").fillna("")
    rest = deployment & (out == "")
    if rest.any():  # a unit's name inside the title ("… the 3rd Motor Rifle Brigade moved to …")
        folded = pd.Series(names.name_keys(titles[rest].tolist()), index=titles[rest].index)
        for key in sorted(known, key=len, reverse=True):  # longest names first: "3rd brigade" before "brigade"
            if len(key) < 4:
                continue
            hit = folded.str.contains(key, regex=False) & (out[rest.index[rest]] == "")
            out.loc[hit.index[hit]] = key
    return out


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """An as-of table as CSV (the tool's one CSV writer: formula cells neutralised)."""
    return csv_bytes(table.drop(columns=["unit_key"], errors="ignore"))


def to_geojson_bytes(table: pd.DataFrame, *, as_of_day: dt.date | str) -> bytes:
    """An as-of table as a GeoJSON FeatureCollection of Points (properties: the other columns, dates ISO)."""
    features = []
    for row in table.drop(columns=["unit_key"], errors="ignore").itertuples(index=False):
        props = {k: _json_value(v) for k, v in row._asdict().items() if k not in ("lat", "lon")}
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                         "properties": props})
    doc = {"type": "FeatureCollection", "as_of": _day(as_of_day).isoformat(), "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _json_value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value) if not isinstance(value, (int, float, str, bool)) else value


def _day(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(str(day).strip())
    except ValueError as exc:
        raise GeoError(f"expected a day as YYYY-MM-DD, got {day!r}") from exc


def _ranks(values: pd.Series, ranks: dict[str, int], default: int = 1) -> np.ndarray:
    """The rank of each value (``default`` for one not in ``ranks`` or missing), through its factorisation."""
    codes, uniques = values.factorize()
    table = np.array([*(ranks.get(str(u), default) for u in uniques), default], dtype=np.int64)
    return table[np.where(codes < 0, len(uniques), codes)]


def _filter_mask(frame: pd.DataFrame, sides: Iterable[str], echelons: Iterable[str],
                 parents: Iterable[str]) -> np.ndarray:
    keep = np.ones(len(frame), dtype=bool)
    for column, wanted in (("side", sides), ("echelon", echelons)):
        values = {str(v).strip().casefold() for v in wanted if str(v).strip()}
        if values:
            keep &= frame[column].astype("string").str.casefold().isin(values).to_numpy(dtype=bool, na_value=False)
    wanted_parents = [p for p in parents if str(p).strip()]
    parent_keys = set(names.name_keys(wanted_parents)) if wanted_parents else set()
    if parent_keys and len(frame):
        keys = pd.Series(names.name_keys(frame["parent"].astype("string").fillna("").tolist()), index=frame.index)
        keep &= keys.isin(parent_keys).to_numpy()
    return keep


# --- as drawn -----------------------------------------------------------------------------------------

#: Level of detail: below each zoom, only units of at least this echelon rank (brigade 8, battalion 6) show;
#: units whose echelon is unknown always show. (zoom, minimum rank), increasing zoom.
UNIT_LOD: Final = ((6, 8), (8, 6), (99, 0))
#: Reports listed per unit (popup history, track), latest first.
HISTORY: Final = 8
#: Reports older than this many days are drawn faded (the age is stated in the popup and a badge).
FADE_DAYS: Final = 14


#: From this zoom in, each unit's symbol carries its name as its unique designation (milsymbol's field T).
DESIGNATION_ZOOM: Final = 9
#: milsymbol's ``infoSize`` of the designation (its default is 40: too small to read beside a map symbol).
DESIGNATION_SIZE: Final = 60
#: Longest designation drawn beside a symbol (longer names end in "…"; the popup has the whole name).
DESIGNATION_MAX: Final = 28


def designation(name: str) -> str:
    """The unit designation drawn beside a unit's symbol (APP-6 field T): its name, cut to
    :data:`DESIGNATION_MAX` characters."""
    text = " ".join(str(name).split())
    return text if len(text) <= DESIGNATION_MAX else text[:DESIGNATION_MAX - 1].rstrip() + "…"


def min_rank_at(zoom: float) -> int:
    """The smallest echelon rank a map at ``zoom`` shows (:data:`UNIT_LOD`)."""
    return next(rank for below, rank in UNIT_LOD if zoom < below)


def drawn(positions: pd.DataFrame, day: dt.date | str, *, own_side: str | None = None,
          allies: Iterable[str] | None = None, hostiles: Iterable[str] | None = None,
          history: int = HISTORY) -> pd.DataFrame:
    """The units as of ``day`` (:func:`as_of`) as a map draws them: plus ``symbol`` (the code drawn: the
    unit's own when valid, else derived; affiliation relative to ``own_side``, default ``$GEO_OWN_SIDE``),
    ``symbol_note`` (why a code was derived, "" else), ``affiliation``, ``echelon_rank`` (from the echelon
    column, else the code's) and ``history`` (its latest reports up to ``day``: tuples of ISO day, lat, lon,
    source, verification, latest first)."""
    from geo import sidc

    env_own, env_allies, env_hostiles = sidc.analyst_sides()
    own = own_side if own_side is not None else env_own
    friends = tuple(allies) if allies is not None else env_allies
    enemies = tuple(hostiles) if hostiles is not None else env_hostiles
    table = as_of(positions, day)
    symbols, notes, affiliations, ranks = [], [], [], []
    for row in table.itertuples(index=False):
        given = "" if pd.isna(row.sidc) else str(row.sidc)
        parsed = sidc.parse(given) if given else None
        if parsed is not None and parsed.valid:
            note = ""
        else:
            text = " ".join(str(v) for v in (row.unit, row.type, row.echelon) if not pd.isna(v))
            equipment = None if pd.isna(row.equipment) else str(row.equipment)
            parsed = sidc.parse(sidc.derive("deployment", equipment, text))
            note = (f"symbol derived from its name and type: {parsed.problem or ''}" if not given
                    else f"symbol derived: its code {given!r} is invalid")
        shown = sidc.relative(parsed, None if pd.isna(row.side) else str(row.side), own, allies=friends,
                              hostiles=enemies)
        symbols.append(shown.code)
        notes.append(note.rstrip(": "))
        affiliations.append(shown.affiliation)
        rank = sidc.rank_of_echelon(None if pd.isna(row.echelon) else str(row.echelon))
        ranks.append(rank if rank is not None else (shown.echelon_rank or 0))
    out = table.assign(symbol=pd.Series(symbols, index=table.index, dtype="string"),
                       symbol_note=pd.Series(notes, index=table.index, dtype="string"),
                       affiliation=pd.Series(affiliations, index=table.index, dtype="string"),
                       echelon_rank=pd.Series(ranks, index=table.index, dtype="int64"))
    out["history"] = _histories(positions, out["unit_key"], day, history)
    return out


def as_deployments(table: pd.DataFrame) -> pd.DataFrame:
    """Units of an as-of table (:func:`as_of`, :func:`drawn`) as deployment events: one per unit, at its latest
    report, its equipment (else its type) as the equipment named, so the rules of deployments (range rings
    from point-located ones only, :mod:`geo.render.rings`) apply to units alike. Ids ``unit:<unit_key>``."""
    if not len(table):
        return pd.DataFrame(columns=["id", "title", "category", "equipment", "subcategory", "lat", "lon",
                                     "geo_precision", "verification", "date_start"])
    equipment = table["equipment"].astype("string")
    kind = table["type"].astype("string")
    return pd.DataFrame({
        "id": ("unit:" + table["unit_key"].astype("string")).to_numpy(),
        "title": table["unit"].astype("string").to_numpy(),
        "category": "deployment",
        "equipment": equipment.where(equipment.fillna("").str.strip() != "", kind).to_numpy(),
        "subcategory": kind.to_numpy(),
        "lat": table["lat"].to_numpy(dtype=float), "lon": table["lon"].to_numpy(dtype=float),
        "geo_precision": table["geo_precision"].astype("string").fillna("exact").to_numpy(),
        "verification": table["verification"].astype("string").fillna("reported").to_numpy(),
        "date_start": pd.to_datetime(table["date"]).to_numpy(),
    })


#: The distinct symbols a legend lists at most (the most frequent first); the rest are counted on one line.
LEGEND_SYMBOLS: Final = 12


def symbol_key(table: pd.DataFrame, limit: int = LEGEND_SYMBOLS) -> tuple[list[tuple[str, str]], int]:
    """The symbols a map of ``table`` (:func:`drawn`, the units it draws) shows, for its legend: ``(code,
    label)`` pairs, the most frequent first, the label the symbol's description with its count ("Hostile
    infantry battalion: 23"), and "derived from its type or name" when its units' codes were derived (how a
    code was chosen: the mapping of :func:`geo.sidc.derive`); then how many more distinct symbols there are."""
    from geo import sidc

    if not len(table):
        return [], 0
    derived = table["symbol_note"].astype("string").fillna("") != ""
    grouped = (pd.DataFrame({"code": table["symbol"].astype(str).to_numpy(), "derived": derived.to_numpy()})
               .groupby("code", sort=False)["derived"].agg(["size", "all", "any"]))
    grouped = grouped.sort_values("size", ascending=False, kind="stable")
    out = []
    for code, row in grouped.head(limit).iterrows():
        what = sidc.parse(str(code)).describe()
        how = ", derived from type or name" if row["all"] else ", some derived from type or name" if row["any"] else ""
        out.append((str(code), f"{what[:1].upper()}{what[1:]}: {int(row['size'])}{how}"))
    return out, max(0, len(grouped) - limit)


def deployments_by_unit(events: pd.DataFrame, positions: pd.DataFrame,
                        latest: int = 5) -> dict[str, tuple[int, tuple[tuple[str, str, str], ...]]]:
    """The deployments of ``events`` that name a unit of ``positions`` (:func:`link_events`), per unit key: how
    many, and the ``latest`` of them as (first day, title, verification), latest first (a unit's popup)."""
    if events is None or not len(events) or not len(positions):
        return {}
    keys = link_events(events, positions)
    linked = events.loc[keys != ""]
    if not len(linked):
        return {}
    frame = pd.DataFrame({
        "key": keys[keys != ""].to_numpy(),
        "day": pd.to_datetime(linked.get("date_start", pd.Series(pd.NaT, index=linked.index)), errors="coerce"),
        "title": linked.get("title", pd.Series("", index=linked.index)).astype("string").fillna(""),
        "ver": linked.get("verification", pd.Series("", index=linked.index)).astype("string").fillna(""),
    }).sort_values("day", ascending=False, kind="stable", na_position="last")
    out: dict[str, tuple[int, tuple[tuple[str, str, str], ...]]] = {}
    for key, rows in frame.groupby("key", sort=False):
        top = rows.head(latest)
        out[str(key)] = (len(rows), tuple(
            ("" if pd.isna(d) else pd.Timestamp(d).date().isoformat(), str(t), str(v))
            for d, t, v in zip(top["day"], top["title"], top["ver"])))
    return out


def _histories(positions: pd.DataFrame, keys: pd.Series, day: dt.date | str,
               history: int) -> list[tuple[tuple[str, float, float, str, str], ...]]:
    when = np.datetime64(_day(day), "ns")
    wanted = set(keys)
    mine = positions.loc[positions["unit_key"].isin(wanted) & (positions["date"].to_numpy() <= when)]
    mine = mine.sort_values(["unit_key", "date", "import_row"], ascending=[True, False, False], kind="stable")
    by_key: dict[str, tuple[tuple[str, float, float, str, str], ...]] = {}
    for key, rows in mine.groupby("unit_key", sort=False):
        top = rows.head(history)
        by_key[str(key)] = tuple(
            (pd.Timestamp(d).date().isoformat(), float(la), float(lo), "" if pd.isna(src) else str(src),
             "" if pd.isna(v) else str(v))
            for d, la, lo, src, v in zip(top["date"], top["lat"], top["lon"], top["source"], top["verification"]))
    return [by_key.get(str(k), ()) for k in keys]


# --- the store ----------------------------------------------------------------------------------------

#: The store's layer of unit positions (beside "events" and "areas" in the same GeoPackage).
POSITIONS_LAYER: Final = UNIT_POSITIONS


class UnitStore:
    """Unit positions in their own layer of the events GeoPackage, each report once (``report_id``).

    The events and areas layers are never created or changed here. An append is one SQLite transaction (all or
    nothing, also when the process is killed; :func:`geo.store.append_layer`), a missing file is created whole,
    and a unique index on ``report_id`` backs up the deduplication. A file that is not a store is a
    :class:`~geo.errors.StoreError`, never "no units".
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 30.0) -> None:
        self.path = geopackage_path(path)  # a PostGIS URL: StoreError (geo.stores.open_* for either)
        self.timeout = timeout

    def exists(self) -> bool:
        """Whether the store holds unit positions; StoreError when the file is not a store."""
        tables = inspect(self.path, self.timeout)
        return tables is not None and POSITIONS_LAYER in tables

    def read(self) -> pd.DataFrame:
        """Every stored report, in :data:`geo.io.units.POSITION_COLUMNS` plus ``report_id``."""
        if not self.exists():
            return stored_positions(pd.DataFrame(columns=["report_id", *POSITION_COLUMNS]))
        try:
            raw = pyogrio.read_dataframe(self.path, layer=POSITIONS_LAYER, read_geometry=False, fid_as_index=False)
        except Exception as exc:  # GDAL raises several types
            raise StoreError(f"cannot read the unit positions of {self.path}: {exc}") from exc
        return stored_positions(pd.DataFrame(raw))

    def add(self, positions: pd.DataFrame) -> int:
        """Append the reports not stored yet (one transaction); returns how many were added."""
        frame = with_report_ids(positions)
        frame = frame.loc[~frame["report_id"].duplicated()]
        if len(frame) and self.exists():
            frame = frame.loc[~frame["report_id"].isin(set(self._ids()))]
        if not len(frame):
            return 0
        table = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
        geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=CRS)
        layer = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=geometry, crs=CRS)
        return append_layer(self.path, layer, POSITIONS_LAYER, key="report_id", geometry_type="MultiPoint",
                            timeout=self.timeout)

    def _ids(self) -> list[str]:
        try:
            with closing(sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)) as con:
                return [r[0] for r in con.execute(f'SELECT report_id FROM "{POSITIONS_LAYER}"')]
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the unit positions of {self.path}: {exc}") from exc


def with_report_ids(positions: pd.DataFrame) -> pd.DataFrame:
    """``positions`` with ``report_id`` first: a stable hash of :data:`geo.io.units.SAME_REPORT`."""
    parts = positions[list(SAME_REPORT)].astype(object).where(positions[list(SAME_REPORT)].notna(), None)
    ids = [stable_id("unit", *row) for row in parts.itertuples(index=False, name=None)]
    return positions.assign(report_id=pd.Series(ids, index=positions.index, dtype="string"))[
        ["report_id", *POSITION_COLUMNS]]


def stored_positions(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for column in ("report_id", *POSITION_COLUMNS):
        values = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
        if column == "date":
            out[column] = pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
        elif column in ("lat", "lon"):
            out[column] = pd.to_numeric(values, errors="coerce").astype("float64")
        elif column == "import_row":
            out[column] = pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
        else:
            out[column] = values.astype("string")
    return out.reset_index(drop=True)
