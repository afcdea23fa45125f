"""Events encoded once, compactly: packed columns for points, grid cells above a threshold, admin units.

Per located event (points mode) the payload holds 16 bytes before base64 (~21.3 after): lon, lat as int32
(1e-5 degree), start day and duration as uint16, admin unit as uint16, one byte with category (3 bits),
verification (2) and precision (3), one byte with the deployment kind. Texts (titles, sources...) are
added only for small windows. Above ``POINTS_MAX`` events the payload is a grid of cells instead, bounded
by the number of cells, not of events. How each precision is drawn is :data:`geo.schema.PRECISION_DRAWING`
(:data:`DRAWING`, by precision code, travels to the runtime): events known only to a raion/oblast (``unit``)
are counted per unit, drawn as their symbol at the unit's label point and the unit's outline (a circle of its
size when no polygon is known); events known only to a country (``callout``) are counted per country and
listed in a box, never drawn at a point.
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from geo import sidc
from geo.places import label_points
from geo.render._encode import pack_columns
from geo.render._geometry import GEOMETRY_SCALE, PreparedLayer, locate_units, prepared_layer
from geo.render.ranges import match_systems, normalise_text
from geo.render.style import SYMBOL_KINDS
from geo.schema import CATEGORIES, GEO_PRECISION, VERIFICATION, precision_drawing

#: Up to this many located events in the window: one canvas point each; above: grid cells.
POINTS_MAX: Final = 200_000
#: Up to this many located events: full popup texts; above: compact fields (the app shows details).
FULL_TEXT_MAX: Final = 5_000
#: Largest number of grid cells over the events' extent in aggregated mode.
MAX_CELLS: Final = 200_000
POINT_SCALE: Final = 1e5
NO_UNIT: Final = 65535
NO_DAY: Final = 65535
DESCRIPTION_CHARS: Final = 400
#: Radius (m) of the circle drawn for an admin-precision event whose unit polygon is unknown.
FALLBACK_RADIUS_M: Final = {2: 25_000.0, 1: 100_000.0}
_FALLBACK_ROUND: Final = {2: 0.1, 1: 0.5}
_MAX_UNITS: Final = 20_000

PREC: Final = {p: i for i, p in enumerate(GEO_PRECISION)}
CAT: Final = {c: i for i, c in enumerate(CATEGORIES)}
VER: Final = {v: i for i, v in enumerate(VERIFICATION)}
SYM: Final = {k: i for i, k in enumerate(SYMBOL_KINDS)}
#: How each precision code is drawn (geo.schema.PRECISION_DRAWING): "point", "near", "unit", "callout", "none".
DRAWING: Final = tuple(precision_drawing(p) for p in GEO_PRECISION)
#: Precisions drawn as a symbol at their own point (exact, near); "unit" ones get theirs at the unit's label point.
POINT_PRECS: Final = tuple(i for i, kind in enumerate(DRAWING) if kind in ("point", "near"))
#: Precisions drawn through a record of ``PreparedEvents.units``: their admin unit, or their country's box.
_UNIT_LEVELS: Final = {"admin2": 2, "admin1": 1}
TEXT_COLUMNS: Final = (
    "id", "title", "description", "subcategory", "actors", "location_name", "equipment", "unit",
    "source_name", "source_url",
)
#: Texts composed from several columns for the popup: the admin units (finest first), the fatalities
#: (best estimate and range), the source's publication day, the time precision and the import flags,
#: readable. Few distinct values each, so dictionary-encoded.
DERIVED_TEXTS: Final = ("admin", "fatalities", "source_date", "time_precision", "flags")
#: The machine flags of the ``flags`` column (see geo.schema) as the popup and the tables name them.
FLAG_LABELS: Final[dict[str, str]] = {
    "geocoded": "geocoded from the place name",
    "latlon_swapped": "latitude/longitude swapped in the source (corrected)",
    "possible_duplicate": "possible duplicate",
}
#: How precisely the date is known (geo.schema.TIME_PRECISION), as the popup says it.
TIME_PRECISION_LABELS: Final[dict[str, str]] = {
    "day": "to the day", "week": "within a week", "month": "month only", "year": "year only",
}

_KIND_WORDS: Final = (
    ("ballistic_missile", r"ballistic|iskander|tochka|\bsrbm\b|\botrk?\b|искандер|точка|баллистич"),
    ("rocket_artillery", r"\bmlrs\b|\bmrls\b|rocket[- ]launcher|rocket[- ]artillery|multiple[- ]rocket|"
                         r"multiple[- ]launch|polonez|smerch|uragan|\bgrad\b|tornado|himars|рсзо|полонез"),
    ("air_defence", r"air[- ]defen[cs]e|\bsam\b|s-300|s-400|\btor\b|\bbuk\b|pantsir|patriot|\bpvo\b|пво|зрк"),
    ("aviation", r"aircraft|aviation|fighter|bomber|helicopter|\bsu-\d+|\bmig-\d+|\bjets?\b|air[- ]?base|"
                 r"авиац|самол"),
    ("troops", r"troop|brigade|battalion|regiment|division|infantry|soldier|forces|\bunits?\b|personnel|"
               r"войск|бригад"),
)


@dataclass(frozen=True)
class PreparedEvents:
    """Located events as code arrays, with the admin units of the imprecise ones."""

    n_input: int
    rows: np.ndarray  # positions (iloc) of the located events in the input frame
    lon: np.ndarray
    lat: np.ndarray
    cat: np.ndarray  # uint8 codes into CATEGORIES
    ver: np.ndarray
    prec: np.ndarray
    sym: np.ndarray  # uint8 index into symbols (a deployment's APP-6 code); 0 for the other categories
    d0: np.ndarray  # uint16 days since day0 (NO_DAY: unknown)
    dl: np.ndarray  # uint16 duration in days
    day0: str
    unit: np.ndarray  # uint16 index into units (NO_UNIT: none)
    units: list[dict[str, Any]] = field(default_factory=list)
    unlocated: int = 0
    systems: dict[int, tuple[str, ...]] = field(default_factory=dict)  # located index → systems named
    #: The deployments' symbols, (SIDC, legend label) in order of first appearance (geo.sidc.event_symbols).
    symbols: tuple[tuple[str, str], ...] = ()

    @property
    def n(self) -> int:
        return len(self.rows)


def _codes(values: pd.Series | None, vocab: dict[str, int], default: int, n: int) -> np.ndarray:
    """Small-vocabulary text → uint8 codes, fast on 1M rows (the distinct values are looked up once)."""
    if values is None:
        return np.full(n, default, dtype=np.uint8)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lut = np.array([vocab.get(str(u).strip().lower(), default) for u in uniques] + [default], dtype=np.uint8)
    return lut[codes]  # -1 (missing) takes the last entry: the default


def _floats(events: pd.DataFrame, col: str) -> np.ndarray:
    if col not in events.columns:
        return np.full(len(events), np.nan)
    return pd.to_numeric(events[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _days(values: pd.Series | None, n: int) -> np.ndarray:
    """Days since 1970-01-01 as int64 (NaT → INT64 min)."""
    if values is None:
        return np.full(n, np.iinfo(np.int64).min)
    dt = pd.to_datetime(values, errors="coerce")
    return dt.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _text_column(events: pd.DataFrame, col: str) -> pd.Series:
    if col not in events.columns:
        return pd.Series([""] * len(events), index=events.index, dtype="string")
    return events[col].astype("string").fillna("")


def _classify(texts: np.ndarray, ranges: pd.DataFrame | None) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Kind codes and named systems of distinct texts (the systems table first, then keywords)."""
    has_ranges = ranges is not None and len(ranges) > 0
    systems = match_systems(pd.Series(texts, dtype=object), ranges) if has_ranges else [()] * len(texts)
    system_kind = dict(zip(ranges["system"], ranges["kind"])) if has_ranges else {}
    kinds = np.full(len(texts), SYM["other"], dtype=np.uint8)
    for i, (text, found) in enumerate(zip(texts, systems)):
        kind = next((system_kind[s] for s in found if system_kind.get(s) in SYM), None)
        if kind is None and text:
            low = normalise_text(str(text))
            kind = next((k for k, pattern in _KIND_WORDS if re.search(pattern, low)), None)
        kinds[i] = SYM[kind or "other"]
    return kinds, systems


