"""The map: a cached base map (boundaries, controls) plus the layers that follow the filters.

The base map is built once per boundary set and kept (``st.cache_resource``); the event layers once per
event set, filters, rendering mode and area snapshot, which ``st_folium`` swaps in
(``feature_group_to_add``) while keeping the map's centre and zoom (asked to move only on first load, by
*Fit to events* or a chosen event: :func:`refit`) and the overlays the analyst ticked (kept by the map
runtime in the browser tab, defaults from ``render.LAYERS``). The map runs in a fragment: a pan or
zoom reports the new extent (kept in ``st.session_state["map-extent"]`` for the export) and reruns only
the map, not the whole page. Every script and stylesheet is served by the app itself from ``./static``.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Mapping, MutableMapping
from datetime import date
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import assets, render
from geo.areas import for_window
from ui import data, search, share, tables, units as unit_list, urlstate

MAP_HEIGHT = 640
EXTENT_KEY = "map-extent"
MAX_LAT = 85.0

Extent = tuple[float, float, float, float]
CentreZoom = tuple[tuple[float, float] | None, float | None]


@st.cache_resource(show_spinner=False)
def local_assets() -> dict[str, str]:
    """Write the map's JS/CSS (from registry packages) under ./static/vendor once; CDN URL → local URL, the
    map's own scripts and style sheets to one bundle of each (``render.MAP_BUNDLE``)."""
    return assets.materialize(data.STATIC, bundle=render.MAP_BUNDLE)


@st.cache_resource(show_spinner="Drawing boundaries…", max_entries=4)
def _base_map(_loaded: data.Loaded, key: int, basemap: str) -> folium.Map:
    return render.base_map(_loaded.boundaries, index=_loaded.index, basemap=basemap, assets=local_assets(),
                           layer_control=False, keep_view=True, draw=True)


@st.cache_resource(show_spinner=False, max_entries=2)
def _event_layers(version: str, filter_key: str, mode: str, window: tuple[date, date], areas_version: str,
                  loaded_key: int, _shown: pd.DataFrame, _loaded: data.Loaded, _areas: Any,
                  units_version: str = "none", _units: Any = None, _grid: Any = None) -> list[folium.FeatureGroup]:
    """The event layers of one event set, filters, mode, area snapshot and units (both as of the window's
    end), built once: a pan, or a rerun that changes none of those, reuses them. The map's playback control
    steps through ``window`` in the browser."""
    _day, areas = for_window(_areas, window[1])
    return render.event_layers(_shown, _loaded.boundaries, areas=areas, mode=mode,  # type: ignore[arg-type]
                               assets=local_assets(), index=_loaded.index, window=window, units=_units, grid=_grid)


def _filter_key(settings: Any) -> str:
    return json.dumps(settings.filter.to_dict(), sort_keys=True, default=str)


def _layers(shown: pd.DataFrame, loaded: data.Loaded, settings: Any, version: str,
            grid: Any = None) -> list[folium.FeatureGroup]:
    table, areas_version = data.areas()
    positions, units_version = data.units()
    window = (settings.filter.start, settings.filter.end)
    groups = _event_layers(version, _filter_key(settings), settings.mode, window, areas_version, id(loaded),
                           shown, loaded, table, units_version, positions, grid)
    # st_folium attaches the groups it is given to its map: hand it copies, so the cache stays as built
    return copy.deepcopy(groups)


def extent(bounds: Mapping[str, Any] | None) -> Extent | None:
    """(minlon, minlat, maxlon, maxlat) of Leaflet bounds ({"_southWest": {"lat", "lng"}, "_northEast": …}),
    clamped to lon [-180, 180] and lat [-85, 85]; None when unknown or empty (a hidden map has no size)."""
    try:
        sw, ne = bounds["_southWest"], bounds["_northEast"]  # type: ignore[index]
        w, s, e, n = (float(v) for v in (sw["lng"], sw["lat"], ne["lng"], ne["lat"]))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        return None
    w, e = (max(-180.0, min(180.0, v)) for v in (w, e))
    s, n = (max(-MAX_LAT, min(MAX_LAT, v)) for v in (s, n))
    if e - w < 1e-4 or n - s < 1e-4:
        return None
    return (round(w, 5), round(s, 5), round(e, 5), round(n, 5))


