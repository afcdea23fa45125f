"""The snapshot's view: what a briefing export shows (extent, layers, filter, marking, page), the events it
shows (:func:`select`) and the opsec rounding of their coordinates. No drawing here: the package imports
this without matplotlib, which :mod:`geo.snapshot._draw` loads with the first drawn export."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

from geo import layers
from geo.errors import GeoError
from geo.filter import EventFilter, apply

BASE_LAYERS: Final = layers.BASE
EVENT_LAYERS: Final = layers.EVENT
#: Every layer a snapshot can draw: the registry's (:data:`geo.layers.LAYERS`), as the app's map.
ALL_LAYERS: Final = (*BASE_LAYERS, *EVENT_LAYERS)
#: The layers the app's map shows until the user hides one: those the registry shows by default.
DEFAULT_LAYERS: Final = layers.DEFAULT
PAPER_INCHES: Final = {"A4": (11.69, 8.27), "Letter": (11.0, 8.5)}
#: Size of the slide picture (inches): the map and its legend, beside the key events on a 16:9 slide.
SLIDE_PICTURE: Final = (8.2, 5.2)
DEFAULT_MARKING: Final = "UNCLASSIFIED // FOR TRAINING"


# --- the view -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class View:
    """What a snapshot shows; JSON-safe through :meth:`to_json` / :meth:`from_json`."""

    title: str = "Situation snapshot"
    subtitle: str | None = None  # None: the date window
    bbox: tuple[float, float, float, float] | None = None  # minlon, minlat, maxlon, maxlat; None: fit
    filter: EventFilter = dataclasses.field(default_factory=EventFilter)
    layers: tuple[str, ...] = DEFAULT_LAYERS
    marking: str = DEFAULT_MARKING
    labels: bool = False
    opsec_decimals: int | None = None
    opsec_snap: bool = False  # a rounded point that left its country moves to the nearest grid point inside it
    provenance: bool = False  # data exports carry import_file/_sha256/_time/_row only when True
    paper: str = "A4"
    orientation: str = "landscape"
    dpi: int = 150
    author: str | None = None  # None: $GEO_AUTHOR, else geo-events (the PPTX's and PDF's author)
    numbered: bool = False  # ISW style: events numbered on the map, keyed beside it (instead of the inset)
    graticule: bool = False  # latitude/longitude lines, labelled at the map's edge
    mgrs_grid: bool = False  # the MGRS 100 km squares (UTM zones), each labelled with its grid square
    tracks: bool = False  # the units layer: each unit's earlier reported positions as a dated track
    areas: tuple[str, ...] = ()  # area files of the areas layer (None: the store's), read again with the view
    # the record of one export, filled when the view is saved beside it (:func:`recorded`): what regenerates
    # the same file and tells whether its inputs changed since
    area_sha256: tuple[str, ...] = ()  # of each of ``areas``
    generated: str | None = None  # the time printed on the export (ISO)
    store: str | None = None  # fingerprint of the events it was drawn from (:func:`events_fingerprint`)
    event_ids: tuple[str, ...] = ()  # the events it shows

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if isinstance(self.filter, dict):
            set_(self, "filter", EventFilter.from_dict(self.filter))
        if self.bbox is not None:
            box = tuple(float(v) for v in self.bbox)
            if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
                raise GeoError(f"expected bbox as minlon,minlat,maxlon,maxlat with min < max, got {self.bbox!r}")
            set_(self, "bbox", box)
        layers = tuple(str(v) for v in self.layers)
        unknown = [v for v in layers if v not in ALL_LAYERS]
        if unknown:
            raise GeoError(f"expected layers among {list(ALL_LAYERS)}, got {unknown}")
        set_(self, "layers", layers)
        if self.paper not in PAPER_INCHES:
            raise GeoError(f"expected paper A4 or Letter, got {self.paper!r}")
        if self.orientation not in ("landscape", "portrait"):
            raise GeoError(f"expected orientation landscape or portrait, got {self.orientation!r}")
        if self.opsec_decimals is not None:
            decimals = int(self.opsec_decimals)
            if not 0 <= decimals <= 6:
                raise GeoError(f"expected opsec decimals between 0 and 6, got {self.opsec_decimals!r}")
            set_(self, "opsec_decimals", decimals)
        set_(self, "dpi", int(self.dpi))
        for name in ("areas", "area_sha256", "event_ids"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise GeoError(f"expected {name} as a list of strings, got {value!r}")
            set_(self, name, tuple(value))
        if self.generated is not None:
            try:
                dt.datetime.fromisoformat(self.generated)
            except (TypeError, ValueError) as exc:
                raise GeoError(f"expected generated as an ISO time, got {self.generated!r}") from exc
        set_(self, "labels", bool(self.labels))
        set_(self, "numbered", bool(self.numbered))
        set_(self, "graticule", bool(self.graticule))
        set_(self, "mgrs_grid", bool(self.mgrs_grid))
        set_(self, "tracks", bool(self.tracks))
        set_(self, "opsec_snap", bool(self.opsec_snap))
        set_(self, "provenance", bool(self.provenance))

    @property
    def window(self) -> str:
        f = self.filter
        if f.start is None and f.end is None:
            return "All dates"
        return f"{f.start.isoformat() if f.start else '…'} to {f.end.isoformat() if f.end else '…'}"

    @property
    def shown_subtitle(self) -> str:
        return self.subtitle if self.subtitle else f"Window: {self.window}"

    @property
    def opsec_note(self) -> str:
        if self.opsec_decimals is None:
            return ""
        return f"Coordinates rounded to {self.opsec_decimals} decimal places (opsec)"

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["filter"] = self.filter.to_dict()
        out["layers"] = list(self.layers)
        out["bbox"] = list(self.bbox) if self.bbox is not None else None
        for name in ("areas", "area_sha256", "event_ids"):
            out[name] = list(getattr(self, name))
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> View:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise GeoError(f"expected view keys among {sorted(known)}, got unknown {unknown}")
        data = dict(data)
        if "filter" in data:
            data["filter"] = EventFilter.from_dict(data["filter"] or {})
        if data.get("bbox") is not None:
            data["bbox"] = tuple(data["bbox"])
        for name in ("layers", "areas", "area_sha256", "event_ids"):
            if isinstance(data.get(name), list):
                data[name] = tuple(data[name])
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> View:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GeoError(f"expected a view JSON object, got invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise GeoError("expected a view JSON object")
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> View:
        return dataclasses.replace(self, **changes)


def view_path(path: str | Path) -> Path:
    """Where an export's View JSON goes: ``FILE.view.json`` beside it."""
    p = Path(path)
    return p.with_name(p.name + ".view.json")