def classify_deployments(events: pd.DataFrame, ranges: pd.DataFrame | None) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Per row: the deployment kind (index into SYMBOL_KINDS) and the systems named.

    Equipment and subcategory decide (few distinct values: each is looked at once); the title only for
    rows they leave undecided.
    """
    n = len(events)
    primary = _text_column(events, "equipment") + " | " + _text_column(events, "subcategory")
    codes, uniques = pd.factorize(primary)
    kinds_u, systems_u = _classify(np.asarray(uniques, dtype=object), ranges)
    kinds = kinds_u[codes] if n else np.zeros(0, dtype=np.uint8)
    systems = [systems_u[c] for c in codes]
    todo = np.flatnonzero(kinds == SYM["other"])
    if len(todo):
        tcodes, tuniques = pd.factorize(_text_column(events, "title").iloc[todo])
        tkinds, tsystems = _classify(np.asarray(tuniques, dtype=object), ranges)
        kinds[todo] = tkinds[tcodes]
        for row, c in zip(todo, tcodes):
            if tsystems[c]:
                systems[row] = tsystems[c]
    return kinds, systems


def prepare_events(events: pd.DataFrame, boundaries: Any = None, ranges: pd.DataFrame | None = None) -> PreparedEvents:
    """Code arrays for the located events of ``events`` (the frame itself is not modified)."""
    n = len(events)
    lon, lat = _floats(events, "lon"), _floats(events, "lat")
    prec = _codes(events.get("geo_precision"), PREC, PREC["near"], n)
    located = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180) & (prec != PREC["none"])
    rows = np.flatnonzero(located)
    sub = events.iloc[rows] if len(rows) < n else events
    cat = _codes(sub.get("category"), CAT, CAT["other"], len(rows))
    ver = _codes(sub.get("verification"), VER, VER["reported"], len(rows))
    start = _days(sub.get("date_start"), len(rows))
    end = _days(sub.get("date_end"), len(rows))
    valid = start != np.iinfo(np.int64).min
    day0 = int(start[valid].min()) if valid.any() else 0
    d0 = np.where(valid, np.clip(start - day0, 0, NO_DAY - 1), NO_DAY).astype(np.uint16)
    has_end = valid & (end != np.iinfo(np.int64).min)
    dl = np.where(has_end, np.clip(end - start, 0, 65535), 0).astype(np.uint16)
    sym = np.zeros(len(rows), dtype=np.uint8)
    dep = np.flatnonzero(cat == CAT["deployment"])
    systems: dict[int, tuple[str, ...]] = {}
    symbols: tuple[tuple[str, str], ...] = ()
    if len(dep):
        _kinds, named = classify_deployments(sub.iloc[dep], ranges)
        systems = {int(k): found for k, found in zip(dep, named) if found}
        sym[dep], symbols = _symbol_index(*sidc.event_symbols(sub.iloc[dep]))
    unit, units = _units(sub, lon[rows], lat[rows], cat, ver, prec[rows], boundaries)
    return PreparedEvents(
        n_input=n, rows=rows, lon=lon[rows], lat=lat[rows], cat=cat, ver=ver, prec=prec[rows], sym=sym,
        d0=d0, dl=dl, day0=str(np.datetime64(day0, "D")), unit=unit, units=units, unlocated=n - len(rows),
        systems=systems, symbols=symbols,
    )


#: Distinct deployment symbols a payload indexes (uint8); beyond, the rest share the last one, relabelled.
SYMBOLS_MAX: Final = 255


def _symbol_index(codes: list[str], labels: list[str]) -> tuple[np.ndarray, tuple[tuple[str, str], ...]]:
    """Per row: the index of its (code, label) among the distinct ones, in order of first appearance."""
    keys, uniques = pd.factorize(pd.Series([f"{c}\x1f{lab}" for c, lab in zip(codes, labels)], dtype=object))
    table = [tuple(u.split("\x1f", 1)) for u in uniques]
    if len(table) > SYMBOLS_MAX:
        keys = np.minimum(keys, SYMBOLS_MAX - 1)
        table = table[:SYMBOLS_MAX - 1] + [(table[SYMBOLS_MAX - 1][0], "other symbols (too many kinds to list)")]
    return keys.astype(np.uint8), tuple((str(c), str(lab)) for c, lab in table)


# --- admin units --------------------------------------------------------------------------------------


def _unit_ids(sub: pd.DataFrame, col: str, idx: np.ndarray) -> np.ndarray:
    if col not in sub.columns:
        return np.full(len(idx), "", dtype=object)
    return sub[col].iloc[idx].astype("string").fillna("").to_numpy(dtype=object)


def _unit_text(sub: pd.DataFrame, col: str, row: int) -> str:
    """Row ``row`` of column ``col`` as text ("" when absent or missing), as :func:`_unit_ids` gives it."""
    if col not in sub.columns:
        return ""
    value = sub[col].iat[row]
    return "" if pd.isna(value) else str(value)


def _units(
    sub: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, cat: np.ndarray, ver: np.ndarray, prec: np.ndarray,
    boundaries: Any,
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Per located event, the index of its record in the returned list (NO_UNIT: drawn at its own point).

    A record per admin unit (``unit`` drawing) or country (``callout`` drawing) and deployment-or-not: what
    the runtime draws for the events known only to it (outline and label point, or an entry in the box)."""
    unit = np.full(len(lon), NO_UNIT, dtype=np.uint16)
    units: list[dict[str, Any]] = []
    for name in GEO_PRECISION:
        kind = precision_drawing(name)
        if kind not in ("unit", "callout"):
            continue
        idx = np.flatnonzero(prec == PREC[name])
        if len(idx) == 0:
            continue
        if kind == "callout":
            keys, records = _country_groups(sub, idx, cat, boundaries)
        else:
            level = _UNIT_LEVELS[name]
            layer = prepared_layer(boundaries, level) if boundaries is not None else None
            pos = _positions(sub, level, idx, lon, lat, layer)
            keys = _group_keys(level, idx, pos, lon, lat, cat)
        uniq, inverse = np.unique(keys, return_inverse=True)
        if len(units) + len(uniq) >= NO_UNIT:
            raise ValueError(f"too many admin units to draw ({len(units) + len(uniq)})")
        unit[idx] = len(units) + inverse
        order = np.argsort(inverse, kind="stable")
        splits = np.searchsorted(inverse[order], np.arange(1, len(uniq)))
        groups = zip(np.split(idx[order], splits), np.split(np.arange(len(idx))[order], splits))
        for members, at in groups:
            counts = np.bincount(cat[members], minlength=len(CATEGORIES))
            record: dict[str, Any] = {"k": len(units), "what": name, "draw": kind, "n": int(len(members)),
                                      "cat": int(counts.argmax()), "ver": int(ver[members].min())}
            if kind == "callout":
                record.update(records[int(keys[at[0]])])
            else:
                record.update(_unit_place(level, members, pos[at], layer, sub, lon, lat))
            units.append(record)
    return unit, units


