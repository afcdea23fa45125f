"""Administrative boundaries: obtain geoBoundaries (gbOpen) layers, cache them with provenance, normalise them.

The public geoBoundaries API answers ``{base}/{ISO3}/ADM{n}/`` with JSON naming the files
(``simplifiedGeometryGeoJSON``, preferred, or ``gjDownloadURL``) and their licence and source. The source
is configurable (argument ``source`` or env ``GEO_BOUNDARIES_SOURCE``):

* an API or mirror base URL: ``{base}/{ISO3}/ADM{n}/`` is tried first, then ``{base}/{ISO3}/ADM{n}/index.json``;
* a local folder (or ``file://`` URL) laid out like gbOpen: ``{folder}/{ISO3}/ADM{n}/index.json``.

File names in an index are resolved against the index's own URL, so relative names work for mirrors and
absolute URLs are used as they are. Each layer is cached (argument ``cache_dir`` or env ``GEO_CACHE_DIR``,
default ``~/.cache/geo-events/boundaries``) as::

    {cache}/{ISO3}/ADM{n}/boundary.geojson           the file exactly as downloaded (sha256 in provenance)
    {cache}/{ISO3}/ADM{n}/normalised-v1.parquet      the normalised layer as GeoParquet (fast warm loads)
    {cache}/{ISO3}/ADM{n}/provenance.json            written last: its presence marks a complete entry

Every file is written to a temporary name and moved into place with :func:`os.replace`, so an interrupted
download never leaves a half file under a real name. A cached entry is used without touching the network.

In memory, every level is a GeoDataFrame in EPSG:4326 with exactly :data:`BOUNDARY_COLUMNS`.

**Second vintage.** Ukraine's districts changed in July 2020 (490 raions became 136, with 1,469 hromadas
below them) and sources use both. Layers of another vintage are loaded next to the main ones when a
vintage source is known: argument ``vintage_source``, env ``GEO_BOUNDARIES_VINTAGE_SOURCE``, or, for a
local mirror, the folder ``gbOpen-2020`` beside it (``{mirror}/../gbOpen-2020/{ISO3}/ADM{2,3}/index.json``,
same layout). They are cached under ``{cache}/gbOpen-2020/`` and kept in :attr:`Boundaries.vintages` as
``adm2_2020`` (raions after the reform) and ``adm3`` (hromadas), for the countries the source has. No
source, or a country it lacks, simply means one vintage; nothing fails.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import ipaddress
import json
import os
import pickle
import platform
import re
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Final, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo import __version__
from geo.errors import BoundaryError
from geo.schema import CRS, stable_id

__all__ = [
    "BOUNDARY_COLUMNS",
    "DEFAULT_COUNTRIES",
    "DEFAULT_LEVELS",
    "DEFAULT_SOURCE",
    "Boundaries",
    "Progress",
    "ProgressCallback",
    "Provenance",
    "default_cache_dir",
    "derived_cached",
    "empty_layer",
    "fetch_boundaries",
    "fingerprint",
    "load_boundaries",
    "load_user_boundaries",
    "VINTAGE_FOLDER",
    "VINTAGE_LAYERS",
]

DEFAULT_SOURCE: Final = "https://www.geoboundaries.org/api/current/gbOpen/"
DEFAULT_COUNTRIES: Final = ("BLR", "UKR", "RUS")
DEFAULT_LEVELS: Final = (0, 1, 2)
LEVELS: Final = (0, 1, 2)
#: Columns of every normalised boundary layer, in this order.
BOUNDARY_COLUMNS: Final = ("iso3", "unit_id", "name", "name_local", "iso_code", "geometry")

ENV_SOURCE: Final = "GEO_BOUNDARIES_SOURCE"
ENV_CACHE_DIR: Final = "GEO_CACHE_DIR"
ENV_COUNTRIES: Final = "GEO_COUNTRIES"
ENV_VINTAGE_SOURCE: Final = "GEO_BOUNDARIES_VINTAGE_SOURCE"
#: The second vintage's folder beside a local gbOpen mirror, and its cache folder.
VINTAGE_FOLDER: Final = "gbOpen-2020"
#: ADM level of the second vintage -> its key in :attr:`Boundaries.vintages` (the join's column prefix).
VINTAGE_LAYERS: Final = {2: "adm2_2020", 3: "adm3"}
#: The vintage's year, recorded in its provenance.
VINTAGE_YEAR: Final = "2020"
_NO_VINTAGE: Final = frozenset({"none", "off", "no", "0"})
DEFAULT_TIMEOUT: Final = 60.0
USER_AGENT: Final = f"geo-events/{__version__} (boundary fetcher; +https://www.geoboundaries.org)"

GEOBOUNDARIES_CREDIT: Final = "geoBoundaries (Runfola et al. 2020, www.geoboundaries.org)"
OSM_CREDIT: Final = "© OpenStreetMap contributors"

_DATA_FILE: Final = "boundary.geojson"
_PROVENANCE_FILE: Final = "provenance.json"
_NORMALISED_VERSION: Final = 1
_NORMALISED_FILE: Final = f"normalised-v{_NORMALISED_VERSION}.parquet"
_FILE_KEYS: Final = ("simplifiedGeometryGeoJSON", "gjDownloadURL")
_CHUNK: Final = 64 * 1024
_INDEX_LIMIT: Final = 4 * 1024 * 1024
_POLYGONAL: Final = frozenset({3, 6})  # shapely type ids of Polygon, MultiPolygon
_HINT: Final = (
    f"Set {ENV_SOURCE} to a mirror URL or a local folder laid out like gbOpen/{{ISO3}}/ADM{{n}}/index.json"
)

Missing = Literal["raise", "skip"]
How = Literal["replace", "append", "replace_countries"]


# --- public model -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """Where one cached layer came from, under which licence, and what exactly was stored."""

    iso3: str
    level: int
    source_url: str  # the index (API answer, index.json) naming the file; for a user file, the file
    file_url: str  # the boundary file as downloaded
    licence: str
    boundary_source: str
    fetched_at: str  # ISO 8601, UTC
    sha256: str  # of the bytes as downloaded ("" if not a single file)
    feature_count: int
    bytes: int = 0
    year: str = ""  # boundaryYearRepresented, when the index gives it
    kind: str = "geoboundaries"  # "geoboundaries" | "user"
    vintage: str = ""  # "" for the main layers, e.g. "2020" for a second vintage

    @property
    def label(self) -> str:
        return f"{self.iso3 or '?'} ADM{self.level}" + (f" ({self.vintage})" if self.vintage else "")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        """Build from a mapping (e.g. provenance.json), ignoring keys this version does not know."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Progress:
    """One progress report: step ``step`` of ``steps`` (layer ``label``, e.g. "BLR ADM2") is at ``stage``.

    Stages: ``start``, ``cached`` (served from the cache), ``download`` (``bytes_done`` of ``bytes_total``,
    the total being None when the server does not say), ``done`` and ``error`` (``message`` says why).
    """

    step: int
    steps: int
    label: str
    stage: str
    bytes_done: int = 0
    bytes_total: int | None = None
    message: str = ""

    @property
    def fraction(self) -> float:
        """Overall completion in [0, 1], for a single progress bar."""
        if self.stage in ("cached", "done", "error"):
            within = 1.0
        elif self.bytes_total:
            within = min(self.bytes_done / self.bytes_total, 1.0)
        else:
            within = 0.0
        return (self.step - 1 + within) / max(self.steps, 1)


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, eq=False, repr=False)
class Boundaries:
    """ADM0/ADM1/ADM2 layers (EPSG:4326, :data:`BOUNDARY_COLUMNS`) with their provenance.

    ``errors`` holds the layers that could not be loaded when ``missing="skip"`` was asked for.
    ``vintages`` holds the layers of a second vintage, by key of :data:`VINTAGE_LAYERS` (``adm2_2020``,
    ``adm3``), only for the countries that have one; empty when there is none.
    """

    adm0: gpd.GeoDataFrame
    adm1: gpd.GeoDataFrame
    adm2: gpd.GeoDataFrame
    provenance: tuple[Provenance, ...] = ()
    countries: tuple[str, ...] = ()
    errors: tuple[BoundaryError, ...] = ()
    vintages: Mapping[str, gpd.GeoDataFrame] = dataclasses.field(default_factory=dict)

    @classmethod
    def empty(cls, countries: Sequence[str] = ()) -> Boundaries:
        return cls(empty_layer(), empty_layer(), empty_layer(), countries=tuple(countries))

    def layer(self, level: int) -> gpd.GeoDataFrame:
        """The layer of ADM level ``level`` (0, 1 or 2)."""
        return getattr(self, f"adm{_check_level(level)}")

    def attribution(self) -> str:
        """One line crediting every source and licence, for maps and exports ("" without boundaries)."""
        return _attribution(self.provenance)

    def with_layer(
        self,
        level: int,
        gdf: gpd.GeoDataFrame,
        how: How = "replace",
        provenance: Provenance | None = None,
    ) -> Boundaries:
        """A new Boundaries with level ``level`` replaced by ``gdf`` (or ``gdf`` appended to it).

        ``how``: ``replace`` the whole level, ``append`` to it, or ``replace_countries`` (drop only the rows
        of the countries in ``gdf``, e.g. to put a user's own RUS districts in place of the RUS ADM2).
        ``gdf`` needs the normalised columns (as :func:`load_user_boundaries` returns). Its provenance is
        taken from ``provenance`` or else ``gdf.attrs["provenance"]``. Nothing is modified in place.
        """
        return _with_layer(self, _check_level(level), gdf, how, provenance)

    def __repr__(self) -> str:
        counts = ", ".join(
            [f"adm{i}={len(self.layer(i))}" for i in LEVELS] + [f"{k}={len(v)}" for k, v in self.vintages.items()]
        )
        return f"Boundaries(countries={self.countries!r}, {counts}, errors={len(self.errors)})"


