"""The export panel: a preview of the briefing snapshot and downloads in every format.

The snapshot is the current window and filters; the extent fits the filtered events or is typed as a box.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from geo import snapshot
from geo.errors import GeoError
from ui import data

MIME = {
    "png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "html": "text/html", "csv": "text/csv", "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3", "kml": "application/vnd.google-earth.kml+xml",
}


def _bbox(text: str) -> tuple[float, float, float, float] | None:
    if not text.strip():
        return None
    parts = [float(p) for p in text.replace(";", ",").split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError("expected minlon,minlat,maxlon,maxlat with min < max")
    return (parts[0], parts[1], parts[2], parts[3])


def _view(settings: Any) -> snapshot.View | None:
    c1, c2 = st.columns(2)
    title = c1.text_input("Title", value="Belarus–Ukraine–Kursk situation", key="x-title")
    marking = c2.text_input("Marking (top and bottom)", value="UNCLASSIFIED // FOR TRAINING", key="x-marking")
    c3, c4, c5, c6 = st.columns(4)
    paper = c3.selectbox("Paper", ["A4", "Letter"], key="x-paper")
    orientation = c4.selectbox("Orientation", ["landscape", "portrait"], key="x-orient")
    dpi = c5.selectbox("PNG resolution (dpi)", [150, 300], key="x-dpi")
    opsec = c6.selectbox("Round exported coordinates (opsec)", ["no", "0.01° (~1 km)", "0.1° (~10 km)"],
                         key="x-opsec")
    labels = st.toggle("Label events", key="x-labels")
    box = st.text_input("Extent (minlon,minlat,maxlon,maxlat); empty: fit to the events", key="x-bbox")
    try:
        bbox = _bbox(box)
    except ValueError as exc:
        st.error(f"Extent: {exc}, got {box!r}")
        return None
    decimals = {"no": None, "0.01° (~1 km)": 2, "0.1° (~10 km)": 1}[opsec]
    return snapshot.View(title=title, bbox=bbox, filter=settings.filter, marking=marking, labels=labels,
                         opsec_decimals=decimals, paper=paper, orientation=orientation, dpi=int(dpi))


@st.cache_data(show_spinner="Drawing the snapshot…", max_entries=8)
def _export(fmt: str, view_json: str, version: int, _events: pd.DataFrame, _loaded: data.Loaded) -> bytes:
    view = snapshot.View.from_json(view_json)
    return snapshot.export(fmt, _events, _loaded.boundaries, view, index=_loaded.index,
                           generated=datetime.now(UTC))


def panel(events: pd.DataFrame, loaded: data.Loaded, settings: Any) -> None:
    st.subheader("Briefing export")
    st.caption("The snapshot shows the current window and filters. Works offline: vector layers only.")
    view = _view(settings)
    if view is None:
        return
    version = id(events)
    if st.toggle("Preview the snapshot", key="x-preview"):
        try:
            png = _export("png", view.to_json(), version, events, loaded)
        except GeoError as exc:
            st.error(f"Cannot draw the snapshot: {exc}")
            return
        st.image(png, caption="Preview (PNG)", width="stretch")
    fmt = st.selectbox("Format", list(snapshot.FORMATS), key="x-format",
                       format_func=lambda f: f.upper())
    stem = "".join(c if c.isalnum() else "-" for c in view.title.lower()).strip("-") or "snapshot"
    if st.button(f"Prepare {fmt.upper()}", key="x-prepare"):
        try:
            st.session_state["x-file"] = (fmt, _export(fmt, view.to_json(), version, events, loaded))
        except GeoError as exc:
            st.error(f"Export failed: {exc}")
    ready = st.session_state.get("x-file")
    if ready and ready[0] == fmt:
        st.download_button(f"Download {stem}.{fmt}", ready[1], file_name=f"{stem}.{fmt}", mime=MIME[fmt],
                           key="x-download", type="primary")
    st.download_button("Download the view (JSON: regenerates the same export)", view.to_json().encode(),
                       file_name=f"{stem}.view.json", mime="application/json", key="x-view")