def _country_groups(
    sub: pd.DataFrame, idx: np.ndarray, cat: np.ndarray, boundaries: Any
) -> tuple[np.ndarray, dict[int, dict[str, Any]]]:
    """Group keys (country, deployment or not) of the country-located events ``idx`` and, per key, what
    the record says of the country: level, ISO code (``id``) and name."""
    iso = _unit_ids(sub, "adm0_iso", idx)
    hint = _unit_ids(sub, "country_iso", idx)
    names = _unit_ids(sub, "adm0_name", idx)
    iso = np.where(iso == "", hint, iso)
    known: dict[str, str] = {}
    layer = prepared_layer(boundaries, 0) if boundaries is not None else None
    if layer is not None:
        known = {str(i): str(n) for i, n in zip(layer.iso3, layer.names) if i and n}
    codes, uniques = pd.factorize(pd.Series(iso, dtype=object))
    dep = (cat[idx] == CAT["deployment"]).astype(np.int64)
    keys = codes.astype(np.int64) * 2 + dep
    records: dict[int, dict[str, Any]] = {}
    for key in np.unique(keys):
        code = str(uniques[key // 2])
        first = int(np.flatnonzero(keys == key)[0])
        name = names[first] or known.get(code) or code or "Country unknown"
        records[int(key)] = {"lvl": "country", "name": str(name), "local": None, "id": code or None}
    return keys, records


#: Label points of the units of each prepared layer, computed once per unit (layer id → (layer, cache)).
_LABEL_POINTS: dict[int, tuple[weakref.ref[PreparedLayer], dict[int, tuple[float, float]]]] = {}


def unit_label_points(layer: PreparedLayer, positions: np.ndarray) -> np.ndarray:
    """(lat, lon) of the label point of each unit at ``positions`` of ``layer``: the pole of inaccessibility
    (:func:`geo.places.label_points`, as the snapshot places a unit's symbol), kept per layer."""
    entry = _LABEL_POINTS.get(id(layer))
    if entry is None or entry[0]() is not layer:
        for key in [k for k, (ref, _c) in _LABEL_POINTS.items() if ref() is None]:
            del _LABEL_POINTS[key]
        entry = (weakref.ref(layer), {})
        _LABEL_POINTS[id(layer)] = entry
    cache = entry[1]
    todo = sorted({int(p) for p in positions if int(p) not in cache})
    if todo:
        lon, lat = label_points(np.asarray(layer.geoms[todo], dtype=object))
        for p, x, y in zip(todo, lon, lat):
            cache[p] = (float(y), float(x)) if np.isfinite(x) and np.isfinite(y) else (float(layer.lat[p]), float(layer.lon[p]))
    return np.array([cache[int(p)] for p in positions], dtype=float).reshape(-1, 2)


def _positions(
    sub: pd.DataFrame, level: int, idx: np.ndarray, lon: np.ndarray, lat: np.ndarray, layer: PreparedLayer | None
) -> np.ndarray:
    """Index into ``layer`` of each event's unit: from the join columns, else by point-in-polygon."""
    pos = np.full(len(idx), -1, dtype=np.int64)
    if layer is None or len(layer) == 0:
        return pos
    ids = _unit_ids(sub, f"adm{level}_id", idx)
    pos[:] = [layer.position.get(u, -1) if u else -1 for u in ids]
    todo = np.flatnonzero(pos < 0)
    if len(todo):
        pos[todo] = locate_units(layer, lon[idx[todo]], lat[idx[todo]])
    return pos


def _group_keys(
    level: int, idx: np.ndarray, pos: np.ndarray, lon: np.ndarray, lat: np.ndarray, cat: np.ndarray
) -> np.ndarray:
    """int64 group keys: (unit or rounded point, deployment or not); rounded points (< 0) are fallbacks."""
    dep = (cat[idx] == CAT["deployment"]).astype(np.int64)
    keys = np.where(pos >= 0, pos, -1).astype(np.int64) * 2 + dep
    missing = pos < 0
    if missing.any():
        step = _FALLBACK_ROUND[level]
        while True:
            gx = np.floor(lon[idx[missing]] / step).astype(np.int64)
            gy = np.floor(lat[idx[missing]] / step).astype(np.int64)
            cell = (gy + 10_000) * 100_000 + (gx + 50_000)
            if len(np.unique(cell)) <= _MAX_UNITS:
                break
            step *= 5
        keys[missing] = -(cell * 2 + dep[missing]) - 1
    return keys


def _unit_place(
    level: int, members: np.ndarray, pos: np.ndarray, layer: PreparedLayer | None,
    sub: pd.DataFrame, lon: np.ndarray, lat: np.ndarray,
) -> dict[str, Any]:
    """Where a unit record is drawn: its name, its polygon (``g``) and label point (``lp``: [lat, lon]), or,
    when no polygon is known, a circle of the level's size around the events' mean point (``c``, ``r``)."""
    record: dict[str, Any] = {"lvl": "raion" if level == 2 else "oblast"}
    p = int(pos[0])
    if layer is not None and p >= 0:
        (lp,) = unit_label_points(layer, np.array([p]))
        record.update(name=str(layer.names[p]) or str(layer.ids[p]), local=str(layer.locals[p]) or None,
                      id=str(layer.ids[p]), g=layer.encoded[p], lp=[round(float(lp[0]), 5), round(float(lp[1]), 5)])
        return record
    first = int(members[0])  # one value each: a scalar look-up, not a column conversion per unit
    record["name"] = (_unit_text(sub, f"adm{level}_name", first) or _unit_text(sub, "location_name", first)
                      or f"unknown {record['lvl']}")
    record["local"] = None
    record["c"] = [round(float(lat[members].mean()), 4), round(float(lon[members].mean()), 4)]
    record["lp"] = record["c"]
    record["r"] = FALLBACK_RADIUS_M[level]
    return record


# --- payloads -----------------------------------------------------------------------------------------


def _safe_url(value: str) -> str:
    text = value.strip()
    return text if re.match(r"^https?://[^\s<>\"']+$", text, flags=re.IGNORECASE) else ""


def _strings(sub: pd.DataFrame, col: str) -> pd.Series:
    """``col`` of ``sub`` as stripped strings ("" where missing or absent)."""
    if col not in sub.columns:
        return pd.Series("", index=sub.index, dtype="string")
    return sub[col].astype("string").fillna("").str.strip()


def _joined(parts: list[pd.Series], sep: str) -> pd.Series:
    """Row-wise join of the non-empty values of ``parts`` (few distinct rows: each distinct one once)."""
    frame = pd.concat(parts, axis=1, ignore_index=True)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame)) if len(frame) else (np.zeros(0, int), [])
    texts = np.array([sep.join(v for v in row if v) for row in uniques] + [""], dtype=object)
    return pd.Series(texts[codes], index=frame.index, dtype="string")