def empty_layer() -> gpd.GeoDataFrame:
    """An empty layer with the normalised columns and CRS."""
    data = {c: pd.Series([], dtype="str") for c in BOUNDARY_COLUMNS[:-1]}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=_crs()), crs=_crs())


def default_cache_dir() -> Path:
    """``$GEO_CACHE_DIR``, else ``$XDG_CACHE_HOME/geo-events/boundaries`` (``~/.cache`` by default)."""
    if env := os.environ.get(ENV_CACHE_DIR, "").strip():
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return Path(base).expanduser() / "geo-events" / "boundaries"


# --- public functions ---------------------------------------------------------------------------------


def load_boundaries(
    countries: Iterable[str] | str | None = None,
    levels: Iterable[int] = DEFAULT_LEVELS,
    source: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    progress: ProgressCallback | None = None,
    missing: Missing = "raise",
    timeout: float = DEFAULT_TIMEOUT,
    vintage_source: str | os.PathLike[str] | None = None,
) -> Boundaries:
    """Load ADM layers of ``countries`` (default ``$GEO_COUNTRIES`` or BLR, UKR, RUS), fetching on first use.

    Cached layers are read without touching the network unless ``refresh``. With ``missing="raise"`` the
    first layer that cannot be obtained raises :class:`BoundaryError`; with ``"skip"`` the others are
    returned and the failures are in ``Boundaries.errors``. With ADM2 asked for, the layers of a second
    vintage are added when a vintage source is known (see the module docstring; ``vintage_source="none"``
    turns it off); a vintage layer that cannot be read is reported in ``errors``, never raised.
    """
    plans = _plans(countries, levels, source, cache_dir, missing, vintage_source)
    results, errors = _run(plans, refresh, progress, timeout, want_frames=True)
    return _assemble(plans[0].countries, results, errors)


