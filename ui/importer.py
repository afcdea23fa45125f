"""The import panel: upload, see the validation report, then commit to the store (or not)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import service
from geo.areas import read_areas
from geo.errors import GeoError
from geo.export import csv_bytes
from geo.ingest import ImportReport, prepare_import
from geo.stores import open_areas, open_units
from ui import data

FORMATS = ["auto", "csv", "xlsx", "acled", "ucdp", "viina", "geojson", "kml", "gpkg"]
EXTENSIONS = ["csv", "tsv", "txt", "xlsx", "geojson", "json", "kml", "kmz", "gpkg"]
#: Prefix of the private directory (mode 0700, removed once read) that holds one upload while it is read.
UPLOAD_PREFIX = "geo-events-upload-"
#: The panels' uploads: Streamlit keeps an upload only while its widget is drawn (:func:`pending`).
UPLOAD_KEYS = ("imp-file", "area-files", "unit-files", "draft-file")
#: The panels' choices: kept by :func:`keep_choices` on the runs that do not draw them.
CHOICE_KEYS = ("imp-format", "area-kind", "draft-text", "draft-date", "draft-lang")


def pending() -> bool:
    """Whether an upload waits in one of the panels. Streamlit forgets an upload on the first run that does
    not draw its widget, so the app draws the panels on every run while one waits, with their tab closed
    too; otherwise only while their tab is open (the uploaders cost about 0.4 s of a first page load)."""
    return any(bool(st.session_state.get(key)) for key in UPLOAD_KEYS)


def keep_choices() -> None:
    """Keep the panels' choices (format, area kind) over a run that does not draw them: a widget's value is
    dropped at the end of a run that does not draw it, unless the run sets it again."""
    for key in CHOICE_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


@contextmanager
def _saved(upload: Any) -> Iterator[Path]:
    """The uploaded bytes under their own name (readers detect the format by it) in a private temporary
    directory, removed when the block ends: nothing the analyst uploads stays on the server's disk."""
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
    try:
        path = folder / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _prepare(upload: Any, fmt: str, loaded: data.Loaded) -> ImportReport:
    """The staged report of ``upload``, naming the file as the analyst chose it (the copy is gone)."""
    name = Path(upload.name).name
    bar = st.progress(0.05, text=f"Reading {name}…")
    try:
        fractions = {"geocoding and validating": 0.35, "joining to the boundaries": 0.7}

        def progress(stage: str) -> None:
            bar.progress(fractions.get(stage, 0.9), text=f"{stage.capitalize()}…")

        with _saved(upload) as path:
            report = prepare_import(path, format=fmt, index=loaded.index, progress=progress)
        return report.named(name)
    finally:
        bar.empty()


def _report(report: ImportReport) -> None:
    flagged = report.flagged()
    counts = [
        ("rows read", report.read_rows),
        ("accepted", report.accepted),
        ("rejected", report.rejected),
        ("duplicates", report.duplicates),
        *flagged.items(),
    ]
    for row in (counts[:4], counts[4:]):
        for col, (label, value) in zip(st.columns(len(row)), row, strict=True):
            col.metric(label, f"{value:,}")
    st.caption(
        f"{report.read_rows:,} rows read = {report.accepted:,} accepted + {report.rejected:,} rejected + "
        f"{report.duplicates:,} duplicates. Format {report.format}"
        + (f", encoding {report.encoding}" if report.encoding else "")
        + (f", delimiter {report.delimiter!r}" if report.delimiter else "")
        + f", sha256 {report.sha256[:12]}…"
    )
    for w in report.warnings:
        st.warning(w)
    issues = report.issues_frame()
    if len(issues):
        st.subheader("Issues")
        line = "line (as in a spreadsheet)" if report.headed else "feature"
        st.dataframe(
            issues, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(issues)),
            column_order=[c for c in issues.columns if c != "row"],
            column_config={"line": st.column_config.NumberColumn(line, format="%d")},
        )
        st.download_button(
            "Download the rejects report (CSV)",
            csv_bytes(issues),
            file_name=f"{Path(report.file).stem}-rejects.csv",
            mime="text/csv",
        )
    if report.accepted:
        st.subheader("Accepted rows (first 200)")
        cols = [c for c in ("id", "date_start", "date_end", "title", "category", "verification",
                            "geo_precision", "lon", "lat", "adm0_iso", "adm1_name", "adm2_name", "flags",
                            "possible_duplicate_of")
                if c in report.frame.columns]
        st.dataframe(pd.DataFrame(report.frame[cols].head(200)), hide_index=True, width="stretch",
                     column_config={"date_start": st.column_config.DateColumn("from"),
                                    "date_end": st.column_config.DateColumn("to")})


def _possible_duplicates(report: ImportReport) -> None:
    """Each possible duplicate beside the event it points at; the analyst picks those to leave out."""
    pairs = report.possible_duplicate_pairs()
    if not len(pairs):
        return
    st.subheader(f"Possible duplicates ({len(pairs):,})")
    st.caption("Same day, category and place (within 1 km, or the same place name) as an earlier event, but "
               "with their own id: kept unless you leave them out here. Left-out rows count as duplicates.")
    where = "line" if report.headed else "feature"
    st.dataframe(pairs, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(pairs)),
                 column_order=[c for c in pairs.columns if not c.endswith("import_row")],
                 column_config={"line": st.column_config.NumberColumn(where, format="%d"),
                                "earlier line": st.column_config.NumberColumn(f"earlier {where}", format="%d")})
    label = {
        str(r["id"]): f"{where} {r['line']}: {r['title']} (like {where} {r['earlier line']})"
        for r in pairs.to_dict("records")
    }
    st.multiselect("Leave out these possible duplicates", list(label), format_func=label.get,
                   key="imp-leave-out")