def _zoom_for(bounds: list[list[float]]) -> tuple[tuple[float, float], int]:
    (s, w), (n, e) = bounds
    span = max(e - w, (n - s) * 1.6, 0.05)
    zoom = int(max(3, min(10, math.floor(math.log2(360.0 / span)) + 1)))
    return ((s + n) / 2, (w + e) / 2), zoom


def _table_rows() -> tuple[int, ...]:
    """The rows chosen in the events table on the previous run (the table is drawn below the map)."""
    state = st.session_state.get("table")
    rows = getattr(getattr(state, "selection", None), "rows", None)
    if rows is None and isinstance(state, dict):
        rows = state.get("selection", {}).get("rows")
    return tuple(int(r) for r in rows or ())


def _selected(shown: pd.DataFrame, rows: tuple[int, ...]) -> pd.Series | None:
    """The located event at the first chosen table row, if any."""
    ids = st.session_state.get("table-ids") or []
    if not rows or rows[0] >= len(ids):
        return None
    match = shown.loc[shown["id"].astype(str) == str(ids[rows[0]])]
    if match.empty or pd.isna(match["lat"].iloc[0]) or pd.isna(match["lon"].iloc[0]):
        return None
    return match.iloc[0]


# --- identify: what the map's click listed, the table's choice on the map ------------------------------

#: The map runtime's report of an identify click (``last_object_clicked_tooltip``): this prefix, then JSON
#: {"ids": [the events listed, in the popup's order], "current": the one shown, "unit": {"level", "id",
#: "name"} when an admin unit is shown}; see ``report`` in geo/render/runtime.js.
IDENTIFY_PREFIX = "geo-identify:"


