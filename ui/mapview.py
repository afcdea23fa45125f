"""The map: a cached base map (boundaries, controls) plus the layers that follow the filters.

The base map is built once per boundary set and kept (``st.cache_resource``); a filter change only
rebuilds the event layers, which ``st_folium`` swaps in (``feature_group_to_add``) while keeping the
map's centre and zoom. Every script and stylesheet is served by the app itself from ``./static``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import assets, render
from geo.areas import AreaStore, as_of
from ui import data

MAP_HEIGHT = 640


@st.cache_resource(show_spinner=False)
def local_assets() -> dict[str, str]:
    """Write the map's JS/CSS (from registry packages) under ./static/vendor once; CDN URL → local URL."""
    return assets.materialize(data.STATIC)


@st.cache_resource(show_spinner="Drawing boundaries…", max_entries=4)
def _base_map(_loaded: data.Loaded, key: int, basemap: str) -> folium.Map:
    return render.base_map(
        _loaded.boundaries, index=_loaded.index, basemap=basemap, assets=local_assets(), layer_control=False
    )


@st.cache_resource(show_spinner=False, max_entries=2)
def _areas(version: tuple[str, float, int]) -> Any:
    store = AreaStore()
    return store.read() if store.exists() else None


def _areas_at(day: Any) -> Any:
    store = AreaStore()
    if not store.path.exists():
        return None
    stat = store.path.stat()
    areas = _areas((str(store.path), stat.st_mtime, stat.st_size))
    if areas is None or len(areas) == 0:
        return None
    return as_of(areas, day)


def _zoom_for(bounds: list[list[float]]) -> tuple[tuple[float, float], int]:
    (s, w), (n, e) = bounds
    span = max(e - w, (n - s) * 1.6, 0.05)
    zoom = int(max(3, min(10, math.floor(math.log2(360.0 / span)) + 1)))
    return ((s + n) / 2, (w + e) / 2), zoom


def _selected(shown: pd.DataFrame) -> pd.Series | None:
    """The event chosen in the table on the previous run (the table is drawn below the map)."""
    state = st.session_state.get("table")
    ids = st.session_state.get("table-ids") or []
    rows = getattr(getattr(state, "selection", None), "rows", None)
    if rows is None and isinstance(state, dict):
        rows = state.get("selection", {}).get("rows")
    if not rows or rows[0] >= len(ids):
        return None
    match = shown.loc[shown["id"].astype(str) == str(ids[rows[0]])]
    if match.empty or pd.isna(match["lat"].iloc[0]) or pd.isna(match["lon"].iloc[0]):
        return None
    return match.iloc[0]


def _view(shown: pd.DataFrame, settings: Any) -> tuple[tuple[float, float] | None, int | None]:
    chosen = _selected(shown)
    if chosen is not None:
        return (float(chosen["lat"]), float(chosen["lon"])), 9
    key = (settings.filter.to_dict().__repr__(), st.session_state.get("fit-clicks", 0))
    if st.session_state.get("fit-key") != key:
        st.session_state["fit-key"] = key
        bounds = render.fit_bounds(shown)
        if bounds is not None:
            st.session_state["view"] = _zoom_for(bounds)
    return st.session_state.get("view", (None, None))


def show(shown: pd.DataFrame, loaded: data.Loaded, settings: Any) -> None:
    """Draw the map for the filtered events, and the details of a clicked point below it."""
    top = st.columns([4, 1, 1], vertical_alignment="bottom")
    basemap = top[1].selectbox("Base map", list(render.BASEMAPS), key="basemap",
                               format_func=lambda k: render.BASEMAPS[k]["title"])
    if top[2].button("Fit to events", key="fit", width="stretch"):
        st.session_state["fit-clicks"] = st.session_state.get("fit-clicks", 0) + 1
    end = settings.filter.end
    groups = render.event_layers(
        shown, loaded.boundaries, areas=_areas_at(end) if end else None, mode=settings.mode,
        assets=local_assets(), index=loaded.index,
    )
    center, zoom = _view(shown, settings)
    # st_folium adds the dynamic groups and the layer control to the map it is given: hand it a copy of
    # the cached base map, so the cache stays as built (about 1 ms)
    base = copy.deepcopy(_base_map(loaded, id(loaded), basemap))
    out = _draw(base, groups, center, zoom)
    _details(shown, out)


def _draw(base: folium.Map, groups: list[Any], center: Any, zoom: Any) -> dict[str, Any] | None:
    return st_folium(
        base,
        key="map",
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=groups,
        layer_control=folium.LayerControl(collapsed=True, position="topright"),
        center=center,
        zoom=zoom,
        returned_objects=["last_object_clicked"],
    )


def _details(shown: pd.DataFrame, out: dict[str, Any] | None) -> None:
    clicked = render.clicked_events(shown, (out or {}).get("last_object_clicked"))
    if len(clicked):
        st.caption(f"{len(clicked)} event(s) at the clicked point")
        cols = [c for c in ("date_start", "date_end", "title", "category", "verification", "geo_precision",
                            "actors", "source_name", "source_url", "description") if c in clicked.columns]
        st.dataframe(pd.DataFrame(clicked[cols]).astype({c: "string" for c in cols if c.startswith("adm")}),
                     hide_index=True, width="stretch",
                     column_config={"source_url": st.column_config.LinkColumn("source")})
