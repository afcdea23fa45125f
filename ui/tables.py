"""Beside the map: the timeline chart, counts per country and raion, and the events table."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from geo import filter as evfilter
from geo.render.legend import VALUE_LABELS, category_colours, readable

TABLE_COLUMNS = [
    "date_start", "date_end", "title", "category", "verification", "geo_precision", "location_name",
    "adm0_iso", "adm1_name", "adm2_name", "actors", "equipment", "source_name", "source_url", "id",
]
#: Column headers as the analyst reads them (the frames keep the schema's names).
HEADERS = {
    "date_start": "From", "date_end": "To", "title": "Title", "category": "Category",
    "verification": "Verification", "geo_precision": "Precision", "location_name": "Place",
    "adm0_iso": "Country", "adm0_name": "Country name", "adm1_name": "Oblast / region",
    "adm2_name": "Raion / district", "actors": "Actors", "equipment": "Equipment", "source_name": "Source",
    "source_url": "Link", "id": "Id", "events": "Events",
}


def _columns(frame: pd.DataFrame) -> dict[str, object]:
    """Readable headers for the columns of ``frame`` (dates as dates, the source link as a link)."""
    kinds = {"date_start": st.column_config.DateColumn, "date_end": st.column_config.DateColumn,
             "source_url": st.column_config.LinkColumn}
    return {c: kinds.get(c, st.column_config.Column)(HEADERS[c]) for c in frame.columns if c in HEADERS}


def colour_scale(categories: pd.Series) -> alt.Scale:
    """The map's colour for each category name in ``categories`` (readable names, see
    :func:`geo.render.legend.readable`); names the map does not know get the colour of "Other"."""
    colours = category_colours()
    present = set(categories.astype(str))
    domain = [c for c in colours if c in present] + sorted(present - set(colours))
    other = colours[VALUE_LABELS["category"]["other"]]
    return alt.Scale(domain=domain, range=[colours.get(c, other) for c in domain])


def timeline(shown: pd.DataFrame, settings) -> None:  # noqa: ANN001 - ui.sidebar.Settings
    st.subheader("Events per day")
    f = settings.filter
    data = evfilter.timeline(shown, f.start, f.end)
    if data.empty or data["events"].sum() == 0:
        st.info("No event in the window.")
        return
    data = data.assign(category=readable("category", data["category"]))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("events:Q", title="active events", stack=True),
            color=alt.Color("category:N", scale=colour_scale(data["category"]),
                            legend=alt.Legend(orient="bottom", title=None, columns=4)),
            tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("category:N", title="Category"),
                     alt.Tooltip("events:Q", title="Active events")],
        )
        .properties(height=240)
    )
    st.altair_chart(chart, width="stretch")


def counts(shown: pd.DataFrame) -> None:
    st.subheader("Counts")
    c = evfilter.counts(shown)
    by_country, by_raion = c.get("country"), c.get("raion")
    if by_country is not None and len(by_country):
        st.dataframe(by_country, hide_index=True, width="stretch", height=min(180, 38 + 35 * len(by_country)),
                     column_config=_columns(by_country))
    if by_raion is not None and len(by_raion):
        st.caption("Per raion (events located at raion precision or better)")
        st.dataframe(by_raion.head(200), hide_index=True, width="stretch", height=220,
                     column_config=_columns(by_raion), column_order=[c for c in by_raion.columns if c != "adm2_id"])


def _view(frame: pd.DataFrame) -> pd.DataFrame:
    """The table's columns, coded values under their readable names (as the legend names them)."""
    cols = [c for c in TABLE_COLUMNS if c in frame.columns]
    out = pd.DataFrame(frame[cols])
    for col in out.columns:
        if col in VALUE_LABELS:
            out[col] = readable(col, out[col])
        elif isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("string")
    return out


def plain(frame: pd.DataFrame) -> None:
    view = _view(frame)
    st.dataframe(view, hide_index=True, width="stretch", column_config=_columns(view))


def events_table(shown: pd.DataFrame, limit: int = 50_000) -> None:
    """Sortable, searchable table; choosing a row centres the map on it (next rerun)."""
    st.subheader("Events")
    view = _view(shown.head(limit))
    if len(shown) > limit:
        st.caption(f"First {limit:,} of {len(shown):,} events (narrow the filters to see the rest).")
    st.dataframe(
        view, hide_index=True, width="stretch", key="table", on_select="rerun", selection_mode="single-row",
        column_config=_columns(view),
    )
    st.session_state["table-ids"] = list(view["id"]) if "id" in view else []
