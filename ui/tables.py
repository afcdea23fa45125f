"""Beside the map: the timeline chart, counts per country and raion, and the events table."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from geo import filter as evfilter

TABLE_COLUMNS = [
    "date_start", "date_end", "title", "category", "verification", "geo_precision", "location_name",
    "adm0_iso", "adm1_name", "adm2_name", "actors", "equipment", "source_name", "source_url", "id",
]


def timeline(shown: pd.DataFrame, settings) -> None:  # noqa: ANN001 - ui.sidebar.Settings
    st.subheader("Events per day")
    f = settings.filter
    data = evfilter.timeline(shown, f.start, f.end)
    if data.empty or data["events"].sum() == 0:
        st.info("No event in the window.")
        return
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("events:Q", title="active events", stack=True),
            color=alt.Color("category:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=["day:T", "category:N", "events:Q"],
        )
        .properties(height=240)
    )
    st.altair_chart(chart, width="stretch")


def counts(shown: pd.DataFrame) -> None:
    st.subheader("Counts")
    c = evfilter.counts(shown)
    by_country, by_raion = c.get("country"), c.get("raion")
    if by_country is not None and len(by_country):
        st.dataframe(by_country, hide_index=True, width="stretch", height=min(180, 38 + 35 * len(by_country)))
    if by_raion is not None and len(by_raion):
        st.caption("Per raion (events located at raion precision or better)")
        st.dataframe(by_raion.head(200), hide_index=True, width="stretch", height=220)


def _view(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in TABLE_COLUMNS if c in frame.columns]
    out = pd.DataFrame(frame[cols])
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("string")
    return out


def plain(frame: pd.DataFrame) -> None:
    st.dataframe(_view(frame), hide_index=True, width="stretch",
                 column_config={"source_url": st.column_config.LinkColumn("source")})


def events_table(shown: pd.DataFrame, limit: int = 50_000) -> None:
    """Sortable, searchable table; choosing a row centres the map on it (next rerun)."""
    st.subheader("Events")
    view = _view(shown.head(limit))
    if len(shown) > limit:
        st.caption(f"First {limit:,} of {len(shown):,} events (narrow the filters to see the rest).")
    st.dataframe(
        view, hide_index=True, width="stretch", key="table", on_select="rerun", selection_mode="single-row",
        column_config={
            "source_url": st.column_config.LinkColumn("source"),
            "date_start": st.column_config.DateColumn("from"),
            "date_end": st.column_config.DateColumn("to"),
        },
    )
    st.session_state["table-ids"] = list(view["id"]) if "id" in view else []
