"""geo-events: the Streamlit app (``streamlit run app.py``).

Reads the sidebar into a frozen settings object, calls ``geo`` for the work, shows the result. Caching
lives in ``ui.data``; the map in ``ui.mapview``; the import panel in ``ui.importer``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from geo import filter as evfilter, service
from ui import data, drafts, exporter, importer, mapview, share, sidebar, tables, units as unit_list, urlstate

st.set_page_config(page_title="geo-events: security events on the map", page_icon=":material/map:", layout="wide")


def _restore_link(events: pd.DataFrame) -> list[str]:
    """Once per session, the opened link's state (``ui.urlstate``) into the widgets' keys, before they are
    drawn; the warnings for the parameters left out (shown until the next full run: the analyst's next
    change)."""
    if st.session_state.get(urlstate.RESTORED):
        return []
    params = st.query_params.to_dict()
    choices = evfilter.options(events) if any(p in params for p in urlstate.FACETS) else {}
    span = evfilter.presets(events, today=date.today()).get("All") if {"from", "to"} & set(params) else None
    return urlstate.restore(st.session_state, params, choices, span)


loaded = data.current_boundaries()
for err in loaded.errors:
    st.warning(f"Boundaries: {err}")
if loaded.index is None:
    st.warning("No boundaries available: events are shown without admin layers. "
               "Set GEO_BOUNDARIES_SOURCE to a mirror (see README, air-gapped use).")

source = data.source(loaded)
version = data.events_version(loaded)
link_warnings = _restore_link(source.catalog)  # the choices and windows: every event, or the store's catalog
# a store queried per view opens on its last 30 days (its whole span would be an aggregate of everything)
settings = sidebar.read(source.catalog, "All" if source.events is not None else "Last 30 days")
# the drawn filter (shapes drawn on the map, or from the link) belongs to the filter every view reads
settings = replace(settings, filter=replace(settings.filter, shapes=st.session_state.get(urlstate.DRAWN, ())))
view = data.view(source, settings.filter, version)  # filtered in memory, or queried from the store
shown = view.events

st.title("Security events")
for text in link_warnings:
    st.warning(text)
window = settings.filter
st.caption(
    f"{view.total:,} of {source.total:,} events active between {window.start:%d %b %Y} and {window.end:%d %b %Y}"
    + (f" · inside the drawn shapes ({share.describe(window.shapes)})" if window.shapes else "")
    + f" · source: {source.label}"
)
notice = st.empty()  # always there, so that the elements below keep their place (the map is not re-created)
if view.aggregated:
    notice.info(f"{view.total:,} events in this window: more than the {service.VIEW_MAX:,} a view reads, so the map "
            f"shows the store's counts per {view.cell:g}° cell and the tables below are empty. Narrow the window "
            "or the filters to list, chart and export the events.")

# switching tabs reruns the app, so that the Export tab reads the map's latest extent (a pan reruns only
# the map's fragment)
tab_map, tab_import, tab_export = st.tabs(["Map", "Import", "Export"], key="tab", on_change="rerun")
with tab_map:
    mapview.show(shown, loaded, settings, version, grid=view.grid_counts())
    left, right = st.columns([3, 2])
    with left:
        tables.timeline(shown, settings)
    with right:
        tables.counts(shown)
    tables.events_table(shown)
    unit_list.panel(settings)
    unlocated = shown[pd.isna(shown["lon"]) | pd.isna(shown["lat"])]
    if len(unlocated):
        with st.expander(f"{len(unlocated)} events with no location (listed, not mapped)"):
            tables.plain(unlocated)
with tab_import:
    if tab_import.open is not False or importer.pending():  # drawn while open, or while an upload waits
        importer.panel(loaded)
        st.divider()
        drafts.panel(loaded)
        st.divider()
        importer.areas_panel()
        st.divider()
        importer.units_panel()
    else:
        importer.keep_choices()
with tab_export:
    exporter.panel(shown, loaded, settings, version, active=tab_export.open is not False)
