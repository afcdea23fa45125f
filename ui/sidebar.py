"""Sidebar widgets read into one small frozen settings object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from geo.filter import EventFilter, options, presets


@dataclass(frozen=True)
class Settings:
    """What the user asked to see: the filter (window and facets) and the map mode. Day-by-day playback
    runs in the browser (the map's playback control), over the window's events."""

    filter: EventFilter
    full_window: tuple[date, date]
    mode: str = "auto"


def _pick(label: str, values: list[Any], key: str, fmt: Any = None) -> tuple[Any, ...]:
    if not values:
        return ()
    chosen = st.multiselect(label, values, key=key, format_func=fmt or str, placeholder="all")
    return tuple(chosen)


def _set_window(start: date, end: date) -> None:
    st.session_state["w-from"], st.session_state["w-to"] = start, end
    st.session_state["w-slider"] = (start, end)
    st.session_state["w-window"] = (start, end)  # the window in force: what a rejected From/To falls back to


def _from_inputs() -> None:
    """From/To changed: a reversed (or cleared) pair is refused with a message and the window is kept."""
    start, end = st.session_state["w-from"], st.session_state["w-to"]
    if start is not None and end is not None and start <= end:
        _set_window(start, end)
        return
    kept = st.session_state.get("w-window")
    if start is not None and end is not None:
        st.session_state["w-error"] = (
            f"From {start:%d %b %Y} is after To {end:%d %b %Y}: expected From on or before To. "
            + (f"The window stays {kept[0]:%d %b %Y} – {kept[1]:%d %b %Y}." if kept else "")
        )
    if kept is not None:
        st.session_state["w-from"], st.session_state["w-to"] = kept


def _from_slider() -> None:
    _set_window(*st.session_state["w-slider"])


@st.cache_resource(show_spinner=False, max_entries=4)
def _presets(_events: pd.DataFrame, key: tuple[int, int], today: date) -> dict[str, tuple[date, date]]:
    """The preset windows, computed once per loaded event set and day (not on every rerun)."""
    return presets(_events, today=today)


def _window(events: pd.DataFrame, first: str) -> tuple[date, date]:
    preset = _presets(events, (id(events), len(events)), date.today())
    if not preset:
        today = date.today()
        return today, today
    lo, hi = preset["All"]  # every preset lies within it (and it reaches today for a live store)
    if "w-from" not in st.session_state or not (lo <= st.session_state["w-from"] <= hi):
        _set_window(*preset.get(first, (lo, hi)))
    if not (lo <= st.session_state["w-to"] <= hi):
        _set_window(st.session_state["w-from"], hi)
    cols = st.columns(2)
    for i, (name, span) in enumerate(preset.items()):
        cols[i % 2].button(name, key=f"preset-{name}", width="stretch", on_click=_set_window, args=span)
    # one above the other, full width: side by side the sidebar cut the dates short ("2024 / 08 / (")
    st.date_input("From", min_value=lo, max_value=hi, key="w-from", on_change=_from_inputs, format="YYYY-MM-DD")
    st.date_input("To", min_value=lo, max_value=hi, key="w-to", on_change=_from_inputs, format="YYYY-MM-DD")
    error = st.session_state.pop("w-error", None)
    if error:
        st.error(error)
    if lo < hi:
        st.slider("Window", min_value=lo, max_value=hi, step=timedelta(days=1), key="w-slider",
                  on_change=_from_slider, format="DD MMM YYYY")
    return st.session_state["w-from"], st.session_state["w-to"]


#: Where day-by-day playback is: on the map, in the browser (no server round trip per day).
PLAYBACK_HINT = "Day by day: the ▶ control at the bottom left of the map plays the window (← → step, space plays)."


@st.cache_resource(show_spinner=False, max_entries=4)
def _options(_events: pd.DataFrame, key: tuple[int, int]) -> dict[str, list[Any]]:
    """Widget choices, computed once per loaded event set (not on every rerun)."""
    return options(_events)


def read(events: pd.DataFrame, first_window: str = "All") -> Settings:
    """Draw the sidebar and return the settings it holds. ``events``: every event, or a frame standing for them
    (a store's catalog: ``geo.store.catalog_frame``); ``first_window``: the preset the window starts at."""
    opts = _options(events, (id(events), len(events)))
    with st.sidebar:
        st.header("Filters")
        window = _window(events, first_window)
        st.caption(PLAYBACK_HINT)
        st.divider()
        categories = _pick("Category", opts.get("categories", []), "f-cat")
        verification = _pick("Verification", opts.get("verification", []), "f-ver")
        precision = _pick("Geo precision", opts.get("precision", []), "f-prec")
        actors = _pick("Actors", opts.get("actors", []), "f-act")
        countries = _pick("Country", opts.get("countries", []), "f-adm0", _label)
        adm1 = _pick("Oblast / voblast", opts.get("adm1", []), "f-adm1", _label)
        adm2 = _pick("Raion / district", opts.get("adm2", []), "f-adm2", _label)
        border_only = st.toggle("Border districts only", key="f-border")
        search = st.text_input("Search text", key="f-search", placeholder="title, place, actor, source…")
        st.divider()
        # the options are the renderer's own modes (``render.event_layers``); "cells" reads "aggregate"
        mode = st.radio("Event rendering", ["auto", "points", "cells"], horizontal=True, key="f-mode",
                        format_func=lambda m: "aggregate" if m == "cells" else m,
                        help="auto: points up to 200,000 events in the window, an aggregated grid above")
    flt = EventFilter(
        start=window[0], end=window[1], categories=categories, actors=actors, verification=verification,
        precision=precision, countries=tuple(_value(c) for c in countries), adm1=tuple(_value(c) for c in adm1),
        adm2=tuple(_value(c) for c in adm2), border_only=border_only, search=search.strip(),
    )
    return Settings(filter=flt, full_window=window, mode=mode)


def _value(option: Any) -> str:
    if isinstance(option, tuple | list):
        return str(option[0])
    if isinstance(option, dict):
        return str(option.get("id") or option.get("adm0_iso") or next(iter(option.values())))
    return str(option)


def _label(option: Any) -> str:
    if isinstance(option, tuple | list):
        return " – ".join(str(x) for x in option[1:2]) or str(option[0])
    if isinstance(option, dict):
        return str(option.get("name") or option.get("adm0_name") or _value(option))
    return str(option)
