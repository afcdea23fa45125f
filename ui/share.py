"""The map's side of the shareable view and of the drawn filter (the state itself: ``ui.urlstate``).

* :func:`restore_group`: the group handed to ``st_folium`` first, which restores a link in the browser
  (overlays once per session, drawn shapes on a new map or after *Clear drawn filter*);
* :func:`take_report`: what the map reports (centre and zoom, overlays shown, drawn shapes) into the
  session state;
* :func:`controls`: under the map, the drawn filter in words with *Clear drawn filter*, and *Copy link*;
  writes the page URL (``st.query_params``) when the state changed.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import folium
import streamlit as st

from geo import render
from geo.errors import GeoError
from geo.filter import Shape, shapes_from_geojson
from ui import urlstate as us

DRAWN_SEEN = "drawn-seen"  # the drawings the map reported last (a report repeated is not a new drawing)
DRAW_ERROR = "draw-error"


def restore_group(session: Mapping[str, Any]) -> folium.FeatureGroup:
    """The runtime's link restore for this session (:func:`geo.render.restore_group`)."""
    return render.restore_group(seed=str(session.get(us.SEED, "")), overlays=session.get(us.LINK_OVERLAYS),
                                shapes=session.get(us.DRAWN) or (), gen=int(session.get(us.DRAWN_GEN, 0)),
                                names=list(render.LAYERS))


#: The entry of streamlit-folium's ``selected_layers`` in which the map runtime reports its view.
VIEW_ENTRY = "geo:view"
#: The entry saying which generation of the app's shapes (:data:`ui.urlstate.DRAWN_GEN`) the map shows.
DRAW_ENTRY = "geo:draw"


def reported_view(out: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The view the map last reported: ``{"center": {"lat", "lng"}, "zoom": z, "bounds": Leaflet bounds}``
    ({} before the first report). The runtime sends it once the map has been still for a moment
    (``reportView`` in runtime.js), among the ``selected_layers`` entries, instead of streamlit-folium's own
    bounds/centre/zoom, which rerun the app after every pan step."""
    return _entry(out, VIEW_ENTRY)


def _entry(out: Mapping[str, Any] | None, name: str) -> Mapping[str, Any]:
    for entry in (out or {}).get("selected_layers") or ():
        if isinstance(entry, Mapping) and entry.get("name") == name:
            return entry
    return {}


def take_report(session: MutableMapping[str, Any], out: Mapping[str, Any] | None) -> bool:
    """Keep what the map reported in ``session``; True when the drawn shapes changed (the events must be
    filtered again: the caller reruns the app)."""
    out = out or {}
    view = reported_view(out)
    center, zoom = view.get("center"), view.get("zoom")
    try:
        session[us.MAP_VIEW] = (round(float(center["lat"]), 5), round(float(center["lng"]), 5), float(zoom))
    except (KeyError, TypeError, ValueError):
        pass  # no view reported yet
    entries = [e for e in out.get("selected_layers") or () if isinstance(e, Mapping)
               and e.get("name") in render.LAYERS and e.get("url") in ("shown", "hidden")]
    if entries:
        listed = {e["name"]: e["url"] == "shown" for e in entries}
        session[us.MAP_LISTED] = tuple(n for n in render.LAYERS if n in listed)
        session[us.MAP_OVERLAYS] = tuple(n for n in render.LAYERS if listed.get(n))
    shown = _entry(out, DRAW_ENTRY).get("gen")
    if shown is not None and shown != int(session.get(us.DRAWN_GEN, 0)):
        return False  # sent before the map applied the app's latest shapes (a clear, a link): stale drawings
    raw = out.get("all_drawings")
    if raw is None or raw == session.get(DRAWN_SEEN):
        return False
    session[DRAWN_SEEN] = raw
    try:
        shapes = shapes_from_geojson(raw)
        session.pop(DRAW_ERROR, None)
    except GeoError as exc:
        session[DRAW_ERROR] = f"The drawn shapes could not be read: {exc}. The drawn filter is unchanged."
        return False
    if shapes == tuple(session.get(us.DRAWN) or ()):
        return False
    session[us.DRAWN] = shapes
    return True


def describe(shapes: tuple[Shape, ...]) -> str:
    """"1 polygon and 1 circle (25 km)" — the drawn filter in words."""
    polygons = sum(s.kind == "polygon" for s in shapes)
    circles = [s for s in shapes if s.kind == "circle"]
    parts = [f"{polygons} polygon{'s' if polygons != 1 else ''}"] if polygons else []
    if circles:
        radii = ", ".join(f"{s.radius_m / 1000:.3g} km" for s in circles)
        parts.append(f"{len(circles)} circle{'s' if len(circles) != 1 else ''} ({radii})")
    return " and ".join(parts)


def controls() -> None:
    """Under the map: the drawn filter and its *Clear* button, *Copy link*; then the URL is brought up to date."""
    session = st.session_state
    if session.get(DRAW_ERROR):
        st.warning(session[DRAW_ERROR])
    shapes = tuple(session.get(us.DRAWN) or ())
    left, mid, right = st.columns([5, 2, 2], vertical_alignment="center")
    if shapes:
        left.caption(f"Drawn filter: only events inside {describe(shapes)} (edit or delete them with the map's "
                     "drawing tools)")
        if mid.button("Clear drawn filter", key="draw-clear", width="stretch"):
            session[us.DRAWN] = ()
            session[us.DRAWN_GEN] = session.get(us.DRAWN_GEN, 0) + 1
            st.rerun(scope="app")
    else:
        left.caption("Draw a polygon, rectangle or circle with the map's tools (left) to keep only the events "
                     "inside it.")
    params = us.publish(session, st.query_params)
    with right.popover("Copy link", icon=":material/link:", width="stretch"):
        st.caption("This view (window, filters, map view, layers, drawn shapes) as a link:")
        st.code(us.link(_base_url(), params), language=None, wrap_lines=True)


def _base_url() -> str | None:
    try:
        return st.context.url
    except (AttributeError, RuntimeError):  # outside a browser session (AppTest)
        return None