def fetch_boundaries(
    countries: Iterable[str] | str | None = None,
    levels: Iterable[int] = DEFAULT_LEVELS,
    source: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    progress: ProgressCallback | None = None,
    missing: Missing = "raise",
    timeout: float = DEFAULT_TIMEOUT,
    vintage_source: str | os.PathLike[str] | None = None,
) -> list[Provenance]:
    """Fill the cache (as :func:`load_boundaries` would) and return the provenance of each cached layer.

    With ``missing="skip"`` layers that fail are left out (a progress report with stage ``error`` says why).
    """
    plans = _plans(countries, levels, source, cache_dir, missing, vintage_source)
    results, _errors = _run(plans, refresh, progress, timeout, want_frames=False)
    return [prov for prov, _frame in results]


def load_user_boundaries(
    path: str | os.PathLike[str],
    name_field: str,
    level: int = 2,
    id_field: str | None = None,
    iso3: str | None = None,
    name_local_field: str | None = None,
    *,
    layer: str | None = None,
    transliterate: bool = True,
    licence: str = "",
    source_name: str = "",
) -> gpd.GeoDataFrame:
    """Read a user's own boundary file (anything pyogrio reads) into the normalised columns.

    ``name`` comes from ``name_field``; when no ``name_local_field`` is given and the names are not in
    Latin script, ``name_local`` keeps them and ``name`` is their transliteration (``transliterate=False``
    keeps them as they are). ``unit_id`` is the ``id_field`` value or a stable hash of file name, name and
    row. The result is reprojected to EPSG:4326; its provenance is in ``attrs["provenance"]``, which
    :meth:`Boundaries.with_layer` uses for the attribution (``licence``, ``source_name`` feed it).
    """
    return _load_user_file(
        Path(path).expanduser(),
        name_field,
        _check_level(level),
        id_field=id_field,
        iso3=_check_iso3(iso3) if iso3 else "",
        name_local_field=name_local_field,
        layer=layer,
        transliterate=transliterate,
        licence=licence,
        source_name=source_name,
    )


# --- planning -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Where layers are fetched from: a base URL (http, https or file) ending with "/"."""

    base: str
    local: bool

    def index_urls(self, iso3: str, level: int) -> list[str]:
        folder = urllib.parse.urljoin(self.base, f"{iso3}/ADM{level}/")
        index = urllib.parse.urljoin(folder, "index.json")
        return [index] if self.local else [folder, index]


    def has_index(self, iso3: str, level: int) -> bool:
        """For a local source, whether it has the layer's index.json (a remote one is assumed to)."""
        if not self.local:
            return True
        return Path(urllib.request.url2pathname(urllib.parse.urlsplit(self.index_urls(iso3, level)[0]).path)).is_file()


@dataclass(frozen=True)
class _Plan:
    countries: tuple[str, ...]
    levels: tuple[int, ...]
    source: _Source
    cache: Path
    missing: Missing
    vintage: str = ""  # "" for the main layers

    @property
    def layers(self) -> list[tuple[str, int]]:
        return [
            (iso3, level)
            for iso3 in self.countries
            for level in self.levels
            if not self.vintage or self.source.has_index(iso3, level)
        ]


def _plans(
    countries: Iterable[str] | str | None,
    levels: Iterable[int],
    source: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str] | None,
    missing: str,
    vintage_source: str | os.PathLike[str] | None,
) -> list[_Plan]:
    """The main plan, and the second vintage's when ADM2 is asked for and a vintage source is known."""
    plan = _plan(countries, levels, source, cache_dir, missing)
    vintage = _vintage_source(vintage_source, plan.source) if 2 in plan.levels else None
    if vintage is None:
        return [plan]
    return [
        plan,
        _Plan(plan.countries, tuple(VINTAGE_LAYERS), vintage, plan.cache / VINTAGE_FOLDER, "skip", VINTAGE_YEAR),
    ]


def _vintage_source(given: str | os.PathLike[str] | None, main: _Source) -> _Source | None:
    """The second vintage's source: ``given``, else ``$GEO_BOUNDARIES_VINTAGE_SOURCE``, else the
    ``gbOpen-2020`` folder beside a local main source; None when there is none ("none" turns it off)."""
    text = os.fspath(given).strip() if given is not None else os.environ.get(ENV_VINTAGE_SOURCE, "").strip()
    if text.lower() in _NO_VINTAGE:
        return None
    if text:
        return _resolve_source(text, mirror_folder=VINTAGE_FOLDER)
    if not main.local:
        return None
    folder = Path(urllib.request.url2pathname(urllib.parse.urlsplit(main.base).path)).parent / VINTAGE_FOLDER
    return _Source(folder.as_uri().rstrip("/") + "/", local=True) if folder.is_dir() else None


def _plan(
    countries: Iterable[str] | str | None,
    levels: Iterable[int],
    source: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str] | None,
    missing: str,
) -> _Plan:
    if missing not in ("raise", "skip"):
        raise ValueError(f"expected missing='raise' or 'skip', got {missing!r}")
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return _Plan(_countries(countries), _levels(levels), _resolve_source(source), cache, missing)  # type: ignore[arg-type]


def _countries(countries: Iterable[str] | str | None) -> tuple[str, ...]:
    if countries is None:
        countries = os.environ.get(ENV_COUNTRIES, "").strip() or DEFAULT_COUNTRIES
    if isinstance(countries, str):
        countries = re.split(r"[\s,;]+", countries)
    out: list[str] = []
    for item in countries:
        if str(item).strip():
            code = _check_iso3(str(item))
            if code not in out:
                out.append(code)
    if not out:
        raise BoundaryError("expected at least one ISO3 country code (e.g. BLR), got none")
    return tuple(out)


def _check_iso3(code: str) -> str:
    text = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise BoundaryError(f"expected an ISO3 country code like BLR, got {code!r}")
    return text


def _levels(levels: Iterable[int]) -> tuple[int, ...]:
    out = sorted({_check_level(level) for level in levels})
    if not out:
        raise BoundaryError("expected at least one ADM level among 0, 1, 2, got none")
    return tuple(out)