def identified(out: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The runtime's report of the last click on the map (None: none, or a click it did not identify)."""
    tip = (out or {}).get("last_object_clicked_tooltip")
    if not isinstance(tip, str) or not tip.startswith(IDENTIFY_PREFIX):
        return None
    try:
        what = json.loads(tip[len(IDENTIFY_PREFIX):])
    except ValueError:
        return None
    return what if isinstance(what, dict) else None


def clicked_rows(shown: pd.DataFrame, out: Mapping[str, Any] | None) -> tuple[pd.DataFrame, str | None]:
    """The events the last click on the map listed, in the popup's order, and the id of the one its popup
    shows (None when not known).

    The runtime names them by id when the window is small enough to carry texts; else by the admin unit
    whose card is shown, else the events at the clicked event's coordinates (:func:`render.clicked_events`).
    """
    what = identified(out) or {}
    ids = [str(i) for i in what.get("ids") or [] if i is not None]
    current = what.get("current")
    current = str(current) if current is not None else None
    if ids and "id" in shown.columns:
        order = {v: k for k, v in enumerate(ids)}
        keys = shown["id"].astype("string").map(order)
        hit = shown.loc[keys.notna().to_numpy()]
        return hit.iloc[keys.dropna().astype(int).argsort(kind="stable").to_numpy()], current
    unit = what.get("unit") if isinstance(what.get("unit"), dict) else None
    column = {0: "adm0_iso", 1: "adm1_id", 2: "adm2_id"}.get(unit.get("level")) if unit else None
    if unit and unit.get("id") and column in shown.columns and "geo_precision" in shown.columns:
        # the card of a unit (level 1, 2) or of a country's box (level 0, by its ISO code): its events
        precision = ("country", "admin1", "admin2")[int(unit["level"])]
        mine = (shown[column].astype("string") == str(unit["id"])) & (
            shown["geo_precision"].astype("string") == precision)
        return shown.loc[mine.fillna(False).to_numpy()], current
    return render.clicked_events(shown, (out or {}).get("last_object_clicked")), current


def _selection(shown: pd.DataFrame) -> folium.FeatureGroup:
    """The group telling the map which event the analyst chose in the events table (:func:`render.
    selection_group`), with a new token only when the choice changes: a click on the map keeps its own
    highlight through the reruns that follow, the table's next choice replaces it. A choice (or clearing
    it) also moves the events table's marks to it (:data:`tables.MARKED_KEY`)."""
    state = st.session_state
    rows = _table_rows()
    if state.get("select-rows") != rows or "select-token" not in state:
        state["select-rows"] = rows
        state["select-token"] = state.get("select-token-n", 0) + 1
        state["select-token-n"] = state["select-token"]
        chosen = _selected(shown, rows)
        state["select-event"] = None if chosen is None else {k: chosen.get(k) for k in ("id", "lat", "lon")}
        picked = None if chosen is None else str(chosen.get("id"))
        state[tables.MARKED_KEY] = {"current": picked, "ids": [picked] if picked else [], "source": "table"}
    return render.selection_group(state.get("select-event"), str(state["select-token"]), assets=local_assets())


def refit(state: MutableMapping[str, Any], asked: tuple[Any, ...],
          target: Callable[[], tuple[tuple[float, float], float] | None]) -> CentreZoom:
    """The centre and zoom to hand ``st_folium`` on this run: a new view on first load and when ``asked``
    changes (a *Fit to events* click, another chosen event), else ``(None, None)``.

    ``st_folium`` moves the map only when it is given a centre or zoom that differs from the last one it
    was given, so ``(None, None)`` leaves the map where the analyst put it through filter changes, playback
    steps and reruns (a map created again, after another base map, reopens there: ``keep_view``).
    ``target()`` gives the view to fit; while it has none (nothing located yet) the first load waits for
    one. Each new view is nudged by a negligible amount (1e-7°, 1e-6 zoom level, which Leaflet snaps
    away) so that it differs from the one before even when it lands on the same numbers: a second *Fit to
    events* after a pan still fits. ``state``: the session state (a dict in tests).
    """
    if state.get("view-key") == asked and "view" in state:
        return None, None
    state["view-key"] = asked
    found = target()
    if found is None:
        return None, None
    gen = state.get("view-gen", 0) + 1
    nudge = gen % 2
    (lat, lon), zoom = found
    state["view-gen"] = gen
    state["view"] = ((lat + nudge * 1e-7, lon), zoom + nudge * 1e-6)
    return state["view"]


def _view(shown: pd.DataFrame) -> CentreZoom:
    """The view to ask of the map on this run (:func:`refit`): the chosen event, else the filtered events.

    A request is a *Fit to events* click or a row newly chosen in the table; the table keeps its chosen
    row index when the filters change (another event then sits there), which is not a request.
    """
    rows = _table_rows()
    if rows and rows != st.session_state.get("view-rows"):
        st.session_state["row-picks"] = st.session_state.get("row-picks", 0) + 1
    st.session_state["view-rows"] = rows
    chosen = _selected(shown, rows)

    link = st.session_state.get(urlstate.LINK_VIEW)
    place = search.new_choice(st.session_state)  # a place just chosen in the search box: the latest request
    unit = unit_list.new_choice(st.session_state)  # a unit just chosen in the unit list

    def target() -> tuple[tuple[float, float], float] | None:
        if unit is not None:
            return (unit[0], unit[1]), unit_list.UNIT_ZOOM
        if place is not None:
            return search.chosen_view(place)
        if chosen is not None:
            return (float(chosen["lat"]), float(chosen["lon"])), 9
        if link is not None:  # an opened link: its view wins over the first-load fit, once
            st.session_state.pop(urlstate.LINK_VIEW, None)
            return (link[0], link[1]), link[2]
        bounds = render.fit_bounds(shown)
        return _zoom_for(bounds) if bounds is not None else None

    asked = (st.session_state.get("fit-clicks", 0), st.session_state.get("row-picks", 0),
             st.session_state.get(search.PICKS, 0), st.session_state.get(unit_list.PICKS, 0))
    return refit(st.session_state, asked, target)


def show(shown: pd.DataFrame, loaded: data.Loaded, settings: Any, version: str, grid: Any = None) -> None:
    """Draw the map for the filtered events, and the details of a clicked point below it.

    ``version`` names the event set ``shown`` was filtered from (:func:`ui.data.events_version`); ``grid``
    (``geo.render.StoreGrid``): a store's counts drawn in place of a window too large to read.
    """
    _map_fragment(shown, loaded, settings, version, grid)


@st.fragment
def _map_fragment(shown: pd.DataFrame, loaded: data.Loaded, settings: Any, version: str, grid: Any = None) -> None:
    top = st.columns([4, 1, 1], vertical_alignment="bottom")
    search.box(top[0], loaded)
    basemap = top[1].selectbox("Base map", list(render.BASEMAPS), key="basemap",
                               format_func=lambda k: render.BASEMAPS[k]["title"])
    if top[2].button("Fit to events", key="fit", width="stretch"):
        st.session_state["fit-clicks"] = st.session_state.get("fit-clicks", 0) + 1
    groups = _layers(shown, loaded, settings, version, grid)
    center, zoom = _view(shown)
    groups = [*groups, render.stable_names(_selection(shown), "geoselection"),
              render.stable_names(search.mark_group(st.session_state), "geosearch")]  # after the cached groups
    # st_folium adds the dynamic groups and the layer control to the map it is given: hand it a copy of
    # the cached base map, so the cache stays as built (about 1 ms)
    base = copy.deepcopy(_base_map(loaded, id(loaded), basemap))
    out = _draw(base, groups, center, zoom)
    current = extent(share.reported_view(out).get("bounds"))
    if current is not None:
        st.session_state[EXTENT_KEY] = current
    _details(shown, out, loaded)


def _draw(base: folium.Map, groups: list[Any], center: Any, zoom: Any) -> dict[str, Any] | None:
    """The map (the link's restore group first), then what it reported kept for the link (``ui.share``):
    a changed drawn filter reruns the app; the drawn-filter and *Copy link* controls below it."""
    out = st_folium(
        base,
        key="map",
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=[render.stable_names(share.restore_group(st.session_state), "georestore"), *groups],
        layer_control=render.stable_names(folium.LayerControl(collapsed=True, position="topright"), "geocontrol"),
        center=center,
        zoom=zoom,
        # the view comes among selected_layers once the map is still (ui.share.reported_view), not as
        # bounds/center/zoom: those rerun the app after every pan step
        returned_objects=["last_object_clicked", "last_object_clicked_tooltip", "selected_layers", "all_drawings"],
    )
    if share.take_report(st.session_state, out):
        st.rerun(scope="app")
    share.controls()
    return out


def _details(shown: pd.DataFrame, out: dict[str, Any] | None, loaded: data.Loaded) -> None:
    """Below the map, the events the last click listed (the one its popup shows marked); a new click also
    marks them in the events table, which lies outside this fragment: the whole page reruns once."""
    clicked, current = clicked_rows(shown, out)
    what = identified(out)
    signature = json.dumps([(out or {}).get("last_object_clicked"), (out or {}).get("last_object_clicked_tooltip")],
                           sort_keys=True, default=str)
    if st.session_state.get("click-signature", signature) != signature:
        st.session_state["click-signature"] = signature
        ids = [str(i) for i in clicked["id"]] if "id" in clicked.columns else []
        st.session_state[tables.MARKED_KEY] = {"current": current, "ids": ids, "source": "map"}
        st.rerun(scope="app")
    st.session_state["click-signature"] = signature
    if len(clicked):
        clicked = data.full_rows(loaded, clicked)  # (a queried store's view has no descriptions)
        unit = (what or {}).get("unit")
        label = (f"{unit['name']}: {len(clicked)} event(s) known only to it" if isinstance(unit, dict) and unit.get("name")
                 else f"{len(clicked)} event(s) at the clicked spot")
        tables.details(clicked, current, f"Clicked on the map · {label}")
