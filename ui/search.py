"""The place-search box above the map: type a name in any script, pick a place, the map goes there.

The search itself is :mod:`geo.places` (GeoNames towns and the loaded boundaries' units, every
transliteration the geocoder knows). Here: the box, the list of what it found, and what the map needs:
:func:`new_choice` (a place chosen since the map last moved for one: :func:`ui.mapview.refit` centres on
it), :func:`chosen_view` (a unit: its bounding box; a town: zoom :data:`TOWN_ZOOM`) and :func:`mark_group`
(a ring and the name on the map, until the box is cleared or another place chosen).
"""

from __future__ import annotations

import math
from typing import Any

import folium
import streamlit as st

from geo import places
from ui import data

QUERY_KEY = "place-query"
PICK_KEY = "place-pick"
#: how many choices the box has led to, the last place chosen, and the choice the map last moved for
PICKS = "place-picks"
PLACE = "place-chosen"
SEEN = "place-seen"
_CHOICE = "place-choice"
RESULTS = 8
TOWN_ZOOM = 10
MARK_COLOUR = "#e8590c"


@st.cache_resource(show_spinner="Indexing place names…", max_entries=4)
def _index(_loaded: data.Loaded, key: int) -> places.PlaceIndex:
    return places.default_index(_loaded.boundaries)


def describe(place: places.Place) -> str:
    """One line per result: "Sudzha (Суджа) · town · Kursk region, RUS"."""
    local = f" ({place.local_name})" if place.local_name and place.local_name != place.name else ""
    where = f" · {place.context}" if place.context else ""
    return f"{place.name}{local} · {place.kind}{where}"


def box(container: Any, loaded: data.Loaded) -> None:
    """The search box (and, once it finds something, the list of places) in ``container``. Typing a name
    and pressing Enter goes to the best match; another entry of the list goes there instead."""
    state = st.session_state
    with container:
        left, right = st.columns([2, 3], vertical_alignment="bottom")
        query = left.text_input("Find a place", key=QUERY_KEY, placeholder="Sudzha, Суджа, Kursk oblast…",
                                help="Towns (GeoNames) and the loaded countries, oblasts, raions and hromadas, "
                                     "in Latin or Cyrillic, any transliteration; small typos are forgiven.")
        text = " ".join(query.split()) if isinstance(query, str) else ""
        if not text:
            state[PLACE] = None
            state.pop(_CHOICE, None)
            return
        found = _index(loaded, id(loaded)).search(text, limit=RESULTS)
        if not found:
            right.caption(f"No place named “{text}” in the offline gazetteer.")
            state[PLACE] = None
            return
        pick = right.selectbox(f"{len(found)} place(s) found", range(len(found)), key=f"{PICK_KEY}:{text}",
                               format_func=lambda i: describe(found[i]))
        choice = (text, int(pick or 0))
        if state.get(_CHOICE) != choice:
            state[_CHOICE] = choice
            state[PICKS] = state.get(PICKS, 0) + 1
        state[PLACE] = found[choice[1]]


def new_choice(state: Any) -> places.Place | None:
    """The place chosen in the box since the map last moved for one (None: no new choice)."""
    picks = state.get(PICKS, 0)
    if picks == state.get(SEEN, 0):
        return None
    state[SEEN] = picks
    return state.get(PLACE)


def chosen_view(place: places.Place) -> tuple[tuple[float, float], float]:
    """Where the map goes for ``place``: a unit's bounding box fitted (zoom 3-10), a town at zoom 10."""
    if place.bbox is None:
        return (place.lat, place.lon), TOWN_ZOOM
    w, s, e, n = place.bbox
    span = max(e - w, (n - s) * 1.6, 0.05)
    zoom = int(max(3, min(TOWN_ZOOM, math.floor(math.log2(360.0 / span)) + 1)))
    return ((s + n) / 2, (w + e) / 2), zoom


def mark_group(state: Any) -> folium.FeatureGroup:
    """The chosen place on the map: a ring and its name (empty while nothing is chosen). Not listed in the
    layer control; it goes when the box is cleared or another place is chosen."""
    group = folium.FeatureGroup(name="place-search", overlay=True, control=False, show=True)
    place = state.get(PLACE)
    if isinstance(place, places.Place):
        ring = folium.CircleMarker([place.lat, place.lon], radius=13, color=MARK_COLOUR, weight=3, fill=False,
                                   interactive=False)
        ring.add_child(folium.Tooltip(place.name, permanent=True, direction="top", offset=(0, -14),
                                      class_name="geo-search-mark"))
        ring.add_to(group)
        folium.CircleMarker([place.lat, place.lon], radius=2.5, color=MARK_COLOUR, weight=1, fill=True,
                            fill_opacity=1, interactive=False).add_to(group)
    return group