def _check_level(level: object) -> int:
    text = str(level).strip().upper().removeprefix("ADM")
    if text not in ("0", "1", "2"):
        raise BoundaryError(f"expected an ADM level among 0, 1, 2, got {level!r}")
    return int(text)


def _resolve_source(source: str | os.PathLike[str] | None, mirror_folder: str = "gbOpen") -> _Source:
    """Turn the configured source into a base URL; nothing is checked yet (cached layers need no source).

    A local folder holding ``mirror_folder`` (the mirror's parent) stands for that folder."""
    text = os.fspath(source).strip() if source is not None else ""
    text = text or os.environ.get(ENV_SOURCE, "").strip() or DEFAULT_SOURCE
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        return _Source(text if text.endswith("/") else text + "/", local=False)
    if scheme == "file":
        folder = Path(urllib.request.url2pathname(urllib.parse.urlsplit(text).path))
    else:
        folder = Path(text).expanduser()
    folder = folder.resolve()
    if (folder / mirror_folder).is_dir():  # the mirror's parent folder was given
        folder = folder / mirror_folder
    return _Source(folder.as_uri().rstrip("/") + "/", local=True)


# --- running ------------------------------------------------------------------------------------------


_Result = tuple[Provenance, "gpd.GeoDataFrame | None"]


def _run(
    plans: list[_Plan], refresh: bool, progress: ProgressCallback | None, timeout: float, *, want_frames: bool
) -> tuple[list[_Result], list[BoundaryError]]:
    results: list[_Result] = []
    errors: list[BoundaryError] = []
    jobs = [(plan, iso3, level) for plan in plans for iso3, level in plan.layers]
    for step, (plan, iso3, level) in enumerate(jobs, start=1):
        label = f"{iso3} ADM{level}" + (f" ({plan.vintage})" if plan.vintage else "")
        report = _reporter(progress, step, len(jobs), label)
        report("start")
        try:
            results.append(_ensure_layer(plan, iso3, level, refresh, report, timeout, want_frames))
        except BoundaryError as exc:
            report("error", message=str(exc))
            if plan.missing == "raise":
                raise
            if not (plan.vintage and isinstance(exc, _AbsentLayer)):  # a vintage simply lacks some countries
                errors.append(exc)
            # a failed refresh still leaves the previous copy usable
            if refresh and (stale := _cached(plan, iso3, level, want_frames)) is not None:
                results.append(stale)
        else:
            report("done")
    return results, errors


def _reporter(progress: ProgressCallback | None, step: int, steps: int, label: str) -> Callable[..., None]:
    def report(stage: str, done: int = 0, total: int | None = None, message: str = "") -> None:
        if progress is not None:
            progress(Progress(step, steps, label, stage, done, total, message))

    return report


def _ensure_layer(
    plan: _Plan,
    iso3: str,
    level: int,
    refresh: bool,
    report: Callable[..., None],
    timeout: float,
    want_frame: bool,
) -> _Result:
    if not refresh and (cached := _cached(plan, iso3, level, want_frame)) is not None:
        report("cached")
        return cached
    entry = _Entry(plan.cache / iso3 / f"ADM{level}")
    prov, frame = _fetch_layer(plan.source, entry, iso3, level, report, timeout, plan.vintage)
    return prov, frame if want_frame else None


def _cached(plan: _Plan, iso3: str, level: int, want_frame: bool) -> _Result | None:
    """The cached layer, or None when there is no complete, readable entry."""
    entry = _Entry(plan.cache / iso3 / f"ADM{level}")
    if (prov := entry.provenance()) is None:
        return None
    try:
        return prov, entry.frame(iso3, level) if want_frame else None
    except BoundaryError:
        return None  # unreadable: fetch it again


class _FetchProblem(Exception):
    """A fetch step failed at ``url`` for ``reason``; turned into a BoundaryError with the hint.

    ``absent``: the source answered that it has no such layer (HTTP 404, no such file)."""

    def __init__(self, url: str, reason: str, absent: bool = False) -> None:
        super().__init__(reason)
        self.url, self.reason, self.absent = url, reason, absent


class _AbsentLayer(BoundaryError):
    """The source has no such layer: an error for a main layer, expected for a second vintage."""


def _fetch_layer(
    source: _Source,
    entry: _Entry,
    iso3: str,
    level: int,
    report: Callable[..., None],
    timeout: float,
    vintage: str = "",
) -> tuple[Provenance, gpd.GeoDataFrame]:
    try:
        index_url, index = _read_index(source, iso3, level, timeout)
        file_url = _file_url(index, index_url)
        with entry.staging() as stage:
            digest, size = _download(file_url, stage.data, timeout, lambda d, t: report("download", d, t))
            try:
                raw = _read_vector(stage.data)
            except BoundaryError as exc:
                raise _FetchProblem(file_url, f"the file is not readable GeoJSON ({exc})") from exc
            frame = _normalise_gb(raw, iso3, level, file_url)
            prov = Provenance(
                iso3=iso3,
                level=level,
                source_url=index_url,
                file_url=file_url,
                licence=_text(index.get("boundaryLicense")),
                boundary_source=_text(index.get("boundarySource")),
                fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
                sha256=digest,
                feature_count=len(raw),
                bytes=size,
                year=_text(index.get("boundaryYearRepresented")),
                vintage=vintage,
            )
            extra = {"expected_feature_count": index.get("featureCount", index.get("admUnitCount"))}
            stage.commit(frame, prov, extra)
    except _FetchProblem as exc:
        kind = _AbsentLayer if exc.absent else BoundaryError
        what = f"{iso3} ADM{level}" + (f" ({vintage})" if vintage else "")
        raise kind(f"cannot fetch geoBoundaries {what} from {exc.url}: {exc.reason}. {_HINT}") from exc
    return prov, frame