def areas_panel() -> None:
    """Dated area layers (assessed control, claimed advances): GeoJSON/KML/KMZ, one file per day or dated."""
    st.subheader("Import area layers")
    st.caption("Polygons with dates: one file per day (the date in the file name, e.g. 2024-08-12.geojson) "
               "or a date property. The map shows, per kind, the latest snapshot up to the end of the window.")
    kind = st.text_input("Kind (when the files do not say)", value="assessed control", key="area-kind")
    files = st.file_uploader("Area files", type=["geojson", "json", "kml", "kmz", "gpkg"],
                             accept_multiple_files=True, key="area-files")
    if not files or not st.button(f"Add {len(files)} area file(s) to the store", key="area-commit"):
        return
    added, problems = 0, []
    for upload in files:
        try:
            with _saved(upload) as path:
                gdf, issues = read_areas(path, kind=kind or None)
            # the name the analyst chose, not the server's temporary copy (gone once read)
            gdf["import_file"] = Path(upload.name).name
            issues = [replace(i, file=Path(upload.name).name) for i in issues]
            added += open_areas().add(gdf)
            problems += [str(i) for i in issues]
        except GeoError as exc:
            problems.append(f"{upload.name}: {exc}")
    for p in problems:
        st.warning(p)
    st.success(f"Added {added} area polygons.")


def units_panel() -> None:
    """Unit-position files (a unit tracker's table: unit, date, lat/lon, symbol code…): read, reported, and
    each report stored once in the store's unit positions (:class:`geo.units.UnitStore`)."""
    from geo.io.units import read_positions

    st.subheader("Import unit positions")
    st.caption("A unit tracker's table (CSV/TSV/XLSX/GeoJSON): unit, date, lat/lon, and optionally sidc "
               "(MIL-STD-2525C/D), echelon, parent, side, type, equipment, source. The map shows each unit at its "
               "latest report up to the end of the window.")
    files = st.file_uploader("Unit-position files", type=["csv", "tsv", "txt", "xlsx", "geojson", "json"],
                             accept_multiple_files=True, key="unit-files")
    if not files or not st.button(f"Add {len(files)} unit-position file(s) to the store", key="unit-commit"):
        return
    for upload in files:
        name = Path(upload.name).name
        try:
            with _saved(upload) as path:
                result = read_positions(path)
            frame = result.frame.assign(import_file=name)  # the analyst's file name, not the temporary copy
            added = open_units().add(frame)
        except GeoError as exc:
            st.error(f"Cannot import {name}: {exc}. Nothing was stored.")
            continue
        already = len(frame) - added
        st.success(f"{name}: {result.read:,} rows read = {added:,} stored + {len(result.issues):,} rejected + "
                   f"{result.duplicates + already:,} duplicates ({result.duplicates:,} in the file, {already:,} "
                   "already stored).")
        for issue in result.issues[:20]:
            st.warning(str(replace(issue, file=name)))
        if len(result.issues) > 20:
            st.caption(f"… and {len(result.issues) - 20:,} more rejected rows.")


def panel(loaded: data.Loaded) -> None:
    """Upload → validation report → commit."""
    st.subheader("Import events")
    st.caption("CSV/TSV/XLSX, ACLED or UCDP GED exports, VIINA, GeoJSON, KML/KMZ, GeoPackage. "
               "Nothing is stored until you commit.")
    fmt = st.selectbox("Format", FORMATS, key="imp-format")
    upload = st.file_uploader("Event file", type=EXTENSIONS, key="imp-file")
    if upload is None:
        return
    key = (upload.name, hashlib.sha256(upload.getvalue()).hexdigest(), fmt, id(loaded.index))
    if st.session_state.get("imp-key") != key:
        st.session_state.pop("imp-report", None)
        st.session_state.pop("imp-error", None)
        st.session_state.pop("imp-leave-out", None)
        try:
            st.session_state["imp-report"] = _prepare(upload, fmt, loaded)
        except GeoError as exc:
            st.session_state["imp-error"] = str(exc)
        st.session_state["imp-key"] = key
    if st.session_state.get("imp-error"):
        st.error(f"Cannot import {upload.name}: {st.session_state['imp-error']}. Nothing was stored.")
        return
    prepared: ImportReport = st.session_state["imp-report"]
    report = prepared.without(st.session_state.get("imp-leave-out", []))  # the analyst's choice, counted
    _report(report)
    _possible_duplicates(prepared)
    if not report.accepted:
        st.info("No row to store.")
        return
    if st.button(f"Commit {report.accepted:,} events to the store", type="primary", key="imp-commit"):
        try:
            with st.spinner("Storing…"):
                result = service.commit(data.store(), report)
        except GeoError as exc:
            st.error(f"The import failed and was rolled back; the store is unchanged. {exc}")
            return
        data.reload_events()
        st.success(f"Stored {result.added:,} new events ({result.already_stored:,} were already in the store).")