def _admin_text(sub: pd.DataFrame) -> pd.Series:
    """The admin units the event lies in, finest first ("Sudzhanskyi · Kursk · Russia"); the country's
    ISO code where its name is absent."""
    country = _strings(sub, "adm0_name")
    country = country.where(country != "", _strings(sub, "adm0_iso"))
    return _joined([_strings(sub, "adm2_name"), _strings(sub, "adm1_name"), country], " \u00b7 ")


def _counts_text(sub: pd.DataFrame, col: str) -> pd.Series:
    """Whole numbers of ``col`` as text ("3", not "3.0"); "" where missing or not a number."""
    if col not in sub.columns:
        return pd.Series("", index=sub.index, dtype="string")
    values = pd.to_numeric(sub[col], errors="coerce").round().astype("Int64")
    return values.astype("string").fillna("")


def _fatalities_text(sub: pd.DataFrame) -> pd.Series:
    """The best estimate of fatalities and, when the source gives one, its range ("12 (10–15)")."""
    best, low, high = (_counts_text(sub, c) for c in ("fatalities", "fatalities_low", "fatalities_high"))
    span = (low + "\u2013" + high).where((low != "") & (high != "") & (low != high), "")
    both = (best != "") & (span != "")
    return (best + " (" + span + ")").where(both, best.where(best != "", span))