def _read_index(source: _Source, iso3: str, level: int, timeout: float) -> tuple[str, dict[str, Any]]:
    """The first candidate URL that answers a usable JSON record, and that record."""
    problems: list[_FetchProblem] = []
    for url in source.index_urls(iso3, level):
        try:
            with _open(url, timeout) as answer:
                raw = answer.read(_INDEX_LIMIT + 1)
        except urllib.error.HTTPError as exc:
            problems.append(_FetchProblem(url, f"HTTP {exc.code} {exc.reason}", absent=exc.code == 404))
            continue
        except (OSError, http.client.HTTPException) as exc:  # unreachable: no use trying further
            missing_file = isinstance(getattr(exc, "reason", exc), FileNotFoundError)
            raise _FetchProblem(url, _reason(exc, timeout), absent=missing_file) from exc
        try:
            record = _pick_record(json.loads(raw[:_INDEX_LIMIT].decode("utf-8-sig")), iso3, level)
        except (UnicodeDecodeError, json.JSONDecodeError):
            problems.append(_FetchProblem(url, "expected a JSON index, got something else"))
            continue
        if record is None:
            problems.append(_FetchProblem(url, f"expected a JSON record for {iso3} ADM{level}, got none"))
            continue
        return url, record
    first, *others = problems
    reason = "; ".join([first.reason, *(f"{p.url}: {p.reason}" for p in others)])
    raise _FetchProblem(first.url, reason, absent=all(p.absent for p in problems))


def _pick_record(data: object, iso3: str, level: int) -> dict[str, Any] | None:
    if isinstance(data, dict):
        return data
    if isinstance(data, list):  # an "ALL" style answer: pick the matching record
        for item in data:
            if (
                isinstance(item, dict)
                and str(item.get("boundaryISO", "")).upper() == iso3
                and str(item.get("boundaryType", "")).upper() == f"ADM{level}"
            ):
                return item
    return None


def _file_url(index: dict[str, Any], index_url: str) -> str:
    for key in _FILE_KEYS:
        if name := _text(index.get(key)):
            return urllib.parse.urljoin(index_url, name)
    raise _FetchProblem(index_url, f"expected the index to name a GeoJSON file in {' or '.join(_FILE_KEYS)}")


