"""The "Draft from text" panel: paste or upload a report, give its date, review the drafts with their evidence
highlighted, edit them, then commit the kept ones through the normal import path. Nothing is stored before the
analyst commits."""

from __future__ import annotations

import datetime as dt
import html
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import service
from geo.drafts import Drafter, Report
from geo.errors import GeoError
from geo.export import write_events
from geo.ingest import prepare_import
from geo.schema import CATEGORIES, GEO_PRECISION, VERIFICATION
from ui import data

#: The widgets' keys (their values are kept over runs that do not draw the panel: ``ui.importer``).
TEXT_KEY, DATE_KEY, LANG_KEY, FILE_KEY = "draft-text", "draft-date", "draft-lang", "draft-file"
_DRAFTS, _REPORT = "draft-frame", "draft-report"
#: The columns the analyst reviews and edits, in order (the others ride along unchanged).
EDITABLE = ("keep", "category", "verification", "date_start", "date_end", "location_name", "geo_precision", "lat",
            "lon", "actors", "equipment", "title")


@st.cache_resource(show_spinner="Indexing place names…", max_entries=2)
def _drafter(_loaded: data.Loaded, key: int) -> Drafter:
    from geo.places import default_index

    return Drafter(default_index(_loaded.boundaries), _loaded.index)


def highlighted(evidence: str, said: str) -> str:
    """The evidence as HTML: every character escaped, the words that named the place marked."""
    text = html.escape(evidence)
    mark = html.escape(said)
    if mark:
        text = text.replace(mark, f"<mark>{mark}</mark>")
    return text


def _draft(loaded: data.Loaded, text: str, when: dt.date, lang: str) -> None:
    report = Report(text, when, id=f"pasted-{when.isoformat()}")
    drafts = _drafter(loaded, id(loaded)).draft(report, lang)
    drafts.insert(0, "keep", True)
    st.session_state[_DRAFTS] = drafts
    st.session_state[_REPORT] = report


def _commit(loaded: data.Loaded, edited: pd.DataFrame) -> None:
    """The kept drafts, written to a private temporary CSV and imported as any file is (validated, joined,
    one transaction)."""
    kept = edited.loc[edited["keep"].fillna(False).astype(bool)].drop(columns="keep")
    folder = Path(tempfile.mkdtemp(prefix="geo-events-drafts-"))
    try:
        path = write_events(kept, folder / "drafts.csv")
        report = prepare_import(path, index=loaded.index).named("drafts from text")
        result = service.commit(data.store(), report)
    except GeoError as exc:
        st.error(f"The drafts were not stored; the store is unchanged. {exc}")
        return
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    st.session_state.pop(_DRAFTS, None)
    data.reload_events()
    st.success(f"Stored {result.added:,} new events from the report ({result.already_stored:,} were already in "
               f"the store; {report.rejected:,} rejected).")


def panel(loaded: data.Loaded) -> None:
    """Report → drafts with their evidence → edit → commit."""
    st.subheader("Draft events from a report")
    st.caption("Paste a news report (or upload a .txt) and give its publication date: relative dates (\"hier\", "
               "\"dimanche\", \"depuis cinq jours\") count from it. Nothing is stored until you commit.")
    upload = st.file_uploader("Report (.txt)", type=["txt"], key=FILE_KEY)
    text = st.text_area("Report text", key=TEXT_KEY, height=160,
                        placeholder="La Biélorussie déplace des troupes et des missiles vers la frontière…")
    cols = st.columns(2)
    when = cols[0].date_input("Published", key=DATE_KEY, format="YYYY-MM-DD")
    lang = cols[1].selectbox("Language", ["auto", "fr", "en", "de", "ru", "uk"], key=LANG_KEY)
    body = upload.getvalue().decode("utf-8", errors="replace") if upload is not None else text
    if st.button("Draft events", key="draft-run", disabled=not (body or "").strip()):
        if loaded.index is None:
            st.error("No boundaries are loaded: places cannot be found.")
            return
        _draft(loaded, body, when, lang)
    drafts: pd.DataFrame | None = st.session_state.get(_DRAFTS)
    if drafts is None:
        return
    if not len(drafts):
        st.info("No event found: no sentence names both a happening and a place.")
        return
    st.caption(f"{len(drafts)} draft(s). Check each against its evidence; untick those to leave out.")
    for row in drafts.itertuples():
        st.html(f"<div class='geo-draft-evidence'><b>{html.escape(str(row.title))}</b> "
                f"({html.escape(str(row.verification))}, confidence {row.confidence:.2f}): "
                f"{highlighted(str(row.evidence), str(row.place_said))}</div>")
    config: dict[str, Any] = {
        "keep": st.column_config.CheckboxColumn("Keep"),
        "category": st.column_config.SelectboxColumn("Category", options=list(CATEGORIES), required=True),
        "verification": st.column_config.SelectboxColumn("Verification", options=list(VERIFICATION), required=True),
        "geo_precision": st.column_config.SelectboxColumn("Precision", options=list(GEO_PRECISION), required=True),
        "date_start": st.column_config.DateColumn("From", required=True),
        "date_end": st.column_config.DateColumn("To"),
        "lat": st.column_config.NumberColumn("Lat", min_value=-90.0, max_value=90.0, format="%.4f"),
        "lon": st.column_config.NumberColumn("Lon", min_value=-180.0, max_value=180.0, format="%.4f"),
        "location_name": st.column_config.TextColumn("Place"),
        "actors": st.column_config.TextColumn("Actors"),
        "equipment": st.column_config.TextColumn("Equipment"),
        "title": st.column_config.TextColumn("Title"),
    }
    shown = drafts[[*EDITABLE, *(c for c in drafts.columns if c not in EDITABLE)]]
    edited = st.data_editor(shown, key="draft-editor", hide_index=True, column_config=config,
                            column_order=EDITABLE, num_rows="fixed", width="stretch")
    kept = int(edited["keep"].fillna(False).astype(bool).sum())
    if st.button(f"Commit {kept} draft(s) to the store", type="primary", key="draft-commit", disabled=not kept):
        _commit(loaded, edited)