def _flags_text(sub: pd.DataFrame) -> pd.Series:
    """The ``flags`` under :data:`FLAG_LABELS` names (others as they are), "; "-separated; a possible
    duplicate names the event it may repeat."""
    flags, of = _strings(sub, "flags"), _strings(sub, "possible_duplicate_of")
    codes, uniques = pd.factorize(pd.MultiIndex.from_arrays([flags, of])) if len(sub) else (np.zeros(0, int), [])
    texts = []
    for raw, dup in uniques:
        names = []
        for flag in (f.strip() for f in str(raw).split(";")):
            if not flag or flag in names:
                continue
            names.append(flag)
        words = [FLAG_LABELS.get(f, f.replace("_", " ")) + (f" of {dup}" if f == "possible_duplicate" and dup else "")
                 for f in names]
        texts.append("; ".join(words))
    return pd.Series(np.array([*texts, ""], dtype=object)[codes], index=sub.index, dtype="string")


def _day_text(sub: pd.DataFrame, col: str) -> pd.Series:
    if col not in sub.columns:
        return pd.Series("", index=sub.index, dtype="string")
    days = pd.to_datetime(sub[col], errors="coerce")
    return days.dt.strftime("%Y-%m-%d").astype("string").fillna("")


def _derived_text(sub: pd.DataFrame, name: str) -> pd.Series:
    if name == "admin":
        return _admin_text(sub)
    if name == "fatalities":
        return _fatalities_text(sub)
    if name == "source_date":
        return _day_text(sub, "source_date")
    if name == "time_precision":
        values = _strings(sub, "time_precision").str.lower()
        return values.map(TIME_PRECISION_LABELS).fillna(values).astype("string")
    return _flags_text(sub)