def _download(
    url: str, dest: Path, timeout: float, on_bytes: Callable[[int, int | None], None]
) -> tuple[str, int]:
    """Stream ``url`` into ``dest``; return (sha256, size). Short or empty answers are errors."""
    digest = hashlib.sha256()
    done = 0
    try:
        with _open(url, timeout) as answer, open(dest, "wb") as out:
            length = answer.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            on_bytes(0, total)
            while chunk := answer.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                on_bytes(done, total)
    except urllib.error.HTTPError as exc:
        raise _FetchProblem(url, f"HTTP {exc.code} {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise _FetchProblem(url, _reason(exc, timeout)) from exc
    if total is not None and done != total:
        raise _FetchProblem(url, f"download interrupted after {done} of {total} bytes")
    if done == 0:
        raise _FetchProblem(url, "the file is empty")
    return digest.hexdigest(), done


def _open(url: str, timeout: float) -> Any:
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json, application/geo+json, */*"}
    )
    host = urllib.parse.urlsplit(url).hostname or ""
    return _opener(_is_loopback(host)).open(request, timeout=timeout)


@cache
def _opener(loopback: bool) -> urllib.request.OpenerDirector:
    """The default opener; for 127.0.0.1/localhost one that ignores proxy settings."""
    return (
        urllib.request.build_opener(urllib.request.ProxyHandler({}))
        if loopback
        else urllib.request.build_opener()
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reason(exc: BaseException, timeout: float) -> str:
    """A short human reason for a network or file error."""
    inner = (
        exc.reason
        if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException)
        else exc
    )
    if isinstance(inner, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(inner, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(inner, socket.gaierror):
        return f"host name not resolved ({inner.strerror}); no network?"
    if isinstance(inner, FileNotFoundError):
        return f"no such file {inner.filename or ''}".strip()
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(inner) or type(inner).__name__


# --- cache --------------------------------------------------------------------------------------------


class _Entry:
    """One cached layer: ``{cache}/{ISO3}/ADM{n}/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / _DATA_FILE
        self.normalised = folder / _NORMALISED_FILE
        self.meta = folder / _PROVENANCE_FILE

    def provenance(self) -> Provenance | None:
        """The provenance of a complete entry, None when there is none (or it is damaged)."""
        try:
            prov = Provenance.from_dict(json.loads(self.meta.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        return prov if self.data.is_file() else None

    def frame(self, iso3: str, level: int) -> gpd.GeoDataFrame:
        """The normalised layer: from the GeoParquet copy, else rebuilt from the GeoJSON (and re-saved)."""
        if (ready := _try_read_normalised(self.normalised)) is not None:
            return ready
        frame = _normalise_gb(_read_vector(self.data), iso3, level, self.data.as_uri())
        try:
            _write_atomic(self.normalised, lambda tmp: _write_normalised(frame, tmp))
        except OSError:
            pass  # a read-only cache still works, only slower
        return frame

    @contextmanager
    def staging(self) -> Iterator[_Staging]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _remove_stale_parts(self.folder)
            stage = _Staging(self, _temp_path(self.folder, _DATA_FILE))
        except OSError as exc:
            raise _cache_error(self.folder, exc) from exc
        try:
            yield stage
        finally:
            stage.cleanup()


class _Staging:
    """Temporary files of one fetch; :meth:`commit` moves them into place, provenance last."""

    def __init__(self, entry: _Entry, data: Path) -> None:
        self.entry = entry
        self.data = data
        self.temps = [data]

    def commit(self, frame: gpd.GeoDataFrame, prov: Provenance, extra: dict[str, Any]) -> None:
        entry = self.entry
        try:
            normalised = _temp_path(entry.folder, _NORMALISED_FILE)
            self.temps.append(normalised)
            _write_normalised(frame, normalised)
            meta = _temp_path(entry.folder, _PROVENANCE_FILE)
            self.temps.append(meta)
            record = prov.as_dict() | extra | {"cache_file": _DATA_FILE, "normalised_file": _NORMALISED_FILE}
            meta.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            # the entry is incomplete while the files are swapped: without provenance it is fetched again
            entry.meta.unlink(missing_ok=True)
            os.replace(self.data, entry.data)
            os.replace(normalised, entry.normalised)
            os.replace(meta, entry.meta)
        except OSError as exc:
            raise _cache_error(entry.folder, exc) from exc
        for old in entry.folder.glob("normalised-v*.parquet"):
            if old.name != _NORMALISED_FILE:
                old.unlink(missing_ok=True)

    def cleanup(self) -> None:
        for path in self.temps:
            path.unlink(missing_ok=True)


def _temp_path(folder: Path, name: str) -> Path:
    """A fresh hidden name next to ``name`` (created by its writer, so the umask applies)."""
    stem, dot, ext = name.rpartition(".")
    return folder / f".{stem}-{secrets.token_hex(8)}.part{dot}{ext}"


def _remove_stale_parts(folder: Path, age_s: float = 3600.0) -> None:
    """Remove temporary files a killed process left behind (fresh ones may belong to a running fetch)."""
    for part in folder.glob(".*.part.*"):
        try:
            if time.time() - part.stat().st_mtime > age_s:
                part.unlink()
        except OSError:
            continue


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = _temp_path(path.parent, path.name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _cache_error(folder: Path, exc: OSError) -> BoundaryError:
    return BoundaryError(
        f"cannot write the boundary cache in {folder}: {exc.strerror or exc}. "
        f"Set {ENV_CACHE_DIR} to a writable folder"
    )


def _write_normalised(frame: gpd.GeoDataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def _try_read_normalised(path: Path) -> gpd.GeoDataFrame | None:
    """The cached normalised layer, or None when it is absent, damaged or from another version."""
    if not path.is_file():
        return None
    import pyarrow

    damaged = (OSError, ValueError, KeyError, TypeError, BoundaryError, pyarrow.ArrowException)
    try:
        return _read_normalised(path)
    except (*damaged, shapely.errors.ShapelyError):
        return None


def _read_normalised(path: Path) -> gpd.GeoDataFrame:
    """Read our own GeoParquet quickly (geopandas.read_parquet spends ~30 ms per file parsing the CRS)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if tuple(table.column_names) != BOUNDARY_COLUMNS:
        raise BoundaryError(f"expected columns {', '.join(BOUNDARY_COLUMNS)} in {path}")
    geo = json.loads(table.schema.metadata[b"geo"])
    if geo["columns"]["geometry"]["encoding"].upper() != "WKB":
        raise BoundaryError(f"expected WKB geometries in {path}")
    wkb = table.column("geometry").to_numpy(zero_copy_only=False)
    frame = table.drop_columns(["geometry"]).to_pandas()
    return _finish(frame, shapely.from_wkb(wkb))


# --- normalisation ------------------------------------------------------------------------------------


def _read_vector(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        return pyogrio.read_dataframe(path, layer=layer, use_arrow=_has_pyarrow())
    except Exception as exc:  # GDAL raises many kinds; all mean "cannot read"
        raise BoundaryError(f"cannot read {path}: {exc}") from exc


@cache
def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _crs() -> pyproj.CRS:
    return pyproj.CRS.from_user_input(CRS)


def _normalise_gb(raw: gpd.GeoDataFrame, iso3: str, level: int, where: str) -> gpd.GeoDataFrame:
    """A geoBoundaries layer (shapeName, shapeName_local, shapeISO, shapeID) in the normalised columns."""
    if "shapeName" not in raw.columns:
        raise BoundaryError(f"expected a name field 'shapeName' in {where}, got columns: {_columns(raw)}")
    n = len(raw)
    names = _clean_text(raw["shapeName"])
    ids = _clean_text(raw["shapeID"]) if "shapeID" in raw.columns else pd.Series([""] * n, dtype="str")
    if (missing := ids == "").any():  # not expected from geoBoundaries, but ids must never be empty
        made = [stable_id(f"{iso3}-ADM{level}", name, i) for i, name in enumerate(names)]
        ids = ids.where(~missing, made)
    data = {
        "iso3": [iso3] * n,
        "unit_id": ids,
        "name": names,
        "name_local": _optional_text(raw, "shapeName_local"),
        "iso_code": _optional_text(raw, "shapeISO"),
    }
    return _finish(pd.DataFrame(data), _clean_geometry(raw.geometry))


def _load_user_file(
    path: Path,
    name_field: str,
    level: int,
    *,
    id_field: str | None,
    iso3: str,
    name_local_field: str | None,
    layer: str | None,
    transliterate: bool,
    licence: str,
    source_name: str,
) -> gpd.GeoDataFrame:
    if not path.exists():
        raise BoundaryError(f"expected a boundary file at {path}, got nothing there")
    raw = _read_vector(path, layer)
    for kind, fld in (("name", name_field), ("id", id_field), ("local name", name_local_field)):
        if fld is not None and fld not in raw.columns:
            raise BoundaryError(f"expected a {kind} field {fld!r} in {path}, got columns: {_columns(raw)}")
    names = _clean_text(raw[name_field])
    if name_local_field is not None:
        local = _clean_text(raw[name_local_field])
    elif transliterate and not _is_latin(names):
        local, names = names, _transliterate(names)
    else:
        local = pd.Series([""] * len(raw), dtype="str")
    if id_field is not None:
        ids = _clean_text(raw[id_field])
    else:
        ids = pd.Series(
            [stable_id("user", path.name, n, i) for i, n in enumerate(raw[name_field])], dtype="str"
        )
    data = {"iso3": [iso3] * len(raw), "unit_id": ids, "name": names, "name_local": local, "iso_code": ""}
    frame = _finish(pd.DataFrame(data), _clean_geometry(raw.geometry, where=path))
    frame.attrs["provenance"] = Provenance(
        iso3=iso3,
        level=level,
        source_url=str(path),
        file_url=path.resolve().as_uri(),
        licence=licence,
        boundary_source=source_name or f"user file {path.name}",
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        sha256=_file_sha256(path) if path.is_file() else "",
        feature_count=len(raw),
        bytes=path.stat().st_size if path.is_file() else 0,
        kind="user",
    )
    return frame


def _finish(frame: pd.DataFrame, geometry: np.ndarray | gpd.GeoSeries) -> gpd.GeoDataFrame:
    """Attach geometry and fix column order and dtypes (str columns, never missing)."""
    data = {c: _clean_text(pd.Series(frame[c]), strip=False).to_numpy() for c in BOUNDARY_COLUMNS[:-1]}
    text = pd.DataFrame({c: pd.Series(v, dtype="str") for c, v in data.items()})
    geoms = gpd.GeoSeries(np.asarray(geometry, dtype=object), crs=_crs())
    return gpd.GeoDataFrame(text, geometry=geoms, crs=_crs())


def _clean_text(values: pd.Series, strip: bool = True) -> pd.Series:
    if pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all():
        values = values.astype("Int64")  # numeric ids read as float because of gaps: 12.0 -> "12"
    out = values.astype("object").where(values.notna(), "").astype("str")
    return out.str.strip() if strip else out


def _optional_text(raw: pd.DataFrame, column: str) -> pd.Series:
    return _clean_text(raw[column]) if column in raw.columns else pd.Series([""] * len(raw), dtype="str")


def _clean_geometry(geoms: gpd.GeoSeries, where: object = None) -> np.ndarray:
    """EPSG:4326, valid, polygonal parts only (non-polygonal leftovers become empty polygons)."""
    if geoms.crs is None:
        if len(geoms) and not _looks_like_lonlat(geoms):
            raise BoundaryError(f"expected a CRS or lon/lat coordinates in {where}, got neither")
        geoms = geoms.set_crs(_crs())
    elif not _crs().equals(geoms.crs):
        geoms = geoms.to_crs(_crs())
    arr = np.array(geoms.to_numpy(), dtype=object)  # a copy: the input is never modified
    present = ~shapely.is_missing(arr)
    if shapely.has_z(arr[present]).any():
        arr[present] = shapely.force_2d(arr[present])
    bad = present & ~shapely.is_valid(arr)
    if bad.any():
        arr[bad] = shapely.make_valid(arr[bad])
    odd = present & ~np.isin(shapely.get_type_id(arr), list(_POLYGONAL))
    for i in np.flatnonzero(odd):
        arr[i] = _polygonal(arr[i])
    return arr


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = shapely.get_parts(shapely.get_parts(geom))  # collection -> multi -> single parts
    polys = [p for p in parts if shapely.get_type_id(p) == 3 and not p.is_empty]
    if not polys:
        return shapely.Polygon()
    merged = polys[0] if len(polys) == 1 else shapely.union_all(polys)
    return merged if shapely.get_type_id(merged) in _POLYGONAL else _polygonal(merged)


def _looks_like_lonlat(geoms: gpd.GeoSeries) -> bool:
    minx, miny, maxx, maxy = geoms.total_bounds
    return bool(-180.5 <= minx <= maxx <= 180.5 and -90.5 <= miny <= maxy <= 90.5)


def _is_latin(names: pd.Series) -> bool:
    return all(ch.isascii() or "LATIN" in _unicode_name(ch) for ch in "".join(names) if ch.isalpha())


def _unicode_name(ch: str) -> str:
    import unicodedata

    return unicodedata.name(ch, "")


def _transliterate(names: pd.Series) -> pd.Series:
    try:
        from unidecode import unidecode
    except ImportError:  # optional: keep the names as they are
        return names
    return pd.Series([unidecode(n).strip() for n in names], index=names.index, dtype="str")


def _columns(frame: pd.DataFrame) -> str:
    return ", ".join(str(c) for c in frame.columns if c != "geometry") or "(none)"


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- assembling ---------------------------------------------------------------------------------------


def _assemble(countries: tuple[str, ...], results: list[_Result], errors: list[BoundaryError]) -> Boundaries:
    by_level: dict[int, list[gpd.GeoDataFrame]] = {level: [] for level in LEVELS}
    by_vintage: dict[str, list[gpd.GeoDataFrame]] = {}
    for prov, frame in results:
        if frame is None:
            continue
        if prov.vintage:
            by_vintage.setdefault(VINTAGE_LAYERS[prov.level], []).append(frame)
        else:
            by_level[prov.level].append(frame)
    layers = [_concat(by_level[level]) for level in LEVELS]
    return Boundaries(
        *layers,
        provenance=tuple(prov for prov, _frame in results),
        countries=countries,
        errors=tuple(errors),
        vintages={key: _concat(frames) for key, frames in by_vintage.items()},
    )


def _concat(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_layer()
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=_crs())


def _with_layer(
    bounds: Boundaries, level: int, gdf: gpd.GeoDataFrame, how: str, provenance: Provenance | None
) -> Boundaries:
    if how not in ("replace", "append", "replace_countries"):
        raise ValueError(f"expected how='replace', 'append' or 'replace_countries', got {how!r}")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise BoundaryError(f"expected a GeoDataFrame, got {type(gdf).__name__}")
    if absent := [c for c in BOUNDARY_COLUMNS if c not in gdf.columns]:
        raise BoundaryError(
            f"expected the normalised columns {', '.join(BOUNDARY_COLUMNS)}, got {_columns(gdf)} "
            f"(missing {', '.join(absent)}); use load_user_boundaries to read a boundary file"
        )
    new = _finish(gdf[list(BOUNDARY_COLUMNS[:-1])], _clean_geometry(gdf.geometry))
    new_iso3 = {c for c in new["iso3"] if c}
    old = bounds.layer(level)
    provs = list(bounds.provenance)
    if how == "replace":
        kept = [empty_layer()]
        provs = [p for p in provs if p.level != level]
    elif how == "replace_countries":
        kept = [old[~old["iso3"].isin(new_iso3)]]
        provs = [p for p in provs if not (p.level == level and p.iso3 in new_iso3)]
    else:
        kept = [old]
    prov = provenance if provenance is not None else gdf.attrs.get("provenance")
    if isinstance(prov, Provenance):
        provs.append(dataclasses.replace(prov, level=level))
    countries = bounds.countries + tuple(sorted(new_iso3 - set(bounds.countries)))
    layer = _concat([*kept, new])
    return dataclasses.replace(bounds, **{f"adm{level}": layer}, provenance=tuple(provs), countries=countries)


# --- attribution --------------------------------------------------------------------------------------


def _attribution(provenance: Sequence[Provenance]) -> str:
    """ "Boundaries: geoBoundaries (...); ODbL 1.0 (OpenStreetMap): BLR ADM0-2, ...; © OpenStreetMap ..."."""
    if not provenance:
        return ""
    groups: dict[tuple[str, str], dict[str, set[int]]] = {}
    for prov in provenance:
        key = (prov.licence.strip(), _short_source(prov.boundary_source))
        coverage = (prov.iso3 or "?") + (f" {prov.vintage}" if prov.vintage else "")
        groups.setdefault(key, {}).setdefault(coverage, set()).add(prov.level)
    items = []
    for (licence, src), coverage in groups.items():
        head = f"{licence} ({src})" if licence and src else licence or src or "licence unknown"
        items.append(f"{head}: " + ", ".join(f"{iso3} {_level_span(lv)}" for iso3, lv in coverage.items()))
    credits = [GEOBOUNDARIES_CREDIT] if any(p.kind == "geoboundaries" for p in provenance) else []
    text = "Boundaries: " + "; ".join(credits + items)
    if any("openstreetmap" in f"{p.boundary_source} {p.licence}".lower() for p in provenance):
        text += f". {OSM_CREDIT}"
    return text


def _short_source(source: str) -> str:
    text = " ".join(source.split())
    if "openstreetmap" in text.lower():
        return "OpenStreetMap"
    if match := re.fullmatch(r"geoBoundaries[^()]*\((.+)\)", text):
        return match.group(1).strip()
    return text


def _level_span(levels: set[int]) -> str:
    ordered = sorted(levels)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"ADM{ordered[0]}-{ordered[-1]}"
    return "ADM" + "+".join(str(lv) for lv in ordered)


# --- derived objects cached on disk -------------------------------------------------------------------

#: Folder (under the boundary cache) of objects derived from loaded boundaries; bump the format when what
#: :func:`derived_cached` writes changes.
DERIVED_FOLDER: Final = "derived"
DERIVED_FORMAT: Final = 1
_DERIVED_LIBS: Final = ("numpy", "pandas", "shapely", "pyproj", "scipy", "geopandas")
_T = TypeVar("_T")


_FINGERPRINTS: weakref.WeakKeyDictionary[Boundaries, str] = weakref.WeakKeyDictionary()


def fingerprint(boundaries: Boundaries) -> str:
    """sha256 of what the loaded layers hold (every level and vintage: ids, names, codes, geometry as WKB):
    equal for equal content however it was loaded, different as soon as one unit changes. Computed once
    per object (its layers are not changed in place)."""
    known = _FINGERPRINTS.get(boundaries)
    if known is None:
        known = _FINGERPRINTS[boundaries] = _fingerprint(boundaries)
    return known


def _fingerprint(boundaries: Boundaries) -> str:
    h = hashlib.sha256()
    layers = [(f"adm{n}", boundaries.layer(n)) for n in LEVELS]
    layers += sorted((boundaries.vintages or {}).items())
    for name, layer in layers:
        h.update(f"{name}:{len(layer)}:".encode())
        if not len(layer):
            continue
        attrs = layer[[c for c in BOUNDARY_COLUMNS[:-1] if c in layer.columns]].astype("string").fillna("")
        h.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
        h.update(b"".join(shapely.to_wkb(layer.geometry.to_numpy(), include_srid=False)))
    return h.hexdigest()


def _code_version(code: Sequence[ModuleType]) -> str:
    """The source of the modules that build a derived object, the format and the library versions."""
    h = hashlib.sha256(f"{DERIVED_FORMAT}:{platform.python_version()}".encode())
    for lib in _DERIVED_LIBS:
        try:
            h.update(f"{lib}={metadata.version(lib)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=none;".encode())
    for module in code:
        h.update(Path(module.__file__ or "").read_bytes() if module.__file__ else module.__name__.encode())
    return h.hexdigest()


def derived_cached(
    boundaries: Boundaries,
    name: str,
    build: Callable[[Boundaries], _T],
    *,
    code: Sequence[ModuleType],
    cache_dir: str | os.PathLike[str] | None = None,
) -> _T:
    """``build(boundaries)`` (an admin index, say), kept on disk next to the boundary cache so that a new
    process (a cold start of the app) reads it instead of building it again.

    The file ``{cache}/derived/{name}-{key}.pickle`` is keyed by :func:`fingerprint` and the version of the
    ``code`` that builds it (its modules' source, :data:`DERIVED_FORMAT`, Python and library versions), so
    other boundaries or changed code never read a stale object. It is written under a temporary name and
    moved into place (a crash never leaves a half file under the real name); a file that cannot be read
    back (cut short, foreign) is built again and replaced. Older files of ``name`` are removed. The
    cache is the user's own folder, trusted as the code is (pickle runs what it loads).
    """
    folder = (Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()) / DERIVED_FOLDER
    key = hashlib.sha256(f"{fingerprint(boundaries)}:{_code_version(code)}".encode()).hexdigest()[:32]
    path = folder / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            stored_key, value = pickle.load(fh)
        if stored_key == key:
            return value  # type: ignore[no-any-return]
    except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError, pickle.UnpicklingError):
        pass  # none yet, or unreadable (cut short, foreign): built again below
    value = build(boundaries)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}-{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            with tmp.open("wb") as fh:
                pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        for old in folder.glob(f"{name}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full cache folder: the object is still returned, only not kept
    return value
