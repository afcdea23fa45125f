"""The export panel: a preview of the briefing snapshot and downloads in every format.

The snapshot is the current window and filters, with the layers chosen here; its extent is the
interactive map's current one (``st.session_state["map-extent"]``, kept by ``ui.mapview``), fits the
filtered events, is a preset from the boundaries (a border, the border districts, an oblast), or is typed
as a box. Dated areas are drawn as of the end of the window.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from geo import formats, render, snapshot
from geo.errors import GeoError
from ui import data
from ui.mapview import EXTENT_KEY, Extent

EXTENTS = {"map": "The map's current extent", "fit": "Fit to the events", "preset": "A preset",
           "box": "Type a box"}


def _bbox(text: str) -> tuple[float, float, float, float] | None:
    if not text.strip():
        return None
    parts = [float(p) for p in text.replace(";", ",").split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError("expected minlon,minlat,maxlon,maxlat with min < max")
    return (parts[0], parts[1], parts[2], parts[3])


def describe(box: Extent) -> str:
    """``30.12°E–36.50°E, 50.10°N–52.90°N`` for (minlon, minlat, maxlon, maxlat)."""
    def lon(v: float) -> str:
        return f"{abs(v):.2f}°{'W' if v < 0 else 'E'}"

    def lat(v: float) -> str:
        return f"{abs(v):.2f}°{'S' if v < 0 else 'N'}"

    return f"{lon(box[0])}–{lon(box[2])}, {lat(box[1])}–{lat(box[3])}"


def _touched() -> None:
    st.session_state["x-extent-chosen"] = True


def _extent(presets: dict[str, Extent]) -> tuple[bool, Extent | None]:
    """The extent radio: (valid, bbox); bbox None fits the events. ``presets``: name → extent."""
    current: Extent | None = st.session_state.get(EXTENT_KEY)
    if not st.session_state.get("x-extent-chosen"):  # until the user picks one: the map's, once it is known
        st.session_state["x-extent"] = "map" if current is not None else "fit"
    choice = st.radio("Extent", list(EXTENTS), format_func=EXTENTS.__getitem__, key="x-extent",
                      horizontal=True, on_change=_touched)
    if choice == "map":
        if current is None:
            st.caption("The map has not reported its extent yet (open the Map tab): fitting to the events.")
            return True, None
        st.caption(f"Map extent: {describe(current)}")
        return True, current
    if choice == "fit":
        return True, None
    if choice == "preset":
        if not presets:
            st.caption("No presets: no boundaries are loaded. Fitting to the events.")
            return True, None
        name = st.selectbox("Preset extent", list(presets), key="x-preset",
                            help="Border lines, border districts and every oblast of the loaded boundaries")
        st.caption(f"Extent: {describe(presets[name])}")
        return True, presets[name]
    box = st.text_input("Box: minlon,minlat,maxlon,maxlat", key="x-bbox",
                        placeholder="30.0,50.0,36.5,53.0")
    try:
        return True, _bbox(box)
    except ValueError as exc:
        st.error(f"Extent: {exc}, got {box!r}")
        return False, None


def _view(settings: Any, presets: dict[str, Extent]) -> snapshot.View | None:
    c1, c2 = st.columns(2)
    title = c1.text_input("Title", value="Belarus–Ukraine–Kursk situation", key="x-title")
    marking = c2.text_input("Marking (top and bottom)", value="UNCLASSIFIED // FOR TRAINING", key="x-marking")
    c3, c4, c5, c6 = st.columns(4)
    paper = c3.selectbox("Paper", ["A4", "Letter"], key="x-paper")
    orientation = c4.selectbox("Orientation", ["landscape", "portrait"], key="x-orient")
    dpi = c5.selectbox("PNG resolution (dpi)", [150, 300], key="x-dpi")
    opsec = c6.selectbox("Round exported coordinates (opsec)", ["no", "0.01° (~1 km)", "0.1° (~10 km)"],
                         key="x-opsec")
    layers = st.multiselect("Layers", list(snapshot.ALL_LAYERS), default=list(snapshot.DEFAULT_LAYERS),
                            format_func=lambda n: render.LAYERS[n].title, key="x-layers")
    c7, c8 = st.columns(2)
    labels = c7.toggle("Label events", key="x-labels")
    graticule = c8.toggle("Latitude/longitude grid", key="x-graticule")
    mgrs_grid = c8.toggle("MGRS grid (100 km squares)", key="x-mgrs",
                          help="The Military Grid Reference System's 100 km squares, each labelled (e.g. 36U UA); "
                          "UTM zone edges thicker")
    numbered = c7.toggle("Number events (key beside the map)", key="x-numbered",
                         help="ISW style: each event numbered on the map and keyed by date beside it, instead of the "
                         "locator inset and of the event labels")
    snap = c8.checkbox("Keep rounded points in their country", key="x-opsec-snap",
                       help="With rounding: a point that rounding would move across a border goes to the nearest "
                       "grid point inside the country it was joined to")
    provenance = c8.checkbox("Include import provenance", key="x-provenance",
                             help="Data files (CSV, GeoJSON, GPKG, KML) then carry import_file (a path on this "
                             "machine), import_sha256, import_time and import_row. Left out by default.")
    ok, bbox = _extent(presets)
    if not ok:
        return None
    decimals = {"no": None, "0.01° (~1 km)": 2, "0.1° (~10 km)": 1}[opsec]
    return snapshot.View(title=title, bbox=bbox, filter=settings.filter, marking=marking, labels=labels,
                         layers=tuple(layers), opsec_decimals=decimals, opsec_snap=snap, provenance=provenance, paper=paper,
                         orientation=orientation, dpi=int(dpi), numbered=numbered,
                         graticule=graticule, mgrs_grid=mgrs_grid)


@st.cache_data(show_spinner="Drawing the snapshot…", max_entries=8)
def _export(fmt: str, view_json: str, version: str, areas_version: str, _events: pd.DataFrame,
            _loaded: data.Loaded, _areas: Any) -> tuple[bytes, str]:
    """The export's bytes and its generation time (ISO), kept together: the view JSON records that time."""
    view = snapshot.View.from_json(view_json)
    generated = datetime.now(UTC)
    return snapshot.export(fmt, _events, _loaded.boundaries, view, index=_loaded.index,
                           generated=generated, areas=_areas), generated.isoformat()