def _texts(events: pd.DataFrame, rows: np.ndarray) -> dict[str, Any]:
    """Columnar texts for the located rows; repetitive columns dictionary-encoded ({"v": [...], "i": [...]}).

    :data:`TEXT_COLUMNS` as they are (descriptions cut, unsafe links dropped), then :data:`DERIVED_TEXTS`;
    columns empty throughout are left out.
    """
    sub = events.iloc[rows]
    out: dict[str, Any] = {}
    columns = [(c, _strings(sub, c)) for c in TEXT_COLUMNS if c in sub.columns]
    columns += [(name, _derived_text(sub, name)) for name in DERIVED_TEXTS]
    for col, values in columns:
        if col == "description":
            values = values.where(values.str.len() <= DESCRIPTION_CHARS,
                                  values.str.slice(0, DESCRIPTION_CHARS - 1) + "\u2026")
        if col == "source_url":
            values = values.map(_safe_url).astype("string")
        if not values.str.len().any():
            continue
        codes, uniques = pd.factorize(values)
        if len(uniques) * 2 < len(values):
            out[col] = {"v": [str(u) for u in uniques], "i": codes.tolist()}
        else:
            out[col] = [str(v) for v in values.tolist()]
    return out


def points_payload(prep: PreparedEvents, events: pd.DataFrame, *, texts: bool) -> tuple[dict[str, Any], int]:
    """The points payload (and its binary size before base64)."""
    code = (prep.cat & 7) | ((prep.ver & 3) << 3) | ((prep.prec & 7) << 5)
    b64, cols, nbytes = pack_columns({
        "lon": (np.round(prep.lon * POINT_SCALE).astype(np.int32), "i4"),
        "lat": (np.round(prep.lat * POINT_SCALE).astype(np.int32), "i4"),
        "d0": (prep.d0, "u2"),
        "dl": (prep.dl, "u2"),
        "unit": (prep.unit, "u2"),
        "code": (code.astype(np.uint8), "u1"),
        "sym": (prep.sym, "u1"),
    })
    payload = {
        "mode": "points", "n": prep.n, "scale": POINT_SCALE, "gscale": GEOMETRY_SCALE, "day0": prep.day0,
        "b64": b64, "cols": cols, "units": prep.units, "unlocated": prep.unlocated,
        "texts": _texts(events, prep.rows) if texts else None,
    }
    return payload, nbytes