# --- the events shown ---------------------------------------------------------------------------------


def _floats(events: pd.DataFrame, col: str) -> np.ndarray:
    values = events.get(col)
    if values is None:
        return np.full(len(events), np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _text(events: pd.DataFrame, col: str, default: str = "") -> pd.Series:
    values = events.get(col)
    if values is None:
        return pd.Series([default] * len(events), index=events.index, dtype=object)
    return values.astype("string").fillna(default).astype(object)


def _located(events: pd.DataFrame) -> np.ndarray:
    lon, lat = _floats(events, "lon"), _floats(events, "lat")
    prec = _text(events, "geo_precision").str.lower().to_numpy()
    return np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180) & (prec != "none")


def select(events: pd.DataFrame, view: View) -> pd.DataFrame:
    """Exactly the events the snapshot shows: the filter, then (with a bbox) the located events inside it."""
    out = apply(events, view.filter)
    if view.bbox is not None and len(out):
        lon, lat = _floats(out, "lon"), _floats(out, "lat")
        w, s, e, n = view.bbox
        with np.errstate(invalid="ignore"):
            inside = _located(out) & (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
        out = out.loc[inside]
    return out.reset_index(drop=True)


#: Columns computed from an event's coordinates that would give the precise point back: rounded with it.
DERIVED_KM: Final = ("join_distance_km", "border_distance_km")


def opsec(events: pd.DataFrame, view: View, index: Any = None) -> pd.DataFrame:
    """``events`` with lon/lat rounded to ``view.opsec_decimals``, the distances derived from them
    (:data:`DERIVED_KM`) rounded to the same step, point geometries dropped, and a ``coord_precision`` column.

    ``d`` decimals of a degree are a step of about 111 km × 10^-d (1° of latitude ≈ 111 km), so distances
    are rounded to 10^(2-d) km: 1 km at 2 decimals, 10 km at 1, 100 km at 0. With ``view.opsec_snap`` and the
    admin ``index``, a point that rounding moved out of the country it was joined to goes instead to the
    nearest of the four grid points around it that lies inside that country (its ``coord_precision`` says so);
    one with no such grid point keeps its rounded place (:func:`opsec_warnings` names it).
    """
    if view.opsec_decimals is None:
        return events
    decimals = view.opsec_decimals
    out = pd.DataFrame(events.drop(columns=["geometry"], errors="ignore"))
    lon0, lat0 = _floats(out, "lon"), _floats(out, "lat")
    for col in ("lon", "lat"):
        if col in out.columns:
            out[col] = np.round(_floats(out, col), decimals)
    for col in DERIVED_KM:
        if col in out.columns:
            out[col] = np.round(_floats(out, col), decimals - 2)
    note = np.full(len(out), view.opsec_note, dtype=object)
    if view.opsec_snap and len(out) and {"lon", "lat"} <= set(out.columns):
        moved = _left_country(out, lon0, lat0, _floats(out, "lon"), _floats(out, "lat"), index)
        if len(moved):
            step = 10.0 ** -decimals
            own = _text(out, "adm0_iso").to_numpy(dtype=object)[moved]
            x0, y0 = lon0[moved], lat0[moved]
            corners = [(np.floor(x0 / step) * step, np.floor(y0 / step) * step),
                       (np.ceil(x0 / step) * step, np.floor(y0 / step) * step),
                       (np.floor(x0 / step) * step, np.ceil(y0 / step) * step),
                       (np.ceil(x0 / step) * step, np.ceil(y0 / step) * step)]
            dist = np.stack([np.hypot(cx - x0, cy - y0) for cx, cy in corners])
            inside = np.stack([_inside_own(index, cx, cy, own) for cx, cy in corners])  # one query per corner
            dist[~inside] = np.inf
            pick = np.argmin(dist, axis=0)
            found = np.isfinite(dist[pick, np.arange(len(moved))])
            cols = np.arange(len(moved))
            best_x = np.where(found, np.stack([c[0] for c in corners])[pick, cols], np.nan).round(decimals)
            best_y = np.where(found, np.stack([c[1] for c in corners])[pick, cols], np.nan).round(decimals)
            ok = np.isfinite(best_x)
            rows = out.index[moved[ok]]
            out.loc[rows, "lon"], out.loc[rows, "lat"] = best_x[ok], best_y[ok]
            note[moved[ok]] = [f"{view.opsec_note}; moved to the nearest grid point inside {c}" for c in own[ok]]
    out["coord_precision"] = note
    return out


def _inside_own(index: Any, x: np.ndarray, y: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Per point: inside the country ``own`` names (ADM0 of the admin ``index``)."""
    level = index.levels[0]
    countries = level.attrs["adm0_iso"].astype(str).to_numpy(dtype=object)
    pi, gi = shapely.STRtree(level.geoms).query(shapely.points(x, y), predicate="intersects")
    inside = np.zeros(len(x), bool)
    inside[pi[countries[gi] == own[pi]]] = True
    return inside


def _left_country(events: pd.DataFrame, lon0: np.ndarray, lat0: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                  index: Any) -> np.ndarray:
    """Rows of ``events`` whose point (``lon0``/``lat0``) lay in the country it was joined to and whose rounded
    point (``lon``/``lat``) does not."""
    if index is None or index.levels[0].empty or not len(events):
        return np.zeros(0, int)
    iso = _text(events, "adm0_iso").to_numpy(dtype=object)
    check = np.flatnonzero(_located(events) & (iso != "") & np.isfinite(lon0) & np.isfinite(lat0))
    if not len(check):
        return np.zeros(0, int)
    own = iso[check]
    was = _inside_own(index, lon0[check], lat0[check], own)
    now = _inside_own(index, lon[check], lat[check], own)
    return check[was & ~now]


def opsec_warnings(events: pd.DataFrame, view: View, index: Any) -> list[str]:
    """What opsec rounding does to the countries of the events ``view`` shows: a warning naming the events
    whose rounded point leaves the country they were joined to (``adm0_iso``; at 0 decimals a point 40 km
    inside Russia can land in Ukraine); with ``view.opsec_snap``, those snapping could not keep inside.
    Empty without rounding, ADM0 boundaries or joined events."""
    if view.opsec_decimals is None or index is None or index.levels[0].empty:
        return []
    shown = select(events, view)
    lon, lat = _floats(shown, "lon"), _floats(shown, "lat")
    written = opsec(shown, view, index)
    moved = _left_country(shown, lon, lat, _floats(written, "lon"), _floats(written, "lat"), index)
    if not len(moved):
        return []
    level = index.levels[0]
    countries = level.attrs["adm0_iso"].astype(str).to_numpy(dtype=object)
    pi, gi = shapely.STRtree(level.geoms).query(
        shapely.points(_floats(written, "lon")[moved], _floats(written, "lat")[moved]), predicate="intersects")
    where = np.full(len(moved), "", dtype=object)
    where[pi] = countries[gi]
    own = _text(shown, "adm0_iso").to_numpy(dtype=object)[moved]
    pairs = pd.Series([f"{a}→{b or 'no loaded country'}" for a, b in zip(own, where)])
    ids = _text(shown, "id").to_numpy(dtype=object)[moved]
    verb = "still moves" if view.opsec_snap else "moves"
    return [
        f"opsec rounding to {view.opsec_decimals} decimal places {verb} {len(moved)} of {len(shown)} events out of "
        f"the country they were joined to ({', '.join(f'{k} {v}' for k, v in pairs.value_counts().items())}), "
        f"e.g. {', '.join(map(str, ids[:3]))}: keep more decimals"
        + ("" if view.opsec_snap else ", snap them back (--opsec-snap)") + ", or say so where the file goes"
    ]


def events_fingerprint(events: pd.DataFrame) -> str:
    """``sha256:<16 hex> (N events)`` of the events' ids: the same store (or file) gives the same fingerprint."""
    ids = sorted(_text(events, "id").tolist())
    digest = hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:16]
    return f"sha256:{digest} ({len(ids):,} events)"


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def recorded(view: View, events: pd.DataFrame, *, generated: dt.datetime | None = None) -> View:
    """``view`` with its record filled for ``events``: the generation time, the fingerprint of ``events``,
    the ids of those it shows (:func:`select`) and the sha256 of each area file."""
    stamp = None if generated is None else generated.isoformat()
    return view.replace(generated=stamp, store=events_fingerprint(events),
                        event_ids=tuple(sorted(_text(select(events, view), "id").tolist())),
                        area_sha256=tuple(file_sha256(p) for p in view.areas))


def changes_since(view: View, events: pd.DataFrame) -> list[str]:
    """What differs between ``view``'s record and now: area files changed or gone, events shown then and no
    longer, or shown now and not then. Empty for a view without a record."""
    out = []
    for path, digest in zip(view.areas, view.area_sha256):
        try:
            now = file_sha256(path)
        except OSError:
            out.append(f"area file {path} recorded in the view is gone")
            continue
        if now != digest:
            out.append(f"area file {path} changed since the view was saved (sha256 {digest[:12]}…, now {now[:12]}…)")
    if view.store is not None:
        shown = set(_text(select(events, view), "id").tolist())
        then = set(view.event_ids)
        gone, new = sorted(then - shown), sorted(shown - then)
        if gone or new:
            out.append(f"the events shown changed since the view was saved: {len(gone)} no longer shown"
                       + (f" (e.g. {', '.join(gone[:3])})" if gone else "") + f", {len(new)} new"
                       + (f" (e.g. {', '.join(new[:3])})" if new else ""))
    return out