@st.cache_data(show_spinner=False, max_entries=8)
def _recorded(view_json: str, generated: str | None, version: str, _everything: pd.DataFrame) -> str:
    """The view JSON with the record the CLI's ``--save-view`` writes (:func:`geo.snapshot.recorded`): the
    fingerprint of every event of the set named ``version`` (the store, or the sample), the ids of those the
    view shows, the generation time ``generated`` (None: regenerated with the time it is run) and the sha256 of
    the view's area files (none in the app, whose areas are the store's)."""
    view = snapshot.View.from_json(view_json)
    when = None if generated is None else datetime.fromisoformat(generated)
    return snapshot.recorded(view, _everything, generated=when).to_json()


def panel(events: pd.DataFrame, loaded: data.Loaded, settings: Any, version: str, active: bool = True) -> None:
    """The panel for the filtered ``events`` (from the event set named ``version``); the preview is drawn
    only while the panel is ``active`` (its tab open)."""
    st.subheader("Briefing export")
    st.caption("The snapshot shows the current window and filters. Works offline: vector layers only.")
    view = _view(settings, data.extent_presets(loaded) if loaded.index is not None else {})
    areas, areas_version = data.areas()

    def export(fmt: str, view: snapshot.View) -> tuple[bytes, str]:
        # a data file carries every column: a queried store's view is read again whole (the maps need no more)
        rows = data.complete(loaded, settings.filter, events) if formats.get(fmt).kind == "data" else events
        return _export(fmt, view.to_json(), version, areas_version, rows, loaded, areas)

    # the widgets below are drawn even when the view is invalid, so that a typo keeps their state
    if st.toggle("Preview the snapshot", key="x-preview") and active and view is not None:
        try:
            st.image(export("png", view)[0], caption="Preview (PNG)", width="stretch")
        except GeoError as exc:
            st.error(f"Cannot draw the snapshot: {exc}")
    fmt = st.selectbox("Format", list(formats.FORMATS), key="x-format",
                       format_func=lambda f: f"{f.upper()}: {formats.FORMATS[f].label}")
    if view is None:
        return
    stem = "".join(c if c.isalnum() else "-" for c in view.title.lower()).strip("-") or "snapshot"
    if st.button(f"Prepare {fmt.upper()}", key="x-prepare"):
        try:
            warnings = snapshot.opsec_warnings(events, view, loaded.index)
            st.session_state["x-file"] = (fmt, view.to_json(), *export(fmt, view), warnings)
        except GeoError as exc:
            st.error(f"Export failed: {exc}")
    ready = st.session_state.get("x-file")
    generated = None
    if ready and ready[:2] == (fmt, view.to_json()):  # a file prepared for another format or view is stale
        _fmt, _view_json, file, generated, warnings = ready
        for warning in warnings:
            st.warning(warning)
        kind = formats.get(fmt)
        st.download_button(f"Download {stem}{kind.extension}", file, file_name=f"{stem}{kind.extension}",
                           mime=kind.mime, key="x-download", type="primary")
    # the view with the export's record, as the CLI's --save-view writes it: `python -m geo snapshot --view` of
    # it regenerates the prepared file (same generation time) and warns when the events or areas changed since
    src = data.source(loaded)  # a store queried per view records the view's events (it is not read whole)
    everything = src.events if src.events is not None else events
    st.download_button("Download the view (JSON: regenerates the same export)",
                       _recorded(view.to_json(), generated, version, everything).encode(),
                       file_name=f"{stem}.view.json", mime="application/json", key="x-view")
