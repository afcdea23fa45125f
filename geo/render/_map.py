"""The live map's folium side (everything :mod:`geo.render` exports that needs folium); see the package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

import folium
import folium.plugins
import numpy as np
import pandas as pd
from branca.element import Element

from geo.assets import RUNTIME_URL, localize
from geo.errors import GeoError
from geo.render._drawing import DrawControl
from geo.render._elements import (
    HEAT_JS_URL,
    Attribution,
    CursorPosition,
    GeoGroup,
    GeoSelection,
    TileNotice,
    ViewKeeper,
)
from geo.render._events import POINT_SCALE, StoreGrid
from geo.render._geometry import prepared_layer
from geo.render._layers import (
    LAYERS,
    LayerContext,
    LayerSpec,
    Mode,
    data_element,
)
from geo.render._symbols import SYMBOL_BUNDLE
from geo.render.ranges import load_ranges
from geo.schema import empty_events

#: Base tiles: name → (title in the layer control, tiles (xyzservices name or URL), attribution).
BASEMAPS: Final[dict[str, dict[str, str]]] = {
    "light": {
        "title": "Light",
        "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        "subdomains": "abcd",
    },
    "standard": {"title": "Standard", "tiles": "OpenStreetMap", "attr": ""},
    "satellite": {
        "title": "Satellite",
        "tiles": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "attr": "Tiles © Esri — Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community",
    },
    "none": {"title": "No tiles", "tiles": "", "attr": ""},
}
DEFAULT_VIEW: Final = ([50.5, 30.5], 5)
E = TypeVar("E", bound=Element)
_BASE_LAYERS: Final = tuple(n for n, s in LAYERS.items() if s.group == "base")
_EVENT_LAYERS: Final = tuple(n for n, s in LAYERS.items() if s.group == "events")


def _pick_layers(layers: Iterable[str] | None, group: tuple[str, ...]) -> list[str]:
    names = list(group if layers is None else layers)
    unknown = [n for n in names if n not in group]
    if unknown:
        raise GeoError(f"expected layer names among {', '.join(group)}, got {', '.join(unknown)}")
    return [n for n in group if n in names]


def _view(boundaries: Any) -> tuple[list[float], int]:
    """Centre and zoom over the bulk of the finest loaded units (2nd-98th percentile of their points)."""
    if boundaries is None:
        return DEFAULT_VIEW[0], DEFAULT_VIEW[1]
    for level in (2, 1, 0):
        layer = prepared_layer(boundaries, level)
        if len(layer):
            lat0, lat1 = np.percentile(layer.lat, [2, 98])
            lon0, lon1 = np.percentile(layer.lon, [2, 98])
            span = max(lon1 - lon0, (lat1 - lat0) * 1.6, 0.5)
            zoom = int(np.clip(np.floor(np.log2(360.0 / span)) + 1, 3, 10))
            return [round(float(lat0 + lat1) / 2, 4), round(float(lon0 + lon1) / 2, 4)], zoom
    return DEFAULT_VIEW[0], DEFAULT_VIEW[1]


def _add_basemaps(m: folium.Map, basemap: str) -> folium.FeatureGroup:
    """Every base layer of :data:`BASEMAPS` (``basemap`` shown); returns the "No tiles" one."""
    if basemap not in BASEMAPS:
        raise GeoError(f"expected basemap among {', '.join(BASEMAPS)}, got {basemap!r}")
    no_tiles = folium.FeatureGroup(name=BASEMAPS["none"]["title"], overlay=False, control=True, show=basemap == "none")
    for name, spec in BASEMAPS.items():
        if name == "none":
            no_tiles.add_to(m)
            continue
        kwargs = {"attr": spec["attr"]} if spec["attr"] else {}
        if "subdomains" in spec:
            kwargs["subdomains"] = spec["subdomains"]
        folium.TileLayer(spec["tiles"], name=spec["title"], overlay=False, control=True,
                         show=basemap == name, **kwargs).add_to(m)
    return no_tiles


def _group(spec: LayerSpec, elements: list[Any]) -> folium.FeatureGroup:
    fg = GeoGroup(spec.name, spec.title, spec.show)
    for el in elements:
        fg.add_child(el)
    return fg


def base_map(
    boundaries: Any,
    *,
    index: Any = None,
    basemap: str = "light",
    assets: Mapping[str, str] | None = None,
    layers: Iterable[str] | None = None,
    layer_control: bool = True,
    keep_view: bool = False,
    draw: bool = False,
) -> folium.Map:
    """The static map: base tiles, boundary overlays, controls, attribution (cache it in the app).

    ``index`` (a :class:`geo.join.AdminIndex`) gives the border districts; without it that layer is left
    out. ``assets`` (from :func:`geo.assets.materialize`) makes every script and stylesheet local.
    ``layer_control=False`` when the app passes its own ``LayerControl`` to ``st_folium`` (which then lists
    the dynamic layers too). ``keep_view``: the map records its view in the browser tab and a map created
    again there (the app's map after another base map is chosen) opens where the last one was. ``draw``:
    a toolbar to draw polygons, rectangles and circles (the app's drawn filter, :class:`DrawControl`).
    """
    location, zoom = _view(boundaries)
    m = folium.Map(location=location, zoom_start=zoom, tiles=None, control_scale=True)
    _leaflet_only(m)
    no_tiles = _add_basemaps(m, basemap)
    ctx = LayerContext(boundaries=boundaries, index=index)
    for name in _pick_layers(layers, _BASE_LAYERS):
        elements = LAYERS[name].builder(ctx)
        if elements:
            _group(LAYERS[name], elements).add_to(m)
    folium.plugins.Fullscreen(position="topleft").add_to(m)
    folium.plugins.MeasureControl(position="topleft", primary_length_unit="kilometers",
                                  secondary_length_unit="meters", primary_area_unit="sqkilometers").add_to(m)
    CursorPosition().add_to(m)
    if keep_view:
        ViewKeeper().add_to(m)
    if draw:  # the drawn filter: polygon, rectangle, circle (the app reads the shapes through st_folium)
        DrawControl(position="topleft").add_to(m)
    if boundaries is not None and (text := boundaries.attribution()):
        Attribution(text).add_to(m)
    TileNotice(no_tiles).add_to(m)  # tiles that fail to load (offline): say so, offer "No tiles"
    if layer_control:
        folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return localize(m, assets, copy_map=False) if assets else m


#: Of what folium's ``Map`` loads, the scripts and stylesheets this map uses: Leaflet. jQuery, Bootstrap, Font
#: Awesome and awesome-markers (about 450 kB and five scripts the page would load one after the other) serve
#: folium's ``Marker`` icons and ``Popup``, which no element here uses.
_MAP_ASSETS = {"leaflet", "leaflet_css"}


#: Every script and style sheet of the app's map (base map, controls, drawing, event layers), in the order the
#: page runs them: served as one bundle of each (:func:`geo.assets.materialize`'s ``bundle``).
MAP_BUNDLE: Final = (
    *(url for name, url in [*folium.Map.default_js, *folium.Map.default_css] if name in _MAP_ASSETS),
    RUNTIME_URL,
    *(url for _name, url in [*folium.plugins.Fullscreen.default_js, *folium.plugins.Fullscreen.default_css]),
    *(url for _name, url in [*folium.plugins.MeasureControl.default_js, *folium.plugins.MeasureControl.default_css]),
    *(url for _name, url in [*folium.plugins.Draw.default_js, *folium.plugins.Draw.default_css]),
    HEAT_JS_URL,
    *SYMBOL_BUNDLE,  # the units layer: milsymbol, then GeoUnits
)


def _leaflet_only(m: folium.Map) -> None:
    m.default_js = [(name, url) for name, url in m.default_js if name in _MAP_ASSETS]
    m.default_css = [(name, url) for name, url in m.default_css if name in _MAP_ASSETS]


def event_layers(
    events: pd.DataFrame,
    boundaries: Any = None,
    *,
    ranges: pd.DataFrame | None = None,
    areas: Any = None,
    counts: pd.Series | None = None,
    mode: Mode = "auto",
    assets: Mapping[str, str] | None = None,
    layers: Iterable[str] | None = None,
    index: Any = None,
    keep_empty: bool = True,
    window: tuple[dt.date, dt.date] | None = None,
    units: pd.DataFrame | None = None,
    grid: StoreGrid | None = None,
) -> list[folium.FeatureGroup]:
    """The dynamic layers for the filtered window, one FeatureGroup per registry layer with content.

    ``events``: canonical (ideally joined) events; ``ranges``: the weapon ranges table (default
    ``data/weapon_ranges.csv``; an empty frame for none); ``areas``: a GeoDataFrame of polygons already
    selected for the end of the window (``geometry``, ``kind``, ``label``/``name``, ``date``); ``counts``:
    events per raion (``adm2_id`` → count; computed from ``events`` when None); ``mode``: ``auto``
    (points up to :data:`POINTS_MAX` located events, else grid cells), ``points`` or ``cells``.
    Pass every returned group to ``st_folium``: the first one carries the data the others draw from.
    With ``keep_empty`` (default) every requested layer gets a group, empty when the window has nothing
    for it, so the groups (and their ids in streamlit-folium) stay the same from one rerun to the next.
    ``window``: the filter's first and last day, which the map's playback control steps through (default:
    the span of the events' start days). ``units``: unit positions (:mod:`geo.units`), drawn as of the
    window's last day. ``grid``: a store's aggregate of a window too large to read (:meth:`geo.stores.Store.grid`),
    drawn as cells in place of ``events`` (then empty).
    """
    if mode not in ("auto", "points", "cells"):
        raise GeoError(f"expected mode 'auto', 'points' or 'cells', got {mode!r}")
    ctx = LayerContext(boundaries=boundaries, index=index, events=events,
                       ranges=load_ranges() if ranges is None else ranges, areas=areas, counts=counts, mode=mode,
                       window=window, units=units, grid=grid)
    data = data_element(ctx) if grid is not None or (ctx.prepared is not None and ctx.prepared.n) else None
    groups: list[folium.FeatureGroup] = []
    for name in _pick_layers(layers, _EVENT_LAYERS):
        spec = LAYERS[name]
        elements = spec.builder(ctx)
        if not elements and not keep_empty:
            continue
        if elements and spec.needs_data and data is not None:
            elements, data = [data, *elements], None  # the data travels with the first group that needs it
        groups.append(_group(spec, elements))
    return [localize(g, assets, copy_map=False) for g in groups] if assets else groups


def build_map(
    boundaries: Any,
    events: pd.DataFrame | None = None,
    *,
    index: Any = None,
    basemap: str = "light",
    assets: Mapping[str, str] | None = None,
    fit: bool = True,
    base_layers: Iterable[str] | None = None,
    **layer_options: Any,
) -> folium.Map:
    """Base map plus the event layers and one layer control listing all (exports, bench, tests);
    ``base_layers``: the boundary layers to include (default all); ``layer_options`` go to
    :func:`event_layers` (``units=`` alone draws the units without events)."""
    m = base_map(boundaries, index=index, basemap=basemap, assets=assets, layer_control=False, layers=base_layers)
    if events is None and layer_options.get("units") is not None:
        events = empty_events()  # units alone
    if events is not None:
        for group in event_layers(events, boundaries, assets=assets, index=index, keep_empty=False, **layer_options):
            group.add_to(m)
        bounds = fit_bounds(events) if fit else None
        if bounds is not None:
            m.fit_bounds(bounds, max_zoom=9, padding_top_left=(40, 20), padding_bottom_right=(260, 20))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def _located(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lon = pd.to_numeric(events.get("lon", pd.Series(np.nan, index=events.index)), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(events.get("lat", pd.Series(np.nan, index=events.index)), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    prec = events.get("geo_precision", pd.Series("", index=events.index)).astype("string").fillna("").str.lower()
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180) & (prec != "none").to_numpy()
    return lon, lat, ok


def fit_bounds(events: pd.DataFrame) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the located events (None if none); tiny extents padded to 0.1°."""
    lon, lat, ok = _located(events)
    if not ok.any():
        return None
    s, n, w, e = float(lat[ok].min()), float(lat[ok].max()), float(lon[ok].min()), float(lon[ok].max())
    pad_lat, pad_lon = max(0.0, (0.1 - (n - s)) / 2), max(0.0, (0.1 - (e - w)) / 2)
    return [[round(s - pad_lat, 5), round(w - pad_lon, 5)], [round(n + pad_lat, 5), round(e + pad_lon, 5)]]


def clicked_events(events: pd.DataFrame, clicked: Mapping[str, Any] | None) -> pd.DataFrame:
    """The events drawn at a clicked point (``st_folium``'s ``last_object_clicked``: {"lat", "lng"}).

    Points are drawn at 1e-5 degree; every located event at that spot is returned (co-located events are
    fanned out on screen but share their coordinates).
    """
    if not clicked or clicked.get("lat") is None or clicked.get("lng") is None:
        return events.iloc[0:0]
    lon, lat, ok = _located(events)
    qlat, qlon = round(float(clicked["lat"]) * POINT_SCALE), round(float(clicked["lng"]) * POINT_SCALE)
    with np.errstate(invalid="ignore"):
        hit = ok & (np.abs(np.round(lat * POINT_SCALE) - qlat) <= 1) & (np.abs(np.round(lon * POINT_SCALE) - qlon) <= 1)
    return events.iloc[np.flatnonzero(hit)]


def selection_group(event: Mapping[str, Any] | None, token: str, *,
                    assets: Mapping[str, str] | None = None) -> folium.FeatureGroup:
    """A small group (not in the layer control) that tells the map runtime which event the analyst chose
    outside the map (a table row): ``event`` with ``id``, ``lat``, ``lon`` (None: nothing chosen). The
    runtime highlights it once per ``token`` (a new token per choice), so a click on the map later keeps
    its own selection. Pass it to ``st_folium`` after the event groups: those stay cached as built."""
    def value(key: str) -> Any:
        v = None if event is None else event.get(key)
        if v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NA:
            return None
        return float(v) if key in ("lat", "lon") else str(v)

    group = folium.FeatureGroup(name="selection", overlay=True, control=False, show=True)
    GeoSelection({"token": str(token), "id": value("id"), "lat": value("lat"), "lon": value("lon")}).add_to(group)
    return localize(group, assets, copy_map=False) if assets else group


def stable_names(element: E, prefix: str) -> E:
    """``element`` and everything under it renamed ``{prefix}_0``, ``{prefix}_1``… in tree order, in place.

    folium names each element from a random id, so an element built anew on every run renders as new
    text even when nothing in it changed. Built per run but named stably, an unchanged map renders the same
    bytes: Streamlit then sends only a reference to the message the browser already holds (its forward
    message cache) instead of the whole map again, e.g. on each rerun a pan reports. ``prefix`` must be
    unique among the page's elements."""
    stack, n = [element], 0
    while stack:
        el = stack.pop(0)
        el._id = f"{prefix}_{n}"
        n += 1
        stack.extend(getattr(el, "_children", {}).values())
    return element


def payload_sizes(*objs: Any) -> dict[str, int]:
    """Bytes of embedded data per layer name (``events`` holds the packed events) in maps or groups."""
    sizes: dict[str, int] = {}
    for obj in objs:
        stack = [obj]
        while stack:
            el = stack.pop()
            if getattr(el, "payload_bytes", 0):
                name = getattr(el, "layer_name", "") or type(el).__name__
                sizes[name] = sizes.get(name, 0) + int(el.payload_bytes)
            stack.extend(getattr(el, "_children", {}).values())
    return sizes