#: The aggregate's cell sizes (degrees), each from 0.2 up a multiple of 0.2 (a PostGIS store's counts kept
#: ahead, :data:`geo.postgis.ROLLUP_CELL`, answer them).
CELL_SIZES: Final = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 1.0, 2.0, 4.0, 10.0)


def grid_cell(x0: float, y0: float, x1: float, y1: float, max_cells: int = MAX_CELLS) -> float:
    """A 'nice' cell size (degrees) keeping a grid over the extent (x0, y0)-(x1, y1) within ``max_cells``: the one
    rule for the map's aggregate, whether its counts are made here or by a store (:meth:`geo.stores.Store.grid`)."""
    area = max(x1 - x0, 0.01) * max(y1 - y0, 0.01)
    wanted = math.sqrt(area / max_cells)
    return next((s for s in CELL_SIZES if s >= wanted), CELL_SIZES[-1])


def _cell_size(lon: np.ndarray, lat: np.ndarray) -> tuple[float, float, float, int, int]:
    """The cell size for the points' extent (:func:`grid_cell`), the grid's origin and its width and height."""
    x0, x1 = float(lon.min()), float(lon.max())
    y0, y1 = float(lat.min()), float(lat.max())
    size = grid_cell(x0, y0, x1, y1)
    x0, y0 = math.floor(x0 / size) * size, math.floor(y0 / size) * size
    width = int((x1 - x0) // size) + 1
    height = int((y1 - y0) // size) + 1
    return size, x0, y0, width, height


def cells_payload(prep: PreparedEvents) -> tuple[dict[str, Any], int]:
    """Aggregated payload: counts per grid cell of the events drawn at their own point (exact, near). Those
    known only to a unit or a country are counted in their records (``units``): outlined, or listed per
    country, never put in a cell at a point that is not theirs."""
    pick = np.isin(prep.prec, POINT_PRECS)
    lon, lat, cat = prep.lon[pick], prep.lat[pick], prep.cat[pick]
    base = {"mode": "cells", "scale": POINT_SCALE, "gscale": GEOMETRY_SCALE, "day0": prep.day0,
            "units": prep.units, "unlocated": prep.unlocated, "texts": None, "n_events": prep.n}
    if len(lon) == 0:
        return {**base, "n": 0, "cell": 1.0, "x0": 0.0, "y0": 0.0, "b64": "", "cols": {}}, 0
    size, x0, y0, width, _height = _cell_size(lon, lat)
    cx = np.clip(((lon - x0) / size).astype(np.int64), 0, width - 1)
    cy = np.clip(((lat - y0) / size).astype(np.int64), 0, _height - 1)
    keyed, counts = np.unique((cy * width + cx) * 8 + cat, return_counts=True)
    return _packed_cells(base, keyed, counts, width, size, x0, y0)


@dataclass(frozen=True)
class StoreGrid:
    """A window's aggregate made by a store (:meth:`geo.stores.Store.grid`): counts per cell of ``size`` degrees
    (columns cx, cy, category, geo_precision, n) of its ``total`` events."""

    counts: pd.DataFrame
    size: float
    total: int


def grid_payload(counts: pd.DataFrame, size: float, *, total: int, day0: str) -> tuple[dict[str, Any], int]:
    """The aggregated payload of :func:`cells_payload` from counts a store made (:meth:`geo.stores.Store.grid`:
    columns cx, cy, category, geo_precision, n per cell of ``size`` degrees), for a window of ``total`` events
    too many to read. Only the events located to a point (exact, near) are put in cells; the others are counted
    as ``unlocated`` here (the store's aggregate has no outlines of their units)."""
    base = {"mode": "cells", "scale": POINT_SCALE, "gscale": GEOMETRY_SCALE, "day0": day0, "units": [],
            "texts": None, "n_events": int(total)}
    point_names = [p for p, i in PREC.items() if i in POINT_PRECS]
    located = counts.loc[counts["geo_precision"].isin(point_names).to_numpy(dtype=bool)]
    base["unlocated"] = int(total) - int(located["n"].sum())
    if not len(located):
        return {**base, "n": 0, "cell": float(size), "x0": 0.0, "y0": 0.0, "b64": "", "cols": {}}, 0
    cx, cy = located["cx"].to_numpy(dtype=np.int64), located["cy"].to_numpy(dtype=np.int64)
    cx0, cy0 = int(cx.min()), int(cy.min())
    width = int(cx.max()) - cx0 + 1
    cat = np.array([CAT.get(str(c), CAT["other"]) for c in located["category"].fillna("other")], dtype=np.int64)
    keyed = ((cy - cy0) * width + (cx - cx0)) * 8 + cat
    uniq, inverse = np.unique(keyed, return_inverse=True)
    summed = np.bincount(inverse, weights=located["n"].to_numpy(dtype=float)).astype(np.int64)
    return _packed_cells(base, uniq, summed, width, float(size), cx0 * float(size), cy0 * float(size))


def _packed_cells(base: dict[str, Any], keyed: np.ndarray, counts: np.ndarray, width: int, size: float, x0: float,
                  y0: float) -> tuple[dict[str, Any], int]:
    """Per cell (``keyed`` = cell * 8 + category, sorted, with their ``counts``): its total and its most frequent
    category, packed."""
    cells, cat_of = keyed // 8, keyed % 8
    order = np.lexsort((-counts, cells))  # per cell, the most frequent category first
    first = np.unique(cells[order], return_index=True)[1]
    top_cat = cat_of[order][first]
    ucell = cells[order][first]
    totals = np.bincount(np.searchsorted(ucell, cells), weights=counts).astype(np.uint32)
    b64, cols, nbytes = pack_columns({
        "cx": ((ucell % width).astype(np.uint16), "u2"),
        "cy": ((ucell // width).astype(np.uint16), "u2"),
        "count": (totals, "u4"),
        "cat": (top_cat.astype(np.uint8), "u1"),
    })
    return {**base, "n": len(ucell), "cell": size, "x0": x0, "y0": y0, "b64": b64, "cols": cols}, nbytes
